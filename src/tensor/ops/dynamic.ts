/**
 * Slices whose start indices are traced values (JAX's lax.dynamic_slice and
 * lax.dynamic_update_slice): the window sizes are static, the starts are int32 scalars that may
 * change from call to call of a jitted function without retracing. Like JAX, a negative start
 * counts from the end and the window is then clamped to fit, so no start is ever out of range.
 */
import { bind1, Tensor } from '../core';
import { fmtAval } from '../aval';
import { opError } from '../shape';
import { describeValue } from '../validate';
import { asTensor, scalar, type TensorLike } from './create';
import { reshapeExact } from './broadcast';

/** Start indices: one JS integer or int32 scalar tensor per axis, or a 1-D int32 tensor of them. */
export type StartIndices = readonly (number | Tensor)[] | Tensor;

/** One int32 scalar per axis of a rank-`rank` operand. */
function startScalars(op: string, starts: StartIndices, rank: number): Tensor[] {
  let list: readonly (number | Tensor)[];
  if (starts instanceof Tensor) {
    if (starts.ndim !== 1) opError(op, `start indices as a tensor must be 1-D int32, got ${fmtAval(starts)}`);
    list = Array.from({ length: starts.shape[0]! }, (_, k) => reshapeExact(bind1('slice', [starts], { starts: [k], limits: [k + 1], strides: [1] }), []));
  } else if (Array.isArray(starts)) list = starts;
  else return opError(op, `start indices must be an array of integers or int32 scalars, or a 1-D int32 tensor, got ${describeValue(starts)}`);
  if (list.length !== rank) opError(op, `expects ${rank} start indices (one per axis), got ${list.length}`);
  return list.map((s, k) => {
    if (typeof s === 'number') {
      if (!Number.isInteger(s) || Math.abs(s) > 2 ** 31 - 1) opError(op, `start index ${k} must be an integer, got ${s}`);
      return scalar(s, 'int32');
    }
    if (!(s instanceof Tensor) || s.dtype !== 'int32' || s.ndim !== 0) opError(op, `start index ${k} must be an integer or an int32 scalar tensor, got ${s instanceof Tensor ? fmtAval(s) : describeValue(s)}`);
    return s;
  });
}

/**
 * The window of `sizes` starting at `starts` (traced int32 scalars or integers). A negative
 * start counts from the end; starts are then clamped so the window fits (JAX semantics).
 * @example dynamicSlice(x, [i, 0], [1, x.shape[1]])      // row i of a matrix, i traced
 * @example dynamicSlice(tensor([1, 2, 3, 4]), [3], [2])  // [3, 4]: the start is clamped to 2
 */
export function dynamicSlice(x: TensorLike, starts: StartIndices, sizes: readonly number[]): Tensor {
  const t = asTensor('dynamicSlice', x);
  const s = startScalars('dynamicSlice', starts, t.ndim);
  const ok = Array.isArray(sizes) && sizes.length === t.ndim && sizes.every((d, k) => Number.isInteger(d) && d >= 0 && d <= t.shape[k]!);
  if (!ok) opError('dynamicSlice', `sizes must be one integer in [0, size] per axis of ${fmtAval(t)}, got ${describeValue(sizes)}`);
  return bind1('dynamicSlice', [t, ...s], { sizes: sizes.slice() });
}

/**
 * x with `update` written over the window at `starts` (traced int32 scalars or integers),
 * clamped like dynamicSlice so the whole update always lands inside x. Returns a new tensor.
 * @example dynamicUpdateSlice(zeros([5]), ones([2]), [1])   // [0, 1, 1, 0, 0]
 * @example dynamicUpdateSlice(cache, step, [0, t, 0])       // write a KV-cache row at traced t
 */
export function dynamicUpdateSlice(x: TensorLike, update: TensorLike, starts: StartIndices): Tensor {
  const t = asTensor('dynamicUpdateSlice', x);
  const u = asTensor('dynamicUpdateSlice', update, t.dtype);
  const ok = u.dtype === t.dtype && u.ndim === t.ndim && u.shape.every((d, k) => d <= t.shape[k]!);
  if (!ok) opError('dynamicUpdateSlice', `the update must have the operand's dtype and rank and fit inside it, got ${fmtAval(u)} for ${fmtAval(t)}`);
  return bind1('dynamicUpdateSlice', [t, u, ...startScalars('dynamicUpdateSlice', starts, t.ndim)], {});
}
