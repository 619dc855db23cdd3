/**
 * Samplers: pure functions of (key, shape, options) built from primitives, so they batch over
 * keys under vmap, are constants under grad, and stage under jit. Every sampler reads the key's
 * stream at counter offset 0 (see key.ts); the output shape is [...keyBatch, ...shape].
 */
import * as T from '../tensor';
import { fmtAval, Tensor, type DType, type TensorLike } from '../tensor';
import { checkKey, checkShape, randomError, srl, words } from './key';
import { erfinv } from './erfinv';

export type FloatDType = 'float32' | 'float64';

export interface FloatOptions {
  /** float32 (default) or float64 (CPU). */
  readonly dtype?: FloatDType;
}

export interface UniformOptions extends FloatOptions {
  /** Inclusive lower bound (default 0); broadcasts against `shape`. */
  readonly minval?: TensorLike;
  /** Exclusive upper bound (default 1); broadcasts against `shape`. */
  readonly maxval?: TensorLike;
}

/** Smallest positive normal numbers, to keep log away from 0 (Gumbel). */
const TINY: Record<FloatDType, number> = { float32: 2 ** -126, float64: 2 ** -1022 };
/** Largest finite numbers, to keep truncated normals finite at infinite bounds. */
const HUGE: Record<FloatDType, number> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };

export function checkFloatDType(op: string, dtype: unknown): FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') randomError(op, `dtype must be 'float32' or 'float64', got ${T.describeValue(dtype)}`);
  return dtype;
}

/**
 * A sampler's options: a float dtype given positionally (JAX's `normal(key, shape, dtype)`) or
 * an options object, with the keys and the dtype checked.
 */
function floatOptions<O extends FloatOptions>(op: string, arg: FloatDType | O | undefined, keys: readonly (keyof O & string)[]): Partial<O> & { dtype: FloatDType } {
  const o = typeof arg === 'string' ? ({ dtype: arg } as Partial<O>) : T.checkOptions(op, arg, keys);
  return { ...o, dtype: checkFloatDType(op, o.dtype ?? 'float32') };
}

const floatKeys = T.optionKeys<FloatOptions>({ dtype: true });

/**
 * The dtype a sampler was given, positionally (`gamma(k, a, [3], 'float64')`) or as
 * `{ dtype }`, with the option keys checked; undefined when none was given.
 */
export function givenDType(op: string, arg: FloatDType | FloatOptions | undefined): FloatDType | undefined {
  return typeof arg === 'string' ? checkFloatDType(op, arg) : T.checkOptions(op, arg, floatKeys).dtype;
}

/** A bound or parameter as a tensor of `dtype`, checked to broadcast to `shape`. */
export function param(op: string, name: string, x: TensorLike, dtype: DType, shape: readonly number[]): Tensor {
  if (typeof x === 'number' && Number.isNaN(x)) randomError(op, `${name} must not be NaN`);
  if (!(x instanceof Tensor) && typeof x !== 'number') randomError(op, `${name} must be a number or a Tensor, got ${T.describe(x)}`);
  const t = T.astype(T.asTensor(op, x, dtype), dtype);
  if (!fitsIn(t.shape, shape)) randomError(op, `${name} of shape [${t.shape.join(', ')}] does not broadcast to shape [${shape.join(', ')}]`);
  return t;
}

export function fitsIn(small: readonly number[], shape: readonly number[]): boolean {
  if (small.length > shape.length) return false;
  const off = shape.length - small.length;
  return small.every((d, i) => d === 1 || d === shape[off + i]);
}

/**
 * `count` independent uniforms in [0, 1), each [...keyBatch, ...shape]. float32 takes the top 24
 * bits of one word (k * 2^-24); float64 joins 27 + 26 bits of two words (k * 2^-53). Both are
 * exact, so 1 is never produced.
 */
export function unitUniforms(key: Tensor, shape: readonly number[], dtype: FloatDType, count: number): Tensor[] {
  if (dtype === 'float32') {
    return words(key, shape, count).map((w) => T.mul(T.astype(srl(w, 8), 'float32'), 2 ** -24));
  }
  const ws = words(key, shape, 2 * count);
  return Array.from({ length: count }, (_, i) => {
    const hi = T.astype(srl(ws[2 * i]!, 5), 'float64');
    const lo = T.astype(srl(ws[2 * i + 1]!, 6), 'float64');
    return T.mul(T.add(T.mul(hi, 2 ** 26), lo), 2 ** -53);
  });
}

/**
 * Uniform floats in [minval, maxval) (default [0, 1)). Values that round up to maxval in low
 * precision (possible only for bounds other than [0, 1)) are folded back to minval, so the
 * interval stays half-open.
 * @example const u = uniform(key(0), [2, 3]);
 * @example const w = uniform(k, [fanIn, fanOut], { minval: -limit, maxval: limit });
 */
