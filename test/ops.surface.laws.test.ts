/**
 * Laws of the composite operations of issue 13 (sorting, cumulative ops, diagonals, tiling,
 * remainders, einsum, index updates): each case draws shapes, parameters and float64 values
 * with a fixed seed and checks the derivatives against central finite differences (forward and
 * reverse), vmap against a loop over three examples, and jit against eager bit for bit. Value
 * tests against closed forms live in the ops.*.test.ts files next to this one.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { vmapMatchesLoop } from '../laws/vmap';
import { jitMatchesEager } from '../laws/jit';
import { allOf, type LawResult } from '../laws/result';
import { lawProperty } from '../laws/arbitraries/property';
import { Rng } from '../laws/gradUtil';

const SEED = 1313;
const RUNS = 6;

type Values = 'any' | 'distinct' | 'withZeros' | 'awayFromSteps';

/** One drawn case: the function (parameters baked in) and three examples of its arguments. */
interface Drawn {
  readonly f: (...xs: Tensor[]) => unknown;
  readonly examples: Tensor[][];
  /** Whether f is differentiable at the drawn values (false: only vmap and jit are checked). */
  readonly smooth: boolean;
  readonly text: string;
  toString(): string;
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function valuesFor(kind: Values, n: number, rng: Rng): number[] {
  switch (kind) {
    case 'any': return Array.from({ length: n }, () => rng.uniform(-2, 2));
    // At least 0.1 apart in random order: sorts and extrema have no ties.
    case 'distinct': {
      const vs = Array.from({ length: n }, (_, i) => i * 0.25 - 0.12 * n + rng.uniform(0, 0.1));
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [vs[i], vs[j]] = [vs[j]!, vs[i]!];
      }
      return vs;
    }
    case 'withZeros': return Array.from({ length: n }, () => (rng.next() < 0.25 ? 0 : rng.uniform(-2, 2)));
    case 'awayFromSteps': return Array.from({ length: n }, () => rng.int(-4, 3) + rng.uniform(0.1, 0.4));
  }
}

/** A case over float64 operands of the drawn shapes; `params` become part of f. */
function drawn<P>(shapesAndParams: fc.Arbitrary<[number[][], P]>, values: Values | Values[], make: (p: P) => (...xs: Tensor[]) => unknown, smooth = true): fc.Arbitrary<Drawn> {
  return fc.tuple(shapesAndParams, fc.nat(1 << 20)).map(([[shapes, params], seed]) => {
    const rng = new Rng(seed);
    const kinds = Array.isArray(values) ? values : shapes.map(() => values);
    const examples = [0, 1, 2].map(() => shapes.map((s, k) => T.tensor(valuesFor(kinds[k]!, sizeOf(s), rng), { shape: s, dtype: 'float64' })));
    const text = `shapes ${JSON.stringify(shapes)} params ${JSON.stringify(params)} seed ${seed}`;
    return { f: make(params), examples, smooth, text, toString: () => text };
  });
}

const dim = (min = 1, max = 4) => fc.integer({ min, max });
const shape = (minRank = 1, maxRank = 3, minDim = 1) => fc.array(dim(minDim), { minLength: minRank, maxLength: maxRank });
const axisOf = (s: number[]) => fc.integer({ min: -s.length, max: s.length - 1 });

/** FD on the first example (when smooth), vmap over the three, jit vs eager bitwise. */
function lawsHold(c: Drawn): LawResult {
  const args = c.examples[0]!;
  return allOf(
    ['finite differences', () => (c.smooth ? gradsMatchFiniteDifferences(c.f, args, { seed: 7 }) : true)],
    ['vmap', () => vmapMatchesLoop(c.f, c.examples, { inAxes: args.map(() => 0) })],
    ['jit', () => jitMatchesEager(c.f, args)],
  );
}

