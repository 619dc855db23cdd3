/** Reductions with numpy options ({ axis, keepdims }) and the stable log-sum-exp family. */
import { bind1, type Tensor } from '../core';
import { isFloat } from '../dtype';
import type { ReducePrim } from '../primitives';
import { normalizeAxes, normalizeAxis, opError, fmtShape } from '../shape';
import { asTensor, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { abs, add, div, equal, exp, greater, less, log, logicalAnd, logicalNot, mul, sqrt, square, stopGradient, sub, where } from './elementwise';

export interface ReduceOptions {
  /** One axis, several, or all (default). Negative axes count from the end. */
  readonly axis?: number | readonly number[] | null;
  /** Keep reduced axes with size 1 so the result broadcasts against the input. */
  readonly keepdims?: boolean;
}

/** Re-insert size-1 axes at the reduced positions. */
function keep(t: Tensor, inputShape: readonly number[], axes: readonly number[], keepdims: boolean | undefined): Tensor {
  if (!keepdims) return t;
  return reshapeExact(t, inputShape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

function reduce(prim: ReducePrim, op: string, x: TensorLike, options: ReduceOptions): Tensor {
  let t = asTensor(op, x);
  const axes = normalizeAxes(op, options.axis, t.ndim);
  // Sums of bools count; sums of ints stay int32 (numpy/JAX).
  if (t.dtype === 'bool' && (prim === 'reduceSum' || prim === 'reduceProd')) t = astype(t, 'int32');
  const y = axes.length === 0 ? t : bind1(prim, [t], { axes });
  return keep(y, t.shape, axes, options.keepdims);
}

/** Sum over axes. @example sum(x, { axis: -1, keepdims: true }) */
export const sum = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('reduceSum', 'sum', x, options);
export const prod = (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('reduceProd', 'prod', x, options);
export function max(x: TensorLike, options: ReduceOptions = {}): Tensor {
  nonEmpty('max', x, options);
  return reduce('reduceMax', 'max', x, options);
}
export function min(x: TensorLike, options: ReduceOptions = {}): Tensor {
  nonEmpty('min', x, options);
  return reduce('reduceMin', 'min', x, options);
}

function nonEmpty(op: string, x: TensorLike, options: ReduceOptions): void {
  const t = asTensor(op, x);
  const axes = normalizeAxes(op, options.axis, t.ndim);
  if (axes.some((a) => t.shape[a] === 0)) opError(op, `zero-size reduction over axes ${JSON.stringify(axes)} of ${fmtShape(t.shape)} has no identity`);
}

/** Number of elements folded by a reduction over `axis`. */
function countOf(t: Tensor, options: ReduceOptions, op: string): number {
  return normalizeAxes(op, options.axis, t.ndim).reduce((n, a) => n * t.shape[a]!, 1);
}

/** Arithmetic mean; integer inputs give float32. */
export function mean(x: TensorLike, options: ReduceOptions = {}): Tensor {
  let t = asTensor('mean', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const n = countOf(t, options, 'mean');
  return div(sum(t, options), n);
}

export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof (0: population, 1: sample). */
  readonly ddof?: number;
}

/** Variance as the mean squared deviation (two-pass, so it stays accurate). */
export function variance(x: TensorLike, options: VarianceOptions = {}): Tensor {
  let t = asTensor('variance', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const n = countOf(t, options, 'variance');
  const centered = sub(t, mean(t, { axis: options.axis, keepdims: true }));
  return div(sum(square(centered), options), Math.max(n - (options.ddof ?? 0), 0));
}

/**
 * Standard deviation: sqrt(variance), computed as s sqrt(variance(x / s)) with s the largest
 * magnitude over the axes, so float32 squares do not underflow (std of [1e-30, -5e-31] is
 * 7.5e-31, not 0) or overflow. @example std(x, { axis: 0, ddof: 1 })
 */
export function std(x: TensorLike, options: VarianceOptions = {}): Tensor {
  let t = asTensor('std', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const axes = normalizeAxes('std', options.axis, t.ndim);
  if (axes.some((a) => t.shape[a] === 0)) return sqrt(variance(t, options));
  // A stopped constant scale: std is homogeneous, so the gradient is exact. 0, Infinity and NaN
  // scales are replaced by 1 (they are the cases scaling cannot help).
  const m = stopGradient(max(abs(t), { axis: axes, keepdims: true }));
  const s = where(logicalAnd(greater(m, 0), less(m, Infinity)), m, 1);
  const y = mul(sqrt(variance(div(t, s), { ...options, keepdims: true })), s);
  return options.keepdims ? y : reshapeExact(y, t.shape.filter((_, i) => !axes.includes(i)));
}

/** True when every element is truthy; true over an empty axis (numpy). */
export function all(x: TensorLike, options: ReduceOptions = {}): Tensor {
  // not(any(not x)) rather than a min-reduction: the min's identity (+inf) cannot be stored in a
  // bool, so an empty all() would come out false.
  return logicalNot(any(logicalNot(astype(asTensor('all', x), 'bool')), options));
}

/** True when any element is truthy. */
export function any(x: TensorLike, options: ReduceOptions = {}): Tensor {
  return astype(reduce('reduceMax', 'any', astype(asTensor('any', x), 'bool'), options), 'bool');
}

export interface ArgOptions {
  readonly axis?: number;
  readonly keepdims?: boolean;
}

function argReduce(prim: 'argmax' | 'argmin', x: TensorLike, options: ArgOptions): Tensor {
  const x0 = asTensor(prim, x);
  if (options.axis === undefined || options.axis === null) {
    const y = bind1(prim, [reshapeExact(x0, [x0.size])], { axis: 0 });
    // numpy: keepdims without an axis keeps every axis with size 1.
    return options.keepdims ? reshapeExact(y, x0.shape.map(() => 1)) : y;
  }
  const axis = normalizeAxis(prim, options.axis, x0.ndim);
  return keep(bind1(prim, [x0], { axis }), x0.shape, [axis], options.keepdims);
}

/** Index of the maximum (first on ties), over the flattened tensor unless an axis is given. */
export const argmax = (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argmax', x, options);
export const argmin = (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argmin', x, options);

/**
 * log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x): finite for inputs of
 * +-1000. The shift is a stopped-gradient constant, so derivatives are exactly softmax.
 */
export function logsumexp(x: TensorLike, options: ReduceOptions = {}): Tensor {
  const t = floatTensor('logsumexp', x);
  const axes = normalizeAxes('logsumexp', options.axis, t.ndim);
  const shift = maxShift(t, axes);
  const s = add(log(sum(exp(sub(t, shift)), { axis: axes, keepdims: true })), shift);
  return options.keepdims ? s : reshapeExact(s, t.shape.filter((_, i) => !axes.includes(i)));
}

function floatTensor(op: string, x: TensorLike): Tensor {
  const t = asTensor(op, x);
  return isFloat(t.dtype) ? t : astype(t, 'float32');
}

/**
 * The max over `axes` (kept) as a stopped-gradient shift that makes every exp at most 1. Rows of
 * -inf (or +inf) would give inf - inf = NaN; shifting by 0 there keeps the right answer.
 */
function maxShift(t: Tensor, axes: readonly number[]): Tensor {
  const m = stopGradient(max(t, { axis: axes, keepdims: true }));
  return where(equal(sub(m, m), 0), m, 0);
}

export interface AxisOption {
  /** The axis to normalize over (default -1). */
  readonly axis?: number;
}

/**
 * exp(x) / sum(exp(x)) along an axis (default -1), computed as e / sum(e) with e = exp(x - max):
 * it never overflows, and equal logits get exactly equal shares (softmax([1000, 1000]) is 0.5).
 * @example softmax(tensor([1000, 1000]))   // [0.5, 0.5]
 */
export function softmax(x: TensorLike, options: AxisOption = {}): Tensor {
  const t = floatTensor('softmax', x);
  const axis = normalizeAxis('softmax', options.axis ?? -1, t.ndim);
  const e = exp(sub(t, maxShift(t, [axis])));
  return div(e, sum(e, { axis, keepdims: true }));
}

/**
 * x - logsumexp(x) along an axis (default -1), computed as (x - max) - log(sum(exp(x - max))):
 * rounding the logsumexp first would lose the low digits at large logits (logSoftmax([1000,
 * 1000]) is -0.6931472 in float32, not -0.69318).
 * @example logSoftmax(tensor([1000, 1000]))   // [-0.6931472, -0.6931472]
 */
export function logSoftmax(x: TensorLike, options: AxisOption = {}): Tensor {
  const t = floatTensor('logSoftmax', x);
  const axis = normalizeAxis('logSoftmax', options.axis ?? -1, t.ndim);
  const z = sub(t, maxShift(t, [axis]));
  return sub(z, log(sum(exp(z), { axis, keepdims: true })));
}

export interface CumsumOptions {
  readonly axis?: number;
  readonly reverse?: boolean;
}

/** Running sum along an axis (flattened when no axis is given). */
export function cumsum(x: TensorLike, options: CumsumOptions = {}): Tensor {
  let t = asTensor('cumsum', x);
  if (t.dtype === 'bool') t = astype(t, 'int32');
  if (options.axis === undefined) t = reshapeExact(t, [t.size]);
  const axis = normalizeAxis('cumsum', options.axis ?? 0, t.ndim);
  return bind1('cumsum', [t], { axis, reverse: options.reverse ?? false });
}
