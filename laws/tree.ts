/**
 * Laws of pytrees as pure predicates, so users can check their own registered node classes with
 * the same properties the runner in test/tree.laws.test.ts checks. Trees are compared with
 * `sameValue` (equal structure, leaves equal by `Object.is`, tensors element by element).
 *
 *   roundTrip({ w: [1, t] });            // true
 *   mapIdentity(myRegisteredNode);       // true, or where the mapped tree differs
 */
import { combine, flatten, map, partition, structure, unflatten, type KeyPath } from '../src/tree';
import { sameValue } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

/** `unflatten` inverts `flatten`: `unflatten(...flatten(t).reverse())` deep-equals `t`. */
export function roundTrip(tree: unknown): LawResult {
  const [xs, def] = flatten(tree);
  const back = unflatten(def, xs);
  return allOf(
    ['unflatten(flatten(t)) vs t', () => sameValue.equals(back, tree)],
    ['structure of the rebuilt tree', () => check(structure(back).equals(def), () => `${structure(back)} vs ${def}`)],
  );
}

/** Mapping the identity changes nothing. */
export function mapIdentity(tree: unknown): LawResult {
  return labelled('map(x => x, t) vs t', sameValue.equals(map((x) => x, tree), tree));
}

/** Mapping `f` then `g` equals mapping their composition. */
export function mapComposition(tree: unknown, f: (x: any) => unknown, g: (x: any) => unknown): LawResult {
  return labelled('map(g, map(f, t)) vs map(g ∘ f, t)', sameValue.equals(map(g, map(f, tree)), map((x) => g(f(x)), tree)));
}

/** `map` keeps the structure whatever the leaves become. */
export function mapPreservesStructure(tree: unknown, f: (x: any) => unknown): LawResult {
  // Leaves mapped to null would become empty nodes, so the law is stated for leaf results.
  const mapped = structure(map((x) => f(x) ?? 0, tree));
  const original = structure(tree);
  return check(mapped.equals(original), () => `map changed the structure: ${mapped} vs ${original}`);
}

/** Merging the two halves of a partition gives back the tree. */
export function combinePartition(tree: unknown, predicate: (leaf: any, path: KeyPath) => boolean): LawResult {
  const [selected, rest] = partition(tree, predicate);
  return allOf(
    ['combine(selected, rest) vs t', () => sameValue.equals(combine(selected, rest), tree)],
    ['combine(rest, selected) vs t', () => sameValue.equals(combine(rest, selected), tree)],
  );
}

/** Partitioning with a leaf-level mask selects exactly the leaves the mask marks. */
export function partitionMaskMatchesPredicate(tree: unknown, bits: readonly boolean[]): LawResult {
  const [, def] = flatten(tree);
  const chosen = Array.from({ length: def.numLeaves }, (_, i) => bits.length > 0 && bits[i % bits.length]!);
  const mask = unflatten(def, chosen);
  let i = 0;
  const byPredicate = partition(tree, () => chosen[i++]!);
  return labelled('partition by mask vs by predicate', sameValue.equals(partition(tree, mask), byPredicate));
}
