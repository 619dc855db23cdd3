/**
 * linalg against closed forms (2 x 2, diagonal, triangular and permutation matrices, known
 * norms), its conventions (orders, signs, NaN for what has no answer), derivatives at the
 * degenerate points the rules guard, argument errors, and the WebGPU kernels against the
 * float64 CPU result.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { linalg, grad, jit, jvp, vmap } from '../src';
import { toOnnx } from '../src/onnx';
import { approx } from '../laws/approx';
import { float32AgreesWithFloat64 } from '../laws/tensor';
import { matrixTensor } from '../laws/arbitraries/linalg';
import { dispose, toDevice } from '../src/tensor/backend/webgpu';
import { webgpuOrWarn } from './webgpu.helpers';

const f64 = (v: number | number[] | number[][] | number[][][]) => T.tensor(v, { dtype: 'float64' });
const close = approx({ float64: { rtol: 1e-12, atol: 1e-12 } });
const expectClose = (got: unknown, want: unknown, tol = close) => expect(tol.equals(got, want)).toBe(true);
const SQRT1_2 = Math.SQRT1_2;

describe('linalg values against closed forms', () => {
  const a = f64([[1, 2], [3, 4]]);

  it('det, slogdet, inv and solve of a 2 x 2 matrix', () => {
    expectClose(linalg.det(a), f64(-2));
    const [sign, logabsdet] = linalg.slogdet(a);
    expectClose([sign, logabsdet], [f64(-1), f64(Math.log(2))]);
    expectClose(linalg.inv(a), f64([[-2, 1], [1.5, -0.5]]));
    expectClose(linalg.solve(a, f64([5, 11])), f64([1, 2]));
    expectClose(linalg.solve(a, f64([[5, 1], [11, 3]])), f64([[1, 1], [2, 0]]));
  });

  it('det of triangular, diagonal and permutation matrices, batched', () => {
    const batch = f64([[[2, 7, 1], [0, 3, 5], [0, 0, -4]], [[0, 1, 0], [1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 1], [1, 0, 0]]]);
    expectClose(linalg.det(batch), f64([-24, -1, 1]));
    expectClose(linalg.slogdet(batch)[0], f64([-1, -1, 1]));
    expectClose(linalg.det(f64([[[5]]])), f64([5]));
  });

  it('cholesky of a known matrix, lower and upper', () => {
    expectClose(linalg.cholesky(f64([[4, 2], [2, 3]])), f64([[2, 0], [1, Math.SQRT2]]));
    expectClose(linalg.cholesky(f64([[4, 2], [2, 3]]), { upper: true }), f64([[2, 1], [0, Math.SQRT2]]));
  });

  it('eigh: ascending eigenvalues, eigenvectors signed by their largest entry', () => {
    const [w, v] = linalg.eigh(f64([[2, 1], [1, 2]]));
    expectClose(w, f64([1, 3]));
    // Ties in magnitude: the first entry of largest magnitude is made positive.
    expectClose(v, f64([[SQRT1_2, SQRT1_2], [-SQRT1_2, SQRT1_2]]));
    const [wd, vd] = linalg.eigh(f64([[3, 0, 0], [0, -1, 0], [0, 0, 2]]));
    expectClose(wd, f64([-1, 2, 3]));
    expectClose(vd, f64([[0, 0, 1], [1, 0, 0], [0, 1, 0]]));
    expectClose(linalg.eigvalsh(f64([[2, 1], [1, 2]])), f64([1, 3]));
  });

  it('eigh and cholesky use the symmetric part', () => {
    expectClose(linalg.eigvalsh(f64([[2, 0], [2, 2]])), f64([1, 3]));
    expectClose(linalg.cholesky(f64([[4, 0], [4, 3]])), f64([[2, 0], [1, Math.SQRT2]]));
  });

  it('svd: descending singular values; thin and full shapes; svdvals', () => {
    const d = f64([[3, 0], [0, -4], [0, 0]]);
    const [u, s, vh] = linalg.svd(d);
    expectClose(s, f64([4, 3]));
    expect([u.shape, vh.shape]).toEqual([[3, 3], [2, 2]]);
    expectClose(u, f64([[0, 1, 0], [1, 0, 0], [0, 0, 1]]));
    expectClose(vh, f64([[0, -1], [1, 0]]));
    const [ut, st, vht] = linalg.svd(d, { fullMatrices: false });
    expect([ut.shape, st.shape, vht.shape]).toEqual([[3, 2], [2], [2, 2]]);
    expectClose(linalg.svd(d, { computeUv: false }), f64([4, 3]));
    // A rank-one outer product u vᵀ has one singular value |u| |v|.
    expectClose(linalg.svdvals(f64([[3, 4], [6, 8]])), f64([Math.sqrt(125), 0]), approx({ float64: { rtol: 1e-12, atol: 1e-7 } }));
  });

  it('qr of an upper triangular matrix with a positive diagonal is (I, A); modes', () => {
    const r = f64([[2, 1, 3], [0, 1, -1], [0, 0, 5]]);
    const [q, r2] = linalg.qr(r);
    expectClose([q, r2], [f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), r]);
    const tall = f64([[1, 2], [3, 4], [5, 6]]);
    expect(linalg.qr(tall)[0].shape).toEqual([3, 2]);
    expect(linalg.qr(tall, { mode: 'complete' })[0].shape).toEqual([3, 3]);
    expect(linalg.qr(tall, { mode: 'r' }).shape).toEqual([2, 2]);
    // |R[0, 0]| is the first column's norm; R's diagonal is non-negative.
    expectClose(T.slice(linalg.qr(tall, { mode: 'r' }), [{ stop: 1 }, { stop: 1 }]), f64([[Math.sqrt(35)]]));
  });

  it('lu: pivots on the largest entry', () => {
    const [p, l, u] = linalg.lu(f64([[1, 2], [3, 4]]));
    expectClose([p, l, u], [f64([[0, 1], [1, 0]]), f64([[1, 0], [1 / 3, 1]]), f64([[3, 4], [0, 2 / 3]])]);
    const [pw, lw, uw] = linalg.lu(f64([[1, 2, 3]]));
    expectClose([pw, lw, uw], [f64([[1]]), f64([[1]]), f64([[1, 2, 3]])]);
  });

  it('triangularSolve: left and right side, transposed, unit diagonal; the other triangle is ignored', () => {
    const lower = f64([[2, 99], [1, 4]]);
    expectClose(linalg.triangularSolve(lower, f64([[2], [9]]), { leftSide: true, lower: true }), f64([[1], [2]]));
    expectClose(linalg.triangularSolve(lower, f64([[2], [8]]), { leftSide: true, lower: true, transposeA: true }), f64([[0], [2]]));
    expectClose(linalg.triangularSolve(lower, f64([[1], [3]]), { leftSide: true, lower: true, unitDiagonal: true }), f64([[1], [2]]));
    // X A = B for upper A (JAX's defaults: right side, upper triangle).
    expectClose(linalg.triangularSolve(f64([[2, 1], [-5, 4]]), f64([[2, 5]])), f64([[1, 1]]));
  });

  it('vector norms of known vectors', () => {
    const x = f64([3, -4]);
    const norms = [undefined, 1, 2, 3, Infinity, -Infinity, 0].map((ord) => linalg.norm(x, ord ?? null).item());
    expect(norms[0]).toBe(5);
    expect(norms.slice(1)).toEqual([7, 5, Math.cbrt(91), 4, 3, 2]);
    expect(linalg.norm(f64([1, 0, -2]), 0).item()).toBe(2);
    expect(linalg.norm(f64([3, 0, 4]), 0.5).item()).toBeCloseTo((Math.sqrt(3) + 2) ** 2, 12);
  });

  it('matrix norms of a known matrix, over chosen axes, with keepdims', () => {
    const m = f64([[1, 2], [3, 4]]);
    const sigma = [Math.sqrt((30 + Math.sqrt(884)) / 2), Math.sqrt((30 - Math.sqrt(884)) / 2)];
    const want: [linalg.NormOrder, number][] = [['fro', Math.sqrt(30)], [null, Math.sqrt(30)], ['nuc', Math.sqrt(34)], [1, 6], [-1, 4], [Infinity, 7], [-Infinity, 3], [2, sigma[0]!], [-2, sigma[1]!]];
    for (const [ord, v] of want) expect(linalg.norm(m, ord).item(), `ord ${ord}`).toBeCloseTo(v, 12);
    // Swapped axes transpose the matrix: the 1-norm becomes the inf-norm.
    expect(linalg.norm(m, 1, { axis: [1, 0] }).item()).toBe(7);
    const batch = T.stack([m, T.mul(m, 2)], 0);
    expectClose(linalg.norm(batch, { ord: 'fro', axis: [1, 2] }), f64([Math.sqrt(30), 2 * Math.sqrt(30)]));
    expect(linalg.norm(batch, { ord: Infinity, axis: [1, 2], keepdims: true }).shape).toEqual([2, 1, 1]);
    expect(linalg.norm(batch, { axis: -1, keepdims: true }).shape).toEqual([2, 2, 1]);
    expect(linalg.norm(batch).item()).toBeCloseTo(Math.sqrt(150), 12);
    expect(linalg.norm(batch, { keepdims: true }).shape).toEqual([1, 1, 1]);
  });
});

describe('linalg conventions at singular, indefinite and empty inputs', () => {
  it('NaN where there is no answer: Cholesky of an indefinite matrix; inf/NaN for a singular solve', () => {
    expect(Array.from(linalg.cholesky(f64([[1, 2], [2, 1]])).dataSync()).every(Number.isNaN)).toBe(true);
    expect(Array.from(linalg.solve(f64([[1, 2], [2, 4]]), f64([1, 1])).dataSync()).some((v) => !Number.isFinite(v))).toBe(true);
    expect(Math.abs(linalg.det(f64([[1, 2], [2, 4]])).item() as number)).toBe(0);
    expect(linalg.slogdet(f64([[1, 2], [2, 4]])).map((t) => t.item())).toEqual([0, -Infinity]);
    expect(Array.from(linalg.eigvalsh(f64([[NaN, 0], [0, 1]])).dataSync()).every(Number.isNaN)).toBe(true);
  });

  it('empty matrices', () => {
    const e = T.zeros([2, 0, 0], 'float64');
    expect(linalg.det(e).toArray()).toEqual([1, 1]);
    expect(linalg.slogdet(e).map((t) => t.toArray())).toEqual([[1, 1], [0, 0]]);
    expect(linalg.inv(e).shape).toEqual([2, 0, 0]);
    expect(linalg.svdvals(T.zeros([0, 3], 'float64')).shape).toEqual([0]);
    expect(linalg.qr(T.zeros([3, 0], 'float64'), { mode: 'complete' })[0].toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('integer and bool inputs compute in float32; float64 stays float64', () => {
    const i = T.tensor([[2, 0], [0, 4]], { dtype: 'int32' });
    expect(linalg.inv(i).dtype).toBe('float32');
    expect(linalg.det(i).item()).toBe(8);
    expect(linalg.norm(T.tensor([true, false, true])).item()).toBeCloseTo(Math.SQRT2, 6);
    expect(linalg.svdvals(f64([[1]])).dtype).toBe('float64');
  });

  it('float32 results agree with the float64 reference', () => {
    const a = matrixTensor('wellConditioned', 5, [2, 4, 4]);
    for (const f of [(x: Tensor) => linalg.inv(x), (x: Tensor) => linalg.det(x), (x: Tensor) => linalg.eigvalsh(x), (x: Tensor) => linalg.svdvals(x), (x: Tensor) => linalg.norm(x, 'nuc', { axis: [1, 2] })]) {
      expect(float32AgreesWithFloat64(f, [a])).toBe(true);
    }
  });
});

describe('linalg derivatives at the points the rules guard', () => {
  it('det: the adjugate, also at a singular matrix of rank n - 1 (no NaN)', () => {
    expectClose(grad((m: Tensor) => linalg.det(m))(f64([[1, 2], [3, 4]])), f64([[4, -3], [-2, 1]]));
    // adj([[1, 2], [2, 4]])ᵀ = [[4, -2], [-2, 1]].
    expectClose(grad((m: Tensor) => linalg.det(m))(f64([[1, 2], [2, 4]])), f64([[4, -2], [-2, 1]]));
    const [, t] = jvp((m: Tensor) => linalg.det(m), [f64([[2, 0, 0], [0, 3, 0], [0, 0, 0]])], [f64([[0, 0, 0], [0, 0, 0], [0, 0, 1]])]);
    expect(t.item()).toBe(6);
  });

  it('log|det|: A⁻ᵀ; the sign has zero derivative', () => {
    const a = f64([[2, 1], [1, 3]]);
    expectClose(grad((m: Tensor) => linalg.slogdet(m)[1])(a), T.transpose(linalg.inv(a)));
    expectClose(grad((m: Tensor) => linalg.slogdet(m)[0])(a), T.zerosLike(a));
  });

  it('functions of repeated eigenvalues or singular values differentiate (the vector terms are guarded)', () => {
    const eye = f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expectClose(grad((m: Tensor) => T.sum(linalg.eigvalsh(m)))(eye), eye);
    expectClose(grad((m: Tensor) => linalg.norm(m, 'nuc'))(eye), eye);
    expectClose(grad((m: Tensor) => T.sum(linalg.svdvals(m)))(f64([[2, 0], [0, 2], [0, 0]])), f64([[1, 0], [0, 1], [0, 0]]));
  });

  it('solve: the cotangent of b is a solve with Aᵀ, of A is -b̄ xᵀ', () => {
    const a = f64([[3, 1], [1, 2]]), b = f64([9, 8]);
    const x = linalg.solve(a, b);
    const [ga, gb] = grad((m: Tensor, v: Tensor) => T.sum(T.mul(linalg.solve(m, v), f64([1, -1]))), { argnums: [0, 1] })(a, b) as Tensor[];
    const bbar = linalg.solve(T.transpose(a), f64([1, -1]));
    expectClose(gb, bbar);
    expectClose(ga, T.neg(T.outer(bbar, x)));
  });

  it('non-differentiable choices say so', () => {
    const tall = f64([[1, 2], [3, 4], [5, 6]]);
    expect(() => grad((m: Tensor) => T.sum(linalg.qr(m, { mode: 'complete' })[0]))(tall)).toThrow(/qr: the derivative of mode 'complete' is defined for square or wide matrices only, got 3 x 2/);
    expect(() => grad((m: Tensor) => T.sum(linalg.svd(m)[0]))(tall)).toThrow(/qr: the derivative of mode 'complete'/);
    expect(() => grad((m: Tensor) => T.sum(linalg.svd(m, { fullMatrices: false })[0]))(tall)).not.toThrow();
  });

  it('under jit and vmap together', () => {
    const a = matrixTensor('wellConditioned', 3, [4, 3, 3]);
    const g = (m: Tensor) => grad((x: Tensor) => linalg.slogdet(x)[1])(m);
    expect(approx().equals(jit(vmap(g))(a), T.transpose(linalg.inv(a), [0, 2, 1]))).toBe(true);
  });
});

describe('linalg argument errors name the function and the problem', () => {
  const m = f64([[1, 2], [3, 4]]);
  it.each([
    [() => linalg.det(f64([[1, 2, 3]])), /linalg\.det: a must be square matrices \[\.\.\., n, n\], got float64\[1, 3\]/],
    [() => linalg.inv(f64([1, 2])), /linalg\.inv: a must be a matrix or a batch of matrices \[\.\.\., m, n\], got float64\[2\]/],
    [() => linalg.solve(m, f64([1, 2, 3])), /linalg\.solve: b must be \[2\] or \[\.\.\., 2, k\]/],
    [() => linalg.solve(m, 3), /linalg\.solve: b must be \[2\]/],
    [() => linalg.solve([[1, 2], [3, 4]] as never, m), /linalg\.solve: a must be a Tensor, got \[\[1, 2\], \[3, 4\]\]/],
    [() => linalg.cholesky(m, { lower: true } as never), /linalg\.cholesky: unknown option "lower" \(valid options: upper\)/],
    [() => linalg.cholesky(m, { upper: 'yes' } as never), /linalg\.cholesky: option upper must be true or false, got "yes"/],
    [() => linalg.qr(m, { mode: 'full' } as never), /linalg\.qr: mode must be one of "reduced", "complete", "r", got "full"/],
    [() => linalg.svd(m, { full_matrices: false } as never), /linalg\.svd: unknown option "full_matrices"/],
    [() => linalg.norm(m, 'spectral' as never), /linalg\.norm: ord must be a number, 'fro', 'nuc' or null, got "spectral"/],
    [() => linalg.norm(f64([1, 2]), 'fro'), /linalg\.norm: ord "fro" is a matrix norm/],
    [() => linalg.norm(m, 3), /linalg\.norm: invalid order 3 for a matrix norm/],
    [() => linalg.norm(T.zeros([2, 2, 2]), 2), /linalg\.norm: takes one axis \(a vector norm\) or two \(a matrix norm\), got 3 axes/],
    [() => linalg.norm(m, { axis: [0, 0] }), /linalg\.norm: axes must be distinct/],
    [() => linalg.norm(m, { ord: 2 }, { keepdims: true }), /linalg\.norm: give the options once/],
    [() => linalg.triangularSolve(m, f64([[1, 2, 3]]), { leftSide: true }), /linalg\.triangularSolve: b's rows must match a's size 2 \(leftSide: true\)/],
  ])('%#', (f, message) => expect(f).toThrow(message));

  it('ONNX export refuses, naming the primitive', () => {
    expect(() => toOnnx((x: Tensor) => linalg.inv(x), [T.tensor([[1, 2], [3, 4]])])).toThrow(/toOnnx: '(lu|triangularSolve)' has no ONNX operator/);
  });
});

const gpu = await webgpuOrWarn('linalg on webgpu');

describe.skipIf(!gpu)('linalg on WebGPU (float32 kernels) against the float64 CPU result', () => {
  const cases: [string, (x: Tensor) => unknown, Tensor][] = [
    ['solve', (x) => linalg.solve(x, T.ones([3, 4, 2])), matrixTensor('wellConditioned', 1, [3, 4, 4])],
    ['inv', (x) => linalg.inv(x), matrixTensor('wellConditioned', 2, [2, 5, 5])],
    ['det and slogdet', (x) => [linalg.det(x), linalg.slogdet(x)], matrixTensor('wellConditioned', 3, [3, 4, 4])],
    ['cholesky', (x) => linalg.cholesky(x), matrixTensor('spd', 4, [2, 5, 5])],
    ['qr', (x) => linalg.qr(x), matrixTensor('wellConditioned', 5, [2, 5, 3])],
    ['eigh', (x) => linalg.eigh(x), matrixTensor('symmetric', 6, [2, 5, 5])],
    ['svd (wide, thin)', (x) => linalg.svd(x, { fullMatrices: false }), matrixTensor('spectrum', 7, [2, 3, 5])],
    ['lu', (x) => linalg.lu(x), matrixTensor('pivoted', 8, [2, 4, 4])],
    ['norm nuc and 2', (x) => [linalg.norm(x, 'nuc', { axis: [1, 2] }), linalg.norm(x, 2, { axis: [1, 2] })], matrixTensor('spectrum', 9, [2, 4, 3])],
  ];
  const tol = approx({ ignoreDtype: true, scale: 'tree', float32: { rtol: 1e-4, atol: 1e-5 } });
  it.each(cases)('%s', async (_, f, x) => {
    const want = f(x);
    const onGpu = toDevice(T.astype(x, 'float32'), 'webgpu');
    for (const got of [f(onGpu), jit(f)(onGpu)]) {
      const leaves = [got].flat(2) as Tensor[];
      const host = await Promise.all(leaves.map(async (t) => T.tensor(Array.from(await t.data()), { shape: t.shape })));
      expect(tol.equals(host, [want].flat(2))).toBe(true);
      leaves.forEach(dispose);
    }
    dispose(onGpu);
  });
});
