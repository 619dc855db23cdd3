/**
 * 2-D convolution and pooling over NCHW images, built from the `patches` primitive (im2col)
 * followed by a matmul or a reduction, so grad/vmap/jit need no convolution rules of their own.
 */
import { bind1, fromStorage, type Tensor } from '../core';
import { fmtAval } from '../aval';
import { isFloat, type DType } from '../dtype';
import { windowOutSize, type Padding2d, type PatchesParams } from '../primitives';
import { fmtShape, opError } from '../shape';
import { checkBoolean, checkNumber, checkOptions, describeValue, isPlainObject, optionKeys } from '../validate';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { div } from './elementwise';
import { max, sum } from './reduce';
import { matmul } from './linalg';

/** One number for both spatial axes, or [height, width]. */
export type Size2d = number | readonly [number, number];

/** A number, [ph, pw] (symmetric) or [[top, bottom], [left, right]]. */
export type Padding2dLike = number | readonly [number, number] | Padding2d;

function pair(op: string, name: string, v: Size2d, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : opError(op, `${name} must be a number or [height, width], got ${describeValue(v)}`);
  if (!p.every((d) => Number.isInteger(d) && d >= min)) opError(op, `${name} must be integers >= ${min}, got ${describeValue(v)}`);
  return p;
}

function padding(op: string, v: Padding2dLike): Padding2d {
  const bad = (): never => opError(op, `padding must be a number, [ph, pw], [[top, bottom], [left, right]]${op === 'conv2d' ? ", 'same' or 'valid'" : ''}, got ${describeValue(v)}`);
  let p: Padding2d;
  if (typeof v === 'number') p = [[v, v], [v, v]];
  else if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')) p = [[v[0] as number, v[0] as number], [v[1] as number, v[1] as number]];
  else if (Array.isArray(v) && v.length === 2 && v.every((d) => Array.isArray(d) && d.length === 2)) p = v as Padding2d;
  else return bad();
  if (!p.flat().every((d) => Number.isInteger(d) && d >= 0)) opError(op, `padding must be non-negative integers, got ${describeValue(v)}`);
  return p;
}

function image(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) opError(op, `expects an NCHW input of rank 4, got ${fmtAval(x)}`);
  return x.shape as unknown as [number, number, number, number];
}

/** Output size of both spatial axes, with an error naming the op when the window does not fit. */
function outSize(op: string, x: Tensor, p: Omit<PatchesParams, 'padValue'>): [number, number] {
  const [, , h, w] = x.shape as [number, number, number, number];
  const oh = windowOutSize(h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]);
  const ow = windowOutSize(w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1]);
  if (oh < 1 || ow < 1) opError(op, `kernel ${fmtShape(p.kernel)} with dilation ${fmtShape(p.dilation)} does not fit input ${fmtAval(x)} padded by ${JSON.stringify(p.padding)}`);
  return [oh, ow];
}

export interface Conv2dOptions {
  /** Step between windows (default 1). */
  readonly stride?: Size2d;
  /**
   * Zero padding: a number, [ph, pw], [[top, bottom], [left, right]], 'valid' (none, the
   * default) or 'same' (output size ceil(input / stride); the odd pixel goes bottom/right, as
   * in TensorFlow; at stride 1 this is PyTorch's 'same').
   */
  readonly padding?: Padding2dLike | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  readonly dilation?: Size2d;
  /** Split channels into independent groups (in and out channels must divide; default 1). */
  readonly groups?: number;
}

const conv2dKeys = optionKeys<Conv2dOptions>({ stride: true, padding: true, dilation: true, groups: true });

