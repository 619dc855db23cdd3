/**
 * Repetition and rearrangement with NumPy semantics, as composites: tile and repeat are a
 * broadcast of an inserted axis followed by a reshape (or, for per-element counts, one take),
 * roll is two slices joined (a dynamicSlice of the doubled axis when the shift is traced), and
 * meshgrid broadcasts each vector along its own axis.
 */
import { Tensor } from '../core';
import { fmtAval } from '../aval';
import { normalizeAxis, opError } from '../shape';
import { axisOrOptions, checkOneOf, checkOptions, describeValue, isPlainObject } from '../validate';
import { asTensor, scalar, type TensorLike } from './create';
import { broadcastTo, reshapeExact } from './broadcast';
import { mod, sub } from './elementwise';
import { take } from './indexing';
import { concatenate } from './join';
import { dynamicSlice } from './dynamic';
import { slice } from './slice';

const isCount = (r: unknown): r is number => typeof r === 'number' && Number.isInteger(r) && r >= 0;

/**
 * x repeated `reps` times along each axis (NumPy's tile): a shorter reps applies to the last
 * axes, a longer one adds leading axes.
 * @example tile(tensor([1, 2]), 2)              // [1, 2, 1, 2]
 * @example tile(tensor([[1, 2]]), [2, 2])       // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  const list = typeof reps === 'number' ? [reps] : reps;
  if (!Array.isArray(list) || !list.every(isCount)) opError('tile', `reps must be a non-negative integer or an array of them, got ${describeValue(reps)}`);
  const t = asTensor('tile', x);
  const rank = Math.max(t.ndim, list.length);
  const shape = [...new Array<number>(rank - t.ndim).fill(1), ...t.shape];
  const r = [...new Array<number>(rank - list.length).fill(1), ...list];
  // [s0, s1] -> [1, s0, 1, s1] -> [r0, s0, r1, s1] -> [r0 s0, r1 s1].
  const spread = reshapeExact(t, shape.flatMap((d) => [1, d]));
  const tiled = broadcastTo(spread, shape.flatMap((d, i) => [r[i]!, d]));
  return reshapeExact(tiled, shape.map((d, i) => d * r[i]!));
}

export interface RepeatOptions {
  /** The axis (default: the flattened tensor). */
  readonly axis?: number;
}

/**
 * Each element repeated along an axis (NumPy's repeat); without an axis x is flattened first.
 * `repeats` is one count for all, or one count per element of the axis.
 * @example repeat(tensor([1, 2]), 2)                    // [1, 1, 2, 2]
 * @example repeat(tensor([[1, 2], [3, 4]]), [1, 2], 0) // [[1, 2], [3, 4], [3, 4]]
 */
export function repeat(x: TensorLike, repeats: number | readonly number[], axisOrOpts?: number | RepeatOptions): Tensor {
  const { axis } = axisOrOptions('repeat', axisOrOpts, ['axis']);
  let t = asTensor('repeat', x);
  if (axis === undefined) t = reshapeExact(t, [t.size]);
  const ax = normalizeAxis('repeat', axis ?? 0, t.ndim);
  const n = t.shape[ax]!;
  const counts = typeof repeats === 'number' ? [repeats] : repeats;
  if (!Array.isArray(counts) || !counts.every(isCount)) opError('repeat', `repeats must be a non-negative integer or an array of them, got ${describeValue(repeats)}`);
  if (counts.length === 1) {
    const c = counts[0]!;
    const spread = reshapeExact(t, [...t.shape.slice(0, ax + 1), 1, ...t.shape.slice(ax + 1)]);
    const wide = broadcastTo(spread, [...t.shape.slice(0, ax + 1), c, ...t.shape.slice(ax + 1)]);
    return reshapeExact(wide, t.shape.map((d, i) => (i === ax ? d * c : d)));
  }
  if (counts.length !== n) opError('repeat', `got ${counts.length} repeat counts for an axis of size ${n} in ${fmtAval(t)}`);
  const source = counts.flatMap((c, i) => new Array<number>(c).fill(i));
  return take(t, source, { axis: ax });
}

export interface RollOptions {
  /** The axis or axes to roll (default: the flattened tensor, reshaped back). */
  readonly axis?: number | readonly number[];
}

/**
 * Elements shifted along an axis, those falling off one end coming back at the other (NumPy's
 * roll). A shift may be a traced int32 scalar: the roll is then a dynamicSlice of the axis
 * doubled, so a jitted function is not retraced per shift.
 * @example roll(tensor([1, 2, 3, 4]), 1)                   // [4, 1, 2, 3]
 * @example roll(x, [1, -2], [0, 1])                       // per axis
 */