const CASES: Record<string, fc.Arbitrary<Drawn>> = {
  sort: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.record({ axis: axisOf(s), descending: fc.boolean() }))), 'distinct', (p) => (x) => T.sort(x!, p)),
  'sort (flattened)': drawn(shape().map((s): [number[][], null] => [[s], null]), 'distinct', () => (x) => T.sort(x!, null)),
  topK: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: 0, max: s[s.length - 1]! }))), 'distinct', (k) => (x) => {
    // Indices as float64, so finite differences see a (zero-derivative) float output.
    const [values, indices] = T.topK(x!, k);
    return [values, T.astype(indices, 'float64')];
  }),
  cumprod: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.record({ axis: axisOf(s), reverse: fc.boolean() }))), 'withZeros', (p) => (x) => T.cumprod(x!, p)),
  'cumprod (flattened, long)': drawn(fc.integer({ min: 5, max: 19 }).map((n): [number[][], null] => [[[n]], null]), 'withZeros', () => (x) => T.cumprod(T.mul(x!, 0.6))),
  cummax: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.record({ axis: axisOf(s), reverse: fc.boolean() }))), 'distinct', (p) => (x) => T.cummax(x!, p)),
  cummin: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.record({ axis: axisOf(s), reverse: fc.boolean() }))), 'distinct', (p) => (x) => T.cummin(x!, p)),
  tril: drawn(shape(2, 4).chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: -3, max: 3 }))), 'any', (k) => (x) => T.tril(x!, { k })),
  triu: drawn(shape(2, 4).chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: -3, max: 3 }))), 'any', (k) => (x) => T.triu(x!, { k })),
  'diag (1-D)': drawn(fc.tuple(dim(0, 4), fc.integer({ min: -2, max: 2 })).map(([n, k]): [number[][], number] => [[[n]], k]), 'any', (k) => (x) => T.diag(x!, { k })),
  diagonal: drawn(shape(2, 4).chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: -3, max: 3 }))
    .filter(([, a, b]) => a !== b).map(([sh, axis1, axis2, offset]): [number[][], object] => [[...sh], { axis1, axis2, offset }])), 'any', (p) => (x) => T.diagonal(x!, p)),
  trace: drawn(shape(2, 3).chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: -2, max: 2 }))), 'any', (offset) => (x) => T.trace(x!, { offset })),
  tile: drawn(shape(0, 3).chain((s) => fc.tuple(fc.constant([s]), fc.array(dim(0, 3), { maxLength: 4 }))), 'any', (reps) => (x) => T.tile(x!, reps)),
  repeat: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: 0, max: s.length - 1 })).chain(([sh, axis]) =>
    fc.tuple(fc.constant([...sh]), fc.oneof(dim(0, 3), fc.array(dim(0, 3), { minLength: sh[0]![axis]!, maxLength: sh[0]![axis]! })).map((repeats) => ({ repeats, axis }))))), 'any', (p) => (x) => T.repeat(x!, p.repeats, p.axis)),
  roll: drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: -7, max: 7 })))), 'any', ([axis, shift]) => (x) => T.roll(x!, shift, axis)),
  'roll (traced shift)': drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: -7, max: 7 })))), 'any', ([axis, shift]) => (x) => T.roll(x!, T.scalar(shift, 'int32'), { axis })),
  meshgrid: drawn(fc.tuple(fc.array(dim(1, 4), { minLength: 1, maxLength: 3 }), fc.constantFrom<'xy' | 'ij'>('xy', 'ij'), fc.boolean())
    .map(([ns, indexing, sparse]): [number[][], object] => [ns.map((n) => [n]), { indexing, sparse }]), 'any', (p) => (...xs) => T.meshgrid(...xs, p)),
  mod: drawn(shape().map((s): [number[][], null] => [[s, s], null]), ['awayFromSteps', 'awayFromSteps'], () => (a, b) => T.mod(T.mul(a!, 3), T.add(T.abs(b!), 0.5))),
  fmod: drawn(shape().map((s): [number[][], null] => [[s, s], null]), ['awayFromSteps', 'awayFromSteps'], () => (a, b) => T.fmod(T.mul(a!, 3), T.neg(T.add(T.abs(b!), 0.5)))),
  floorDivide: drawn(shape().map((s): [number[][], null] => [[s, s], null]), ['awayFromSteps', 'awayFromSteps'], () => (a, b) => T.floorDivide(T.mul(a!, 3), T.add(T.abs(b!), 0.5)), false),
  'round (decimals)': drawn(shape().chain((s) => fc.tuple(fc.constant([s]), fc.integer({ min: -1, max: 2 }))), 'any', (decimals) => (x) => T.round(x!, { decimals }), false),
  'at[slices].set': drawn(fc.constant<[number[][], null]>([[[3, 4], [2, 2]], null]), 'any', () => (x, v) => x!.at(['1:', { start: 3, stop: 0, step: -2 }]).set(v!)),
  'at[index array].mul': drawn(fc.constant<[number[][], null]>([[[4, 3], [3, 3]], null]), 'any', () => (x, v) => x!.at([[0, 2, 0]]).mul(v!)),
  'at[index array].max': drawn(fc.constant<[number[][], null]>([[[4, 3], [3, 3]], null]), 'distinct', () => (x, v) => x!.at([[1, 1, 3]]).max(v!)),
  'at[traced, slice].add': drawn(fc.constant<[number[][], null]>([[[3, 4], [2]], null]), 'any', () => (x, v) => x!.at([T.scalar(-2, 'int32'), '::2']).add(v!)),
};

describe(`laws of the composite operations (seed ${SEED}): finite differences, vmap vs loop, jit vs eager`, () => {
  for (const [name, arb] of Object.entries(CASES)) {
    it(name, () => {
      fc.assert(lawProperty(arb, lawsHold), { seed: SEED, numRuns: RUNS });
    });
  }
});
