/**
 * Splitting a tree in two and merging it back (Equinox's partition/combine): train some
 * parameters and freeze others, or separate tensors from static configuration. Both halves keep
 * the original structure with `null` standing in for the leaves the other half holds, so they
 * can be passed through `map`, `grad` or `jit` independently and still line up.
 */
import { flatten, matchStructure, unflatten } from './flatten';
import { buildObject, childKey, viewNode, type NodeView, type TreeOptions } from './node';
import { describePath, type KeyPath } from './path';
import { OpError } from '../tensor/shape';
import type { Combined, LeafOf, Partitioned } from './types';

/**
 * Split `tree` into `[selected, rest]`, each with `null` at the other's leaf positions.
 * `filter` is a predicate `(leaf, path) => boolean`, or a mask: a tree of booleans that is a
 * prefix of `tree`'s structure, where a boolean at a node applies to its whole subtree.
 * Law: `combine(...partition(t, filter))` deep-equals `t`.
 *
 *   partition({ w: t, n: 3 }, (x) => x instanceof Tensor); // [{ n: null, w: t }, { n: 3, w: null }]
 *   partition({ encoder: e, head: h }, { encoder: false, head: true }); // train only the head
 */
export function partition<T>(tree: T, predicate: (leaf: LeafOf<T>, path: KeyPath) => boolean, options?: TreeOptions): [selected: Partitioned<T>, rest: Partitioned<T>];
export function partition<T>(tree: T, mask: unknown, options?: TreeOptions): [selected: Partitioned<T>, rest: Partitioned<T>];
export function partition(tree: unknown, filter: unknown, options?: TreeOptions): [selected: unknown, rest: unknown] {
  const [xs, def] = flatten(tree, options);
  let chosen: boolean[];
  if (typeof filter === 'function') {
    const paths = def.leafPaths();
    chosen = xs.map((x, i) => Boolean((filter as (leaf: unknown, path: KeyPath) => boolean)(x, paths[i]!)));
  } else {
    chosen = maskLeaves(filter, tree, options);
  }
  return [unflatten(def, xs.map((x, i) => (chosen[i] ? x : null))), unflatten(def, xs.map((x, i) => (chosen[i] ? null : x)))];
}

/** One boolean per leaf of `tree`, spreading each mask boolean over the subtree it covers. */
function maskLeaves(mask: unknown, tree: unknown, options?: TreeOptions): boolean[] {
  const [bits, maskDef] = flatten(mask);
  const paths = maskDef.leafPaths();
  const subtrees = matchStructure(maskDef, tree, { operation: 'tree.partition', exact: false, names: ['the mask', 'the tree'] });
  return subtrees.flatMap((sub, i) => {
    if (typeof bits[i] !== 'boolean') {
      throw new Error(`tree.partition: mask leaves must be booleans, got ${typeof bits[i]} at ${describePath(paths[i]!)}`);
    }
    return flatten(sub, options)[0].map(() => bits[i] as boolean);
  });
}

/**
 * Merge trees of the same structure: at each leaf position take the first tree's value that is
 * not `null`/`undefined` (the placeholders `partition` leaves). Positions empty in every tree
 * stay empty.
 *
 * Typed for halves of one partition (trees of one type): `null` leaves are removed from the
 * result's type, so combining both halves of `partition(params, ...)` gives params' type; trees
 * of different types give `unknown`.
 *
 *   combine({ a: 1, b: null }, { a: null, b: 2 });   // { a: 1, b: 2 }
 *   combine(...partition(model, isTrainable));        // model again
 */
export function combine<T>(first: T, ...rest: readonly T[]): Combined<T>;
export function combine(...trees: readonly unknown[]): unknown;
export function combine(...trees: readonly unknown[]): unknown {
  if (trees.length === 0) throw new Error('tree.combine: needs at least one tree');
  const walk = (values: readonly unknown[], path: (string | number)[]): unknown => {
    const present = values.filter((v) => v !== null && v !== undefined);
    // Nothing here, or one tree owns this whole subtree: it is taken as is.
    if (present.length === 0) return values[0];
    if (present.length === 1) return present[0];
    const views = present.map((v) => viewNode(v));
    const first = views[0]!;
    if (first.kind === 'leaf' || first.kind === 'none') {
      const other = views.findIndex((v) => v.kind !== first.kind);
      if (other >= 0) throw new OpError('tree.combine', `trees differ at ${describePath(path)}: ${describeLevel(first)} and ${describeLevel(views[other]!)} (value ${other + 1} of those present)`);
      return present[0];
    }
    views.forEach((v, i) => {
      if (!sameLevel(first, v)) {
        throw new Error(`tree.combine: trees differ at ${describePath(path)}: ${describeLevel(first)} and ${describeLevel(v)} (value ${i + 1} of those present)`);
      }
    });
    const children = first.children.map((_, j) => {
      path.push(childKey(first, j));
      const merged = walk(views.map((v) => (v as { children: unknown[] }).children[j]), path);
      path.pop();
      return merged;
    });
    if (first.kind === 'array') return children;
    if (first.kind === 'object') return buildObject(first.keys, children, first.nullPrototype);
    return first.type.unflatten(first.aux, children);
  };
  return walk(trees, []);
}

function sameLevel(a: NodeView, b: NodeView): boolean {
  if (a.kind === 'leaf' || a.kind === 'none' || b.kind === 'leaf' || b.kind === 'none') return a.kind === b.kind;
  if (a.kind !== b.kind || a.children.length !== b.children.length) return false;
  if (a.kind === 'object') return a.keys.every((k, i) => k === (b as { keys: string[] }).keys[i]);
  if (a.kind === 'custom') return a.type === (b as { type: unknown }).type;
  return true;
}

function describeLevel(v: NodeView): string {
  switch (v.kind) {
    case 'leaf':
      return 'a leaf';
    case 'none':
      return String(v.value);
    case 'array':
      return `an array of length ${v.children.length}`;
    case 'object':
      return `an object with keys {${v.keys.join(', ')}}`;
    case 'custom':
      return `a ${v.type.name} node`;
  }
}