export function uniform(key: Tensor, shape: readonly number[] = [], dtypeOrOptions?: FloatDType | UniformOptions): Tensor {
  checkKey('uniform', key);
  const s = checkShape('uniform', shape);
  const { dtype, minval = 0, maxval = 1 } = floatOptions<UniformOptions>('uniform', dtypeOrOptions, ['dtype', 'minval', 'maxval']);
  if (typeof minval === 'number' && typeof maxval === 'number' && !(minval <= maxval)) {
    randomError('uniform', `minval must not exceed maxval, got minval ${minval} and maxval ${maxval}`);
  }
  const lo = param('uniform', 'minval', minval, dtype, s);
  const hi = param('uniform', 'maxval', maxval, dtype, s);
  const [u] = unitUniforms(key, s, dtype, 1);
  if (minval === 0 && maxval === 1) return u!;
  const y = T.add(T.mul(u!, T.sub(hi, lo)), lo);
  return T.where(T.less(y, hi), T.maximum(y, lo), lo);
}

/**
 * Standard normal samples by Box–Muller: sqrt(-2 log(1 - u1)) cos(2 pi u2), with 1 - u1 in
 * (0, 1] so the log is finite.
 * @example const z = normal(key(0), [3]);                // normal(k, [3], 'float64') for float64
 * @example const w = T.mul(normal(k, [in, out]), Math.sqrt(2 / in));
 */
export function normal(key: Tensor, shape: readonly number[] = [], dtypeOrOptions?: FloatDType | FloatOptions): Tensor {
  checkKey('normal', key);
  const s = checkShape('normal', shape);
  const { dtype } = floatOptions('normal', dtypeOrOptions, floatKeys);
  const [u1, u2] = unitUniforms(key, s, dtype, 2);
  return boxMuller(u1!, u2!);
}

/**
 * Standard Gumbel samples -log(-log(u)), with u kept above the smallest normal number so every
 * sample is finite.
 * @example const g = gumbel(key(0), [5]);
 * @example const sample = T.argmax(T.add(logits, gumbel(k, logits.shape)), { axis: -1 });
 */
export function gumbel(key: Tensor, shape: readonly number[] = [], dtypeOrOptions?: FloatDType | FloatOptions): Tensor {
  checkKey('gumbel', key);
  const s = checkShape('gumbel', shape);
  const { dtype } = floatOptions('gumbel', dtypeOrOptions, floatKeys);
  const [u] = unitUniforms(key, s, dtype, 1);
  return T.neg(T.log(T.neg(T.log(T.maximum(u!, TINY[dtype])))));
}

/**
 * Standard exponential samples -log(1 - u) (rate 1: divide by a rate for others), always finite
 * since 1 - u is in (0, 1].
 * @example const e = exponential(key(0), [5]);
 * @example const waits = T.div(exponential(k, [n]), rate);
 */
export function exponential(key: Tensor, shape: readonly number[] = [], dtypeOrOptions?: FloatDType | FloatOptions): Tensor {
  checkKey('exponential', key);
  const s = checkShape('exponential', shape);
  const { dtype } = floatOptions('exponential', dtypeOrOptions, floatKeys);
  const [u] = unitUniforms(key, s, dtype, 1);
  return T.neg(T.log1p(T.neg(u!)));
}

/** Box–Muller from two unit uniforms (the construction normal() uses). */
export function boxMuller(u1: Tensor, u2: Tensor): Tensor {
  return T.mul(T.sqrt(T.mul(T.log1p(T.neg(u1)), -2)), T.cos(T.mul(u2, 2 * Math.PI)));
}

/**
 * Standard normal samples conditioned on [lower, upper], by inverse transform: a uniform in
 * [erf(lower/√2), erf(upper/√2)) mapped back through √2·erfinv, then clipped into the bounds
 * (and to finite values). The shape defaults to the broadcast shape of the bounds.
 * @example const z = truncatedNormal(key(0), -2, 2, [100]);
 * @example const w = T.mul(truncatedNormal(k, -2, 2, [in, out]), 0.02);
 */
export function truncatedNormal(key: Tensor, lower: TensorLike, upper: TensorLike, shape?: readonly number[], dtypeOrOptions?: FloatDType | FloatOptions): Tensor {
  checkKey('truncatedNormal', key);
  const { dtype } = floatOptions('truncatedNormal', dtypeOrOptions, floatKeys);
  if (typeof lower === 'number' && typeof upper === 'number' && !(lower < upper)) {
    randomError('truncatedNormal', `lower must be below upper, got lower ${lower} and upper ${upper}`);
  }
  const shapeOf = (x: TensorLike): readonly number[] => (x instanceof Tensor ? x.shape : []);
  const s = shape === undefined ? T.broadcastShapes('truncatedNormal', shapeOf(lower), shapeOf(upper)) : checkShape('truncatedNormal', shape);
  const lo = param('truncatedNormal', 'lower', lower, dtype, s);
  const hi = param('truncatedNormal', 'upper', upper, dtype, s);
  const a = T.erf(T.mul(lo, Math.SQRT1_2));
  const b = T.erf(T.mul(hi, Math.SQRT1_2));
  const u = uniform(key, s, { minval: a, maxval: b, dtype });
  const z = T.mul(erfinv(u), Math.SQRT2);
  return T.clip(z, T.maximum(lo, -HUGE[dtype]), T.minimum(hi, HUGE[dtype]));
}

