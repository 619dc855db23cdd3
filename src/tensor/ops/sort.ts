/**
 * Sorting: argsort is the primitive (the stable permutation), and sort and topK gather through
 * it, so their derivatives are the gathered tangents (JAX differentiates sort the same way) and
 * vmap, jit and every backend come for free. Order: -inf < ... < -0 = +0 < ... < +inf < NaN,
 * ties by index; descending reverses the order of values and keeps ties by index (NaN first).
 */
import { bind1, type Tensor } from '../core';
import { normalizeAxis, opError } from '../shape';
import { axisOrOptions, checkNumber } from '../validate';
import { asTensor, type TensorLike } from './create';
import { reshapeExact } from './broadcast';
import { takeAlongAxis } from './indexing';
import { slice } from './slice';

export interface SortOptions {
  /** The axis to sort along (default -1); null sorts the flattened tensor. */
  readonly axis?: number | null;
  /** Largest first (default false). Equal values keep their order either way: sorts are stable. */
  readonly descending?: boolean;
}

function sortArgs(op: string, x: TensorLike, arg: number | null | SortOptions | undefined): { t: Tensor; axis: number; descending: boolean } {
  const { axis = -1, descending = false } = arg === null ? { axis: null } : axisOrOptions(op, arg, ['axis', 'descending'], -1);
  if (typeof descending !== 'boolean') opError(op, `descending must be a boolean, got ${String(descending)}`);
  let t = asTensor(op, x);
  if (axis === null) return { t: reshapeExact(t, [t.size]), axis: 0, descending };
  if (t.ndim === 0) t = reshapeExact(t, [1]);
  return { t, axis: normalizeAxis(op, axis, t.ndim), descending };
}

/**
 * Indices that sort x along an axis (stable; NaN last, or first when descending).
 * @example argsort(tensor([3, 1, 2]))                        // [1, 2, 0]
 * @example argsort(x, { axis: 0, descending: true })
 */
export function argsort(x: TensorLike, axisOrOptions?: number | null | SortOptions): Tensor {
  const { t, axis, descending } = sortArgs('argsort', x, axisOrOptions);
  const idx = bind1('argsort', [t], { axis, descending });
  return asTensor('argsort', x).ndim === 0 ? reshapeExact(idx, []) : idx;
}

/**
 * A sorted copy along an axis (default the last; null flattens). Differentiable: the gradient
 * flows back to the positions the values came from.
 * @example sort(tensor([3, NaN, 1]))                 // [1, 3, NaN]
 * @example sort(x, { axis: 0, descending: true })
 */
export function sort(x: TensorLike, axisOrOptions?: number | null | SortOptions): Tensor {
  const { t, axis, descending } = sortArgs('sort', x, axisOrOptions);
  const y = takeAlongAxis(t, bind1('argsort', [t], { axis, descending }), axis);
  return asTensor('sort', x).ndim === 0 ? reshapeExact(y, []) : y;
}

export interface TopKOptions {
  /** The axis to select along (default -1, the last, like JAX's lax.top_k). */
  readonly axis?: number;
}

/**
 * The k largest values along an axis and their indices, largest first; equal values in index
 * order, and NaN counts as the largest (JAX's lax.top_k). Values are differentiable.
 * @example const [values, indices] = topK(tensor([1, 4, 2, 4]), 2)   // [4, 4], [1, 3]
 * @example const [best] = topK(logits, 5, { axis: -1 })
 */
export function topK(x: TensorLike, k: number, options?: TopKOptions): [values: Tensor, indices: Tensor] {
  const { axis = -1 } = axisOrOptions('topK', options, ['axis'], -1);
  const t = asTensor('topK', x);
  if (t.ndim === 0) opError('topK', 'expects a tensor with at least one axis, got a 0-d tensor');
  const ax = normalizeAxis('topK', axis as number, t.ndim);
  checkNumber('topK', 'k', k, { integer: true, min: 0, max: t.shape[ax]! });
  const order = bind1('argsort', [t], { axis: ax, descending: true });
  const indices = slice(order, t.shape.map((_, i) => (i === ax ? { stop: k } : null)));
  return [takeAlongAxis(t, indices, ax), indices];
}
