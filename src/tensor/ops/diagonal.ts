/**
 * Triangles and diagonals as composites: tril/triu are a `where` against a constant mask,
 * diagonal is a strided slice of the flattened matrix (every diag(i, i + k) is m + 1 elements
 * after the previous one), diag builds a matrix with a mask. All are linear, so their
 * derivatives and batching come from where, slice, reshape and pad.
 */
import type { Tensor } from '../core';
import { fmtAval } from '../aval';
import { normalizeAxis, opError } from '../shape';
import { checkNumber, checkOptions } from '../validate';
import { arange, asTensor, full, type TensorLike } from './create';
import { reshapeExact } from './broadcast';
import { equal, greaterEqual, lessEqual, sub, where } from './elementwise';
import { sum } from './reduce';
import { moveaxis } from './shape';
import { pad, slice } from './slice';

export interface DiagonalOffset {
  /** Which diagonal: 0 the main one, k > 0 above it, k < 0 below it. */
  readonly k?: number;
}

/** j - i over an n x m grid (int32). */
const offsets = (n: number, m: number): Tensor => sub(reshapeExact(arange(m), [1, m]), reshapeExact(arange(n), [n, 1]));

function triangle(op: string, x: TensorLike, options: DiagonalOffset | undefined, keep: (d: Tensor, k: number) => Tensor): Tensor {
  const { k = 0 } = checkOptions(op, options, ['k']);
  checkNumber(op, 'k', k, { integer: true });
  const t = asTensor(op, x);
  if (t.ndim < 2) opError(op, `expects a matrix or a batch of matrices (rank >= 2), got ${fmtAval(t)}`);
  const [n, m] = t.shape.slice(-2) as [number, number];
  return where(keep(offsets(n, m), k), t, full([], 0, t.dtype));
}

/**
 * The lower triangle of the last two axes: entries on and below diagonal k, zeros above.
 * @example tril(ones([3, 3]))               // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 * @example tril(x, { k: -1 })               // strictly below the diagonal
 */
export const tril = (x: TensorLike, options?: DiagonalOffset): Tensor => triangle('tril', x, options, (d, k) => lessEqual(d, k));

/**
 * The upper triangle of the last two axes: entries on and above diagonal k, zeros below.
 * @example triu(ones([3, 3]))               // [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
 * @example triu(x, { k: 1 })                // strictly above the diagonal
 */
export const triu = (x: TensorLike, options?: DiagonalOffset): Tensor => triangle('triu', x, options, (d, k) => greaterEqual(d, k));

export interface DiagonalOptions {
  /** Which diagonal (default 0; > 0 above the main one, < 0 below). */
  readonly offset?: number;
  /** The two axes the diagonal runs over (default 0 and 1). */
  readonly axis1?: number;
  readonly axis2?: number;
}

/**
 * A diagonal of x over two axes (NumPy's diagonal): those axes are removed and the diagonal
 * becomes the last axis.
 * @example diagonal(tensor([[1, 2], [3, 4]]))               // [1, 4]
 * @example diagonal(batch, { axis1: -2, axis2: -1 })        // per-matrix diagonals
 */
export function diagonal(x: TensorLike, options?: DiagonalOptions): Tensor {
  const { offset = 0, axis1 = 0, axis2 = 1 } = checkOptions('diagonal', options, ['offset', 'axis1', 'axis2']);
  checkNumber('diagonal', 'offset', offset, { integer: true });
  const t = asTensor('diagonal', x);
  if (t.ndim < 2) opError('diagonal', `expects at least two axes, got ${fmtAval(t)}`);
  const a1 = normalizeAxis('diagonal', axis1, t.ndim), a2 = normalizeAxis('diagonal', axis2, t.ndim);
  if (a1 === a2) opError('diagonal', `axis1 and axis2 must differ, got ${axis1} and ${axis2} for ${fmtAval(t)}`);
  const moved = moveaxis(t, [a1, a2], [-2, -1]);
  const lead = moved.shape.slice(0, -2).map(() => null);
  const sub2 = slice(moved, [...lead, offset < 0 ? { start: -offset } : null, offset > 0 ? { start: offset } : null]);
  const [n, m] = sub2.shape.slice(-2) as [number, number];
  const d = Math.min(n, m);
  const flat = reshapeExact(sub2, [...sub2.shape.slice(0, -2), n * m]);
  return slice(flat, [...lead, { start: 0, stop: d === 0 ? 0 : (d - 1) * (m + 1) + 1, step: m + 1 }]);
}

/**
 * The sum along a diagonal (NumPy's trace; bools count as int32).
 * @example trace(eye(3))                                     // 3
 * @example trace(batch, { axis1: -2, axis2: -1 })           // one trace per matrix
 */
export function trace(x: TensorLike, options?: DiagonalOptions): Tensor {
  return sum(diagonal(asTensor('trace', x), options), { axis: -1 });
}

/**
 * A 1-D x becomes a square matrix with x on diagonal k; a 2-D x gives its diagonal k (NumPy's diag).
 * @example diag(tensor([1, 2]))                   // [[1, 0], [0, 2]]
 * @example diag(tensor([1, 2]), { k: 1 })         // [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
 */
export function diag(x: TensorLike, options?: DiagonalOffset): Tensor {
  const { k = 0 } = checkOptions('diag', options, ['k']);
  checkNumber('diag', 'k', k, { integer: true });
  const t = asTensor('diag', x);
  if (t.ndim === 2) return diagonal(t, { offset: k });
  if (t.ndim !== 1) opError('diag', `expects a 1-D or 2-D tensor, got ${fmtAval(t)}`);
  const m = t.shape[0]! + Math.abs(k);
  // Row i holds x at column i + k: laid along the columns (k >= 0) or the rows (k < 0).
  const w = pad(t, [[Math.abs(k), 0]]);
  const laid = reshapeExact(w, k >= 0 ? [1, m] : [m, 1]);
  return where(equal(offsets(m, m), k), laid, full([], 0, t.dtype));
}
