/**
 * Index arithmetic shared by slicing, dynamic slices and index updates (x.at). Internal: the
 * package root does not export this file; other areas reach clampedStart through ../index.ts.
 */
import type { Tensor } from '../core';
import { opError } from '../shape';
import { checkOptions, describeValue, optionKeys } from '../validate';
import { add, clip, less, where } from './elementwise';
import type { SliceRange } from './slice';

/** A slice of one axis resolved by Python's rules: `count` elements from `start`, `step` apart. */
export interface ResolvedRange {
  readonly start: number;
  readonly count: number;
  readonly step: number;
}

const rangeKeys = optionKeys<SliceRange>({ start: true, stop: true, step: true });

function intOrNull(op: string, name: string, v: number | null | undefined, axis: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) opError(op, `${name} of axis ${axis} must be an integer, got ${describeValue(v)}`);
  return v;
}

/** Python's slice.indices(n) followed by the element count. */
export function resolveRange(op: string, r: SliceRange | null | undefined, n: number, axis: number): ResolvedRange {
  if (r !== null) checkOptions(`${op} (range of axis ${axis})`, r, rangeKeys);
  const step = intOrNull(op, 'step', r?.step, axis) ?? 1;
  if (step === 0) opError(op, `step of axis ${axis} must not be zero`);
  const [lower, upper] = step > 0 ? [0, n] : [-1, n - 1];
  const clamp = (v: number | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    return v < 0 ? Math.max(v + n, lower) : Math.min(v, upper);
  };
  const start = clamp(intOrNull(op, 'start', r?.start, axis), step > 0 ? lower : upper);
  const stop = clamp(intOrNull(op, 'stop', r?.stop, axis), step > 0 ? upper : lower);
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return { start, count, step };
}

/**
 * The start a window of `size` along an axis of `dim` really takes, as a traced int32 value: a
 * negative start counts from the end, then it is clamped into [0, dim - size] (what the
 * primitives do, for the batching rules and index updates that rebuild them from gathers).
 * @example clampedStart(scalar(-1, 'int32'), 5, 2)   // 3
 */
export function clampedStart(start: Tensor, dim: number, size: number): Tensor {
  return clip(where(less(start, 0), add(start, dim), start), 0, dim - size);
}

