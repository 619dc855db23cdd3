/**
 * The linear-algebra primitives as operations, like JAX's lax.linalg: each binds its primitive
 * and unpacks the factors it packs into one tensor (built-in primitives have one output), plus
 * the matrix helpers their derivative rules are written with. Operands are float matrices with
 * equal batch axes; argument checking, dtype promotion and batch broadcasting are the public
 * `linalg` namespace's job (src/linalg). Exported from src/tensor as `laxLinalg`, not from the
 * package root.
 */
import { bind1, fromStorage, type Tensor } from '../core';
import { arrayFor, type DType } from '../dtype';
import { astype, broadcastTo, reshapeExact } from './broadcast';
import { add, mul, where } from './elementwise';
import { matmul } from './linalg';

const lastTwo = (x: Tensor): [number, number] => [x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!];

/** Swap the last two axes (the transpose of each matrix). */
export function mT(x: Tensor): Tensor {
  const r = x.ndim;
  return bind1('transpose', [x], { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
}

/** Rows [r0, r1) and columns [c0, c1) of each matrix. */
export function block(x: Tensor, r0: number, r1: number, c0: number, c1: number): Tensor {
  const lead = x.shape.slice(0, -2);
  return bind1('slice', [x], { starts: [...lead.map(() => 0), r0, c0], limits: [...lead, r1, c1], strides: x.shape.map(() => 1) });
}

/** A constant [m, n] bool mask from a predicate on (row, column). */
function mask(m: number, n: number, keep: (i: number, j: number) => boolean): Tensor {
  const data = arrayFor('bool', m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[i * n + j] = keep(i, j) ? 1 : 0;
  return fromStorage([m, n], 'bool', data);
}

/** The lower triangle on and below diagonal k (numpy.tril), zeros elsewhere. */
export function tril(x: Tensor, k = 0): Tensor {
  const [m, n] = lastTwo(x);
  return where(mask(m, n, (i, j) => j <= i + k), x, 0);
}

/** The upper triangle on and above diagonal k (numpy.triu), zeros elsewhere. */
export function triu(x: Tensor, k = 0): Tensor {
  const [m, n] = lastTwo(x);
  return where(mask(m, n, (i, j) => j >= i + k), x, 0);
}

/** The main diagonal of each matrix: [..., m, n] -> [..., min(m, n)] (a strided slice, so linear). */
export function diagonal(x: Tensor): Tensor {
  const [m, n] = lastTwo(x);
  const k = Math.min(m, n);
  const lead = x.shape.slice(0, -2);
  const flat = reshapeExact(x, [...lead, m * n]);
  return bind1('slice', [flat], { starts: [...lead.map(() => 0), 0], limits: [...lead, k === 0 ? 0 : (k - 1) * (n + 1) + 1], strides: [...lead.map(() => 1), n + 1] });
}

/** Square matrices with `v` ([..., k]) on the diagonal. */
export function diagonalMatrix(v: Tensor): Tensor {
  const k = v.shape[v.ndim - 1]!;
  return where(mask(k, k, (i, j) => i === j), reshapeExact(v, [...v.shape, 1]), 0);
}

/** The n x n identity in `dtype`. */
export function identity(n: number, dtype: DType): Tensor {
  const data = arrayFor(dtype, n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return fromStorage([n, n], dtype, data);
}

/** (X + Xᵀ) / 2. */
export const symmetrize = (x: Tensor): Tensor => mul(add(x, mT(x)), 0.5);

/** The batched matrix product of operands with equal batch axes. */
export const mm = (a: Tensor, b: Tensor): Tensor => matmul(a, b);

/** The lower Cholesky factor of the symmetric part of a. */
export const cholesky = (a: Tensor): Tensor => bind1('cholesky', [a], {});

export interface TriangularSolveOptions {
  /** Solve op(A) X = B (true) or X op(A) = B (false, JAX's default). */
  readonly leftSide: boolean;
  /** Read A's lower triangle (true) or its upper one. */
  readonly lower: boolean;
  /** op(A) = Aᵀ instead of A. */
  readonly transposeA: boolean;
  /** Take A's diagonal as ones (it is not read). */
  readonly unitDiagonal: boolean;
}

/**
 * X with op(A) X = B (leftSide) or X op(A) = B, for triangular A. A right-side solve is the
 * left-side primitive on transposes: X op(A) = B is op(A)ᵀ Xᵀ = Bᵀ.
 */
export function triangularSolve(a: Tensor, b: Tensor, o: TriangularSolveOptions): Tensor {
  if (o.leftSide) return bind1('triangularSolve', [a, b], { lower: o.lower, transposeA: o.transposeA, unitDiagonal: o.unitDiagonal });
  return mT(bind1('triangularSolve', [a, mT(b)], { lower: o.lower, transposeA: !o.transposeA, unitDiagonal: o.unitDiagonal }));
}

/** LU factors: A[permutation] = L U with L (unit diagonal) and U sharing `lu`; row j was swapped with row pivots[j]. */
export interface LuFactors {
  readonly lu: Tensor;
  /** [..., m] int32. */
  readonly pivots: Tensor;
  /** [..., m] int32. */
  readonly permutation: Tensor;
}

/** The factors in a packed `lu` output [..., m, n + 2]. */
export function unpackLu(packed: Tensor): LuFactors {
  const [m, n2] = lastTwo(packed);
  const column = (c: number) => astype(reshapeExact(block(packed, 0, m, c, c + 1), [...packed.shape.slice(0, -2), m]), 'int32');
  return { lu: block(packed, 0, m, 0, n2 - 2), pivots: column(n2 - 2), permutation: column(n2 - 1) };
}

/** LU with partial pivoting (see LuFactors). */
export const lu = (a: Tensor): LuFactors => unpackLu(bind1('lu', [a], {}));

/** Rows of b (or of each matrix of b) taken in the order `permutation` ([..., m] int32). */
export function permuteRows(b: Tensor, permutation: Tensor): Tensor {
  const idx = broadcastTo(reshapeExact(permutation, [...permutation.shape, 1]), b.shape);
  return bind1('gather', [b, idx], { axis: b.ndim - 2 });
}

/** Solve A X = B from A's LU factors (square A): permute, then two triangular solves. */
export function luSolve(factors: LuFactors, b: Tensor): Tensor {
  const y = triangularSolve(factors.lu, permuteRows(b, factors.permutation), { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
  return triangularSolve(factors.lu, y, { leftSide: true, lower: false, transposeA: false, unitDiagonal: false });
}

/** Q and R from a packed `qr` output [..., m + n, k] of an [..., m, n] matrix. */
export function unpackQr(packed: Tensor, m: number): { q: Tensor; r: Tensor } {
  const [rows, k] = lastTwo(packed);
  return { q: block(packed, 0, m, 0, k), r: mT(block(packed, m, rows, 0, k)) };
}

/** Householder QR with diag(R) >= 0: Q [..., m, k] and R [..., k, n], k = m when `full`, else min(m, n). */
export const qr = (a: Tensor, full: boolean): { q: Tensor; r: Tensor } => unpackQr(bind1('qr', [a], { full }), a.shape[a.ndim - 2]!);

/** Eigenvectors v and eigenvalues w from a packed `eigh` output [..., n + 1, n]. */
export function unpackEigh(packed: Tensor): { w: Tensor; v: Tensor } {
  const n = packed.shape[packed.ndim - 1]!;
  return { v: block(packed, 0, n, 0, n), w: reshapeExact(block(packed, n, n + 1, 0, n), [...packed.shape.slice(0, -2), n]) };
}

/** Eigenvalues w (ascending) and eigenvectors v (columns) of the symmetric part of a. */
export const eigh = (a: Tensor): { w: Tensor; v: Tensor } => unpackEigh(bind1('eigh', [a], {}));

/** U, s and V from a packed `svd` output [..., m + 1 + n, k] of an [..., m, n] matrix. */
export function unpackSvd(packed: Tensor, m: number): { u: Tensor; s: Tensor; v: Tensor } {
  const [rows, k] = lastTwo(packed);
  const s = reshapeExact(block(packed, m, m + 1, 0, k), [...packed.shape.slice(0, -2), k]);
  return { u: block(packed, 0, m, 0, k), s, v: block(packed, m + 1, rows, 0, k) };
}

/** Thin SVD: a = u diag(s) vᵀ with s descending; u [..., m, k], s [..., k], v [..., n, k]. */
export const svd = (a: Tensor): { u: Tensor; s: Tensor; v: Tensor } => unpackSvd(bind1('svd', [a], { computeUv: true }), a.shape[a.ndim - 2]!);

/** Stack matrices (of equal batch axes and columns) along their rows. */
export const stackRows = (parts: readonly Tensor[]): Tensor => (parts.length === 1 ? parts[0]! : bind1('concatenate', parts, { axis: parts[0]!.ndim - 2 }));

/** Zero padding of each matrix: `rows` and `cols` are [before, after] counts. */
export function padMatrix(x: Tensor, rows: readonly [number, number], cols: readonly [number, number]): Tensor {
  if (rows[0] + rows[1] + cols[0] + cols[1] === 0) return x;
  const lead = x.shape.slice(0, -2).map(() => 0);
  return bind1('pad', [x], { lo: [...lead, rows[0], cols[0]], hi: [...lead, rows[1], cols[1]], value: 0 });
}

/** The singular values alone, descending. */
export const singularValues = (a: Tensor): Tensor => bind1('svd', [a], { computeUv: false });
