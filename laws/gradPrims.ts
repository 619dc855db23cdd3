/**
 * Every primitive of the primitive set with a generator of valid operands, so each
 * transformation law can be run over the whole set. A case fixes the shapes, dtypes and params
 * (chosen by fast-check) and draws operand values from a seeded generator, so vmap laws can
 * draw several examples of one case. Values respect each primitive's domain: log/sqrt/rsqrt get
 * positive inputs, div stays away from 0, abs/max/min/reductions stay away from kinks and ties,
 * floor/ceil away from integers; integer operands (indices, keys, bits) are valid.
 */
import fc from 'fast-check';
import * as T from '../src/tensor';
import { PRIMS, windowOutSize, type Prim, type PrimParams, type Tensor } from '../src/tensor';
import { Rng } from './gradUtil';
import { approx, type Approx } from './approx';
import { matrixValues, randomMatrix } from './arbitraries/linalg';

/**
 * How a primitive relates to differentiation:
 * - smooth: float output with a useful derivative in its float operands;
 * - piecewiseConstant: float output, derivative zero (floor, ceil, sign);
 * - integerOutput: int or bool output from float operands (comparisons, argmax): zero derivative;
 * - noFloatInput: only integer/bool operands (logical ops, random bits): nothing to differentiate;
 * - stopGradient: the identity whose derivative is zero.
 */
export type PrimKind = 'smooth' | 'piecewiseConstant' | 'integerOutput' | 'noFloatInput' | 'stopGradient';

export interface PrimCase {
  readonly prim: Prim;
  readonly params: any;
  readonly kind: PrimKind;
  /** Operands that are differentiated (float operands); the others are held fixed. */
  readonly diff: readonly number[];
  /** Linear in the differentiated operands jointly (so linearTranspose applies to it directly). */
  readonly linear: boolean;
  /** Operand shapes and dtypes, for printing. */
  readonly avals: readonly string[];
  /** Fresh valid operands from a seeded generator (same shapes, dtypes, params every time). */
  readonly sample: (rng: Rng) => Tensor[];
  /** A looser tolerance for every law where the case computes in float32 (otherwise each law's default). */
  readonly approx?: Approx;
  /** The finite-difference step, where the default (1e-6) does not suit the case. */
  readonly step?: number;
  toString(): string;
}

type Shape = number[];
type Gen = (rng: Rng) => number;

const f64 = 'float64';
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const bind = (prim: Prim, args: readonly Tensor[], params: any): Tensor => (T.bind1 as (p: string, a: readonly Tensor[], q: any) => Tensor)(prim, args, params);

/** Apply the primitive to all operands. */
export function applyPrim(c: PrimCase): (...operands: Tensor[]) => Tensor {
  return (...xs) => bind(c.prim, xs, c.params);
}

/**
 * The case as a function of its differentiated operands (the others fixed to `operands`' values),
 * with those operands as the arguments.
 */
export function diffInstance(c: PrimCase, operands: readonly Tensor[]): { f: (...xs: Tensor[]) => Tensor; args: Tensor[] } {
  const f = (...xs: Tensor[]) => {
    const all = operands.slice();
    c.diff.forEach((k, i) => (all[k] = xs[i]!));
    return bind(c.prim, all, c.params);
  };
  Object.defineProperty(f, 'name', { value: c.prim });
  return { f, args: c.diff.map((k) => operands[k]!) };
}

type Many = (rng: Rng, n: number) => number[];
/** An operand: its shape, dtype, and a generator of one value (`value`) or of all of them (`values`). */
interface Operand {
  readonly shape: readonly number[];
  readonly dtype: T.DType;
  readonly value?: Gen;
  readonly values?: Many;
}

