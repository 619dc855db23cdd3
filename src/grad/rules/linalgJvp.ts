/**
 * Forward-mode rules of the linear-algebra primitives, after JAX's lax.linalg. Each computes
 * the primitive once, then the tangent of its (packed) output from the factors, with ops, so
 * rules compose into higher derivatives. The tangent is packed like the output: a decomposition
 * stacks its factors along the second-to-last axis, and so does its tangent.
 *
 * Degenerate inputs: the eigenvector tangent divides by eigenvalue gaps, and the singular
 * vector tangents by gaps of squared singular values (and, for non-square matrices, by the
 * singular values); both are undefined when those vanish (repeated eigenvalues or singular
 * values, rank-deficient non-square matrices). There the affected entries are set to 0 instead
 * of ±inf (JAX does so for 1/s only), because the packed output gives the vectors of a function
 * of the eigenvalues (or singular values) alone a real zero cotangent rather than a symbolic one:
 * 0 · ∞ would make its correct, finite derivative NaN.
 */
import * as T from '../../tensor';
import { type PrimParams, type Tensor } from '../../tensor';
import { isZero, Zero } from '../zero';
import type { JvpRule } from './jvpRules';

const L = T.laxLinalg;
const { mT, mm } = L;

/** [..., k] -> [..., 1, k]. */
const asRow = (v: Tensor): Tensor => T.reshape(v, [...v.shape.slice(0, -1), 1, v.shape[v.ndim - 1]!]);

/** 1 / x where `safe` holds, 0 elsewhere, with no infinity on either branch (so derivatives stay finite too). */
function guardedReciprocal(x: Tensor, safe: Tensor): Tensor {
  return T.where(safe, T.reciprocal(T.where(safe, x, 1)), 0);
}

/** F[i, j] = 1 / (d[j] - d[i]) off the diagonal and where d[j] != d[i]; 0 elsewhere. */
function gapReciprocals(d: Tensor): Tensor {
  const gaps = T.sub(asRow(d), T.reshape(d, [...d.shape, 1]));
  return guardedReciprocal(gaps, T.notEqual(gaps, 0));
}

/** Forward substitution with L then its transpose: L⁻¹ X L⁻ᵀ for symmetric X. */
function sandwich(l: Tensor, x: Tensor): Tensor {
  const left = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false } as const;
  return L.triangularSolve(l, mT(L.triangularSolve(l, x, left)), left);
}

/**
 * Cholesky (Murray, arXiv:1602.07527): L̇ = L Φ(L⁻¹ Ȧ L⁻ᵀ), Φ taking the lower triangle with
 * the diagonal halved. The primitive factors the symmetric part, so Ȧ is symmetrized too.
 */
export const choleskyJvp: JvpRule<PrimParams['cholesky']> = ([a], [da]) => {
  const l = L.cholesky(a!);
  if (isZero(da)) return [[l], [new Zero(l)]];
  const inner = sandwich(l, L.symmetrize(da!));
  const phi = T.sub(L.tril(inner), T.mul(L.diagonalMatrix(L.diagonal(inner)), 0.5));
  return [[l], [mm(l, phi)]];
};

/**
 * Triangular solve: linear in B, and d(op(A)) X + op(A) dX = 0 in A, so
 * dX = op(A)⁻¹ (dB - op(dA) X) with dA restricted to the triangle the primitive reads.
 */
export const triangularSolveJvp: JvpRule<PrimParams['triangularSolve']> = ([a, b], [da, db], p) => {
  const x = T.bind1('triangularSolve', [a!, b!], p);
  if (isZero(da) && isZero(db)) return [[x], [new Zero(x)]];
  let rhs: Tensor | undefined = isZero(db) ? undefined : db!;
  if (!isZero(da)) {
    const k = p.unitDiagonal ? 1 : 0;
    const g = p.lower ? L.tril(da!, -k) : L.triu(da!, k);
    const term = mm(p.transposeA ? mT(g) : g, x);
    rhs = rhs ? T.sub(rhs, term) : T.neg(term);
  }
  return [[x], [T.bind1('triangularSolve', [a!, rhs!], p)]];
};

/**
 * LU (de Hoog, Anderssen and Lukas): with P A = L U, L⁻¹ (P Ȧ) U⁻¹ = L⁻¹ L̇ + U̇ U⁻¹, the first
 * strictly lower and the second upper triangular, so L̇ = L tril(·, -1) and U̇ = triu(·) U.
 * Rectangular A: L is padded to m x m with the identity, U to n x n.
 */
