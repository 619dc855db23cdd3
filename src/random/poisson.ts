/**
 * Poisson samples with a fixed amount of work per element, so they batch, stage and run on every
 * backend like the other samplers. Below lam = 10, inversion: the count of the first 40 CDF
 * values a uniform exceeds (P(X >= 40) < 1e-11 there). From 10 on, Hörmann's transformed
 * rejection with squeeze (PTRS, "The transformed rejection method for generating Poisson random
 * variables", 1993), which JAX uses too: ROUNDS candidates per element, each accepted with
 * probability above 0.85, the first accepted kept (round(lam) if all fail, probability < 1e-10).
 * The acceptance test's log-probability is written as k log(lam / (k + 1)) + (k + 1 - lam) - ...
 * so float32 keeps its digits for large lam, where k log lam and log k! nearly cancel.
 */
import * as T from '../tensor';
import { fmtAval, Tensor, type TensorLike } from '../tensor';
import { checkKey, checkShape, randomError } from './key';
import { checkFloatDType, givenDType, param, unitUniforms, type FloatDType } from './samplers';

const SMALL = 10;
const INVERSION_STEPS = 40;
const ROUNDS = 12;

/** Inversion for lam < 10: X = #{i < 40 : u > P(X <= i)}. */
function inversion(lam: Tensor, u: Tensor): Tensor {
  let p = T.exp(T.neg(lam));
  let cdf = p;
  let count: Tensor = T.zerosLike(u);
  for (let i = 1; i <= INVERSION_STEPS; i++) {
    count = T.add(count, T.astype(T.greater(u, cdf), count.dtype));
    p = T.div(T.mul(p, lam), i);
    cdf = T.add(cdf, p);
  }
  return count;
}

/** log Gamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2): Stirling's correction, for x >= 1. */
function stirlingCorrection(x: Tensor): Tensor {
  const r = T.reciprocal(x);
  const r2 = T.square(r);
  return T.mul(r, T.add(1 / 12, T.mul(r2, T.add(-1 / 360, T.mul(r2, 1 / 1260)))));
}

/** PTRS for lam >= 10, from 2 ROUNDS uniforms. */
function transformedRejection(lam: Tensor, us: readonly Tensor[]): Tensor {
  const b = T.add(T.mul(T.sqrt(lam), 2.53), 0.931);
  const a = T.add(T.mul(b, 0.02483), -0.059);
  const invAlpha = T.add(T.div(1.1328, T.sub(b, 3.4)), 1.1239);
  const vr = T.sub(0.9277, T.div(3.6224, T.sub(b, 2)));
  let result = T.round(lam);
  for (let r = ROUNDS - 1; r >= 0; r--) {
    const u = T.sub(us[2 * r]!, 0.5);
    const v = us[2 * r + 1]!;
    const us0 = T.sub(0.5, T.abs(u));
    const k = T.floor(T.add(T.mul(T.add(T.div(T.mul(a, 2), us0), b), u), T.add(lam, 0.43)));
    const squeeze = T.logicalAnd(T.greaterEqual(us0, 0.07), T.lessEqual(v, vr));
    const rejectFast = T.logicalOr(T.less(k, 0), T.logicalAnd(T.less(us0, 0.013), T.greater(v, us0)));
    // log(v invAlpha / (a / us^2 + b)) <= log P(k) + log(...) with log P(k) = k log lam - lam - log k!.
    const k1 = T.add(T.maximum(k, 0), 1);
    const logPmf = T.sub(T.add(T.mul(T.maximum(k, 0), T.log1p(T.div(T.sub(lam, k1), k1))), T.sub(k1, lam)), T.add(T.add(T.mul(T.log(k1), 0.5), 0.5 * Math.log(2 * Math.PI)), stirlingCorrection(k1)));
    const lhs = T.add(T.log(T.mul(v, invAlpha)), T.neg(T.log(T.add(T.div(a, T.square(us0)), b))));
    const accept = T.logicalAnd(T.greaterEqual(k, 0), T.logicalOr(squeeze, T.logicalAnd(T.logicalNot(rejectFast), T.lessEqual(lhs, logPmf))));
    result = T.where(accept, k, result);
  }
  return result;
}

export interface PoissonOptions {
  /** The float precision of the computation (default float32, or float64 for a float64 lam). */
  readonly dtype?: FloatDType;
}

/**
 * Poisson(lam) counts as int32 (lam >= 0; the result is -1 where lam is negative or NaN). The
 * shape defaults to lam's shape; each element reads 2 * 12 + 1 words of the key's stream.
 * @example const n = poisson(key(0), 3.5, [1000]);
 * @example const counts = poisson(k, rates);     // one count per rate
 */
export function poisson(key: Tensor, lam: TensorLike, shape?: readonly number[], options?: FloatDType | PoissonOptions): Tensor {
  checkKey('poisson', key);
  const given = givenDType('poisson', options);
  const dtype = checkFloatDType('poisson', given ?? (lam instanceof Tensor && lam.dtype === 'float64' ? 'float64' : 'float32'));
  if (typeof lam === 'number' && !(lam >= 0)) randomError('poisson', `lam must be a non-negative number, got ${lam}`);
  if (lam instanceof Tensor && lam.dtype === 'bool') randomError('poisson', `lam must be a float or int32 tensor, got ${fmtAval(lam)}`);
  const s = shape === undefined ? (lam instanceof Tensor ? lam.shape.slice() : []) : checkShape('poisson', shape);
  const rate = T.stopGradient(param('poisson', 'lam', lam, dtype, s));
  const us = unitUniforms(key, s, dtype, 2 * ROUNDS + 1);
  const small = inversion(T.minimum(rate, SMALL), us[2 * ROUNDS]!);
  const large = transformedRejection(T.maximum(rate, SMALL), us);
  const count = T.where(T.less(rate, SMALL), small, large);
  return T.astype(T.where(T.greaterEqual(rate, 0), count, -1), 'int32');
}
