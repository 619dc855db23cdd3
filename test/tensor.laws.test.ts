import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { PRIMS, storageOf, tensor, type DType, type Prim, type PrimParams, type Tensor } from '../src/tensor';
import {
  commutes, doesNotMutateInputs, float32AgreesWithFloat64, reshapeRoundTrips, shapeRuleMatchesEager, transposeRoundTrips,
} from '../laws/tensor';
import { lawProperty } from '../laws/arbitraries/property';

const SEED = 20261122;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------------------------
// Arbitraries

type Shape = number[];
const NUMERIC: DType[] = ['float32', 'float64', 'int32'];
const FLOAT: DType[] = ['float32', 'float64'];

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeArb = (minRank = 0, maxRank = 3, minDim = 0): fc.Arbitrary<Shape> =>
  fc.array(fc.integer({ min: minDim, max: 3 }), { minLength: minRank, maxLength: maxRank });

/** Small exact values (quarters for floats) so exact laws are not disturbed by rounding. */
function valueArb(dtype: DType): fc.Arbitrary<number> {
  if (dtype === 'bool') return fc.integer({ min: 0, max: 1 });
  if (dtype === 'int32') return fc.integer({ min: -5, max: 5 });
  return fc.integer({ min: -16, max: 16 }).map((v) => v / 4);
}

function tensorArb(shape: readonly number[], dtype: DType): fc.Arbitrary<Tensor> {
  const n = sizeOf(shape);
  return fc.array(valueArb(dtype), { minLength: n, maxLength: n }).map((vs) => tensor(vs, { shape, dtype }));
}

const anyTensor = (dtypes: DType[], minRank = 0, minDim = 0): fc.Arbitrary<Tensor> =>
  fc.tuple(shapeArb(minRank, 3, minDim), fc.constantFrom(...dtypes)).chain(([s, d]) => tensorArb(s, d));

/** Two tensors of one shape and dtype (strict binary primitives). */
const samePair = (dtypes: DType[]): fc.Arbitrary<[Tensor, Tensor]> =>
  fc.tuple(shapeArb(), fc.constantFrom(...dtypes)).chain(([s, d]) => fc.tuple(tensorArb(s, d), tensorArb(s, d)));

/** A subset of the axes of a rank, sorted. */
const axesArb = (rank: number): fc.Arbitrary<number[]> =>
  fc.subarray(Array.from({ length: rank }, (_, i) => i));

const permArb = (rank: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(Array.from({ length: rank }, (_, i) => i), { minLength: rank, maxLength: rank });

/** Shapes that broadcast together: drop leading axes of a common shape and set some to 1. */
const broadcastPair: fc.Arbitrary<[Shape, Shape]> = shapeArb(0, 3).chain((out) => {
  const operand = fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return fc.tuple(operand, operand);
});

type Case = [Tensor[], any];
const withParams = <A>(arb: fc.Arbitrary<A>, f: (a: A) => fc.Arbitrary<Case>): fc.Arbitrary<Case> => arb.chain(f);

const patchesParamsArb = fc.record({
  n: fc.integer({ min: 0, max: 2 }), c: fc.integer({ min: 0, max: 2 }), h: fc.integer({ min: 1, max: 5 }), w: fc.integer({ min: 1, max: 5 }),
  kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2))),
  padValue: fc.constantFrom(0, -Infinity),
}).filter((p) => T.windowOutSize(p.h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]) >= 1
  && T.windowOutSize(p.w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1]) >= 1);

