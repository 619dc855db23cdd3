/**
 * CPU kernels of the triangular factorizations: Cholesky, triangular solves, LU with partial
 * pivoting and Householder QR. Each matrix of the batch (the leading axes) is copied into a
 * float64 work array, factored there, and stored into the output (rounding to float32 when the
 * output is float32), so float32 and float64 inputs share one algorithm.
 */
import type { TypedArray } from '../../../dtype';
import type { PrimParams } from '../../../primitives';
import { sizeOf, type Shape } from '../../../shape';

/** The number of matrices in a batch of shape [..., m, n]. */
export const batchCount = (shape: Shape): number => sizeOf(shape.slice(0, -2));
const rows = (shape: Shape): number => shape[shape.length - 2]!;
const cols = (shape: Shape): number => shape[shape.length - 1]!;

/**
 * Cholesky factor of the symmetric part (A + Aᵀ)/2, column by column (the Cholesky–Banachiewicz
 * order); a matrix that is not positive definite (a pivot <= 0 or NaN) gives all NaN, as in JAX.
 */
export function choleskyKernel(x: TypedArray, shape: Shape, out: TypedArray): void {
  const n = cols(shape);
  const l = new Float64Array(n * n);
  for (let b = 0, o = 0; b < batchCount(shape); b++, o += n * n) {
    l.fill(0);
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      let d = x[o + j * n + j]!;
      for (let k = 0; k < j; k++) d -= l[j * n + k]! * l[j * n + k]!;
      if (!(d > 0)) ok = false;
      const ljj = Math.sqrt(d);
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = 0.5 * (x[o + i * n + j]! + x[o + j * n + i]!);
        for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
        l[i * n + j] = s / ljj;
      }
    }
    for (let i = 0; i < n * n; i++) out[o + i] = ok ? l[i]! : NaN;
  }
}

/**
 * op(A) X = B by substitution, one column of B at a time (so solving columns together or one by
 * one gives the same bits, which vmap relies on). op(A) = Aᵀ reads A transposed; only the
 * triangle named by `lower` is read, and `unitDiagonal` takes the diagonal as ones.
 */
export function triangularSolveKernel(a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, p: PrimParams['triangularSolve'], out: TypedArray): void {
  const n = cols(aShape), k = cols(bShape);
  // op(A) is lower triangular when A is lower and not transposed, or upper and transposed.
  const forward = p.lower !== p.transposeA;
  const at = p.transposeA ? (o: number, i: number, j: number) => a[o + j * n + i]! : (o: number, i: number, j: number) => a[o + i * n + j]!;
  const x = new Float64Array(n);
  for (let m = 0; m < batchCount(bShape); m++) {
    const ao = m * n * n, bo = m * n * k;
    for (let c = 0; c < k; c++) {
      for (let step = 0; step < n; step++) {
        const i = forward ? step : n - 1 - step;
        let s = b[bo + i * k + c]!;
        if (forward) for (let j = 0; j < i; j++) s -= at(ao, i, j) * x[j]!;
        else for (let j = i + 1; j < n; j++) s -= at(ao, i, j) * x[j]!;
        x[i] = p.unitDiagonal ? s : s / at(ao, i, i);
      }
      for (let i = 0; i < n; i++) out[bo + i * k + c] = x[i]!;
    }
  }
}

/**
 * Gaussian elimination with partial pivoting (the first row of largest magnitude wins ties, like
 * LAPACK's getrf): [..., m, n] -> [..., m, n + 2], the multipliers of L below the diagonal and U
 * on and above it, then two columns: the pivots (row j was swapped with row pivots[j]; j itself
 * past the last step), whose parity is the permutation's sign, and the permutation `perm`
 * (A[perm] = L U).
 */
