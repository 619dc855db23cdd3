import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import * as R from '../src/random';
import { arbKey } from '../laws/arbitraries/random';
import { lawProperty } from '../laws/arbitraries/property';
import {
  batchedKeyMatchesLoop,
  bernoulliFrequency,
  betaMean,
  categoricalFrequencies,
  choiceFrequencies,
  dirichletMeans,
  exponentialMoments,
  gammaMoments,
  multivariateNormalMoments,
  poissonMoments,
  foldInDistinct,
  isPermutation,
  normalMoments,
  randintCoversRange,
  sameKeySameNumbers,
  splitChildrenIndependent,
  splitKeysDistinct,
  truncatedNormalWithinBounds,
  uniformMoments,
  vmapMatchesLoop,
  type Sampler,
} from '../laws/random';

const seed = 7;
const params = { seed, numRuns: 50 };
/** Statistical laws draw 10k samples per run (tolerances are about 7 sigma). */
const statParams = { seed, numRuns: 50 };

const named = (label: string, f: (k: Tensor) => Tensor): Sampler => Object.assign(f, { label, toString: () => label });

const samplers: Sampler[] = [
  named('bits', (k) => R.bits(k, [5])),
  named('uniform', (k) => R.uniform(k, [2, 3])),
  named('uniform f64 [-2, 5)', (k) => R.uniform(k, [4], { minval: -2, maxval: 5, dtype: 'float64' })),
  named('normal', (k) => R.normal(k, [5])),
  named('normal f64', (k) => R.normal(k, [3], { dtype: 'float64' })),
  named('gumbel', (k) => R.gumbel(k, [4])),
  named('truncatedNormal', (k) => R.truncatedNormal(k, -1, 2, [5])),
  named('bernoulli', (k) => R.bernoulli(k, 0.3, [6])),
  named('categorical', (k) => R.categorical(k, T.tensor([[0, 1, 2], [2, 0, -1]]))),
  named('randint', (k) => R.randint(k, [7], -3, 9)),
  named('split', (k) => R.split(k, 3)),
  named('foldIn', (k) => R.foldIn(k, 11)),
  named('exponential', (k) => R.exponential(k, [4])),
  named('gamma', (k) => R.gamma(k, T.tensor([0.3, 1, 4.5]), [2, 3])),
  named('loggamma f64', (k) => R.loggamma(k, 0.05, [3], { dtype: 'float64' })),
  named('beta', (k) => R.beta(k, 0.5, T.tensor([2, 3]))),
  named('dirichlet', (k) => R.dirichlet(k, T.tensor([[1, 2, 0.5], [3, 1, 1]]))),
  named('poisson', (k) => R.poisson(k, T.tensor([0.5, 4, 12, 300]))),
  named('multivariateNormal', (k) => R.multivariateNormal(k, T.tensor([1, -1]), T.tensor([[2, 0.3], [0.3, 1]]), [3])),
  named('choice', (k) => R.choice(k, 6, [4])),
  named('choice with p', (k) => R.choice(k, 4, [5], { p: T.tensor([0.1, 0.2, 0.3, 0.4]) })),
  named('choice without replacement', (k) => R.choice(k, 7, [3], { replace: false })),
  named('choice without replacement, with p', (k) => R.choice(k, 5, [2], { replace: false, p: T.tensor([1, 0, 2, 3, 1]) })),
];
const arbSampler = fc.constantFrom(...samplers);

