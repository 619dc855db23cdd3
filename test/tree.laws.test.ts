import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameValue } from '../laws/approx';
import * as L from '../laws/tree';
import { arbTree } from '../laws/arbitraries/tree';
import { lawProperty } from '../laws/arbitraries/property';
import { Tensor } from '../src/tensor';
import { flatten, keyPathToString, map, registerNode, structure } from '../src/tree';
import { flattenAs } from '../src/tree/flatten';

const seed = 42;
const params = { seed, numRuns: 200 };

// A deterministic predicate on (leaf, path), varied by an integer so fast-check can explore it.
const arbPredicate = fc.integer({ min: 0, max: 1000 }).map((salt) => (leaf: unknown, path: readonly (string | number)[]) => {
  const text = `${keyPathToString(path)}:${leaf instanceof Tensor ? leaf.shape.join('x') : String(leaf)}:${salt}`;
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return (h & 1) === 0;
});

const double = (x: unknown) => (typeof x === 'number' ? x * 2 : x);
const describeLeaf = (x: unknown) => (x instanceof Tensor ? `t${x.shape.join('x')}` : typeof x);

describe(`tree laws (seed ${seed})`, () => {
  it('roundTrip: unflatten inverts flatten', () => {
    fc.assert(lawProperty(arbTree, L.roundTrip), params);
  });
  it('mapIdentity', () => {
    fc.assert(lawProperty(arbTree, L.mapIdentity), params);
  });
  it('mapComposition', () => {
    fc.assert(lawProperty(arbTree, (t) => L.mapComposition(t, double, describeLeaf)), params);
  });
  it('mapPreservesStructure', () => {
    fc.assert(lawProperty(arbTree, (t) => L.mapPreservesStructure(t, describeLeaf)), params);
  });
  it('combinePartition', () => {
    fc.assert(lawProperty(arbTree, arbPredicate, L.combinePartition), params);
  });
  it('partitionMaskMatchesPredicate', () => {
    fc.assert(lawProperty(arbTree, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), L.partitionMaskMatchesPredicate), params);
  });
  it('sameValue, the equality of the tree laws, is reflexive and sees changed leaves', () => {
    fc.assert(lawProperty(arbTree, (t) => sameValue.equals(t, t)), params);
    expect(sameValue.equals({ a: 1 }, { a: 2 })).toBe('.a: 1 vs 2');
    expect(sameValue.equals([null], [undefined])).toMatch(/^structures differ/);
  });
  it("flattenAs(def, u) succeeds exactly when u's structure prints and compares as def, with u's leaves", () => {
    class Pair {
      constructor(readonly a: unknown, readonly b: unknown, readonly tag: unknown) {}
    }
    registerNode(Pair, { flatten: (p) => [[p.a, p.b], p.tag, ['a', 'b']], unflatten: (tag, [a, b]) => new Pair(a, b, tag) });
    // Same structure (leaves changed), a related one (wrapped in a Pair whose aux varies), or any other.
    const arbTag = fc.constantFrom<unknown>(null, undefined, 1, '1', { k: 1, j: 2 }, { j: 2, k: 1 }, [1]);
    const arbOther = fc.oneof(
      arbTree.map((t) => [t, map((x) => (typeof x === 'number' ? -x : x), t)] as const),
      fc.tuple(arbTree, arbTag, arbTag).map(([t, x, y]) => [new Pair(t, [t], x), new Pair(t, [t], y)] as const),
      fc.tuple(arbTree, arbTree),
    );
    fc.assert(
      fc.property(arbOther, ([t, u]) => {
        const def = structure(t);
        const [leaves, other] = flatten(u);
        const out: unknown[] = [];
        const matched = flattenAs(def, u, out);
        expect(matched).toBe(other.toString() === def.toString() && other.equals(def));
        if (matched) expect(out.length === leaves.length && out.every((x, i) => Object.is(x, leaves[i]))).toBe(true);
      }),
      params,
    );
  });
  it('the laws catch a registered node whose unflatten swaps its children, and say where', () => {
    class Swapped {
      constructor(readonly first: unknown, readonly second: unknown) {}
    }
    registerNode(Swapped, { flatten: (p) => [[p.first, p.second], null, ['first', 'second']], unflatten: (_, [a, b]) => new Swapped(b, a) });
    const t = { s: new Swapped(1, 2) };
    expect(L.roundTrip(t)).toBe('unflatten(flatten(t)) vs t: .s.first: 2 vs 1');
    expect(L.mapIdentity(t)).toBe('map(x => x, t) vs t: .s.first: 2 vs 1');
  });
});
