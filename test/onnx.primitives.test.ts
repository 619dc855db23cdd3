/**
 * Every primitive, bound directly (so the op layer cannot rewrite it away), exported on its own
 * and run in ONNX Runtime against the eager result: float32 values within a few ulps, integers,
 * booleans and pure data movement exactly. A primitive without a case here fails the coverage test.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Prim, PrimParams, Tensor } from '../src/tensor';
import { toOnnx } from '../src/onnx';
import { Rng, fill, uniform } from '../laws/gradUtil';
import { approx } from '../laws/approx';
import { labelled } from '../laws/result';
import { opTypes, runOnnx } from './onnx.helpers';

const rng = new Rng(20240611);
const f32 = (shape: number[], lo = -2, hi = 2) => uniform(rng, shape, lo, hi, 'float32');
const i32 = (shape: number[], lo = -5, hi = 5) => T.astype(T.floor(uniform(rng, shape, lo, hi, 'float32')), 'int32');
const bools = (shape: number[]) => T.greater(uniform(rng, shape, -1, 1, 'float32'), 0);
/** Values where log1p/expm1 lose accuracy when composed naively: tiny, moderate and tail values. */
const delicate = fill([12], 'float32', (i) => [1e-8, -1e-7, 3e-5, -0.2, 0.5, 2, 15, -15, 80, -90, 1e-30, 0][i]!);

interface Case {
  readonly inputs: readonly Tensor[];
  readonly params?: object;
  /** Expected ONNX op in the graph (checks that the intended mapping is used). */
  readonly op?: string;
  /** The primitive has no ONNX lowering: export must fail with this error. */
  readonly unsupported?: RegExp;
}

const un = (...inputs: Tensor[]): Case => ({ inputs });
const patchParams = (extra: Partial<PrimParams['patches']> = {}): PrimParams['patches'] => ({
  kernel: [3, 2], stride: [2, 1], padding: [[1, 0], [0, 1]], dilation: [1, 2], padValue: 0, ...extra,
});
const image = f32([2, 3, 7, 6]);
const [, , kh, kw, oh, ow] = T.bind1('patches', [image], patchParams()).shape;