export const luJvp: JvpRule<PrimParams['lu']> = ([a], [da]) => {
  const packed = T.bind1('lu', [a!], {});
  if (isZero(da)) return [[packed], [new Zero(packed)]];
  const [m, n] = a!.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const { lu, permutation } = L.unpackLu(packed);
  const l = T.add(L.padMatrix(L.tril(L.block(lu, 0, m, 0, k), -1), [0, 0], [0, m - k]), L.identity(m, a!.dtype));
  const uEye = L.padMatrix(L.identity(n - k, a!.dtype), [k, 0], [k, 0]);
  const u = T.add(L.padMatrix(L.triu(L.block(lu, 0, k, 0, n)), [0, n - k], [0, 0]), uEye);
  const la = L.triangularSolve(l, L.permuteRows(da!, permutation), { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
  const lau = L.triangularSolve(u, la, { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
  const dlu = T.add(mm(l, L.tril(lau, -1)), mm(L.triu(lau), u));
  // The pivot and permutation columns are piecewise constant: their tangent is zero.
  return [[packed], [L.padMatrix(dlu, [0, 0], [0, 2])]];
};

/** QR of [..., m, n] with m >= n (J. Townsend's derivation): Qᵀ dQ is skew, dR R⁻¹ upper triangular. */
function thinQrTangent(q: Tensor, r: Tensor, dx: Tensor): [Tensor, Tensor] {
  const dxRinv = L.triangularSolve(r, dx, { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
  const qtDxRinv = mm(mT(q), dxRinv);
  const lower = L.tril(qtDxRinv, -1);
  const omega = T.sub(lower, mT(lower));
  const dq = T.add(mm(q, T.sub(omega, qtDxRinv)), dxRinv);
  const dr = mm(T.sub(qtDxRinv, omega), r);
  return [dq, dr];
}

/**
 * QR: the thin rule for m >= n; for a wide matrix A = [A1 A2] (A1 square), Q and R1 follow A1
 * and R2 = Qᵀ A2, so dR2 = dQᵀ A2 + Qᵀ dA2. Mode 'complete' of a tall matrix is not
 * differentiable: Q's extra columns are any orthonormal completion, not functions of A.
 */
export const qrJvp: JvpRule<PrimParams['qr']> = ([a], [da], p) => {
  const packed = T.bind1('qr', [a!], p);
  if (isZero(da)) return [[packed], [new Zero(packed)]];
  const [m, n] = a!.shape.slice(-2) as [number, number];
  if (p.full && m > n) throw new Error(`qr: the derivative of mode 'complete' is defined for square or wide matrices only, got ${m} x ${n} (the extra columns of Q are not determined by A); use mode 'reduced'`);
  const { q, r } = L.unpackQr(packed, m);
  let dq: Tensor, dr: Tensor;
  if (m >= n) [dq, dr] = thinQrTangent(q, r, da!);
  else {
    const [dq1, dr1] = thinQrTangent(q, L.block(r, 0, m, 0, m), L.block(da!, 0, m, 0, m));
    dq = dq1;
    const dr2 = T.add(mm(mT(dq1), L.block(a!, 0, m, m, n)), mm(mT(q), L.block(da!, 0, m, m, n)));
    dr = mT(L.stackRows([mT(dr1), mT(dr2)]));
  }
  return [[packed], [L.stackRows([dq, mT(dr)])]];
};

/**
 * Symmetric eigendecomposition (first-order perturbation theory): with S = Vᵀ Ȧ V,
 * ẇ = diag(S) and V̇ = V (F ∘ S), F[i, j] = 1 / (w[j] - w[i]). Ȧ is symmetrized like the input.
 */
export const eighJvp: JvpRule<PrimParams['eigh']> = ([a], [da]) => {
  const packed = T.bind1('eigh', [a!], {});
  if (isZero(da)) return [[packed], [new Zero(packed)]];
  const { w, v } = L.unpackEigh(packed);
  const s = mm(mT(v), mm(L.symmetrize(da!), v));
  const dv = mm(v, T.mul(gapReciprocals(w), s));
  return [[packed], [L.stackRows([dv, asRow(L.diagonal(s))])]];
};

/**
 * Thin SVD (JAX's rule, after Townsend's notes): with S = Uᵀ Ȧ V, ṡ = diag(S),
 * U̇ = U (F ∘ (S diag(s) + diag(s) Sᵀ)), V̇ = V (F ∘ (diag(s) S + Sᵀ diag(s))), F[i, j] =
 * 1 / (s[j]² - s[i]²), plus the parts outside the span of U (m > n) or of V (n > m).
 */
export const svdJvp: JvpRule<PrimParams['svd']> = ([a], [da], p) => {
  const out = T.bind1('svd', [a!], p);
  if (isZero(da)) return [[out], [new Zero(out)]];
  const [m, n] = a!.shape.slice(-2) as [number, number];
  // The singular values alone still need the vectors for their tangent.
  const { u, s, v } = p.computeUv ? L.unpackSvd(out, m) : L.svd(a!);
  const dS = mm(mT(u), mm(da!, v));
  const ds = L.diagonal(dS);
  if (!p.computeUv) return [[out], [ds]];
  const sRow = asRow(s), sCol = T.reshape(s, [...s.shape, 1]);
  const f = gapReciprocals(T.square(s));
  const dSs = T.mul(dS, sRow), sdS = T.mul(sCol, dS);
  let du = mm(u, T.mul(f, T.add(dSs, mT(dSs))));
  let dv = mm(v, T.mul(f, T.add(sdS, mT(sdS))));
  const sInv = guardedReciprocal(sRow, T.notEqual(sRow, 0));
  if (m > n) {
    const daV = mm(da!, v);
    du = T.add(du, T.mul(T.sub(daV, mm(u, mm(mT(u), daV))), sInv));
  }
  if (n > m) {
    const daTU = mm(mT(da!), u);
    dv = T.add(dv, T.mul(T.sub(daTU, mm(v, mm(mT(v), daTU))), sInv));
  }
  return [[out], [L.stackRows([du, asRow(ds), dv])]];
};
