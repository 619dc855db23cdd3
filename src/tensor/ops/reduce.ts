/** Reductions with numpy options ({ axis, keepdims }) and the stable log-sum-exp family. */
import { bind1, type Tensor } from '../core';
import { isFloat } from '../dtype';
import type { ReducePrim } from '../primitives';
import { normalizeAxes, normalizeAxis, opError, fmtShape } from '../shape';
import { axisOrOptions, checkBoolean, checkNumber, optionKeys } from '../validate';
import { asTensor, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { abs, add, div, equal, exp, greater, less, log, logicalAnd, logicalNot, mul, sqrt, square, stopGradient, sub, where } from './elementwise';

/** One axis, several, or `null` for all of them. Negative axes count from the end. */
export type Axis = number | readonly number[] | null;

export interface ReduceOptions {
  /** One axis, several, or all (default). Negative axes count from the end. */
  readonly axis?: Axis;
  /** Keep reduced axes with size 1 so the result broadcasts against the input. */
  readonly keepdims?: boolean;
}

const reduceKeys = optionKeys<ReduceOptions>({ axis: true, keepdims: true });

/**
 * A reduction's second argument, NumPy style (`sum(x, 0)`, `sum(x, [0, 1])`) or as options
 * (`sum(x, { axis: 0, keepdims: true })`), checked.
 */
function reduceOptions<O extends ReduceOptions>(op: string, arg: Axis | O | undefined, keys: readonly (keyof O & string)[]): Partial<O> {
  const opts = axisOrOptions<O>(op, arg, keys);
  if (opts.keepdims !== undefined) checkBoolean(op, 'keepdims', opts.keepdims);
  return opts;
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

/**
 * Sum over axes (all by default); bools count, ints stay int32.
 * @example sum(x, { axis: -1, keepdims: true })
 * @example sum(x, 0)                   // NumPy's positional axis; sum(x, [0, 1]) for several
 */
export const sum = (x: TensorLike, axis?: Axis | ReduceOptions): Tensor => reduce('reduceSum', 'sum', x, reduceOptions('sum', axis, reduceKeys));
/** Product over axes (all by default). @example prod(x, -1) */
export const prod = (x: TensorLike, axis?: Axis | ReduceOptions): Tensor => reduce('reduceProd', 'prod', x, reduceOptions('prod', axis, reduceKeys));
/** Maximum over axes (all by default); an empty reduction is an error. @example max(x, { axis: 1, keepdims: true }) */
export function max(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('max', axis, reduceKeys);
  nonEmpty('max', x, options);
  return reduce('reduceMax', 'max', x, options);
}
/** Minimum over axes (all by default); an empty reduction is an error. @example min(x, 0) */
export function min(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('min', axis, reduceKeys);
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

/** Arithmetic mean; integer inputs give float32. @example mean(x, { axis: 0 }) */
export function mean(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('mean', axis, reduceKeys);
  let t = asTensor('mean', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const n = countOf(t, options, 'mean');
  return div(reduce('reduceSum', 'mean', t, options), n);
}

export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof (0: population, 1: sample). */
  readonly ddof?: number;
}

const varianceKeys = optionKeys<VarianceOptions>({ axis: true, keepdims: true, ddof: true });

function varianceOf(op: string, x: TensorLike, axis: Axis | VarianceOptions | undefined): Tensor {
  const options = reduceOptions(op, axis, varianceKeys);
  const ddof = options.ddof === undefined ? 0 : checkNumber(op, 'ddof', options.ddof, { min: 0 });
  let t = asTensor(op, x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const n = countOf(t, options, op);
  const centered = sub(t, mean(t, { axis: options.axis, keepdims: true }));
  return div(reduce('reduceSum', op, square(centered), options), Math.max(n - ddof, 0));
}

/** Variance as the mean squared deviation (two-pass, so it stays accurate). @example variance(x, { axis: 0, ddof: 1 }) */
export function variance(x: TensorLike, axis?: Axis | VarianceOptions): Tensor {
  return varianceOf('variance', x, axis);
}

/**
 * Standard deviation: sqrt(variance), computed as s sqrt(variance(x / s)) with s the largest
 * magnitude over the axes, so float32 squares do not underflow (std of [1e-30, -5e-31] is
 * 7.5e-31, not 0) or overflow. @example std(x, -1)   // or std(x, { axis: 0, ddof: 1 })
 */
export function std(x: TensorLike, axis?: Axis | VarianceOptions): Tensor {
  const options = reduceOptions('std', axis, varianceKeys);
  let t = asTensor('std', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const axes = normalizeAxes('std', options.axis, t.ndim);
  if (axes.some((a) => t.shape[a] === 0)) return sqrt(varianceOf('std', t, options));
  // A stopped constant scale: std is homogeneous, so the gradient is exact. 0, Infinity and NaN
  // scales are replaced by 1 (they are the cases scaling cannot help).
  const m = stopGradient(max(abs(t), { axis: axes, keepdims: true }));
  const s = where(logicalAnd(greater(m, 0), less(m, Infinity)), m, 1);
  const y = mul(sqrt(varianceOf('std', div(t, s), { ...options, keepdims: true })), s);
  return options.keepdims ? y : reshapeExact(y, t.shape.filter((_, i) => !axes.includes(i)));
}

/** True when every element is truthy; true over an empty axis (numpy). @example all(greater(x, 0)) */
export function all(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('all', axis, reduceKeys);
  // not(any(not x)) rather than a min-reduction: the min's identity (+inf) cannot be stored in a
  // bool, so an empty all() would come out false.
  return logicalNot(any(logicalNot(astype(asTensor('all', x), 'bool')), options));
}

/** True when any element is truthy. @example any(isNan(x)) */
export function any(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('any', axis, reduceKeys);
  return astype(reduce('reduceMax', 'any', astype(asTensor('any', x), 'bool'), options), 'bool');
}

export interface ArgOptions {
  /** The axis to search (default: the flattened tensor). */
  readonly axis?: number | null;
  readonly keepdims?: boolean;
}

const argKeys = optionKeys<ArgOptions>({ axis: true, keepdims: true });

function argReduce(prim: 'argmax' | 'argmin', x: TensorLike, arg: number | null | ArgOptions | undefined): Tensor {
  const options = reduceOptions<ArgOptions>(prim, arg, argKeys);
  const x0 = asTensor(prim, x);
  if (options.axis === undefined || options.axis === null) {
    const y = bind1(prim, [reshapeExact(x0, [x0.size])], { axis: 0 });
    // numpy: keepdims without an axis keeps every axis with size 1.
    return options.keepdims ? reshapeExact(y, x0.shape.map(() => 1)) : y;
  }
  const axis = normalizeAxis(prim, options.axis, x0.ndim);
  return keep(bind1(prim, [x0], { axis }), x0.shape, [axis], options.keepdims);
}

/**
 * Index of the maximum (first on ties), over the flattened tensor unless an axis is given.
 * @example argmax(logits, -1)            // or argmax(logits, { axis: -1 })
 */
export const argmax = (x: TensorLike, axis?: number | null | ArgOptions): Tensor => argReduce('argmax', x, axis);
/** Index of the minimum (first on ties). @example argmin(distances, { axis: 1, keepdims: true }) */
export const argmin = (x: TensorLike, axis?: number | null | ArgOptions): Tensor => argReduce('argmin', x, axis);

/**
 * log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x): finite for inputs of
 * +-1000. The shift is a stopped-gradient constant, so derivatives are exactly softmax.
 */
export function logsumexp(x: TensorLike, axis?: Axis | ReduceOptions): Tensor {
  const options = reduceOptions('logsumexp', axis, reduceKeys);
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

const axisKeys = optionKeys<AxisOption>({ axis: true });

/**
 * exp(x) / sum(exp(x)) along an axis (default -1), computed as e / sum(e) with e = exp(x - max):
 * it never overflows, and equal logits get exactly equal shares (softmax([1000, 1000]) is 0.5).
 * @example softmax(tensor([1000, 1000]))   // [0.5, 0.5]; softmax(logits, 0) or softmax(logits, { axis: 0 })
 */
export function softmax(x: TensorLike, axis?: number | AxisOption): Tensor {
  const options = axisOrOptions<AxisOption>('softmax', axis, axisKeys);
  const t = floatTensor('softmax', x);
  const ax = normalizeAxis('softmax', options.axis ?? -1, t.ndim);
  const e = exp(sub(t, maxShift(t, [ax])));
  return div(e, sum(e, { axis: ax, keepdims: true }));
}

/**
 * x - logsumexp(x) along an axis (default -1), computed as (x - max) - log(sum(exp(x - max))):
 * rounding the logsumexp first would lose the low digits at large logits (logSoftmax([1000,
 * 1000]) is -0.6931472 in float32, not -0.69318).
 * @example logSoftmax(tensor([1000, 1000]))   // [-0.6931472, -0.6931472]; logSoftmax(logits, -1)
 */
export function logSoftmax(x: TensorLike, axis?: number | AxisOption): Tensor {
  const options = axisOrOptions<AxisOption>('logSoftmax', axis, axisKeys);
  const t = floatTensor('logSoftmax', x);
  const ax = normalizeAxis('logSoftmax', options.axis ?? -1, t.ndim);
  const z = sub(t, maxShift(t, [ax]));
  return sub(z, log(sum(exp(z), { axis: ax, keepdims: true })));
}

export interface CumsumOptions {
  readonly axis?: number;
  /** Sum from the end of the axis toward its start. */
  readonly reverse?: boolean;
}

const cumsumKeys = optionKeys<CumsumOptions>({ axis: true, reverse: true });

/**
 * Running sum along an axis (flattened when no axis is given).
 * @example cumsum(x, 1)                  // or cumsum(x, { axis: 1, reverse: true })
 */
export function cumsum(x: TensorLike, axis?: number | CumsumOptions): Tensor {
  const options = axisOrOptions<CumsumOptions>('cumsum', axis, cumsumKeys);
  if (options.reverse !== undefined) checkBoolean('cumsum', 'reverse', options.reverse);
  let t = asTensor('cumsum', x);
  if (t.dtype === 'bool') t = astype(t, 'int32');
  if (options.axis === undefined) t = reshapeExact(t, [t.size]);
  const ax = normalizeAxis('cumsum', options.axis ?? 0, t.ndim);
  return bind1('cumsum', [t], { axis: ax, reverse: options.reverse ?? false });
}
