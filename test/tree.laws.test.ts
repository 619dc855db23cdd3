import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbTree,
  combinePartition,
  mapComposition,
  mapIdentity,
  mapPreservesStructure,
  partitionMaskMatchesPredicate,
  roundTrip,
  treeEqual,
} from '../laws/tree';
import { Tensor } from '../src/tensor/core';
import { keyPathToString } from '../src/tree';

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
    fc.assert(fc.property(arbTree, (t) => roundTrip(t)), params);
  });
  it('mapIdentity', () => {
    fc.assert(fc.property(arbTree, (t) => mapIdentity(t)), params);
  });
  it('mapComposition', () => {
    fc.assert(fc.property(arbTree, (t) => mapComposition(t, double, describeLeaf)), params);
  });
  it('mapPreservesStructure', () => {
    fc.assert(fc.property(arbTree, (t) => mapPreservesStructure(t, describeLeaf)), params);
  });
  it('combinePartition', () => {
    fc.assert(fc.property(arbTree, arbPredicate, (t, p) => combinePartition(t, p)), params);
  });
  it('partitionMaskMatchesPredicate', () => {
    fc.assert(fc.property(arbTree, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (t, bits) => partitionMaskMatchesPredicate(t, bits)), params);
  });
  it('treeEqual is reflexive and sees changed leaves', () => {
    fc.assert(
      fc.property(arbTree, (t) => {
        expect(treeEqual(t, t)).toBe(true);
        return true;
      }),
      params,
    );
    expect(treeEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(treeEqual([null], [undefined])).toBe(false);
  });
});