function makeCase(prim: Prim, params: any, kind: PrimKind, diff: number[], linear: boolean, operands: readonly Operand[], loose?: { approx: Approx; step: number }): PrimCase {
  const avals = operands.map((o) => `${o.dtype}[${o.shape.join(',')}]`);
  const sample = (rng: Rng) => operands.map((o) => {
    const n = sizeOf(o.shape);
    const vals = o.values ? o.values(rng, n) : Array.from({ length: n }, () => o.value!(rng));
    return T.tensor(vals, { shape: o.shape, dtype: o.dtype });
  });
  const text = `${prim}${Object.keys(params).length ? JSON.stringify(params) : ''}(${avals.join(', ')})`;
  return { prim, params, kind, diff, linear, avals, sample, ...loose, toString: () => text };
}

// ---------------------------------------------------------------------------------------------
// Value generators (domain guards)

const any2: Gen = (r) => r.uniform(-2, 2);
const positive: Gen = (r) => r.uniform(0.5, 3);
const awayFromZero: Gen = (r) => r.sign() * r.uniform(0.3, 2);
const awayFromIntegers: Gen = (r) => r.int(-3, 2) + r.uniform(0.1, 0.9);
const fewValues: Gen = (r) => r.int(-2, 2) / 2; // ties, so comparisons see both outcomes
const bool: Gen = (r) => (r.next() < 0.5 ? 1 : 0);
/** Distinct values at least 0.2 apart in random order (reductions and arg-reductions have no ties). */
const distinct: Many = (rng, n) => {
  const vs = Array.from({ length: n }, (_, i) => i * 0.3 - 0.15 * n + rng.uniform(0, 0.1));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [vs[i], vs[j]] = [vs[j]!, vs[i]!];
  }
  return vs;
};

// ---------------------------------------------------------------------------------------------
// Structure arbitraries

const dim = (min = 1, max = 3) => fc.integer({ min, max });
const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<Shape> => fc.array(dim(), { minLength: minRank, maxLength: maxRank });
const axesArb = (rank: number, minLength = 0): fc.Arbitrary<number[]> => fc.subarray(Array.from({ length: rank }, (_, i) => i), { minLength });
const permArb = (rank: number): fc.Arbitrary<number[]> => fc.shuffledSubarray(Array.from({ length: rank }, (_, i) => i), { minLength: rank, maxLength: rank });

const unary = (prim: Prim, value: Gen, kind: PrimKind = 'smooth', linear = false, dtype: T.DType = f64): fc.Arbitrary<PrimCase> =>
  shapeArb().map((s) => makeCase(prim, {}, kind, kind === 'noFloatInput' ? [] : [0], linear, [{ shape: s, dtype, value }]));

/** Binary elementwise with a generator of correlated pairs (for kink and branch-cut guards). */
const binary = (prim: Prim, pair: (r: Rng) => [number, number], kind: PrimKind = 'smooth', linear = false, dtype: T.DType = f64): fc.Arbitrary<PrimCase> =>
  shapeArb().map((s) => {
    let cache: [number, number][] = [];
    // Draw pairs once per sample: operand 0 draws them, operand 1 reads them.
    const a = (rng: Rng, k: number) => ((cache = Array.from({ length: k }, () => pair(rng))), cache.map((p) => p[0]));
    const b = (_rng: Rng, _k: number) => cache.map((p) => p[1]);
    return makeCase(prim, {}, kind, kind === 'noFloatInput' ? [] : [0, 1], linear, [{ shape: s, dtype, values: a }, { shape: s, dtype, values: b }]);
  });

const indep = (ga: Gen, gb: Gen) => (r: Rng): [number, number] => [ga(r), gb(r)];

const reduce = (prim: Prim, gen: { value: Gen } | { values: Many }, linear = false): fc.Arbitrary<PrimCase> =>
  shapeArb(1).chain((s) => axesArb(s.length, 1).map((axes) => makeCase(prim, { axes }, 'smooth', [0], linear, [{ shape: s, dtype: f64, ...gen }])));

const argReduce = (prim: Prim): fc.Arbitrary<PrimCase> =>
  shapeArb(1).chain((s) => fc.integer({ min: 0, max: s.length - 1 }).map((axis) => makeCase(prim, { axis }, 'integerOutput', [0], false, [{ shape: s, dtype: f64, values: distinct }])));