/**
 * Booleans that are true with probability p (default 0.5). The shape defaults to p's shape.
 * @example const coin = bernoulli(key(0), 0.5, [10]);
 * @example const keep = bernoulli(k, 1 - rate, x.shape);   // a dropout mask
 */
export function bernoulli(key: Tensor, p: TensorLike = 0.5, shape?: readonly number[]): Tensor {
  checkKey('bernoulli', key);
  if (typeof p === 'number' && !(p >= 0 && p <= 1)) randomError('bernoulli', `p must be a probability in [0, 1], got ${p}`);
  if (p instanceof Tensor && !T.isFloat(p.dtype)) randomError('bernoulli', `p must be a float tensor, got ${fmtAval(p)}`);
  const s = shape === undefined ? (p instanceof Tensor ? p.shape.slice() : []) : checkShape('bernoulli', shape);
  const dtype: FloatDType = p instanceof Tensor && p.dtype === 'float64' ? 'float64' : 'float32';
  const pt = param('bernoulli', 'p', p, dtype, s);
  const [u] = unitUniforms(key, s, dtype, 1);
  return T.less(u!, pt);
}

export interface CategoricalOptions {
  /** The axis of `logits` that holds the categories (default -1). */
  readonly axis?: number;
  /** Output shape; the logits' other axes must broadcast to it (default: those axes). */
  readonly shape?: readonly number[];
}

/**
 * Category indices drawn with probabilities softmax(logits) along `axis`, by the Gumbel-max
 * trick: argmax(logits + gumbel). Returns int32 of the logits' shape without `axis`.
 * @example const c = categorical(key(0), T.tensor([0, 1, 2]));               // int32 []
 * @example const tokens = categorical(k, logits, { axis: -1, shape: [8, batch] });
 */
export function categorical(key: Tensor, logits: Tensor, options: CategoricalOptions = {}): Tensor {
  checkKey('categorical', key);
  T.checkOptions('categorical', options, T.optionKeys<CategoricalOptions>({ axis: true, shape: true }));
  if (!(logits instanceof Tensor) || !T.isFloat(logits.dtype) || logits.ndim === 0) {
    randomError('categorical', `logits must be a float tensor with a category axis, got ${logits instanceof Tensor ? fmtAval(logits) : T.describe(logits)}`);
  }
  const axis = T.normalizeAxis('categorical', options.axis ?? -1, logits.ndim);
  const n = logits.shape[axis]!;
  if (n === 0) randomError('categorical', `the category axis ${axis} of ${fmtAval(logits)} is empty`);
  const l = T.moveaxis(logits, axis, -1);
  const batch = l.shape.slice(0, -1);
  const s = options.shape === undefined ? batch : checkShape('categorical', options.shape);
  if (!fitsIn(batch, s)) randomError('categorical', `logits batch shape [${batch.join(', ')}] (all axes but ${axis}) does not broadcast to shape [${s.join(', ')}]`);
  const dtype = logits.dtype as FloatDType;
  return T.argmax(T.add(l, gumbel(key, [...s, n], { dtype })), { axis: -1 });
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Uniform int32 integers in [minval, maxval). The offset floor(u * (maxval - minval)) is taken
 * from a 53-bit float64 uniform, so it is unbiased to 2^-21 even for the widest int32 range.
 * Bounds may be tensors; where maxval <= minval the result is minval (like JAX).
 * @example const labels = randint(key(0), [32], 0, 10);
 * @example const dice = randint(k, [6], 1, 7);
 */
export function randint(key: Tensor, shape: readonly number[], minval: TensorLike, maxval: TensorLike): Tensor {
  checkKey('randint', key);
  const s = checkShape('randint', shape);
  for (const [name, v] of [['minval', minval], ['maxval', maxval]] as const) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX + 1)) {
      randomError('randint', `${name} must be an integer in the int32 range, got ${v}`);
    }
    if (v instanceof Tensor && v.dtype !== 'int32') randomError('randint', `${name} must be an int32 tensor or an integer, got ${fmtAval(v)}`);
  }
  if (typeof minval === 'number' && typeof maxval === 'number' && !(minval < maxval)) {
    randomError('randint', `minval must be below maxval, got minval ${minval} and maxval ${maxval}`);
  }
  const lo = param('randint', 'minval', minval, 'float64', s);
  const hi = param('randint', 'maxval', maxval, 'float64', s);
  const span = T.sub(hi, lo);
  const [u] = unitUniforms(key, s, 'float64', 1);
  const offset = T.clip(T.floor(T.mul(u!, span)), 0, T.maximum(T.sub(span, 1), 0));
  return T.astype(T.add(lo, offset), 'int32');
}