export function roll(x: TensorLike, shift: number | Tensor | readonly (number | Tensor)[], axisOrOpts?: number | readonly number[] | RollOptions): Tensor {
  const { axis } = Array.isArray(axisOrOpts) ? { axis: axisOrOpts as readonly number[] } : axisOrOptions('roll', axisOrOpts as number | RollOptions | undefined, ['axis']);
  const t = asTensor('roll', x);
  const shifts = Array.isArray(shift) ? shift : [shift as number | Tensor];
  if (axis === undefined) {
    if (shifts.length !== 1) opError('roll', `several shifts need as many axes, got shifts ${describeValue(shift)} and no axis`);
    return reshapeExact(roll(reshapeExact(t, [t.size]), shifts[0]!, 0), t.shape);
  }
  const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis('roll', a, t.ndim));
  if (shifts.length !== axes.length) opError('roll', `got ${shifts.length} shifts for ${axes.length} axes`);
  return axes.reduce((y, ax, i) => rollAxis(y, shifts[i]!, ax), t);
}

function rollAxis(t: Tensor, shift: number | Tensor, ax: number): Tensor {
  const n = t.shape[ax]!;
  if (n === 0) return t;
  const whole = t.shape.map(() => null);
  const along = (start?: number, stop?: number) => slice(t, whole.map((_, i) => (i === ax ? { start, stop } : null)));
  if (typeof shift === 'number') {
    if (!Number.isInteger(shift)) opError('roll', `shift must be an integer or an int32 scalar tensor, got ${shift}`);
    const s = ((shift % n) + n) % n;
    return s === 0 ? t : concatenate([along(n - s), along(0, n - s)], ax);
  }
  if (!(shift instanceof Tensor) || shift.dtype !== 'int32' || shift.ndim !== 0) opError('roll', `shift must be an integer or an int32 scalar tensor, got ${shift instanceof Tensor ? fmtAval(shift) : describeValue(shift)}`);
  // out[i] = x[(i - s) mod n] = doubled[i + n - s].
  const start = sub(n, mod(shift, n));
  const starts = t.shape.map((_, i) => (i === ax ? start : scalar(0, 'int32')));
  return dynamicSlice(concatenate([t, t], ax), starts, t.shape);
}

export interface MeshgridOptions {
  /** 'xy' (default, Cartesian: the first two output axes swapped) or 'ij' (matrix indexing). */
  readonly indexing?: 'xy' | 'ij';
  /** Leave each grid at size 1 along the other axes (it still broadcasts to the full grid). */
  readonly sparse?: boolean;
}

/**
 * Coordinate grids from 1-D coordinate vectors (NumPy's meshgrid; inputs are flattened). Options
 * may follow the vectors.
 * @example const [X, Y] = meshgrid(tensor([1, 2, 3]), tensor([4, 5]))   // shapes [2, 3]
 * @example const [I, J] = meshgrid(rows, cols, { indexing: 'ij' })
 */
export function meshgrid(...args: readonly (TensorLike | MeshgridOptions)[]): Tensor[] {
  const last = args[args.length - 1];
  const hasOptions = isPlainObject(last);
  const { indexing = 'xy', sparse = false } = hasOptions ? checkOptions('meshgrid', last as MeshgridOptions, ['indexing', 'sparse']) : {};
  checkOneOf('meshgrid', 'indexing', indexing, ['xy', 'ij']);
  if (typeof sparse !== 'boolean') opError('meshgrid', `sparse must be a boolean, got ${describeValue(sparse)}`);
  const xs = (hasOptions ? args.slice(0, -1) : args).map((a) => {
    const t = asTensor('meshgrid', a as TensorLike);
    return reshapeExact(t, [t.size]);
  });
  const rank = xs.length;
  // With 'xy' the first two vectors take each other's axes.
  const axisOf = (i: number): number => (indexing === 'xy' && rank >= 2 && i < 2 ? 1 - i : i);
  const shape = new Array<number>(rank);
  xs.forEach((t, i) => (shape[axisOf(i)] = t.size));
  return xs.map((t, i) => {
    const laid = reshapeExact(t, shape.map((d, a) => (a === axisOf(i) ? d : 1)));
    return sparse ? laid : broadcastTo(laid, shape);
  });
}
