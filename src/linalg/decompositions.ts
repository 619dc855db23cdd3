/**
 * Matrix decompositions with jnp.linalg's (and jax.scipy.linalg.lu's) signatures and results.
 * Each is a primitive (src/tensor/ops/laxLinalg.ts), so grad, jvp, vmap and jit apply; inputs are
 * batches of matrices in the last two axes.
 *
 * Laws (test/linalg.laws.test.ts): L Lᵀ = A; Q R = A with Qᵀ Q = I and R upper triangular with a
 * non-negative diagonal; A V = V diag(w) with Vᵀ V = I; U diag(s) Vh = A; P L U = A.
 */
import * as T from '../tensor';
import { checkOneOf, checkOptions, type Tensor, type TensorLike } from '../tensor';
import { broadcastBatch, fail, flag, matrixDims, matrixOperand } from './args';

const L = T.laxLinalg;

export interface CholeskyOptions {
  /** Return the upper factor U = Lᵀ (A = Uᵀ U) instead of L (default false). */
  readonly upper?: boolean;
}

/**
 * The Cholesky factor of symmetric positive-definite matrices: lower triangular L with
 * L Lᵀ = A. Like jnp.linalg.cholesky it factors the symmetric part (A + Aᵀ)/2, and a matrix
 * that is not positive definite gives NaN (no exception: the check would need the values).
 * @example linalg.cholesky(tensor([[4, 2], [2, 3]]))          // [[2, 0], [1, 1.4142]]
 * @example linalg.cholesky(covariances, { upper: true })     // [..., n, n] batches work too
 */
export function cholesky(a: TensorLike, options?: CholeskyOptions): Tensor {
  const { upper } = checkOptions('linalg.cholesky', options, ['upper']);
  const l = L.cholesky(matrixOperand('cholesky', a, { square: true }));
  return flag('cholesky', 'upper', upper, false) ? L.mT(l) : l;
}

/** [q, r] (NumPy's QRResult order). */
export type QrResult = readonly [q: Tensor, r: Tensor];

export interface QrOptions {
  /**
   * 'reduced' (default): Q [..., m, k] and R [..., k, n] with k = min(m, n); 'complete':
   * Q [..., m, m] and R [..., m, n]; 'r': R alone (reduced).
   */
  readonly mode?: 'reduced' | 'complete' | 'r';
}

/**
 * QR decomposition A = Q R by Householder reflections, with Q's columns orthonormal and R upper
 * triangular with a non-negative diagonal (which makes it unique for full-rank A, and smooth:
 * the derivative follows JAX's rule; mode 'complete' of a tall matrix is not differentiable).
 * @example const [q, r] = linalg.qr(a);
 * @example const r = linalg.qr(a, { mode: 'r' });
 */
export function qr(a: TensorLike, options?: { readonly mode?: 'reduced' | 'complete' }): QrResult;
export function qr(a: TensorLike, options: { readonly mode: 'r' }): Tensor;
export function qr(a: TensorLike, options?: QrOptions): QrResult | Tensor;
export function qr(a: TensorLike, options?: QrOptions): QrResult | Tensor {
  const { mode = 'reduced' } = checkOptions('linalg.qr', options, ['mode']);
  checkOneOf('linalg.qr', 'mode', mode, ['reduced', 'complete', 'r']);
  const { q, r } = L.qr(matrixOperand('qr', a), mode === 'complete');
  return mode === 'r' ? r : [q, r];
}

/** [eigenvalues, eigenvectors] (NumPy's EighResult order). */
export type EighResult = readonly [eigenvalues: Tensor, eigenvectors: Tensor];

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of the second result) of symmetric
 * matrices: A V = V diag(w). Like jnp.linalg.eigh (symmetrize_input=True) it decomposes the
 * symmetric part (A + Aᵀ)/2. Each eigenvector is signed so that its entry of largest magnitude
 * is positive (NumPy and JAX leave the sign to LAPACK). The eigenvector derivative divides by
 * eigenvalue gaps: it is undefined for repeated eigenvalues (those entries come out 0, so
 * functions of the eigenvalues alone still differentiate correctly).
 * @example const [w, v] = linalg.eigh(tensor([[2, 1], [1, 2]]));   // w = [1, 3]
 */
export function eigh(a: TensorLike): EighResult {
  const { w, v } = L.eigh(matrixOperand('eigh', a, { square: true }));
  return [w, v];
}

/**
 * The eigenvalues of symmetric matrices, ascending (of the symmetric part, like eigh).
 * @example linalg.eigvalsh(tensor([[2, 1], [1, 2]]))   // [1, 3]
 */
export function eigvalsh(a: TensorLike): Tensor {
  return L.eigh(matrixOperand('eigvalsh', a, { square: true })).w;
}

/** [u, s, vh] (NumPy's SVDResult order): A = u diag(s) vh. */
export type SvdResult = readonly [u: Tensor, s: Tensor, vh: Tensor];

export interface SvdOptions {
  /** Square u [..., m, m] and vh [..., n, n] (default true, like NumPy) or thin ones with k = min(m, n) columns/rows. */
  readonly fullMatrices?: boolean;
  /** Return [u, s, vh] (default true) or the singular values s alone. */
  readonly computeUv?: boolean;
}

/** Extend orthonormal columns [..., m, k] to an orthonormal basis [..., m, m]. */
function completeBasis(u: Tensor): Tensor {
  const [m, k] = matrixDims(u);
  if (m === k) return u;
  const { q } = L.qr(u, true);
  return T.concatenate([u, L.block(q, 0, m, k, m)], u.ndim - 1);
}