/** Valid operands and parameters for every primitive: a total map, so a new primitive must add a row. */
const primCases: { [P in Prim]: fc.Arbitrary<Case> } = (() => {
  const rows: Partial<Record<Prim, fc.Arbitrary<Case>>> = {};
  const floatOnly = new Set<string>(T.FLOAT_ONLY);
  for (const p of T.UNARY) {
    const dtypes = p === 'logicalNot' ? ['bool' as DType] : floatOnly.has(p) ? FLOAT : NUMERIC;
    rows[p] = anyTensor(dtypes).map((x) => [[x], {}]);
  }
  for (const p of T.BINARY) rows[p] = samePair(NUMERIC).map(([a, b]) => [[a, b], {}]);
  for (const p of T.COMPARE) rows[p] = samePair(p.startsWith('logical') ? ['bool'] : NUMERIC).map(([a, b]) => [[a, b], {}]);
  for (const p of T.REDUCE) rows[p] = withParams(anyTensor(NUMERIC), (x) => axesArb(x.ndim).map((axes) => [[x], { axes }]));
  rows.where = fc.tuple(shapeArb(), fc.constantFrom(...NUMERIC)).chain(([s, d]) =>
    fc.tuple(tensorArb(s, 'bool'), tensorArb(s, d), tensorArb(s, d)).map((xs): Case => [xs, {}]));
  rows.cast = fc.tuple(anyTensor([...NUMERIC, 'bool']), fc.constantFrom<DType>(...NUMERIC, 'bool')).map(([x, dtype]) => [[x], { dtype }]);
  for (const p of ['argmax', 'argmin'] as const) {
    rows[p] = withParams(anyTensor(NUMERIC, 1, 1), (x) => fc.integer({ min: 0, max: x.ndim - 1 }).map((axis) => [[x], { axis }]));
  }
  rows.cumsum = withParams(anyTensor(NUMERIC, 1), (x) => fc.tuple(fc.nat(x.ndim - 1), fc.boolean()).map(([axis, reverse]) => [[x], { axis, reverse }]));
  rows.argsort = withParams(anyTensor(NUMERIC, 1), (x) => fc.tuple(fc.nat(x.ndim - 1), fc.boolean()).map(([axis, descending]) => [[x], { axis, descending }]));
  const startsArb = (shape: readonly number[]) => fc.tuple(...shape.map((n) => fc.integer({ min: -n - 2, max: n + 2 }))).map((v) => v.map((s) => tensor(s, { dtype: 'int32' })));
  rows.dynamicSlice = withParams(anyTensor(NUMERIC), (x) =>
    fc.tuple(fc.tuple(...x.shape.map((n) => fc.nat(n))), startsArb(x.shape)).map(([sizes, starts]) => [[x, ...starts], { sizes }]));
  rows.dynamicUpdateSlice = withParams(anyTensor(NUMERIC), (x) =>
    fc.tuple(...x.shape.map((n) => fc.nat(n))).chain((window) => fc.tuple(tensorArb(window, x.dtype), startsArb(x.shape)).map(([u, starts]): Case => [[x, u, ...starts], {}])));
  rows.reshape = withParams(anyTensor(NUMERIC), (x) =>
    fc.constantFrom([x.size], [...x.shape].reverse(), [1, ...x.shape, 1]).map((shape) => [[x], { shape }]));
  rows.broadcast = withParams(anyTensor(NUMERIC), (x) =>
    fc.array(fc.nat(3), { minLength: x.ndim, maxLength: x.ndim }).map((grow) => [[x], { shape: x.shape.map((d, i) => (d === 1 ? grow[i]! : d)) }]));
  rows.transpose = withParams(anyTensor(NUMERIC), (x) => permArb(x.ndim).map((perm) => [[x], { perm }]));
  rows.slice = withParams(anyTensor(NUMERIC), (x) =>
    fc.tuple(...x.shape.map((n) => fc.tuple(fc.nat(n), fc.nat(n), fc.integer({ min: 1, max: 3 }))))
      .map((rs) => [[x], { starts: rs.map(([a, b]) => Math.min(a, b)), limits: rs.map(([a, b]) => Math.max(a, b)), strides: rs.map((r) => r[2]) }]));
  rows.flip = withParams(anyTensor(NUMERIC), (x) => axesArb(x.ndim).map((axes) => [[x], { axes }]));
  rows.pad = withParams(anyTensor(NUMERIC), (x) =>
    fc.tuple(fc.array(fc.nat(2), { minLength: x.ndim, maxLength: x.ndim }), fc.array(fc.nat(2), { minLength: x.ndim, maxLength: x.ndim }), fc.integer({ min: -3, max: 3 }))
      .map(([lo, hi, value]) => [[x], { lo, hi, value }]));
  rows.concatenate = fc.tuple(shapeArb(1, 3), fc.constantFrom(...NUMERIC)).chain(([s, d]) =>
    fc.nat(s.length - 1).chain((axis) => fc.array(fc.nat(3), { minLength: 1, maxLength: 3 }).chain((sizes) =>
      fc.tuple(...sizes.map((k) => tensorArb(s.map((n, i) => (i === axis ? k : n)), d))).map((xs): Case => [xs, { axis }]))));
  rows.dot = fc.tuple(shapeArb(0, 2), fc.nat(3), fc.nat(3), fc.nat(3), fc.constantFrom(...NUMERIC)).chain(([b, m, k, n, d]) =>
    fc.tuple(tensorArb([...b, m, k], d), tensorArb([...b, k, n], d)).map((xs): Case => [xs, {}]));
  const indexed = (withUpdates: boolean): fc.Arbitrary<Case> =>
    fc.tuple(shapeArb(1, 3), fc.constantFrom(...NUMERIC)).chain(([s, d]) => fc.nat(s.length - 1).chain((axis) => {
      const xs = s.map((n, i) => (i === axis ? Math.max(n, 1) : n));
      return fc.nat(3).chain((k) => {
        const is = xs.map((n, i) => (i === axis ? k : n));
        const n = xs[axis]!;
        const idx = fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: sizeOf(is), maxLength: sizeOf(is) }).map((v) => tensor(v, { shape: is, dtype: 'int32' }));
        return withUpdates
          ? fc.tuple(tensorArb(xs, d), idx, tensorArb(is, d)).map((ts): Case => [ts, { axis }])
          : fc.tuple(tensorArb(xs, d), idx).map((ts): Case => [ts, { axis }]);
      });
    }));
  rows.gather = indexed(false);
  rows.scatterAdd = indexed(true);
  rows.patches = withParams(patchesParamsArb, (p) => tensorArb([p.n, p.c, p.h, p.w], 'float32').map((x) => [[x], p]));
  rows.patchesTranspose = withParams(patchesParamsArb, (p) => {
    const windows = T.abstractEval('patches', [{ shape: [p.n, p.c, p.h, p.w], dtype: 'float32' }], p).shape;
    return tensorArb(windows, 'float32').map((x) => [[x], { ...p, padValue: 0, inputShape: [p.n, p.c, p.h, p.w] }]);
  });
  rows.randomBits = fc.tuple(shapeArb(0, 2), shapeArb(0, 2), fc.nat(5)).chain(([k, shape, offset]) =>
    fc.array(fc.integer(), { minLength: sizeOf(k) * 2, maxLength: sizeOf(k) * 2 }).map((v): Case => [[tensor(v, { shape: [...k, 2], dtype: 'int32' })], { shape, offset }]));
  rows.shiftRightLogical = fc.tuple(anyTensor(['int32']), fc.integer({ min: 0, max: 31 })).map(([x, shift]) => [[x], { shift }]);
  // Linear algebra: batches of float matrices, empty ones included (any values: the shape rule
  // holds for singular or indefinite matrices too, whose factors are NaN).
  const matrices = (square: boolean): fc.Arbitrary<Tensor> => fc.tuple(shapeArb(0, 1), fc.nat(3), fc.nat(3), fc.constantFrom(...FLOAT))
    .chain(([b, m, n, d]) => tensorArb([...b, m, square ? m : n], d));
  rows.cholesky = matrices(true).map((x) => [[x], {}]);
  rows.eigh = matrices(true).map((x) => [[x], {}]);
  rows.lu = matrices(false).map((x) => [[x], {}]);
  rows.qr = fc.tuple(matrices(false), fc.boolean()).map(([x, full]) => [[x], { full }]);
  rows.svd = fc.tuple(matrices(false), fc.boolean()).map(([x, computeUv]) => [[x], { computeUv }]);
  rows.triangularSolve = fc.tuple(shapeArb(0, 1), fc.nat(3), fc.nat(3), fc.constantFrom(...FLOAT), fc.boolean(), fc.boolean(), fc.boolean())
    .chain(([b, n, k, d, lower, transposeA, unitDiagonal]) => fc.tuple(tensorArb([...b, n, n], d), tensorArb([...b, n, k], d))
      .map((xs): Case => [xs, { lower, transposeA, unitDiagonal }]));
  return rows as { [P in Prim]: fc.Arbitrary<Case> };
})();

