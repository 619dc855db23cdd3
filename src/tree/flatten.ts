/**
 * Flattening: a tree becomes its leaves (in a fixed order) plus its structure, and back.
 * Leaf order is depth-first, children in order: array indices, sorted object keys, and the order
 * a registered node's `flatten` returns.
 */
import { auxString, defNodeOf, leafDef, sameNode, TreeDef } from './treedef';
import { deepEqual, isPlainObject } from './equal';
import { lookupNode } from './registry';
import { Tensor } from '../tensor/core';
import { childKey, viewNode, type TreeOptions } from './node';
import { describePath, type KeyPath } from './path';
import { OpError } from '../tensor/shape';
import type { LeafOf } from './types';

/**
 * Split a tree into its leaves and its structure. Numbers, booleans, Tensors, and any value that
 * is not an array, plain object or registered class (strings, functions, class instances) are
 * leaves, so static configuration can ride along in a tree; `null` and `undefined` are empty
 * nodes: kept in the structure, holding no leaves.
 *
 *   const [xs, def] = flatten({ w: t, b: [1, null] }); // xs = [1, t]
 *   def.toString();                                     // '{b: [*, null], w: *}'
 */
export function flatten(tree: unknown, options?: TreeOptions): [leaves: unknown[], def: TreeDef] {
  const out: unknown[] = [];
  const ancestors = new Set<unknown>();
  const walk = (x: unknown, path: (string | number)[]): TreeDef => {
    const view = viewNode(x, options);
    if (view.kind === 'leaf') {
      out.push(x);
      return leafDef;
    }
    if (view.kind === 'none') return new TreeDef(defNodeOf(view), []);
    // A cycle would otherwise recurse until the stack overflows with no hint of where.
    if (ancestors.has(x)) throw new Error(`tree.flatten: the tree contains a cycle at ${describePath(path)}`);
    ancestors.add(x);
    const children = view.children.map((c, i) => {
      path.push(childKey(view, i));
      const def = walk(c, path);
      path.pop();
      return def;
    });
    ancestors.delete(x);
    return new TreeDef(defNodeOf(view), children);
  };
  const def = walk(tree, []);
  return [out, def];
}

/**
 * Put leaves back into a structure; the inverse of `flatten`. Throws when the number of leaves
 * is not `def.numLeaves`, because a silent partial fill would misplace every later leaf.
 *
 *   const [xs, def] = flatten({ a: 1, b: [2, 3] });
 *   unflatten(def, xs.map((x) => x * 10)); // { a: 10, b: [20, 30] }
 */
export function unflatten(def: TreeDef, leaves: readonly unknown[]): any {
  if (leaves.length !== def.numLeaves) {
    throw new Error(`tree.unflatten: structure ${def} holds ${def.numLeaves} leaves, got ${leaves.length}`);
  }
  let next = 0;
  const build = (d: TreeDef): unknown => (d.node.kind === 'leaf' ? leaves[next++] : d.build(d.children.map(build)));
  return build(def);
}

/**
 * @internal Flatten `tree` if its structure is exactly `def` (same node kinds, keys, lengths,
 * registered classes, and aux data equal and printing alike, so `flatten(tree)[1].toString()`
 * would equal `def.toString()`), appending its leaves to `out`; false (with `out` partly filled)
 * otherwise. No TreeDef is built and nothing is sorted: this is jit's per-call fast path for the
 * signature it saw last.
 */
export function flattenAs(def: TreeDef, tree: unknown, out: unknown[]): boolean {
  const node = def.node;
  switch (node.kind) {
    case 'leaf':
      if (tree === null || tree === undefined) return false;
      if (typeof tree === 'object' && !(tree instanceof Tensor) && (Array.isArray(tree) || lookupNode(tree) || isPlainObject(tree))) return false;
      out.push(tree);
      return true;
    case 'none':
      return tree === node.value;
    case 'array': {
      if (!Array.isArray(tree) || tree.length !== def.children.length) return false;
      for (let i = 0; i < tree.length; i++) if (!flattenAs(def.children[i]!, tree[i], out)) return false;
      return true;
    }
    case 'object': {
      if (!isPlainObject(tree) || (Object.getPrototypeOf(tree) === null) !== node.nullPrototype) return false;
      const keys = node.keys;
      // As many own enumerable keys, each of def's among them: the same key set, unsorted.
      if (Object.keys(tree).length !== keys.length) return false;
      for (let i = 0; i < keys.length; i++) {
        if (!Object.prototype.propertyIsEnumerable.call(tree, keys[i]!)) return false;
        if (!flattenAs(def.children[i]!, tree[keys[i]!], out)) return false;
      }
      return true;
    }
    case 'custom': {
      if (typeof tree !== 'object' || tree === null || lookupNode(tree) !== node.type) return false;
      const [children, aux, keys] = node.type.flatten(tree);
      if (children.length !== def.children.length || !deepEqual(keys, node.keys)) return false;
      if (!Object.is(aux, node.aux) && !(deepEqual(aux, node.aux) && auxString(aux) === auxString(node.aux))) return false;
      for (let i = 0; i < children.length; i++) if (!flattenAs(def.children[i]!, children[i], out)) return false;
      return true;
    }
  }
}