/**
 * Singular value decomposition A = U diag(s) Vh, singular values descending, by one-sided
 * Jacobi. Each left singular vector is signed so that its entry of largest magnitude is
 * positive, its right partner follows. The derivative is JAX's (thin case): undefined for
 * repeated singular values, and for zero ones of a non-square matrix (those entries come out 0,
 * so functions of s alone keep a correct derivative); with fullMatrices the completed columns
 * of a non-square matrix have none (pass fullMatrices: false to differentiate u or vh).
 * @example const [u, s, vh] = linalg.svd(a, { fullMatrices: false });
 * @example const s = linalg.svd(a, { computeUv: false });
 */
export function svd(a: TensorLike, options?: { readonly fullMatrices?: boolean; readonly computeUv?: true }): SvdResult;
export function svd(a: TensorLike, options: { readonly fullMatrices?: boolean; readonly computeUv: false }): Tensor;
export function svd(a: TensorLike, options?: SvdOptions): SvdResult | Tensor;
export function svd(a: TensorLike, options?: SvdOptions): SvdResult | Tensor {
  const o = checkOptions('linalg.svd', options, ['fullMatrices', 'computeUv']);
  const x = matrixOperand('svd', a);
  if (!flag('svd', 'computeUv', o.computeUv, true)) return L.singularValues(x);
  const { u, s, v } = L.svd(x);
  return flag('svd', 'fullMatrices', o.fullMatrices, true) ? [completeBasis(u), s, L.mT(completeBasis(v))] : [u, s, L.mT(v)];
}

/**
 * The singular values of matrices, descending.
 * @example linalg.svdvals(tensor([[3, 0], [0, -4]]))   // [4, 3]
 */
export function svdvals(a: TensorLike): Tensor {
  return L.singularValues(matrixOperand('svdvals', a));
}

/** [p, l, u] with A = p l u (jax.scipy.linalg.lu's order). */
export type LuResult = readonly [p: Tensor, l: Tensor, u: Tensor];

/**
 * LU decomposition with partial pivoting, A = P L U (jax.scipy.linalg.lu): P [..., m, m] a
 * permutation matrix, L [..., m, k] unit lower triangular, U [..., k, n] upper triangular,
 * k = min(m, n). Pivot rows are the first of largest magnitude, as in LAPACK.
 * @example const [p, l, u] = linalg.lu(a);   // matmul(p, matmul(l, u)) equals a
 */
export function lu(a: TensorLike): LuResult {
  const x = matrixOperand('lu', a);
  const [m, n] = matrixDims(x);
  const k = Math.min(m, n);
  const { lu: packed, permutation } = L.lu(x);
  const l = T.add(L.tril(L.block(packed, 0, m, 0, k), -1), L.padMatrix(L.identity(k, x.dtype), [0, m - k], [0, 0]));
  const u = L.triu(L.block(packed, 0, k, 0, n));
  // A[perm] = L U, so A = P L U with P[perm[i], i] = 1.
  const rowsOfP = T.tensor(Array.from({ length: m }, (_, i) => i), { shape: [m, 1], dtype: 'int32' });
  const p = T.astype(T.equal(T.reshape(permutation, [...permutation.shape.slice(0, -1), 1, m]), rowsOfP), x.dtype);
  return [p, l, u];
}

export interface TriangularSolveOptions {
  /** Solve op(A) X = B (true) or X op(A) = B (false, the default, as in JAX). */
  readonly leftSide?: boolean;
  /** Read A's lower triangle (true) or its upper triangle (false, the default); the other is ignored. */
  readonly lower?: boolean;
  /** op(A) = Aᵀ (default false: op(A) = A). */
  readonly transposeA?: boolean;
  /** Take A's diagonal as ones without reading it (default false). */
  readonly unitDiagonal?: boolean;
}

/**
 * Solve a triangular system, like jax.lax.linalg.triangular_solve: X with op(A) X = B
 * (leftSide) or X op(A) = B, A [..., n, n] and B [..., n, k] (leftSide) or [..., k, n]; batch
 * axes broadcast. Linear in B, whose transpose is the solve with op(A)ᵀ.
 * @example linalg.triangularSolve(l, b, { leftSide: true, lower: true })   // L⁻¹ B
 */
export function triangularSolve(a: TensorLike, b: TensorLike, options?: TriangularSolveOptions): Tensor {
  const o = checkOptions('linalg.triangularSolve', options, ['leftSide', 'lower', 'transposeA', 'unitDiagonal']);
  const ta = matrixOperand('triangularSolve', a, { square: true });
  const tb = matrixOperand('triangularSolve', b, { what: 'b' });
  const leftSide = flag('triangularSolve', 'leftSide', o.leftSide, false);
  const n = ta.shape[ta.ndim - 1]!;
  const shared = leftSide ? tb.shape[tb.ndim - 2] : tb.shape[tb.ndim - 1];
  if (shared !== n) fail('triangularSolve', `b's ${leftSide ? 'rows' : 'columns'} must match a's size ${n} (leftSide: ${leftSide}), got a ${T.fmtAval(ta)} and b ${T.fmtAval(tb)}`);
  const [x, y] = broadcastBatch('triangularSolve', ta, tb);
  const [lower, transposeA, unitDiagonal] = (['lower', 'transposeA', 'unitDiagonal'] as const).map((k) => flag('triangularSolve', k, o[k], false));
  return L.triangularSolve(x, y, { leftSide, lower: lower!, transposeA: transposeA!, unitDiagonal: unitDiagonal! });
}
