/** Activation functions composed from primitives, in numerically stable forms. */
import type { Tensor } from '../core';
import { checkNumber, checkOptions, describeValue, optionKeys } from '../validate';
import { opError } from '../shape';
import { asTensor, type TensorLike } from './create';
import { abs, add, erf, exp, expm1, greater, greaterEqual, lessEqual, log1p, maximum, mul, neg, sigmoid, tanh, where } from './elementwise';

/** max(x, 0); NaN stays NaN and the derivative at 0 is 0, like JAX. @example relu(tensor([-1, NaN, 2]))   // [0, NaN, 2] */
export function relu(x: TensorLike): Tensor {
  const t = asTensor('relu', x);
  // Test x <= 0 rather than x > 0: NaN fails both, and this way it keeps its value.
  return where(lessEqual(t, 0), 0, t);
}

/**
 * A number hyperparameter given positionally (as JAX users write `leaky_relu(x, 0.2)`) or in an
 * options object, checked finite.
 */
function numberOrOption(op: string, name: string, arg: number | Record<string, unknown> | undefined, fallback: number): number {
  if (arg === undefined) return fallback;
  if (typeof arg === 'number') return checkNumber(op, name, arg);
  const value = checkOptions(op, arg, [name])[name];
  return value === undefined ? fallback : checkNumber(op, name, value);
}

/**
 * x for x >= 0, negativeSlope * x otherwise (default slope 0.01, like PyTorch).
 * @example leakyRelu(x, 0.2)              // or leakyRelu(x, { negativeSlope: 0.2 })
 */
export function leakyRelu(x: TensorLike, negativeSlope?: number | { readonly negativeSlope?: number }): Tensor {
  const slope = numberOrOption('leakyRelu', 'negativeSlope', negativeSlope, 0.01);
  const t = asTensor('leakyRelu', x);
  return where(greaterEqual(t, 0), t, mul(t, slope));
}

/** log(1 + e^x) computed as max(x, 0) + log1p(e^-|x|): finite for |x| of 1000 and more. */
export function softplus(x: TensorLike): Tensor {
  const t = asTensor('softplus', x);
  return add(maximum(t, 0), log1p(exp(neg(abs(t)))));
}

/** log(sigmoid(x)) = -softplus(-x), stable in both tails. */
export function logSigmoid(x: TensorLike): Tensor {
  return neg(softplus(neg(asTensor('logSigmoid', x))));
}

/** x * sigmoid(x) (also called swish). */
export function silu(x: TensorLike): Tensor {
  const t = asTensor('silu', x);
  return mul(t, sigmoid(t));
}

/**
 * x for x > 0, alpha * (e^x - 1) otherwise; its derivative at 0 is alpha, like JAX.
 * @example elu(x)                         // elu(x, 0.5) or elu(x, { alpha: 0.5 })
 */
export function elu(x: TensorLike, alpha?: number | { readonly alpha?: number }): Tensor {
  const a = numberOrOption('elu', 'alpha', alpha, 1);
  const t = asTensor('elu', x);
  const positive = greater(t, 0);
  // expm1 of 0 where x > 0 keeps the unused branch finite (so its zero derivative is not NaN);
  // a where rather than min(x, 0), whose tie at 0 would halve the derivative there.
  return where(positive, t, mul(a, expm1(where(positive, 0, t))));
}

export interface GeluOptions {
  /** 'erf' (exact, PyTorch's default) or 'tanh' (the approximation); `true` means 'tanh'. */
  readonly approximate?: 'erf' | 'tanh' | boolean;
}

const geluKeys = optionKeys<GeluOptions>({ approximate: true });

/**
 * Gaussian error linear unit: x * Phi(x), exact (erf) or with the tanh approximation.
 * @example gelu(x)                        // exact, like PyTorch's default
 * @example gelu(x, { approximate: 'tanh' })
 */
export function gelu(x: TensorLike, options?: GeluOptions): Tensor {
  const { approximate = 'erf' } = checkOptions('gelu', options, geluKeys);
  if (approximate !== 'erf' && approximate !== 'tanh' && typeof approximate !== 'boolean') {
    opError('gelu', `approximate must be 'erf', 'tanh', true or false, got ${describeValue(approximate)}`);
  }
  const t = asTensor('gelu', x);
  const approx = approximate === true || approximate === 'tanh';
  if (approx) {
    const inner = mul(Math.sqrt(2 / Math.PI), add(t, mul(0.044715, mul(t, mul(t, t)))));
    return mul(mul(0.5, t), add(1, tanh(inner)));
  }
  return mul(mul(0.5, t), add(1, erf(mul(t, Math.SQRT1_2))));
}