const reshapeArb = shapeArb().chain((s) => {
  const n = sizeOf(s);
  const targets: Shape[] = [[n], [1, n], [...s].reverse(), s.filter((d) => d !== 1), [n, 1]];
  return fc.constantFrom(...targets).map((shape) => makeCase('reshape', { shape }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }]));
});

const broadcastArb = shapeArb(0).chain((out) => fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }).map((ones) => {
  const inShape = out.map((d, i) => (ones[i] ? 1 : d));
  return makeCase('broadcast', { shape: out }, 'smooth', [0], true, [{ shape: inShape, dtype: f64, value: any2 }]);
}));

const sliceArb = shapeArb(1).chain((s) => fc.tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: d }), fc.integer({ min: 1, max: 2 })))).map((per) => {
  const starts = per.map(([st]) => st);
  const lim = per.map(([st, len], i) => Math.min(s[i]!, st + len));
  const strides = per.map(([, , k]) => k);
  return makeCase('slice', { starts, limits: lim, strides }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }]);
}));

const padArb = shapeArb().chain((s) => fc.tuple(fc.array(dim(0, 2), { minLength: s.length, maxLength: s.length }), fc.array(dim(0, 2), { minLength: s.length, maxLength: s.length }), fc.constantFrom(0, 1.5)).map(([lo, hi, value]) =>
  makeCase('pad', { lo, hi, value }, 'smooth', [0], value === 0, [{ shape: s, dtype: f64, value: any2 }])));

const concatArb = shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.array(dim(), { minLength: 1, maxLength: 3 })).map(([axis, sizes]) => {
  const ops: Operand[] = sizes.map((k) => ({ shape: s.map((d, i) => (i === axis ? k : d)), dtype: f64, value: any2 }));
  return makeCase('concatenate', { axis }, 'smooth', ops.map((_, i) => i), true, ops);
}));

const dotArb = fc.tuple(fc.array(dim(1, 2), { maxLength: 1 }), dim(), dim(), dim()).map(([b, m, k, n]) =>
  makeCase('dot', {}, 'smooth', [0, 1], false, [{ shape: [...b, m, k], dtype: f64, value: any2 }, { shape: [...b, k, n], dtype: f64, value: any2 }]));

const gatherArb = shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), dim()).map(([axis, k]) => {
  const idxShape = s.map((d, i) => (i === axis ? k : d));
  return makeCase('gather', { axis }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }, { shape: idxShape, dtype: 'int32', value: (r: Rng) => r.int(0, s[axis]! - 1) }]);
}));

const scatterArb = shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), dim()).map(([axis, k]) => {
  const idxShape = s.map((d, i) => (i === axis ? k : d));
  return makeCase('scatterAdd', { axis }, 'smooth', [0, 2], true, [
    { shape: s, dtype: f64, value: any2 },
    { shape: idxShape, dtype: 'int32', value: (r: Rng) => r.int(0, s[axis]! - 1) },
    { shape: idxShape, dtype: f64, value: any2 },
  ]);
}));

/** Window parameters that fit an [n, c, h, w] input. */
const windowArb = fc.record({
  n: dim(1, 2), c: dim(1, 2), h: dim(2, 5), w: dim(2, 5),
  kernel: fc.tuple(dim(1, 3), dim(1, 3)), stride: fc.tuple(dim(1, 2), dim(1, 2)), dilation: fc.tuple(dim(1, 2), dim(1, 2)),
  padding: fc.tuple(fc.tuple(dim(0, 1), dim(0, 1)), fc.tuple(dim(0, 1), dim(0, 1))),
}).filter((p) => windowOutSize(p.h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]) >= 1
  && windowOutSize(p.w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1]) >= 1);

const patchesArb = fc.tuple(windowArb, fc.constantFrom(0, -1)).map(([p, padValue]) => {
  const params: PrimParams['patches'] = { kernel: p.kernel, stride: p.stride, dilation: p.dilation, padding: p.padding, padValue };
  return makeCase('patches', params, 'smooth', [0], padValue === 0, [{ shape: [p.n, p.c, p.h, p.w], dtype: f64, value: any2 }]);
});

