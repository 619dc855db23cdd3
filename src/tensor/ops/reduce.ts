/** Reductions with numpy options ({ axis, keepdims }) and the stable log-sum-exp family. */
import { bind1, type Tensor } from '../core';
import { isFloat } from '../dtype';
import type { ReducePrim } from '../primitives';
import { normalizeAxes, normalizeAxis, opError, fmtShape } from '../shape';
import { asTensor, type TensorLike } from './create';
import { astype, reshapeExact } from './broadcast';
import { add, div, equal, exp, log, logicalNot, sqrt, square, stopGradient, sub, where } from './elementwise';

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

/** Standard deviation: sqrt(variance). */
export function std(x: TensorLike, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, options));
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
  let t = asTensor('logsumexp', x);
  if (!isFloat(t.dtype)) t = astype(t, 'float32');
  const axes = normalizeAxes('logsumexp', options.axis, t.ndim);
  const m = stopGradient(max(t, { axis: axes, keepdims: true }));
  // Rows of -inf (or +inf) would give inf - inf = NaN; shifting by 0 there keeps the right answer.
  const shift = where(equal(sub(m, m), 0), m, 0);
  const s = add(log(sum(exp(sub(t, shift)), { axis: axes, keepdims: true })), shift);
  return options.keepdims ? s : reshapeExact(s, t.shape.filter((_, i) => !axes.includes(i)));
}

export interface AxisOption {
  /** The axis to normalize over (default -1). */
  readonly axis?: number;
}

/** exp(x) / sum(exp(x)) along an axis, shifted by the max so it never overflows. */
export function softmax(x: TensorLike, options: AxisOption = {}): Tensor {
  return exp(logSoftmax(x, options));
}

/** x - logsumexp(x) along an axis (default -1). */
export function logSoftmax(x: TensorLike, options: AxisOption = {}): Tensor {
  const t = asTensor('logSoftmax', x);
  const axis = normalizeAxis('logSoftmax', options.axis ?? -1, t.ndim);
  return sub(t, logsumexp(t, { axis, keepdims: true }));
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