export function luKernel(x: TypedArray, shape: Shape, out: TypedArray): void {
  const m = rows(shape), n = cols(shape);
  const w = new Float64Array(m * n);
  const perm = new Float64Array(m), pivots = new Float64Array(m);
  for (let b = 0; b < batchCount(shape); b++) {
    for (let i = 0; i < m * n; i++) w[i] = x[b * m * n + i]!;
    for (let i = 0; i < m; i++) perm[i] = pivots[i] = i;
    for (let j = 0; j < Math.min(m, n); j++) {
      let p = j;
      for (let i = j + 1; i < m; i++) if (Math.abs(w[i * n + j]!) > Math.abs(w[p * n + j]!)) p = i;
      pivots[j] = p;
      if (p !== j) {
        for (let c = 0; c < n; c++) [w[j * n + c], w[p * n + c]] = [w[p * n + c]!, w[j * n + c]!];
        [perm[j], perm[p]] = [perm[p]!, perm[j]!];
      }
      const pivot = w[j * n + j]!;
      // A zero pivot leaves a zero column below it: nothing to eliminate (LAPACK carries on too).
      if (pivot === 0) continue;
      for (let i = j + 1; i < m; i++) {
        const l = (w[i * n + j]! /= pivot);
        for (let c = j + 1; c < n; c++) w[i * n + c]! -= l * w[j * n + c]!;
      }
    }
    const o = b * m * (n + 2);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) out[o + i * (n + 2) + c] = w[i * n + c]!;
      out[o + i * (n + 2) + n] = pivots[i]!;
      out[o + i * (n + 2) + n + 1] = perm[i]!;
    }
  }
}

/**
 * Householder QR, A = Q R with diag(R) >= 0 (unique for full-rank A, and smooth in A, which the
 * derivative rules assume): reflect each column below the diagonal onto it (skipping columns
 * already zero below the diagonal, as LAPACK's dlarfg does), accumulate Q = H1 H2 ..., then flip
 * the signs of the rows of R (and columns of Q) whose diagonal came out negative.
 * Output [..., m + n, k]: Q's first k columns above the first k rows of R, transposed.
 */
export function qrKernel(x: TypedArray, shape: Shape, full: boolean, out: TypedArray): void {
  const m = rows(shape), n = cols(shape);
  const k = full ? m : Math.min(m, n);
  const r = new Float64Array(m * n), q = new Float64Array(m * m), v = new Float64Array(m);
  for (let b = 0; b < batchCount(shape); b++) {
    for (let i = 0; i < m * n; i++) r[i] = x[b * m * n + i]!;
    q.fill(0);
    for (let i = 0; i < m; i++) q[i * m + i] = 1;
    for (let j = 0; j < Math.min(m - 1, n); j++) {
      let below = 0;
      for (let i = j + 1; i < m; i++) below += r[i * n + j]! ** 2;
      if (below === 0) continue;
      const x0 = r[j * n + j]!;
      const norm = Math.sqrt(x0 * x0 + below);
      const alpha = x0 > 0 ? -norm : norm; // reflect away from x0, so v has no cancellation
      v[j] = x0 - alpha;
      for (let i = j + 1; i < m; i++) v[i] = r[i * n + j]!;
      const scale = 2 / (v[j]! * v[j]! + below);
      for (let c = j + 1; c < n; c++) {
        let s = 0;
        for (let i = j; i < m; i++) s += v[i]! * r[i * n + c]!;
        for (let i = j; i < m; i++) r[i * n + c]! -= scale * s * v[i]!;
      }
      r[j * n + j] = alpha;
      for (let i = j + 1; i < m; i++) r[i * n + j] = 0;
      for (let row = 0; row < m; row++) {
        let s = 0;
        for (let i = j; i < m; i++) s += q[row * m + i]! * v[i]!;
        for (let i = j; i < m; i++) q[row * m + i]! -= scale * s * v[i]!;
      }
    }
    for (let i = 0; i < Math.min(m, n); i++) {
      if (!(r[i * n + i]! < 0)) continue;
      for (let c = 0; c < n; c++) r[i * n + c] = -r[i * n + c]!;
      for (let row = 0; row < m; row++) q[row * m + i] = -q[row * m + i]!;
    }
    const o = b * (m + n) * k;
    for (let row = 0; row < m; row++) for (let c = 0; c < k; c++) out[o + row * k + c] = q[row * m + c]!;
    for (let c = 0; c < n; c++) for (let i = 0; i < k; i++) out[o + (m + c) * k + i] = r[i * n + c]!;
  }
}
