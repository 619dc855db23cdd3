/**
 * Cumulative products, maxima and minima as composites: a Hillis-Steele scan that combines
 * each element with the one 2^k before it, in ceil(log2 n) steps of slice, pad and the binary
 * op. Built from mul and max/min, the derivatives are those ops' own rules: exact at zeros
 * (no division by the input, which a cumprod rule of the form y / x would need) and, for
 * cummax/cummin, ties split evenly like maximum/minimum. vmap, jit and every backend come free;
 * the price is n log n work instead of n, which is small next to a sort or a matmul.
 */
import type { Tensor } from '../core';
import type { DType } from '../dtype';
import { normalizeAxis, opError } from '../shape';
import { axisOrOptions } from '../validate';
import { asTensor, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { maximum, minimum, mul } from './elementwise';
import { pad, slice } from './slice';

export interface CumulativeOptions {
  /** The axis to accumulate along; without one the flattened tensor is used (like cumsum). */
  readonly axis?: number;
  /** Accumulate from the end of the axis toward its start. */
  readonly reverse?: boolean;
}

type Combine = (a: Tensor, b: Tensor) => Tensor;

function scan(op: string, x: TensorLike, arg: number | CumulativeOptions | undefined, combine: Combine, identity: (dtype: DType) => number, boolAs?: DType): Tensor {
  const { axis, reverse = false } = axisOrOptions(op, arg, ['axis', 'reverse']);
  if (typeof reverse !== 'boolean') opError(op, `reverse must be a boolean, got ${String(reverse)}`);
  let t = asTensor(op, x);
  if (boolAs && t.dtype === 'bool') t = astype(t, boolAs);
  if (axis === undefined) t = reshapeExact(t, [t.size]);
  const ax = normalizeAxis(op, axis ?? 0, t.ndim);
  const n = t.shape[ax]!;
  const whole = t.shape.map(() => null);
  let y = t;
  for (let s = 1; s < n; s *= 2) {
    // shifted[i] = y[i - s] (y[i + s] in reverse), the identity where that falls off the axis.
    const kept = slice(y, whole.map((_, i) => (i === ax ? (reverse ? { start: s } : { stop: n - s }) : null)));
    const widths = t.shape.map((_, i): [number, number] => (i === ax ? (reverse ? [0, s] : [s, 0]) : [0, 0]));
    y = combine(y, pad(kept, widths, { value: identity(t.dtype) }));
  }
  return y;
}

const lowest = (dtype: DType): number => (dtype === 'int32' ? -(2 ** 31) : dtype === 'bool' ? 0 : -Infinity);
const highest = (dtype: DType): number => (dtype === 'int32' ? 2 ** 31 - 1 : dtype === 'bool' ? 1 : Infinity);

/**
 * Running product along an axis (flattened without one); bools count as int32. Its gradient is
 * exact where inputs are zero.
 * @example cumprod(tensor([1, 2, 3, 4]))              // [1, 2, 6, 24]
 * @example cumprod(x, { axis: 1, reverse: true })
 */
export const cumprod = (x: TensorLike, axisOrOptions?: number | CumulativeOptions): Tensor => scan('cumprod', x, axisOrOptions, mul, () => 1, 'int32');

/**
 * Running maximum along an axis (NaN propagates, as in maximum).
 * @example cummax(tensor([1, 3, 2, 5]))               // [1, 3, 3, 5]
 * @example cummax(x, 0)
 */
export const cummax = (x: TensorLike, axisOrOptions?: number | CumulativeOptions): Tensor => scan('cummax', x, axisOrOptions, maximum, lowest);

/**
 * Running minimum along an axis (NaN propagates, as in minimum).
 * @example cummin(tensor([3, 1, 2, 0]))               // [3, 1, 1, 0]
 * @example cummin(x, { axis: -1, reverse: true })
 */
export const cummin = (x: TensorLike, axisOrOptions?: number | CumulativeOptions): Tensor => scan('cummin', x, axisOrOptions, minimum, highest);