const patchesTransposeArb = windowArb.map((p) => {
  const oh = windowOutSize(p.h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]);
  const ow = windowOutSize(p.w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1]);
  const params: PrimParams['patchesTranspose'] = { kernel: p.kernel, stride: p.stride, dilation: p.dilation, padding: p.padding, padValue: 0, inputShape: [p.n, p.c, p.h, p.w] };
  return makeCase('patchesTranspose', params, 'smooth', [0], true, [{ shape: [p.n, p.c, p.kernel[0], p.kernel[1], oh, ow], dtype: f64, value: any2 }]);
});

/** A cast through float32 rounds to float32 on one side of every law: float32 tolerances, a larger step. */
const float32Cast = { approx: approx({ scale: 'tree', rtol: 1e-5, atol: 1e-6 }), step: 1e-2 };

const castArb = fc.constantFrom<[T.DType, T.DType]>([f64, f64], [f64, 'float32'], ['float32', f64], [f64, 'int32']).chain(([from, to]) => shapeArb().map((s) => {
  if (to === 'int32') return makeCase('cast', { dtype: to }, 'integerOutput', [0], false, [{ shape: s, dtype: from, value: awayFromIntegers }]);
  const f32 = from === 'float32' || to === 'float32';
  return makeCase('cast', { dtype: to }, 'smooth', [0], true, [{ shape: s, dtype: from, value: any2 }], f32 ? float32Cast : undefined);
}));

const whereArb = shapeArb().map((s) => makeCase('where', {}, 'smooth', [1, 2], true, [{ shape: s, dtype: 'bool', value: bool }, { shape: s, dtype: f64, value: any2 }, { shape: s, dtype: f64, value: any2 }]));

const randomBitsArb = fc.tuple(fc.array(dim(1, 2), { maxLength: 1 }), shapeArb(0, 2), fc.integer({ min: 0, max: 5 })).map(([k, shape, offset]) =>
  makeCase('randomBits', { shape, offset }, 'noFloatInput', [], false, [{ shape: [...k, 2], dtype: 'int32', value: (r: Rng) => r.int(-1000, 1000) }]));

const shiftArb = fc.tuple(shapeArb(), fc.integer({ min: 0, max: 31 })).map(([s, shift]) =>
  makeCase('shiftRightLogical', { shift }, 'noFloatInput', [], false, [{ shape: s, dtype: 'int32', value: (r: Rng) => r.int(-(2 ** 31), 2 ** 31 - 1) }]));

// ---------------------------------------------------------------------------------------------
// Linear algebra: matrices built so each decomposition is smooth and well-conditioned there
// (distinct eigenvalues and singular values, clear pivots, positive definite, nonsingular).

const batchArb = fc.array(dim(1, 2), { maxLength: 1 });
/** Triangular-solve matrices: a diagonal of magnitude 1 to 2, small entries elsewhere. */
const strongDiagonal = (n: number): Many => (rng, count) =>
  Array.from({ length: count / (n * n) }, () => randomMatrix('general', rng, n, n).flatMap((row, i) => row.map((x, j) => (i === j ? rng.sign() * rng.uniform(1, 2) : x / 2)))).flat();

const choleskyArb = fc.tuple(batchArb, dim()).map(([b, n]) => makeCase('cholesky', {}, 'smooth', [0], false, [{ shape: [...b, n, n], dtype: f64, values: matrixValues('spd', n, n) }]));

