/**
 * Functional update of one node (Equinox's tree_at): build a new tree that shares everything
 * with the old one except the spine leading to the replaced node.
 */
import { Tensor } from '../tensor/core';
import { buildObject, childKey, viewNode } from './node';
import { describePath, type KeyPath } from './path';

/** Stands in for a leaf or empty node while `where` runs, so equal numbers stay distinguishable. */
class Marker {
  constructor(readonly path: KeyPath) {}
}

/**
 * A copy of `tree` with the node chosen by `where` replaced. `where` is a function from the tree
 * to one of its nodes or leaves (`(m) => m.layers[1].w`), or a key path. `replace` is the new
 * value, or a function from the old one to the new one (to put a function itself into the tree,
 * pass `() => fn`). The input is not modified.
 *
 *   treeAt({ a: 1, b: [2, 3] }, (t) => t.b[0], 20);          // { a: 1, b: [20, 3] }
 *   treeAt(model, ['layers', 0, 'w'], (w) => w.mul(0));      // zero one weight
 */
export function treeAt<T>(tree: T, where: ((tree: T) => unknown) | KeyPath, replace: unknown): T {
  const path = typeof where === 'function' ? locate(tree, where) : where;
  const old = getAt(tree, path);
  const value = typeof replace === 'function' ? (replace as (old: unknown) => unknown)(old) : replace;
  return setAt(tree, path, value, 0) as T;
}

/**
 * Run `where` on a shadow of the tree whose leaves and empty nodes are markers and whose nodes
 * are fresh copies, so the returned value identifies its position by identity even when the
 * real leaf is a number equal to another leaf.
 */
function locate<T>(tree: T, where: (tree: T) => unknown): KeyPath {
  const nodes = new Map<unknown, KeyPath>();
  const shadow = (x: unknown, path: (string | number)[]): unknown => {
    const view = viewNode(x);
    if (view.kind === 'leaf' || view.kind === 'none') return new Marker(path.slice());
    const children = view.children.map((c, i) => shadow(c, [...path, childKey(view, i)]));
    let copy: unknown;
    if (view.kind === 'array') copy = children;
    else if (view.kind === 'object') copy = buildObject(view.keys, children, view.nullPrototype);
    else {
      try {
        copy = view.type.unflatten(view.aux, children);
      } catch (e) {
        throw new Error(`tree.treeAt: ${view.type.name}'s unflatten failed on placeholder children (${(e as Error).message}); pass a key path instead of a function`);
      }
    }
    nodes.set(copy, path.slice());
    return copy;
  };
  const target = where(shadow(tree, []) as T);
  if (target instanceof Marker) return target.path;
  const found = nodes.get(target);
  if (found) return found;
  throw new Error('tree.treeAt: `where` did not return a node or leaf of the tree; return a subtree reached by property access from its argument, or pass a key path');
}

function getAt(tree: unknown, path: KeyPath): unknown {
  let x = tree;
  path.forEach((key, depth) => {
    const view = viewNode(x);
    const i = childIndex(view, key, path, depth, x);
    x = (view as { children: unknown[] }).children[i];
  });
  return x;
}

function setAt(x: unknown, path: KeyPath, value: unknown, depth: number): unknown {
  if (depth === path.length) return value;
  const view = viewNode(x);
  const i = childIndex(view, path[depth]!, path, depth, x);
  // childIndex has already rejected leaves and empty nodes; this narrows the type.
  if (view.kind === 'leaf' || view.kind === 'none') return x;
  const children = view.children.slice();
  children[i] = setAt(children[i], path, value, depth + 1);
  if (view.kind === 'array') return children;
  if (view.kind === 'object') return buildObject(view.keys, children, view.nullPrototype);
  return view.type.unflatten(view.aux, children);
}

function childIndex(view: ReturnType<typeof viewNode>, key: string | number, path: KeyPath, depth: number, x: unknown): number {
  const here = describePath(path.slice(0, depth));
  const missing = (why: string): never => {
    throw new Error(`tree.treeAt: no node at ${describePath(path)}: ${why}`);
  };
  if (view.kind === 'leaf') return missing(`${here} is a leaf (${x instanceof Tensor ? 'Tensor' : typeof x})`);
  if (view.kind === 'none') return missing(`${here} is ${String(view.value)}`);
  const i = view.children.findIndex((_, j) => childKey(view, j) === key);
  if (i < 0) {
    const keys = view.children.map((_, j) => childKey(view, j));
    return missing(view.kind === 'array' ? `the array at ${here} has length ${keys.length}` : `the node at ${here} has keys {${keys.join(', ')}}`);
  }
  return i;
}
