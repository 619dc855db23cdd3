/** Basic slicing with Python/numpy semantics, flipping and constant padding. */
import { bind1, type Tensor } from '../core';
import { fmtShape, normalizeAxes, opError } from '../shape';
import { axisOrOptions, checkNumber, checkOptions, describeValue, optionKeys } from '../validate';
import { asTensor, type TensorLike } from './create';
import { resolveRange } from './ranges';

/** One axis of a slice: Python's start:stop:step, any of them omitted. */
export interface SliceRange {
  readonly start?: number | null;
  readonly stop?: number | null;
  readonly step?: number | null;
}

/** Per-axis ranges from the first axis on; `null`/`undefined` or a missing entry takes the whole axis. */
export type SliceSpec = readonly (SliceRange | null | undefined)[];

/**
 * Basic slicing like `x[1:, ::-1]` in numpy: one `{ start, stop, step }` per leading axis,
 * clamped by Python's rules; negative indices count from the end and negative steps walk
 * backwards (a flip followed by a forward slice, since the primitive only takes positive strides).
 * @example slice(x, [{ start: 1 }, { step: -1 }])      // x[1:, ::-1]
 * @example slice(x, [null, { start: -2 }])             // x[:, -2:]
 */
export function slice(x: TensorLike, spec: SliceSpec): Tensor {
  const t = asTensor('slice', x);
  if (!Array.isArray(spec)) opError('slice', `expects an array with one { start, stop, step } range per axis, got ${describeValue(spec)}`);
  if (spec.length > t.ndim) opError('slice', `got ${spec.length} ranges for a tensor of rank ${t.ndim} (shape ${fmtShape(t.shape)})`);
  const ranges = t.shape.map((n, i) => resolveRange('slice', spec[i], n, i));
  const flipAxes = ranges.flatMap((r, i) => (r.step < 0 ? [i] : []));
  const src = flipAxes.length > 0 ? bind1('flip', [t], { axes: flipAxes }) : t;
  const starts: number[] = [], limits: number[] = [], strides: number[] = [];
  ranges.forEach(({ start, count, step }, i) => {
    const n = t.shape[i]!;
    // On a flipped axis, source index j sits at n - 1 - j.
    const s = count === 0 ? 0 : step < 0 ? n - 1 - start : start;
    const stride = Math.abs(step);
    starts.push(s);
    limits.push(count === 0 ? 0 : s + (count - 1) * stride + 1);
    strides.push(stride);
  });
  const identity = ranges.every((r, i) => r.step === 1 && r.start === 0 && r.count === t.shape[i]);
  return identity ? t : bind1('slice', [src], { starts, limits, strides });
}

/** The options of flip. */
export interface FlipOptions {
  /** One axis, several, or all (default). */
  readonly axis?: number | readonly number[] | null;
}

const flipKeys = optionKeys<FlipOptions>({ axis: true });

/**
 * Reverse the order of elements along the given axes (all axes by default), like numpy.flip.
 * @example flip(tensor([1, 2, 3]))        // [3, 2, 1]
 * @example flip(x, -1)                    // or flip(x, { axis: -1 })
 */
export function flip(x: TensorLike, axis?: number | readonly number[] | null | FlipOptions): Tensor {
  const t = asTensor('flip', x);
  const axes = normalizeAxes('flip', axisOrOptions<FlipOptions>('flip', axis, flipKeys).axis, t.ndim);
  return axes.length === 0 ? t : bind1('flip', [t], { axes });
}

/** numpy's pad_width: one number for every side, [lo, hi] for every axis, or one [lo, hi] per axis. */
export type PadWidth = number | readonly [number, number] | readonly (readonly [number, number])[];

export interface PadOptions {
  /** The constant written into the border (default 0). */
  readonly value?: number;
}

const padKeys = optionKeys<PadOptions>({ value: true });

/**
 * Constant padding (numpy.pad with mode 'constant').
 * @example pad(x, 1)                              // one element on every side of every axis
 * @example pad(img, [[0, 0], [1, 2]], { value: -1 })
 */
export function pad(x: TensorLike, padWidth: PadWidth, options?: PadOptions): Tensor {
  const t = asTensor('pad', x);
  const opts = checkOptions('pad', options, padKeys);
  if (opts.value !== undefined) checkNumber('pad', 'value', opts.value, { allowNonFinite: true });
  const widths = padWidths(padWidth, t.ndim);
  for (const [lo, hi] of widths) {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0) {
      opError('pad', `pad widths must be non-negative integers, got ${JSON.stringify(padWidth)} for shape ${fmtShape(t.shape)}`);
    }
  }
  if (widths.every(([lo, hi]) => lo === 0 && hi === 0)) return t;
  const value = opts.value ?? 0;
  return bind1('pad', [t], { lo: widths.map((w) => w[0]), hi: widths.map((w) => w[1]), value });
}

function padWidths(padWidth: PadWidth, rank: number): [number, number][] {
  const bad = (): never => opError('pad', `pad width ${JSON.stringify(padWidth)} must be a number, [lo, hi] or one [lo, hi] per axis (rank ${rank})`);
  if (typeof padWidth === 'number') return Array.from({ length: rank }, () => [padWidth, padWidth]);
  if (!Array.isArray(padWidth)) return bad();
  if (padWidth.length === 2 && padWidth.every((v) => typeof v === 'number')) {
    const [lo, hi] = padWidth as unknown as readonly [number, number];
    return Array.from({ length: rank }, () => [lo, hi]);
  }
  const pairs = padWidth as readonly (readonly [number, number])[];
  const ok = pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number'));
  if (!ok) return bad();
  // A single pair applies to every axis, as in numpy.
  if (pairs.length === 1) return Array.from({ length: rank }, () => [pairs[0]![0], pairs[0]![1]]);
  if (pairs.length !== rank) opError('pad', `got ${pairs.length} [lo, hi] pairs for a tensor of rank ${rank}`);
  return pairs.map(([lo, hi]) => [lo, hi]);
}