/** Triangular solves in both operands, or in the right-hand side alone (then linear). */
const triangularSolveArb = fc.tuple(batchArb, dim(), dim(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()).map(([b, n, k, lower, transposeA, unitDiagonal, rhsOnly]) => {
  return makeCase('triangularSolve', { lower, transposeA, unitDiagonal }, 'smooth', rhsOnly ? [1] : [0, 1], rhsOnly, [{ shape: [...b, n, n], dtype: f64, values: strongDiagonal(n) }, { shape: [...b, n, k], dtype: f64, value: any2 }]);
});

const luArb = fc.tuple(batchArb, dim(), dim()).map(([b, m, n]) => makeCase('lu', {}, 'smooth', [0], false, [{ shape: [...b, m, n], dtype: f64, values: matrixValues('pivoted', m, n) }]));

/** Mode 'complete' only where it is differentiable (m <= n, where it equals 'reduced'). */
const qrArb = fc.tuple(batchArb, dim(), dim(), fc.boolean()).map(([b, m, n, full]) =>
  makeCase('qr', { full: full && m <= n }, 'smooth', [0], false, [{ shape: [...b, m, n], dtype: f64, values: matrixValues('wellConditioned', m, n) }]));

const eighArb = fc.tuple(batchArb, dim()).map(([b, n]) => makeCase('eigh', {}, 'smooth', [0], false, [{ shape: [...b, n, n], dtype: f64, values: matrixValues('symmetric', n, n) }]));

const svdArb = fc.tuple(batchArb, dim(), dim(), fc.boolean()).map(([b, m, n, computeUv]) =>
  makeCase('svd', { computeUv }, 'smooth', [0], false, [{ shape: [...b, m, n], dtype: f64, values: matrixValues('spectrum', m, n) }]));

const maxMinPair = (r: Rng): [number, number] => {
  const a = any2(r);
  return [a, a + r.sign() * r.uniform(0.1, 1)];
};
/** atan2(a, b) away from the origin and from its branch cut (b < 0, a = 0). */
const atan2Pair = (r: Rng): [number, number] => (r.next() < 0.5 ? [any2(r), r.uniform(0.3, 2)] : [awayFromZero(r), any2(r)]);

/** Inside (-0.9, 0.9): asin, acos and atanh away from their singular endpoints. */
const unitOpen: Gen = (r) => r.uniform(-0.9, 0.9);
/** Away from the half-integers where round jumps. */
const awayFromHalves: Gen = (r) => r.int(-3, 2) + (r.next() < 0.5 ? r.uniform(0.05, 0.45) : r.uniform(0.55, 0.95));
/** rem(a, b) away from b = 0 and from the multiples of b where it jumps. */
const remPair = (r: Rng): [number, number] => {
  const b = awayFromZero(r);
  return [b * (r.int(-3, 2) + r.uniform(0.1, 0.9)), b];
};

const argsortArb = shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()).map(([axis, descending]) =>
  makeCase('argsort', { axis, descending }, 'integerOutput', [0], false, [{ shape: s, dtype: f64, values: distinct }])));

/** A start index anywhere from below -size to past the end (the primitives clamp it). */
const startOperand = (d: number): Operand => ({ shape: [], dtype: 'int32', value: (r: Rng) => r.int(-d - 1, d + 1) });

const dynamicSliceArb = shapeArb(0).chain((s) => fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }))).map((sizes) =>
  makeCase('dynamicSlice', { sizes }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }, ...s.map(startOperand)])));

const dynamicUpdateSliceArb = shapeArb(0).chain((s) => fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }))).map((window) =>
  makeCase('dynamicUpdateSlice', {}, 'smooth', [0, 1], true, [{ shape: s, dtype: f64, value: any2 }, { shape: window, dtype: f64, value: any2 }, ...s.map(startOperand)])));

