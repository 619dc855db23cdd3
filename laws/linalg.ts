/**
 * Laws of linalg as pure predicates: each decomposition reconstructs its input and its factors
 * have their promised structure; inv and solve invert; slogdet agrees with det. The checks do
 * their arithmetic in plain JS float64 on the results' data (never with the library's own
 * matmul), and compare with one `Approx`, relative to the largest magnitude involved.
 *
 *   choleskyReconstructs(spdMatrix);                  // true, or the first entry of L Lᵀ - A off
 *   qrReconstructs(a, 'complete', approx({ float32: { rtol: 1e-4 } }));
 */
import * as linalg from '../src/linalg';
import type { Tensor } from '../src/tensor';
import { approx, type Approx } from './approx';
import { allOf, check, type LawResult } from './result';

/** float64 factors to 1e-10 of the largest entry; float32 ones to 1e-4. */
export const decompositionApprox: Approx = approx({ scale: 'tree', float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-4, atol: 1e-5 } });

type Matrix = number[][];

/** The matrices of a batch [..., m, n] (CPU data, as float64 JS numbers). */
function matricesOf(t: Tensor): Matrix[] {
  const [m, n] = t.shape.slice(-2) as [number, number];
  const data = t.dataSync();
  return Array.from({ length: data.length / (m * n || 1) }, (_, b) => Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => data[b * m * n + i * n + j]!)));
}
/** The vectors of a batch [..., k]. */
function vectorsOf(t: Tensor): number[][] {
  const k = t.shape[t.ndim - 1]!;
  const data = Array.from(t.dataSync());
  return Array.from({ length: data.length / (k || 1) }, (_, b) => data.slice(b * k, (b + 1) * k));
}
const matmul = (a: Matrix, b: Matrix, cols = b[0]?.length ?? 0): Matrix => a.map((row) => Array.from({ length: cols }, (_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: Matrix, rows = a.length): Matrix => Array.from({ length: a[0]?.length ?? 0 }, (_, j) => Array.from({ length: rows }, (_, i) => a[i]![j]!));
const identity = (n: number): Matrix => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const symmetricPart = (a: Matrix): Matrix => a.map((row, i) => row.map((x, j) => (x + a[j]![i]!) / 2));
const scaleColumns = (a: Matrix, s: readonly number[]): Matrix => a.map((row) => row.map((x, j) => x * s[j]!));

/** The precision results are compared at: float32 tensors only agree to float32's accuracy. */
const precisionOf = (t: Tensor) => (t.dtype === 'float32' ? 'float32' as const : 'float64' as const);
const compare = (tol: Approx, t: Tensor, got: unknown, want: unknown): LawResult => tol.equals(got, want, { precision: precisionOf(t) });

/** Entries of each matrix where `zero(i, j)` holds are exactly 0. */
function zerosWhere(ms: Matrix[], zero: (i: number, j: number) => boolean, what: string): LawResult {
  for (const [b, m] of ms.entries()) {
    for (const [i, row] of m.entries()) {
      for (const [j, x] of row.entries()) if (zero(i, j) && x !== 0) return `${what}: matrix ${b} has ${x} at [${i}, ${j}], expected 0`;
    }
  }
  return true;
}

/** Each vector of the batch is sorted (`descending` or ascending). */
function sorted(vs: number[][], descending: boolean, what: string): LawResult {
  for (const [b, v] of vs.entries()) {
    for (let i = 1; i < v.length; i++) if (descending ? v[i]! > v[i - 1]! : v[i]! < v[i - 1]!) return `${what}: batch ${b} is not ${descending ? 'descending' : 'ascending'}: [${v.join(', ')}]`;
  }
  return true;
}

/** Orthonormal columns: Qᵀ Q = I for every matrix. */
const orthonormalColumns = (tol: Approx, t: Tensor, qs: Matrix[]): LawResult =>
  compare(tol, t, qs.map((q) => matmul(transpose(q, q.length), q, q[0]?.length ?? 0)), qs.map((q) => identity(q[0]?.length ?? 0)));

/** cholesky(A) is lower triangular and L Lᵀ equals A (symmetric positive definite). */
export function choleskyReconstructs(a: Tensor, tol: Approx = decompositionApprox): LawResult {
  const ls = matricesOf(linalg.cholesky(a));
  const as = matricesOf(a);
  return allOf(
    ['L is lower triangular', () => zerosWhere(ls, (i, j) => j > i, 'L above the diagonal')],
    ['L Lᵀ vs A', () => compare(tol, a, ls.map((l) => matmul(l, transpose(l))), as.map(symmetricPart))],
  );
}

/** qr(A) = [Q, R]: Q R equals A, Q has orthonormal columns, R is upper triangular with a non-negative diagonal. */
export function qrReconstructs(a: Tensor, mode: 'reduced' | 'complete' = 'reduced', tol: Approx = decompositionApprox): LawResult {
  const [q, r] = linalg.qr(a, { mode });
  const qs = matricesOf(q), rs = matricesOf(r);
  const [m, n] = a.shape.slice(-2) as [number, number];
  return allOf(
    ['Q R vs A', () => compare(tol, a, qs.map((x, b) => matmul(x, rs[b]!, n)), matricesOf(a))],
    ['Qᵀ Q vs I', () => orthonormalColumns(tol, a, qs)],
    ['R is upper triangular', () => zerosWhere(rs, (i, j) => j < i, 'R below the diagonal')],
    ['diag(R) >= 0', () => check(rs.every((x) => x.every((row, i) => !(row[i]! < 0))), 'R has a negative diagonal entry')],
    ['shapes', () => check(q.shape[q.ndim - 1] === (mode === 'complete' ? m : Math.min(m, n)), () => `Q has shape [${q.shape}]`)],
  );
}

/** eigh(A) = [w, V]: A V equals V diag(w) for the symmetric part of A, V is orthogonal, w ascends. */
export function eighReconstructs(a: Tensor, tol: Approx = decompositionApprox): LawResult {
  const [w, v] = linalg.eigh(a);
  const vs = matricesOf(v), ws = vectorsOf(w), as = matricesOf(a).map(symmetricPart);
  return allOf(
    ['A V vs V diag(w)', () => compare(tol, a, as.map((x, b) => matmul(x, vs[b]!)), vs.map((x, b) => scaleColumns(x, ws[b]!)))],
    ['Vᵀ V vs I', () => orthonormalColumns(tol, a, vs)],
    ['w', () => sorted(ws, false, 'eigenvalues')],
  );
}

/** svd(A) = [U, s, Vh]: U diag(s) Vh equals A, U and Vᵀ have orthonormal columns, s descends and is >= 0. */
export function svdReconstructs(a: Tensor, fullMatrices = false, tol: Approx = decompositionApprox): LawResult {
  const [u, s, vh] = linalg.svd(a, { fullMatrices });
  const us = matricesOf(u), ss = vectorsOf(s), vhs = matricesOf(vh);
  const k = s.shape[s.ndim - 1]!;
  const thin = (x: Matrix, rows: number, cols: number) => x.slice(0, rows).map((row) => row.slice(0, cols));
  return allOf(
    ['U diag(s) Vh vs A', () => compare(tol, a, us.map((x, b) => matmul(scaleColumns(thin(x, x.length, k), ss[b]!), thin(vhs[b]!, k, vhs[b]![0]?.length ?? 0))), matricesOf(a))],
    ['Uᵀ U vs I', () => orthonormalColumns(tol, a, us)],
    ['Vh Vhᵀ vs I', () => orthonormalColumns(tol, a, vhs.map((x) => transpose(x, x.length)))],
    ['s', () => allOf(['order', () => sorted(ss, true, 'singular values')], ['sign', () => check(ss.every((x) => x.every((v) => v >= 0)), 'a negative singular value')])],
  );
}

/** lu(A) = [P, L, U]: P L U equals A, P is a permutation, L unit lower and U upper triangular. */
export function luReconstructs(a: Tensor, tol: Approx = decompositionApprox): LawResult {
  const [p, l, u] = linalg.lu(a);
  const ps = matricesOf(p), ls = matricesOf(l), us = matricesOf(u);
  const n = a.shape[a.ndim - 1]!;
  const isPermutation = (x: Matrix) => x.every((row) => row.filter((v) => v === 1).length === 1 && row.every((v) => v === 0 || v === 1)) && transpose(x).every((col) => col.filter((v) => v === 1).length === 1);
  return allOf(
    ['P L U vs A', () => compare(tol, a, ps.map((x, b) => matmul(matmul(x, ls[b]!), us[b]!, n)), matricesOf(a))],
    ['P is a permutation', () => check(ps.every(isPermutation), 'P is not a permutation matrix')],
    ['L is unit lower triangular', () => allOf(['above', () => zerosWhere(ls, (i, j) => j > i, 'L above the diagonal')], ['diagonal', () => check(ls.every((x) => x.every((row, i) => i >= row.length || row[i] === 1)), 'L has a diagonal entry other than 1')])],
    ['U is upper triangular', () => zerosWhere(us, (i, j) => j < i, 'U below the diagonal')],
  );
}

/** A inv(A) and inv(A) A equal the identity (nonsingular A). */
export function inverseIsInverse(a: Tensor, tol: Approx = decompositionApprox): LawResult {
  const as = matricesOf(a), xs = matricesOf(linalg.inv(a));
  const ids = as.map((x) => identity(x.length));
  return allOf(
    ['A inv(A) vs I', () => compare(tol, a, as.map((x, b) => matmul(x, xs[b]!)), ids)],
    ['inv(A) A vs I', () => compare(tol, a, xs.map((x, b) => matmul(x, as[b]!)), ids)],
  );
}

/** x = solve(A, b) satisfies A x = b (nonsingular A; b [..., n, k] with A's batch axes). */
export function solveSatisfiesSystem(a: Tensor, b: Tensor, tol: Approx = decompositionApprox): LawResult {
  const xs = matricesOf(linalg.solve(a, b));
  return compare(tol, a, matricesOf(a).map((x, i) => matmul(x, xs[i]!)), matricesOf(b));
}

/** slogdet(A) = [sign, logabsdet] gives det(A) = sign · exp(logabsdet). */
export function slogdetMatchesDet(a: Tensor, tol: Approx = decompositionApprox): LawResult {
  const [sign, logabsdet] = linalg.slogdet(a);
  const signs = Array.from(sign.dataSync()), logs = Array.from(logabsdet.dataSync());
  return compare(tol, a, signs.map((s, i) => s * Math.exp(logs[i]!)), Array.from(linalg.det(a).dataSync()));
}