const cases: { readonly [P in Prim]: readonly Case[] } = {
  neg: [un(f32([2, 3])), un(i32([5]))],
  exp: [un(f32([2, 3], -10, 10))],
  log: [un(f32([2, 3], 0.01, 10))],
  log1p: [un(f32([2, 3], -0.9, 3)), { inputs: [delicate], op: 'IsInf' }],
  expm1: [un(f32([2, 3], -3, 3)), un(delicate)],
  sqrt: [un(f32([4], 0, 9))],
  rsqrt: [un(f32([4], 0.1, 9))],
  sin: [un(f32([2, 3], -6, 6))],
  cos: [un(f32([2, 3], -6, 6))],
  tanh: [un(f32([2, 3], -5, 5))],
  logistic: [un(f32([2, 3], -20, 20))],
  erf: [un(f32([2, 3], -3, 3))],
  abs: [un(f32([5])), un(i32([5]))],
  sign: [un(fill([4], 'float32', (i) => [-2, 0, 3, -0][i]!)), un(i32([6]))],
  floor: [un(f32([5], -3, 3)), un(i32([3]))],
  ceil: [un(f32([5], -3, 3)), un(i32([3]))],
  logicalNot: [un(bools([2, 3]))],
  stopGradient: [un(f32([3]))],
  add: [un(f32([2, 3]), f32([2, 3])), un(i32([4]), i32([4]))],
  sub: [un(f32([2, 3]), f32([2, 3])), un(i32([4]), i32([4]))],
  mul: [un(f32([2, 3]), f32([2, 3])), un(i32([4]), i32([4]))],
  // Integer division truncates toward zero and gives 0 for a zero divisor.
  div: [un(f32([2, 3]), f32([2, 3], 0.5, 2)), un(i32([8], -9, 9), fill([8], 'int32', (i) => [2, -2, 0, 3, -4, 0, 1, 5][i]!))],
  pow: [un(f32([2, 3], 0.1, 3), f32([2, 3]))],
  max: [un(f32([2, 3]), f32([2, 3])), un(i32([4]), i32([4]))],
  min: [un(f32([2, 3]), f32([2, 3])), un(i32([4]), i32([4]))],
  atan2: [un(f32([3, 4]), f32([3, 4])), un(fill([4], 'float32', (i) => [0, 1, -1, 0][i]!), fill([4], 'float32', (i) => [0, 0, -2, -3][i]!))],
  tan: [un(f32([2, 3], -1.2, 1.2))],
  asin: [un(f32([2, 3], -0.95, 0.95))],
  acos: [un(f32([2, 3], -0.95, 0.95))],
  atan: [un(f32([2, 3], -5, 5))],
  sinh: [un(f32([2, 3], -5, 5))],
  cosh: [un(f32([2, 3], -5, 5))],
  asinh: [un(f32([2, 3], -5, 5))],
  acosh: [un(f32([2, 3], 1, 5))],
  atanh: [un(f32([2, 3], -0.95, 0.95))],
  log2: [un(f32([2, 3], 0.01, 10))],
  log10: [un(f32([2, 3], 0.01, 10))],
  exp2: [un(f32([2, 3], -10, 10))],
  // Halves round to even.
  round: [un(fill([8], 'float32', (i) => [0.5, 1.5, 2.5, -0.5, -2.5, 2.4, -3.6, 7][i]!)), un(i32([3]))],
  trunc: [un(f32([6], -3, 3)), un(i32([3]))],
  // Integer remainders by 0 and -1 are 0.
  rem: [un(f32([2, 3], -5, 5), f32([2, 3], 0.5, 2)), un(fill([6], 'int32', (i) => [7, -7, 7, -7, 5, -2147483648][i]!), fill([6], 'int32', (i) => [3, 3, -3, -3, 0, -1][i]!))],
  argsort: [
    { inputs: [f32([3, 5])], params: { axis: 1, descending: false } },
    { inputs: [fill([7], 'float32', (i) => [1, NaN, -0, 0, 1, -Infinity, 2][i]!)], params: { axis: 0, descending: false } },
    { inputs: [fill([7], 'float32', (i) => [1, NaN, -0, 0, 1, -Infinity, 2][i]!)], params: { axis: 0, descending: true } },
    { inputs: [fill([2, 3], 'int32', (i) => [2, 2, 1, 0, 5, 0][i]!)], params: { axis: 0, descending: true } },
  ],
  dynamicSlice: [{ inputs: [f32([4, 5]), fill([], 'int32', () => -3), fill([], 'int32', () => 9)], params: { sizes: [2, 3] } }],
  dynamicUpdateSlice: [{ inputs: [f32([4, 5]), f32([2, 3]), fill([], 'int32', () => 3), fill([], 'int32', () => -1)] }, { inputs: [i32([6]), i32([2]), fill([], 'int32', () => 1)] }],
  eq: [un(i32([6], -2, 2), i32([6], -2, 2)), un(bools([5]), bools([5]))],
  ne: [un(i32([6], -2, 2), i32([6], -2, 2)), un(f32([3]), f32([3]))],
  lt: [un(f32([2, 3]), f32([2, 3])), un(i32([6], -2, 2), i32([6], -2, 2)), un(bools([5]), bools([5]))],
  le: [un(f32([2, 3]), f32([2, 3])), un(i32([6], -2, 2), i32([6], -2, 2))],
  gt: [un(f32([2, 3]), f32([2, 3])), un(i32([6], -2, 2), i32([6], -2, 2))],
  ge: [un(f32([2, 3]), f32([2, 3])), un(i32([6], -2, 2), i32([6], -2, 2))],
  logicalAnd: [un(bools([2, 3]), bools([2, 3])), un(i32([6], -1, 2), i32([6], -1, 2))],
  logicalOr: [un(bools([2, 3]), bools([2, 3]))],
  where: [un(bools([2, 3]), f32([2, 3]), f32([2, 3])), un(bools([4]), i32([4]), i32([4]))],
  cast: [
    { inputs: [f32([6], -5, 5)], params: { dtype: 'int32' } },
    { inputs: [fill([4], 'float32', (i) => [0, -0, 0.5, -3][i]!)], params: { dtype: 'bool' } },
    { inputs: [i32([4])], params: { dtype: 'float32' } },
    { inputs: [bools([4])], params: { dtype: 'float32' } },
    { inputs: [f32([4])], params: { dtype: 'float64' } },
    { inputs: [i32([4])], params: { dtype: 'int32' } },
  ],
  reduceSum: [{ inputs: [f32([2, 3, 4])], params: { axes: [0, 2] } }, { inputs: [i32([3, 4])], params: { axes: [1] } }, { inputs: [f32([3])], params: { axes: [] } }],
  reduceMax: [{ inputs: [f32([2, 3, 4])], params: { axes: [1] } }, { inputs: [bools([3, 4])], params: { axes: [0] } }],
  reduceMin: [{ inputs: [f32([2, 3, 4])], params: { axes: [0, 1, 2] } }, { inputs: [i32([3, 4])], params: { axes: [1] } }],
  reduceProd: [{ inputs: [f32([2, 3, 4], 0.5, 1.5)], params: { axes: [2] } }],
  argmax: [{ inputs: [f32([3, 5])], params: { axis: 1 } }, { inputs: [fill([2, 3], 'int32', (i) => [1, 4, 4, 2, 2, 0][i]!)], params: { axis: 1 } }],
  argmin: [{ inputs: [f32([3, 5])], params: { axis: 0 } }],
  cumsum: [{ inputs: [f32([3, 4])], params: { axis: 1, reverse: false } }, { inputs: [i32([3, 4])], params: { axis: 0, reverse: true } }],
  reshape: [{ inputs: [f32([2, 3, 4])], params: { shape: [6, 4] } }, { inputs: [f32([2, 0])], params: { shape: [0, 5] } }],
  broadcast: [{ inputs: [f32([1, 3, 1])], params: { shape: [2, 3, 4] } }, { inputs: [bools([1, 2])], params: { shape: [3, 2] } }],
  transpose: [{ inputs: [f32([2, 3, 4])], params: { perm: [2, 0, 1] } }],
  slice: [{ inputs: [f32([5, 6])], params: { starts: [1, 0], limits: [5, 6], strides: [2, 1] } }, { inputs: [i32([7])], params: { starts: [2], limits: [7], strides: [3] } }],
  flip: [{ inputs: [f32([3, 4])], params: { axes: [0, 1] } }, { inputs: [i32([5])], params: { axes: [0] } }],
  pad: [{ inputs: [f32([2, 3])], params: { lo: [1, 0], hi: [0, 2], value: -Infinity } }, { inputs: [i32([3])], params: { lo: [2], hi: [1], value: 7 } }],
  concatenate: [{ inputs: [f32([2, 3]), f32([2, 1]), f32([2, 2])], params: { axis: 1 } }],
  dot: [un(f32([2, 3, 4]), f32([2, 4, 5])), un(f32([3, 4]), f32([4, 2])), un(i32([2, 3]), i32([3, 2]))],
  gather: [{ inputs: [f32([3, 4]), fill([3, 2], 'int32', (i) => [3, 0, 1, 1, 2, 3][i]!)], params: { axis: 1 } }],
  // Repeated indices add up.
  scatterAdd: [{ inputs: [f32([3, 4]), fill([2, 4], 'int32', (i) => [0, 2, 2, 1, 0, 0, 1, 2][i]!), f32([2, 4])], params: { axis: 0 } }],
  patches: [
    { inputs: [image], params: patchParams() },
    { inputs: [image], params: patchParams({ padValue: -Infinity }) },
    { inputs: [i32([1, 2, 5, 5])], params: patchParams({ padValue: -2147483648 }) },
  ],
  patchesTranspose: [
    { inputs: [f32([2, 3, kh, kw, oh, ow])], params: { ...patchParams(), inputShape: [2, 3, 7, 6] } },
    { inputs: [f32([1, 2, 2, 2, 3, 3])], params: { kernel: [2, 2], stride: [2, 2], padding: [[0, 0], [0, 0]], dilation: [1, 1], padValue: 0, inputShape: [1, 2, 6, 6] } },
  ],
  randomBits: [{ inputs: [fill([2], 'int32', (i) => [42, -7][i]!)], params: { shape: [3, 4], offset: 0 } }, { inputs: [fill([2, 2], 'int32', (i) => i)], params: { shape: [5], offset: 3 } }],
  shiftRightLogical: [{ inputs: [fill([4], 'int32', (i) => [-1, -2147483648, 123456789, 0][i]!)], params: { shift: 9 } }],
  cholesky: [{ inputs: [f32([3, 3])], unsupported: /toOnnx: 'cholesky' has no ONNX operator/ }],
  triangularSolve: [{ inputs: [f32([3, 3]), f32([3, 2])], params: { lower: true, transposeA: false, unitDiagonal: false }, unsupported: /toOnnx: 'triangularSolve' has no ONNX operator/ }],
  lu: [{ inputs: [f32([3, 3])], unsupported: /toOnnx: 'lu' has no ONNX operator/ }],
  qr: [{ inputs: [f32([3, 2])], params: { full: false }, unsupported: /toOnnx: 'qr' has no ONNX operator/ }],
  eigh: [{ inputs: [f32([3, 3])], unsupported: /toOnnx: 'eigh' has no ONNX operator/ }],
  svd: [{ inputs: [f32([3, 2])], params: { computeUv: true }, unsupported: /toOnnx: 'svd' has no ONNX operator/ }],
};

/** One primitive at a time leaves ONNX Runtime's kernels little room: float32 to 4e-6 relative and 1e-7 absolute. */
const primitiveApprox = approx({ float32: { rtol: 4e-6, atol: 1e-7 } });

describe('every primitive exports to ONNX and matches eager', () => {
  it('has a case for every primitive', () => {
    expect(T.PRIMS.filter((p) => !(cases[p]?.length > 0))).toEqual([]);
  });

  for (const prim of T.PRIMS) {
    it(prim, async () => {
      for (const [i, c] of cases[prim].entries()) {
        const f = (...xs: Tensor[]) => T.bind1(prim, xs, (c.params ?? {}) as never);
        if (c.unsupported) {
          expect(() => toOnnx(f, c.inputs)).toThrow(c.unsupported);
          continue;
        }
        const model = toOnnx(f, c.inputs);
        if (c.op) expect(opTypes(model)).toContain(c.op);
        const got = await runOnnx(model, c.inputs);
        const want = f(...c.inputs);
        expect(labelled(`${prim} case ${i}: ONNX Runtime vs eager`, primitiveApprox.equals(got, want))).toBe(true);
      }
    });
  }
});
