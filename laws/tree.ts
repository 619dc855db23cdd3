/**
 * Laws of pytrees as pure predicates, so users can check their own registered node classes with
 * the same properties the runner in test/tree.laws.test.ts checks.
 */
import fc from 'fast-check';
import { fromStorage, Tensor } from '../src/tensor/core';
import { combine, flatten, map, partition, structure, unflatten, type KeyPath } from '../src/tree';

/**
 * Deep equality of trees: equal structures (see `TreeDef.equals`) and pairwise equal leaves,
 * where Tensors are equal when shape, dtype and data agree (NaN equals NaN) and other leaves
 * are compared with `Object.is`.
 *
 *   treeEqual({ a: [1, t] }, { a: [1, t] }); // true
 *   treeEqual([null], [undefined]);          // false
 */
export function treeEqual(a: unknown, b: unknown): boolean {
  const [xs, da] = flatten(a);
  const [ys, db] = flatten(b);
  return da.equals(db) && xs.every((x, i) => leafEqual(x, ys[i]));
}

function leafEqual(x: unknown, y: unknown): boolean {
  if (x instanceof Tensor || y instanceof Tensor) {
    if (!(x instanceof Tensor && y instanceof Tensor) || x.dtype !== y.dtype) return false;
    if (x.shape.length !== y.shape.length || x.shape.some((n, i) => n !== y.shape[i])) return false;
    const dx = x.dataSync();
    const dy = y.dataSync();
    return dx.every((v, i) => Object.is(v, dy[i]));
  }
  return Object.is(x, y);
}

/** `unflatten` inverts `flatten`: `unflatten(...flatten(t).reverse())` deep-equals `t`. */
export function roundTrip(tree: unknown): boolean {
  const [xs, def] = flatten(tree);
  return treeEqual(unflatten(def, xs), tree) && structure(unflatten(def, xs)).equals(def);
}

/** Mapping the identity changes nothing. */
export function mapIdentity(tree: unknown): boolean {
  return treeEqual(map((x) => x, tree), tree);
}

/** Mapping `f` then `g` equals mapping their composition. */
export function mapComposition(tree: unknown, f: (x: any) => unknown, g: (x: any) => unknown): boolean {
  return treeEqual(map(g, map(f, tree)), map((x) => g(f(x)), tree));
}

/** `map` keeps the structure whatever the leaves become. */
export function mapPreservesStructure(tree: unknown, f: (x: any) => unknown): boolean {
  // Leaves mapped to null would become empty nodes, so the law is stated for leaf results.
  const mapped = map((x) => f(x) ?? 0, tree);
  return structure(mapped).equals(structure(tree));
}

/** Merging the two halves of a partition gives back the tree. */
export function combinePartition(tree: unknown, predicate: (leaf: any, path: KeyPath) => boolean): boolean {
  const [selected, rest] = partition(tree, predicate);
  return treeEqual(combine(selected, rest), tree) && treeEqual(combine(rest, selected), tree);
}

/** Partitioning with a leaf-level mask selects exactly the leaves the mask marks. */
export function partitionMaskMatchesPredicate(tree: unknown, bits: readonly boolean[]): boolean {
  const [, def] = flatten(tree);
  const chosen = Array.from({ length: def.numLeaves }, (_, i) => bits.length > 0 && bits[i % bits.length]!);
  const mask = unflatten(def, chosen);
  let i = 0;
  const byPredicate = partition(tree, () => chosen[i++]!);
  return treeEqual(partition(tree, mask), byPredicate);
}

const keys = ['w', 'b', 'layers', 'bias', 'x0', 'my key', '0'];

/** Small float32 tensors of shape [n] or [m, n]. */
export const arbTensor: fc.Arbitrary<Tensor> = fc
  .tuple(fc.constantFrom<number[]>([1], [3], [2, 2], [0]), fc.integer({ min: -4, max: 4 }))
  .map(([shape, seed]) => {
    const size = shape.reduce((n, d) => n * d, 1);
    return fromStorage(shape, 'float32', Float32Array.from({ length: size }, (_, i) => seed * 0.5 + i));
  });

const arbLeaf = fc.oneof(fc.double({ noNaN: true }), arbTensor, fc.integer({ min: -3, max: 3 }));

/**
 * Nested arrays and plain objects (always a node at the top) holding null, undefined, number
 * and small float32 Tensor leaves; nodes are weighted so most trees hold several leaves.
 */
export const arbTree: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'tree' },
    { arbitrary: arbLeaf, weight: 3 },
    { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
    { arbitrary: tie('node'), weight: 3 },
  ),
  node: fc.oneof(
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...keys), tie('tree'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;
