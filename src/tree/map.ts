/**
 * Leafwise functions over one or more trees of the same structure.
 * The first tree's structure is the template: the result has it, and every other tree must have
 * exactly it (leaf positions included), so a mismatch is an error naming its key path rather
 * than a silently misaligned zip of leaves.
 */
import { flatten, matchStructure, unflatten } from './flatten';
import type { TreeOptions } from './node';
import type { KeyPath } from './path';
import type { TreeDef } from './treedef';
import { isPlainObject } from './equal';
import { describeValue } from '../tensor/describe';
import { OpError } from '../tensor/shape';
import type { Tensor } from '../tensor/core';
import type { LeafOf, MapLeaves } from './types';

/**
 * Apply `f` to the leaves at each position of `tree` and the `rest` trees; the result has
 * `tree`'s structure. Empty nodes (`null`, `undefined`) are kept as they are. A trailing
 * `{ isLeaf }` (JAX's `is_leaf`) stops the walk of `tree` wherever it returns true; the other
 * trees then only need `tree`'s structure as a prefix, and `f` receives their whole subtrees.
 *
 * The result's type is the tree's with each leaf replaced by f's result type (`MapLeaves`); f's
 * first parameter is typed from the tree's leaves. In generic code (a tree of type parameter T)
 * a function from Tensor to Tensor keeps the type T: trees of gradients and optimizer states
 * map to trees of the same type.
 *
 *   map((x) => x * 2, { a: 1, b: [2, null] });          // { a: 2, b: [4, null] }
 *   map((p, g) => p.sub(g.mul(lr)), params, grads);     // a gradient step
 *   map((pair) => pair[0], { a: [1, 2] }, { isLeaf: Array.isArray }); // { a: 1 }
 */
export function map<T, R>(f: (leaf: LeafOf<T>, ...rest: any[]) => R, tree: T, ...rest: readonly unknown[]): MapLeaves<T, R>;
export function map<T>(f: (leaf: Tensor, ...rest: any[]) => Tensor, tree: T, ...rest: readonly unknown[]): T;
export function map<T, R>(f: (leaf: any, ...rest: any[]) => R, tree: T, ...rest: readonly unknown[]): MapLeaves<T, R>;
export function map(f: (leaf: any, ...rest: any[]) => unknown, tree: unknown, ...rest: readonly unknown[]): unknown {
  checkLeafFunction('tree.map', f);
  const [trees, options] = splitOptions(rest);
  const [xs, def] = flatten(tree, options);
  const others = alignedLeaves('tree.map', def, trees, options);
  return unflatten(def, xs.map((x, i) => f(x, ...others.map((o) => o[i]))));
}

/**
 * Like `map`, with each leaf's key path as the first argument, for per-parameter decisions
 * such as "no weight decay on biases".
 *
 *   mapWithPath((path, x) => (path.at(-1) === 'b' ? x : x * 0.9), { w: 1, b: 2 }); // { b: 2, w: 0.9 }
 *   mapWithPath((path) => keyPathToString(path), { layers: [{ w: 0 }] });       // { layers: [{ w: '.layers[0].w' }] }
 */
export function mapWithPath<T, R>(f: (path: KeyPath, leaf: LeafOf<T>, ...rest: any[]) => R, tree: T, ...rest: readonly unknown[]): MapLeaves<T, R>;
export function mapWithPath<T>(f: (path: KeyPath, leaf: Tensor, ...rest: any[]) => Tensor, tree: T, ...rest: readonly unknown[]): T;
export function mapWithPath<T, R>(f: (path: KeyPath, leaf: any, ...rest: any[]) => R, tree: T, ...rest: readonly unknown[]): MapLeaves<T, R>;
export function mapWithPath(f: (path: KeyPath, leaf: any, ...rest: any[]) => unknown, tree: unknown, ...rest: readonly unknown[]): unknown {
  checkLeafFunction('tree.mapWithPath', f);
  const [trees, options] = splitOptions(rest);
  const [xs, def] = flatten(tree, options);
  const others = alignedLeaves('tree.mapWithPath', def, trees, options);
  const paths = def.leafPaths();
  return unflatten(def, xs.map((x, i) => f(paths[i]!, x, ...others.map((o) => o[i]))));
}

/**
 * Fold the leaves of a tree in flatten order.
 *
 *   reduce((n, x) => n + x, { a: 1, b: [2, 3] }, 0);       // 6
 *   reduce((n, t) => n + t.size, params, 0);                // parameter count
 */
export function reduce<T, A>(f: (accumulator: A, leaf: LeafOf<T>) => A, tree: T, initial: A): A;
export function reduce<T, A>(f: (accumulator: A, leaf: any) => A, tree: T, initial: A): A;
export function reduce<A>(f: (accumulator: A, leaf: any) => A, tree: unknown, initial: A): A {
  checkLeafFunction('tree.reduce', f);
  return flatten(tree)[0].reduce<A>((acc, x) => f(acc, x), initial);
}

/**
 * A tree with the first tree's structure whose leaves are arrays `[leaf0, leaf1, ...]`, one
 * entry per input tree. The tuples are ordinary arrays, so flattening the result again would
 * descend into them; read them back with the first tree's structure as a prefix:
 *
 *   const zipped = zip({ a: 1 }, { a: 2 });                  // { a: [1, 2] }
 *   flattenUpTo(structure({ a: 1 }), zipped);                // [[1, 2]]
 */
export function zip(tree: unknown, ...rest: unknown[]): any {
  const [xs, def] = flatten(tree);
  const others = alignedLeaves('tree.zip', def, rest);
  return unflatten(def, xs.map((x, i) => [x, ...others.map((o) => o[i])]));
}

function alignedLeaves(operation: string, def: TreeDef, trees: readonly unknown[], options?: TreeOptions): unknown[][] {
  // With isLeaf the first tree's leaves may be whole subtrees, so the others match up to them.
  return trees.map((t, i) => matchStructure(def, t, { operation, exact: options?.isLeaf === undefined, names: ['tree 1', `tree ${i + 2}`] }));
}

/**
 * A trailing `{ isLeaf }` argument is the options, as JAX's `is_leaf` keyword: a plain object
 * whose only key is `isLeaf`, holding a function. (A tree of that exact shape would be read as
 * options; wrap such a tree in an array to map over it.)
 */
function splitOptions(rest: readonly unknown[]): [trees: unknown[], options: TreeOptions | undefined] {
  const last = rest[rest.length - 1];
  if (!isPlainObject(last)) return [rest.slice(), undefined];
  const keys = Object.keys(last);
  if (keys.length !== 1 || keys[0] !== 'isLeaf' || typeof last.isLeaf !== 'function') return [rest.slice(), undefined];
  return [rest.slice(0, -1), last as TreeOptions];
}

function checkLeafFunction(operation: string, f: unknown): void {
  if (typeof f !== 'function') throw new OpError(operation, `expects a function of the leaves as its first argument, got ${describeValue(f)}`);
}