/** One generator per primitive: a total map, so a new primitive without a generator fails to compile. */
export const primCases: { readonly [P in Prim]: fc.Arbitrary<PrimCase> } = {
  neg: unary('neg', any2, 'smooth', true),
  exp: unary('exp', any2),
  log: unary('log', positive),
  log1p: unary('log1p', (r: Rng) => r.uniform(-0.5, 2)),
  expm1: unary('expm1', any2),
  sqrt: unary('sqrt', positive),
  rsqrt: unary('rsqrt', positive),
  sin: unary('sin', any2),
  cos: unary('cos', any2),
  tanh: unary('tanh', any2),
  logistic: unary('logistic', any2),
  erf: unary('erf', any2),
  abs: unary('abs', awayFromZero),
  sign: unary('sign', awayFromZero, 'piecewiseConstant'),
  floor: unary('floor', awayFromIntegers, 'piecewiseConstant'),
  ceil: unary('ceil', awayFromIntegers, 'piecewiseConstant'),
  logicalNot: unary('logicalNot', bool, 'noFloatInput', false, 'bool'),
  stopGradient: unary('stopGradient', any2, 'stopGradient'),
  add: binary('add', indep(any2, any2), 'smooth', true),
  sub: binary('sub', indep(any2, any2), 'smooth', true),
  mul: binary('mul', indep(any2, any2)),
  div: binary('div', indep(any2, awayFromZero)),
  pow: binary('pow', indep((r) => r.uniform(0.5, 2), any2)),
  max: binary('max', maxMinPair),
  min: binary('min', maxMinPair),
  atan2: binary('atan2', atan2Pair),
  tan: unary('tan', (r) => r.uniform(-1.2, 1.2)),
  asin: unary('asin', unitOpen),
  acos: unary('acos', unitOpen),
  atan: unary('atan', any2),
  sinh: unary('sinh', any2),
  cosh: unary('cosh', any2),
  asinh: unary('asinh', any2),
  acosh: unary('acosh', (r) => r.uniform(1.2, 3)),
  atanh: unary('atanh', unitOpen),
  log2: unary('log2', positive),
  log10: unary('log10', positive),
  exp2: unary('exp2', any2),
  round: unary('round', awayFromHalves, 'piecewiseConstant'),
  trunc: unary('trunc', awayFromIntegers, 'piecewiseConstant'),
  rem: binary('rem', remPair),
  argsort: argsortArb,
  dynamicSlice: dynamicSliceArb,
  dynamicUpdateSlice: dynamicUpdateSliceArb,
  eq: binary('eq', indep(fewValues, fewValues), 'integerOutput'),
  ne: binary('ne', indep(fewValues, fewValues), 'integerOutput'),
  lt: binary('lt', indep(fewValues, fewValues), 'integerOutput'),
  le: binary('le', indep(fewValues, fewValues), 'integerOutput'),
  gt: binary('gt', indep(fewValues, fewValues), 'integerOutput'),
  ge: binary('ge', indep(fewValues, fewValues), 'integerOutput'),
  logicalAnd: binary('logicalAnd', indep(bool, bool), 'noFloatInput', false, 'bool'),
  logicalOr: binary('logicalOr', indep(bool, bool), 'noFloatInput', false, 'bool'),
  where: whereArb,
  cast: castArb,
  reduceSum: reduce('reduceSum', { value: any2 }, true),
  reduceMax: reduce('reduceMax', { values: distinct }),
  reduceMin: reduce('reduceMin', { values: distinct }),
  reduceProd: reduce('reduceProd', { value: (r) => r.sign() * r.uniform(0.5, 1.5) }),
  argmax: argReduce('argmax'),
  argmin: argReduce('argmin'),
  cumsum: shapeArb(1).chain((s) => fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()).map(([axis, reverse]) =>
    makeCase('cumsum', { axis, reverse }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }]))),
  reshape: reshapeArb,
  broadcast: broadcastArb,
  transpose: shapeArb().chain((s) => permArb(s.length).map((perm) => makeCase('transpose', { perm }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }]))),
  slice: sliceArb,
  flip: shapeArb().chain((s) => axesArb(s.length).map((axes) => makeCase('flip', { axes }, 'smooth', [0], true, [{ shape: s, dtype: f64, value: any2 }]))),
  pad: padArb,
  concatenate: concatArb,
  dot: dotArb,
  gather: gatherArb,
  scatterAdd: scatterArb,
  patches: patchesArb,
  patchesTranspose: patchesTransposeArb,
  randomBits: randomBitsArb,
  shiftRightLogical: shiftArb,
  cholesky: choleskyArb,
  triangularSolve: triangularSolveArb,
  lu: luArb,
  qr: qrArb,
  eigh: eighArb,
  svd: svdArb,
};

/** The primitives of the set, in PRIMS order, with their case generators. */
export const allPrimCases: readonly (readonly [Prim, fc.Arbitrary<PrimCase>])[] = PRIMS.map((p) => [p, primCases[p]] as const);