// ---------------------------------------------------------------------------------------------
// Laws

describe(`tensor laws (seed ${SEED})`, () => {
  describe('each primitive shape rule agrees with its eager result', () => {
    for (const prim of PRIMS) {
      it(prim, () => {
        fc.assert(lawProperty(primCases[prim], ([args, params]) => shapeRuleMatchesEager(prim, args, params as PrimParams[typeof prim])), runs(40));
      });
    }
  });

  describe('no operation mutates its inputs', () => {
    const ops: [string, number, (...xs: Tensor[]) => unknown][] = [
      ['add', 2, (a, b) => T.add(a!, b!)], ['mul', 2, (a, b) => T.mul(a!, b!)], ['where', 2, (a, b) => T.where(T.greater(a!, 0), a!, b!)],
      ['exp', 1, (a) => T.exp(a!)], ['softmax', 1, (a) => T.softmax(a!)], ['sum', 1, (a) => T.sum(a!, { axis: -1 })],
      ['cumsum', 1, (a) => T.cumsum(a!)], ['flip', 1, (a) => T.flip(a!)], ['reshape', 1, (a) => T.reshape(a!, [-1])],
      ['transpose', 1, (a) => T.transpose(a!)], ['slice', 1, (a) => T.slice(a!, a!.shape.map(() => ({ step: -1 })))],
      ['pad', 1, (a) => T.pad(a!, 1)], ['concatenate', 2, (a, b) => T.concatenate([T.ravel(a!), T.ravel(b!)])],
      ['matmul', 2, (a, b) => T.matmul(T.reshape(a!, [1, -1]), T.reshape(b!, [-1, 1]))], ['take', 1, (a) => T.take(a!, [0, -1])],
      ['maxPool2d', 1, (a) => T.maxPool2d(T.reshape(a!, [1, 1, 1, -1]), { kernelSize: [1, 2], stride: 1, padding: [[0, 0], [0, 1]] })],
      ['conv2d', 2, (a, b) => T.conv2d(T.reshape(a!, [1, 1, 1, -1]), T.reshape(b!, [1, 1, 1, -1]), { padding: 'same' })],
      ['einsum', 2, (a, b) => T.einsum('i,j->ij', T.ravel(a!), T.ravel(b!))],
    ];
    for (const [name, arity, f] of ops) {
      it(name, () => {
        const pair = fc.tuple(shapeArb(1, 3, 1), fc.constantFrom(...FLOAT)).chain(([s, d]) => fc.array(tensorArb(s, d), { minLength: arity, maxLength: arity }));
        fc.assert(lawProperty(pair, (xs) => doesNotMutateInputs(f, xs)), runs(30));
      });
    }
  });

  describe('binary ops commute under broadcasting and promotion', () => {
    const ops = { add: T.add, mul: T.mul, maximum: T.maximum, minimum: T.minimum, equal: T.equal };
    for (const [name, op] of Object.entries(ops)) {
      it(name, () => {
        const arb = fc.tuple(broadcastPair, fc.constantFrom(...NUMERIC, 'bool' as DType), fc.constantFrom(...NUMERIC)).chain(([[sa, sb], da, db]) =>
          fc.tuple(tensorArb(sa, da), tensorArb(sb, db)));
        fc.assert(lawProperty(arb, ([a, b]) => commutes(op, a, b)), runs(100));
      });
    }
  });

  it('reshape round-trips', () => {
    const arb = anyTensor(NUMERIC).chain((x) => fc.constantFrom([x.size], [...x.shape].reverse(), [1, ...x.shape], [x.size, 1]).map((s) => [x, s] as const));
    fc.assert(lawProperty(arb, ([x, s]) => reshapeRoundTrips(x, s)), runs(100));
  });

  it('transpose(transpose(x, p), inversePerm(p)) is x', () => {
    const arb = anyTensor(NUMERIC).chain((x) => permArb(x.ndim).map((p) => [x, p] as const));
    fc.assert(lawProperty(arb, ([x, p]) => transposeRoundTrips(x, p)), runs(100));
  });

  describe('float32 results agree with the float64 reference', () => {
    const real = (shape: Shape, lo = -3, hi = 3): fc.Arbitrary<Tensor> =>
      fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((v) => tensor(new Float64Array(v), { shape }));
    const unaryOps: [string, (x: Tensor) => Tensor][] = [
      ['exp', T.exp], ['tanh', T.tanh], ['sigmoid', T.sigmoid], ['erf', T.erf], ['softplus', T.softplus], ['logSigmoid', T.logSigmoid],
      ['gelu', (x) => T.gelu(x)], ['silu', T.silu], ['elu', (x) => T.elu(x)], ['logsumexp', (x) => T.logsumexp(x, { axis: -1 })],
      ['softmax', (x) => T.softmax(x)], ['logSoftmax', (x) => T.logSoftmax(x)], ['mean', (x) => T.mean(x, { axis: 0 })],
      ['variance', (x) => T.variance(x, { axis: -1 })], ['cumsum', (x) => T.cumsum(x, { axis: 1 })],
    ];
    for (const [name, f] of unaryOps) {
      it(name, () => {
        fc.assert(lawProperty(shapeArb(2, 2, 1).chain((s) => real(s)), (x) => float32AgreesWithFloat64(f, [x])), runs(50));
      });
    }
    it('log and sqrt on positive inputs', () => {
      fc.assert(lawProperty(shapeArb(1, 2, 1).chain((s) => real(s, 0.01, 10)), (x) => {
      const r = float32AgreesWithFloat64(T.log, [x]);
      return r === true ? float32AgreesWithFloat64(T.sqrt, [x]) : r;
    }), runs(50));
    });
    it('matmul', () => {
      const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([m, k, n]) => fc.tuple(real([m, k]), real([k, n])));
      fc.assert(lawProperty(arb, ([a, b]) => float32AgreesWithFloat64(T.matmul, [a, b])), runs(50));
    });
    it('conv2d', () => {
      const arb = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 5 }), fc.integer({ min: 1, max: 3 })).chain(([c, h, k]) => fc.tuple(real([1, c, h, h]), real([2, c, k, k])));
      fc.assert(lawProperty(arb, ([x, w]) => float32AgreesWithFloat64((a, b) => T.conv2d(a!, b!, { padding: 'same' }), [x, w])), runs(30));
    });
  });

  it('the law predicates reject counterexamples', () => {
    // Guard against vacuous laws: each predicate can say no, and says why.
    expect(commutes(T.sub, tensor([1]), tensor([2]))).toBe('op(a, b) vs op(b, a): index [0]: -1 vs 1');
    expect(transposeRoundTrips(tensor([[1, 2]]), [0, 1])).toBe(true);
    // 1e8 + 0.25 rounds away in float32 but not in float64.
    expect(float32AgreesWithFloat64((x) => T.sub(T.add(x!, 1e8), 1e8), [tensor([0.25], { dtype: 'float64' })])).toMatch(/^float32 result vs float64 reference: index \[0\]: 0 vs 0.25 differ by 0.25/);
    const leaky = (x: Tensor): void => {
      (storageOf(x) as Float32Array)[0] = 42;
    };
    expect(doesNotMutateInputs(leaky, [tensor([1])])).toBe('inputs after the call vs before: [0].data[0]: 42 vs 1');
  });
});