/**
 * The leaves of a tree in flatten order.
 *
 *   leaves({ w: [1, 2], b: 3 });    // [3, 1, 2] (keys sorted: b before w)
 *   leaves([null, undefined, 4]);   // [4]
 */
export function leaves<T>(tree: T): LeafOf<T>[];
export function leaves(tree: unknown, options?: TreeOptions): unknown[];
export function leaves(tree: unknown, options?: TreeOptions): unknown[] {
  return flatten(tree, options)[0];
}

/**
 * The structure of a tree, without its leaves.
 *
 *   structure({ w: [1, 2], b: 3 }).toString(); // '{b: *, w: [*, *]}'
 *   structure(x).equals(structure(y));         // same shape of tree?
 */
export function structure(tree: unknown, options?: TreeOptions): TreeDef {
  return flatten(tree, options)[1];
}

/**
 * Every leaf with the key path that reaches it, in flatten order.
 *
 *   flattenWithPath({ layers: [{ w: 1 }] }); // [[['layers', 0, 'w'], 1]]
 *   flattenWithPath(7);                      // [[[], 7]]
 */
export function flattenWithPath(tree: unknown, options?: TreeOptions): [path: KeyPath, leaf: unknown][] {
  const [xs, def] = flatten(tree, options);
  const paths = def.leafPaths();
  return xs.map((x, i) => [paths[i]!, x]);
}

/**
 * Flatten `tree` only as deep as `prefix` goes: one entry per leaf position of `prefix`, holding
 * whatever subtree `tree` has there. Above those positions the two must match exactly. This is
 * how a prefix (a mask, or the outer structure of `zip`) is lined up with a fuller tree.
 *
 *   flattenUpTo(structure({ a: 0, b: 0 }), { a: [1, 2], b: 3 }); // [[1, 2], 3]
 *   flattenUpTo(structure([0, 0]), zip([1, 2], [3, 4]));         // [[1, 3], [2, 4]]
 */
export function flattenUpTo(prefix: TreeDef, tree: unknown): unknown[] {
  return matchStructure(prefix, tree, { operation: 'tree.flattenUpTo', exact: false, names: ['the prefix', 'the tree'] });
}

/** How `matchStructure` reports a mismatch and whether leaves must meet leaves. */
export interface MatchOptions {
  operation: string;
  /** Exact: a leaf position must hold a leaf. Prefix: it may hold any subtree. */
  exact: boolean;
  /** What to call the structure's tree and the matched tree in error messages. */
  names: readonly [string, string];
}

/**
 * The pieces of `tree` at `def`'s leaf positions; throws naming the first key path where the
 * two disagree, which is far more useful than "structures differ" on a large model.
 */
export function matchStructure(def: TreeDef, tree: unknown, match: MatchOptions): unknown[] {
  const out: unknown[] = [];
  const fail = (path: KeyPath, expected: string, got: unknown): never => {
    const [first, second] = match.names;
    throw new OpError(match.operation, `structures differ at ${describePath(path)}: ${first} has ${expected}, ${second} has ${describe(got)}`);
  };
  const walk = (d: TreeDef, x: unknown, path: (string | number)[]): void => {
    const node = d.node;
    if (node.kind === 'leaf') {
      if (match.exact && viewNode(x).kind !== 'leaf') fail(path, 'a leaf', x);
      out.push(x);
      return;
    }
    const view = viewNode(x);
    const children = view.kind === 'leaf' || view.kind === 'none' ? [] : view.children;
    if (!sameNode(node, defNodeOf(view)) || children.length !== d.children.length) fail(path, describeDef(d), x);
    children.forEach((c, i) => {
      path.push(d.keyOf(i));
      walk(d.children[i]!, c, path);
      path.pop();
    });
  };
  walk(def, tree, []);
  return out;
}

const maxDescription = 80;

function describeDef(d: TreeDef): string {
  if (d.node.kind === 'leaf') return 'a leaf';
  const s = d.toString();
  return s.length > maxDescription ? `${s.slice(0, maxDescription - 3)}...` : s;
}

function describe(x: unknown): string {
  try {
    return describeDef(flatten(x)[1]);
  } catch {
    return String(x);
  }
}