describe(`random laws (seed ${seed})`, () => {
  it('sameKeySameNumbers', () => {
    fc.assert(lawProperty(arbSampler, arbKey, (s, k) => sameKeySameNumbers(s, k)), params);
  });
  it('sameKeySameNumbers for permutation', () => {
    fc.assert(lawProperty(arbKey, fc.integer({ min: 0, max: 30 }), (k, n) => sameKeySameNumbers((kk) => R.permutation(kk, n), k)), params);
  });
  it('splitKeysDistinct', () => {
    fc.assert(lawProperty(arbKey, fc.integer({ min: 1, max: 16 }), (k, n) => splitKeysDistinct(k, n)), params);
  });
  it('splitChildrenIndependent', () => {
    fc.assert(lawProperty(arbKey, (k) => splitChildrenIndependent(k)), params);
  });
  it('foldInDistinct', () => {
    const arbData = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: R.MAX_FOLD_IN_DATA }));
    fc.assert(lawProperty(arbKey, arbData, arbData, (k, a, b) => foldInDistinct(k, a, b)), params);
  });
  it('vmapMatchesLoop', () => {
    fc.assert(lawProperty(arbSampler, arbKey, fc.integer({ min: 1, max: 5 }), (s, k, n) => vmapMatchesLoop(s, R.split(k, n))), params);
  });
  it('batchedKeyMatchesLoop', () => {
    fc.assert(lawProperty(arbSampler, arbKey, fc.integer({ min: 1, max: 5 }), (s, k, n) => batchedKeyMatchesLoop(s, R.split(k, n))), params);
  });
  it('uniformMoments (float32 and float64)', () => {
    fc.assert(lawProperty(arbKey, fc.constantFrom('float32' as const, 'float64' as const), (k, dt) => uniformMoments(k, 10_000, dt)), statParams);
  });
  it('normalMoments (float32 and float64)', () => {
    fc.assert(lawProperty(arbKey, fc.constantFrom('float32' as const, 'float64' as const), (k, dt) => normalMoments(k, 10_000, dt)), statParams);
  });
  it('bernoulliFrequency', () => {
    fc.assert(lawProperty(arbKey, fc.double({ min: 0, max: 1, noNaN: true }), (k, p) => bernoulliFrequency(k, p)), statParams);
  });
  it('categoricalFrequencies', () => {
    const arbLogits = fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 5 });
    fc.assert(lawProperty(arbKey, arbLogits, (k, logits) => categoricalFrequencies(k, logits)), statParams);
  });
  it('randintCoversRange', () => {
    const arbRange = fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 20 }));
    fc.assert(lawProperty(arbKey, arbRange, (k, [lo, span]) => randintCoversRange(k, lo, lo + span)), params);
  });
  it('truncatedNormalWithinBounds', () => {
    const arbBounds = fc.tuple(fc.double({ min: -6, max: 6, noNaN: true }), fc.double({ min: 0.01, max: 6, noNaN: true }));
    const arbDType = fc.constantFrom('float32' as const, 'float64' as const);
    fc.assert(lawProperty(arbKey, arbBounds, arbDType, (k, [lo, width], dt) => truncatedNormalWithinBounds(k, lo, lo + width, 1_000, dt)), params);
  });
  it('gammaMoments (shapes below 1 boosted, large ones, the rejection rounds)', () => {
    fc.assert(lawProperty(arbKey, fc.constantFrom(0.05, 0.5, 1, 3.7, 40), (k, a) => gammaMoments(k, a)), { seed, numRuns: 8 });
  });
  it('betaMean and dirichletMeans', () => {
    fc.assert(lawProperty(arbKey, fc.constantFrom([0.1, 0.1], [2, 5], [30, 1]), (k, [a, b]) => betaMean(k, a!, b!, 5_000)), { seed, numRuns: 4 });
    fc.assert(lawProperty(arbKey, fc.constantFrom([1, 1, 1], [0.2, 3, 1], [10, 5]), (k, alpha) => dirichletMeans(k, alpha, 2_000)), { seed, numRuns: 4 });
  });
  it('exponentialMoments', () => {
    fc.assert(lawProperty(arbKey, (k) => exponentialMoments(k)), { seed, numRuns: 5 });
  });
  it('poissonMoments (inversion below 10, transformed rejection from 10, large rates)', () => {
    fc.assert(lawProperty(arbKey, fc.constantFrom(0, 0.3, 4, 9.99, 10, 37, 2000, 1e6), (k, lam) => poissonMoments(k, lam, 5_000)), { seed, numRuns: 8 });
  });
  it('multivariateNormalMoments', () => {
    fc.assert(lawProperty(arbKey, (k) => multivariateNormalMoments(k, [1, -2, 0.5], [[2, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 0.5]])), { seed, numRuns: 4 });
  });
  it('choiceFrequencies', () => {
    const arbP = fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 1, maxLength: 5 }).filter((p) => p.some((v) => v > 0.01));
    fc.assert(lawProperty(arbKey, arbP, (k, p) => choiceFrequencies(k, p)), { seed, numRuns: 10 });
  });
  it('isPermutation', () => {
    fc.assert(lawProperty(arbKey, fc.integer({ min: 0, max: 200 }), (k, n) => isPermutation(k, n)), params);
  });
  it('a law fails on a broken sampler (the laws can see a difference)', () => {
    let calls = 0;
    const impure = named('impure', (k) => R.foldIn(k, calls++));
    expect(sameKeySameNumbers(impure, R.key(0))).toMatch(/^two samples from one key: index \[0\]: -?\d+ vs -?\d+$/);
    expect(isPermutation(R.key(0), 5)).toBe(true);
  });
});