function samePadding(size: number, k: number, stride: number, dilation: number): [number, number] {
  const span = dilation * (k - 1) + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Cross-correlation of NCHW input with OIHW weights (PyTorch's conv2d without bias):
 * x [n, c, h, w], w [o, c / groups, kh, kw] -> [n, o, oh, ow].
 * @example conv2d(x, w, { stride: 2, padding: 1 })
 * @example conv2d(x, depthwise, { groups: channels, padding: 'same' })
 */
export function conv2d(x: TensorLike, w: TensorLike, conv2dOptions?: Conv2dOptions): Tensor {
  const options = checkOptions('conv2d', conv2dOptions, conv2dKeys);
  let dt: DType = resultTypeOf(x, w);
  if (dt === 'bool') dt = 'float32';
  const xt = astype(asTensor('conv2d', x, dt), dt);
  const wt = astype(asTensor('conv2d', w, dt), dt);
  const [n, c] = image('conv2d', xt);
  if (wt.ndim !== 4) opError('conv2d', `expects OIHW weights of rank 4, got ${fmtAval(wt)}`);
  const [o, cg, kh, kw] = wt.shape as [number, number, number, number];
  const groups = checkNumber('conv2d', 'groups', options.groups ?? 1, { integer: true, min: 1 });
  if (c % groups !== 0 || o % groups !== 0) opError('conv2d', `groups ${groups} must divide the input channels (${c}, input ${fmtAval(xt)}) and the output channels (${o}, weights ${fmtAval(wt)})`);
  if (cg * groups !== c) opError('conv2d', `weights ${fmtAval(wt)} expect ${cg * groups} input channels (${cg} per group x ${groups} groups), but input ${fmtAval(xt)} has ${c}`);
  const stride = pair('conv2d', 'stride', options.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', options.dilation ?? 1, 1);
  const pv = options.padding ?? 'valid';
  const pads: Padding2d =
    pv === 'valid' ? [[0, 0], [0, 0]]
    : pv === 'same' ? [samePadding(xt.shape[2]!, kh, stride[0], dilation[0]), samePadding(xt.shape[3]!, kw, stride[1], dilation[1])]
    : padding('conv2d', pv);
  const params = { kernel: [kh, kw] as const, stride, padding: pads, dilation };
  const [oh, ow] = outSize('conv2d', xt, params);
  const k = cg * kh * kw;
  const cols = reshapeExact(bind1('patches', [xt], { ...params, padValue: 0 }), [n, groups, k, oh * ow]);
  const y = matmul(reshapeExact(wt, [groups, o / groups, k]), cols);
  return reshapeExact(y, [n, o, oh, ow]);
}

export interface Pool2dOptions {
  /** The window: one number for both axes, or [height, width]. */
  readonly kernelSize: Size2d;
  /** Step between windows (default: the kernel size). */
  readonly stride?: Size2d;
  /** Implicit padding; at most half the kernel on each side (as in PyTorch). Default 0. */
  readonly padding?: Padding2dLike;
}

const poolKeys = optionKeys<AvgPool2dOptions>({ kernelSize: true, stride: true, padding: true, countIncludePad: true });

/** A pool's second argument: the kernel size alone (`maxPool2d(x, 2)`) or the options. */
function poolOptions<O extends Pool2dOptions>(op: string, arg: Size2d | O, keys: readonly (keyof O & string)[]): O {
  if (typeof arg === 'number' || Array.isArray(arg)) return { kernelSize: arg } as O;
  if (!isPlainObject(arg)) opError(op, `expects a kernel size or options with a kernelSize, got ${describeValue(arg)}`);
  return checkOptions(op, arg as O, keys) as O;
}

function poolParams(op: string, x: Tensor, options: Pool2dOptions): Omit<PatchesParams, 'padValue'> {
  image(op, x);
  if (options.kernelSize === undefined) opError(op, 'expects options with a kernelSize, as in { kernelSize: 2 }');
  const kernel = pair(op, 'kernelSize', options.kernelSize, 1);
  const stride = pair(op, 'stride', options.stride ?? kernel, 1);
  const pads = padding(op, options.padding ?? 0);
  // Beyond half a kernel some windows would see padding only (PyTorch rejects that too).
  if (pads.some((lohi, i) => lohi.some((p) => p > kernel[i]! / 2))) opError(op, `padding ${JSON.stringify(options.padding)} must be at most half the kernel size ${fmtShape(kernel)}`);
  return { kernel, stride, padding: pads, dilation: [1, 1] };
}

/** The lowest value of each dtype: max pooling pads with it, so padding never wins. */
const lowest: Record<DType, number> = { float32: -Infinity, float64: -Infinity, int32: -2147483648, bool: 0 };

/**
 * Max over each kernel window of NCHW input: [n, c, h, w] -> [n, c, oh, ow].
 * @example maxPool2d(x, 2)                                   // halves height and width; or { kernelSize: 2 }
 * @example maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })
 */
export function maxPool2d(x: TensorLike, kernelSizeOrOptions: Size2d | Pool2dOptions): Tensor {
  const options = poolOptions<Pool2dOptions>('maxPool2d', kernelSizeOrOptions, poolKeys.filter((k) => k !== 'countIncludePad'));
  const t = asTensor('maxPool2d', x);
  const params = poolParams('maxPool2d', t, options);
  outSize('maxPool2d', t, params);
  return max(bind1('patches', [t], { ...params, padValue: lowest[t.dtype] }), { axis: [2, 3] });
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count padded zeros in the divisor (default true, like PyTorch); false divides by real pixels. */
  readonly countIncludePad?: boolean;
}

/**
 * Mean over each kernel window of NCHW input (integer input gives float32).
 * @example avgPool2d(x, 2)                                   // or { kernelSize: 2 }
 * @example avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false })
 */
export function avgPool2d(x: TensorLike, kernelSizeOrOptions: Size2d | AvgPool2dOptions): Tensor {
  const options = poolOptions<AvgPool2dOptions>('avgPool2d', kernelSizeOrOptions, poolKeys);
  if (options.countIncludePad !== undefined) checkBoolean('avgPool2d', 'countIncludePad', options.countIncludePad);
  let t = asTensor('avgPool2d', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const params = poolParams('avgPool2d', t, options);
  const [oh, ow] = outSize('avgPool2d', t, params);
  const sums = sum(bind1('patches', [t], { ...params, padValue: 0 }), { axis: [2, 3] });
  if (options.countIncludePad ?? true) return div(sums, params.kernel[0] * params.kernel[1]);
  return div(sums, realPixelCounts(t, params, oh, ow));
}

/**
 * How many real (unpadded) pixels each window covers, as an [oh, ow] constant. It depends only
 * on shapes, so it is computed here in JS rather than traced.
 */
function realPixelCounts(x: Tensor, p: Omit<PatchesParams, 'padValue'>, oh: number, ow: number): Tensor {
  const axisCounts = (size: number, out: number, axis: 0 | 1): number[] =>
    Array.from({ length: out }, (_, i) => {
      const first = i * p.stride[axis] - p.padding[axis][0];
      return Math.min(first + p.kernel[axis], size) - Math.max(first, 0);
    });
  const rows = axisCounts(x.shape[2]!, oh, 0);
  const cols = axisCounts(x.shape[3]!, ow, 1);
  const data = x.dtype === 'float64' ? new Float64Array(oh * ow) : new Float32Array(oh * ow);
  rows.forEach((r, i) => cols.forEach((c, j) => (data[i * ow + j] = r * c)));
  return fromStorage([oh, ow], x.dtype, data);
}
