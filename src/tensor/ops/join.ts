/** Joining and splitting along an axis: concatenate, stack, split. */
import { bind1, type Tensor } from '../core';
import { fmtAval } from '../aval';
import { fmtShape, normalizeAxis, opError, shapeEqual } from '../shape';
import { axisOrOptions, checkNumber, describeValue, optionKeys } from '../validate';
import { asTensor, describe, resultTypeOf, type TensorLike } from './create';
import { astype } from './broadcast';
import { expandDims } from './shape';
import { slice } from './slice';

/** The options of concatenate, stack and split. */
export interface JoinOptions {
  /** The axis to join along or split (default 0). */
  readonly axis?: number;
}

const joinKeys = optionKeys<JoinOptions>({ axis: true });

function operands(op: string, xs: readonly TensorLike[]): Tensor[] {
  if (!Array.isArray(xs)) opError(op, `expects an array of tensors, got ${describe(xs)}`);
  if (xs.length === 0) opError(op, 'needs at least one tensor, got an empty array');
  const dt = resultTypeOf(...xs);
  return xs.map((x) => astype(asTensor(op, x, dt), dt));
}

/**
 * Join tensors along an existing axis (numpy.concatenate); dtypes promote together.
 * @example concatenate([zeros([2, 3]), ones([1, 3])])          // shape [3, 3]
 * @example concatenate([a, b], -1)                             // or { axis: -1 }
 */
export function concatenate(xs: readonly TensorLike[], axis?: number | JoinOptions): Tensor {
  const along = joinAxis('concatenate', axis);
  const ts = operands('concatenate', xs);
  const first = ts[0]!;
  if (first.ndim === 0) opError('concatenate', 'cannot concatenate 0-d tensors (use stack to add an axis)');
  const ax = normalizeAxis('concatenate', along, first.ndim);
  for (const t of ts) {
    const ok = t.ndim === first.ndim && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) opError('concatenate', `tensors must agree in rank and in every axis but ${along}, got ${ts.map(fmtAval).join(', ')}`);
  }
  return ts.length === 1 ? first : bind1('concatenate', ts, { axis: ax });
}

/**
 * Join tensors of one shape along a new axis (numpy.stack).
 * @example stack([x, y])        // [2, ...x.shape]
 * @example stack([x, y], -1)    // [...x.shape, 2]; or stack([x, y], { axis: -1 })
 */
export function stack(xs: readonly TensorLike[], axis?: number | JoinOptions): Tensor {
  const along = joinAxis('stack', axis);
  const ts = operands('stack', xs);
  const shape = ts[0]!.shape;
  for (const t of ts) if (!shapeEqual(t.shape, shape)) opError('stack', `tensors must have one shape, got ${ts.map((u) => fmtShape(u.shape)).join(', ')}`);
  const ax = normalizeAxis('stack', along, shape.length + 1);
  return concatenate(ts.map((t) => expandDims(t, ax)), ax);
}

/**
 * Split along an axis (numpy.split): a number gives that many equal sections (the axis must
 * divide evenly); an array gives the split points, with Python slice clamping.
 * @example split(arange(6), 3)        // three tensors of shape [2]
 * @example split(arange(6), [1, 4])   // shapes [1], [3], [2]
 * @example split(x, 2, { axis: 1 })   // or split(x, 2, 1)
 */
export function split(x: TensorLike, indicesOrSections: number | readonly number[], axis?: number | JoinOptions): Tensor[] {
  const along = joinAxis('split', axis);
  const t = asTensor('split', x);
  if (t.ndim === 0) opError('split', 'cannot split a 0-d tensor');
  const ax = normalizeAxis('split', along, t.ndim);
  const n = t.shape[ax]!;
  let points: number[];
  if (typeof indicesOrSections === 'number') {
    const k = indicesOrSections;
    checkNumber('split', 'the number of sections', k, { integer: true, min: 1 });
    if (n % k !== 0) opError('split', `axis ${along} of size ${n} in ${fmtShape(t.shape)} does not divide into ${k} equal sections`);
    points = Array.from({ length: k - 1 }, (_, i) => ((i + 1) * n) / k);
  } else {
    if (!Array.isArray(indicesOrSections) || !indicesOrSections.every(Number.isInteger)) {
      opError('split', `expects a number of sections or an array of integer split points, got ${describeValue(indicesOrSections)}`);
    }
    points = indicesOrSections.slice();
  }
  const bounds: (number | undefined)[] = [undefined, ...points, undefined];
  const whole = t.shape.map(() => null);
  return bounds.slice(1).map((stop, i) => slice(t, whole.map((_, a) => (a === ax ? { start: bounds[i], stop } : null))));
}

function joinAxis(op: string, arg: number | JoinOptions | undefined): number {
  return axisOrOptions<JoinOptions>(op, arg, joinKeys, 0).axis!;
}
