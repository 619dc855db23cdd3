/** Shape operations: reshape, transpose and friends. */
import { bind1, type Tensor } from '../core';
import { fmtShape, inversePermutation, isPermutation, normalizeAxes, normalizeAxis, opError, sizeOf, type Shape } from '../shape';
import { axisOrOptions, describeValue, optionKeys } from '../validate';
import { asTensor, type TensorLike } from './create';
import { reshapeExact } from './broadcast';

/** The options of expandDims and squeeze. */
export interface AxesOptions {
  /** One axis or several. */
  readonly axis?: number | readonly number[];
}

const axesKeys = optionKeys<AxesOptions>({ axis: true });

/**
 * A new shape with the same elements in row-major order; one axis may be -1 (inferred).
 * @example reshape(arange(6), [2, -1])   // shape [2, 3]
 */
export function reshape(x: TensorLike, shape: Shape): Tensor {
  const t = asTensor('reshape', x);
  if (!Array.isArray(shape)) opError('reshape', `the new shape must be an array of integers (one may be -1), got ${describeValue(shape)}`);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1 || !shape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0))) {
    opError('reshape', `invalid target shape ${fmtShape(shape)} (expected non-negative integers and at most one -1)`);
  }
  let resolved = shape.slice();
  if (holes === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || t.size % known !== 0) opError('reshape', `cannot reshape ${fmtShape(t.shape)} (size ${t.size}) to ${fmtShape(shape)}`);
    resolved = shape.map((d) => (d === -1 ? t.size / known : d));
  }
  if (sizeOf(resolved) !== t.size) opError('reshape', `cannot reshape ${fmtShape(t.shape)} (size ${t.size}) to ${fmtShape(shape)} (size ${sizeOf(resolved)})`);
  return reshapeExact(t, resolved);
}

/**
 * Permute axes; without `perm` the axes are reversed (numpy's default).
 * @example transpose(x)                   // [a, b, c] -> [c, b, a]
 * @example transpose(x, [0, 2, 1])
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = asTensor('transpose', x);
  const rank = t.ndim;
  if (perm !== undefined && !Array.isArray(perm)) opError('transpose', `perm must be an array of axes, got ${describeValue(perm)}`);
  const p = perm === undefined ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : perm.map((a) => (a < 0 ? a + rank : a));
  if (!isPermutation(p, rank)) opError('transpose', `perm ${describeValue(perm)} is not a permutation of the ${rank} axes of ${fmtShape(t.shape)}`);
  if (p.every((a, i) => a === i)) return t;
  return bind1('transpose', [t], { perm: p });
}

/** The inverse of a permutation, so transpose(transpose(x, p), inversePerm(p)) is x. */
export const inversePerm = inversePermutation;

/**
 * Move axes from `source` to `destination` keeping the others in order.
 * @example moveaxis(x, 0, -1)             // [a, b, c] -> [b, c, a]
 */
export function moveaxis(x: TensorLike, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const t = asTensor('moveaxis', x);
  for (const [name, v] of [['source', source], ['destination', destination]] as const) {
    if (typeof v !== 'number' && !Array.isArray(v)) opError('moveaxis', `${name} must be an axis or an array of axes, got ${describeValue(v)}`);
  }
  const src = (typeof source === 'number' ? [source] : source).map((a) => normalizeAxis('moveaxis', a, t.ndim));
  const dst = (typeof destination === 'number' ? [destination] : destination).map((a) => normalizeAxis('moveaxis', a, t.ndim));
  if (src.length !== dst.length) opError('moveaxis', `source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)} must have the same number of axes`);
  const rest = Array.from({ length: t.ndim }, (_, i) => i).filter((i) => !src.includes(i));
  const perm = new Array<number>(t.ndim);
  const order = src.map((s, i) => [dst[i]!, s] as const).sort((a, b) => a[0] - b[0]);
  for (const [d, s] of order) perm[d] = s;
  let r = 0;
  for (let i = 0; i < perm.length; i++) if (perm[i] === undefined) perm[i] = rest[r++]!;
  return transpose(t, perm);
}

/**
 * Insert axes of size 1 at the given positions (of the result).
 * @example expandDims(x, 0)               // [3] -> [1, 3]; or expandDims(x, { axis: 0 })
 */
export function expandDims(x: TensorLike, axis: number | readonly number[] | AxesOptions): Tensor {
  const t = asTensor('expandDims', x);
  const where = axisOrOptions<AxesOptions>('expandDims', axis, axesKeys).axis;
  if (where === undefined || where === null) opError('expandDims', `expects the position of the new axis, as in expandDims(x, 0), got ${describeValue(axis)}`);
  const list = typeof where === 'number' ? [where] : where;
  const outRank = t.ndim + list.length;
  const axes = normalizeAxes('expandDims', list, outRank);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < outRank; i++) shape.push(axes.includes(i) ? 1 : t.shape[k++]!);
  return reshapeExact(t, shape);
}

/**
 * Remove axes of size 1 (all of them, or the given ones, which must have size 1).
 * @example squeeze(x)                     // [1, 3, 1] -> [3]
 * @example squeeze(x, 0)                  // [1, 3, 1] -> [3, 1]; or squeeze(x, { axis: 0 })
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[] | null | AxesOptions): Tensor {
  const t = asTensor('squeeze', x);
  const which = axisOrOptions<AxesOptions>('squeeze', axis, axesKeys).axis;
  const axes = which === undefined || which === null ? t.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normalizeAxes('squeeze', which, t.ndim);
  for (const a of axes) if (t.shape[a] !== 1) opError('squeeze', `cannot squeeze axis ${a} of size ${t.shape[a]} in ${fmtShape(t.shape)} (expected size 1)`);
  return reshapeExact(t, t.shape.filter((_, i) => !axes.includes(i)));
}

/** Flatten to 1-D. */
export function ravel(x: TensorLike): Tensor {
  const t = asTensor('ravel', x);
  return reshapeExact(t, [t.size]);
}
