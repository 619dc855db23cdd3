/**
 * Gamma samples and what is built on them (beta, dirichlet), by Marsaglia and Tsang's method
 * ("A simple method for generating gamma variables", 2000): for a >= 1 a normal z is accepted
 * when log u < z^2/2 + d - d v + d log v, with d = a - 1/3, v = (1 + z / sqrt(9 d))^3, giving
 * d v; a < 1 is boosted: Gamma(a) = Gamma(a + 1) u^(1/a).
 *
 * A rejection loop has no fixed shape, so every element draws ROUNDS candidates at once and keeps
 * the first accepted one: each is accepted with probability above 0.95, so all ten fail with
 * probability below 1e-12, and then the sample is d (the distribution's centre) instead. That
 * keeps samplers pure functions of (key, shape) that batch under vmap, stage under jit and run
 * on every backend, reading 3 ROUNDS + 1 words of the key's stream per element.
 *
 * Samples are computed in log space (loggamma), which keeps beta and dirichlet accurate for small
 * shape parameters, where Gamma(a) underflows. They are not differentiable in the shape
 * parameters: the rejection step is not, and the implicit reparameterization gradient JAX uses
 * is not implemented, so the parameters enter through stopGradient (their gradient is zero).
 */
import * as T from '../tensor';
import { fmtAval, Tensor, type TensorLike } from '../tensor';
import { checkKey, checkShape, randomError } from './key';
import { boxMuller, checkFloatDType, fitsIn, givenDType, param, unitUniforms, type FloatDType, type FloatOptions } from './samplers';
import { splitList } from './key';

const ROUNDS = 10;

const shapeOf = (x: TensorLike): readonly number[] => (x instanceof Tensor ? x.shape : []);
const floatOf = (x: TensorLike, dtype: FloatDType | undefined): FloatDType => dtype ?? (x instanceof Tensor && x.dtype === 'float64' ? 'float64' : 'float32');

/** log Gamma(a, 1) samples of shape [...keyBatch, ...shape]; `a` already broadcasts to shape. */
function logGammaSamples(key: Tensor, a: Tensor, shape: readonly number[], dtype: FloatDType): Tensor {
  const us = unitUniforms(key, shape, dtype, 3 * ROUNDS + 1);
  const alpha = T.stopGradient(a);
  const boost = T.less(alpha, 1);
  const d = T.sub(T.where(boost, T.add(alpha, 1), alpha), 1 / 3);
  const c = T.rsqrt(T.mul(d, 9));
  // Folded from the last round back, so the first accepted candidate wins; log v = 0 (v = 1) if none is.
  let logV: Tensor = T.zerosLike(d);
  for (let r = ROUNDS - 1; r >= 0; r--) {
    const z = boxMuller(us[3 * r]!, us[3 * r + 1]!);
    const t = T.add(T.mul(c, z), 1);
    const positive = T.greater(t, 0);
    const lv = T.mul(T.log(T.where(positive, t, 1)), 3);
    const bound = T.add(T.mul(T.square(z), 0.5), T.mul(d, T.add(T.sub(1, T.exp(lv)), lv)));
    const accept = T.logicalAnd(positive, T.less(T.log1p(T.neg(us[3 * r + 2]!)), bound));
    logV = T.where(accept, lv, logV);
  }
  const boosted = T.where(boost, T.div(T.log1p(T.neg(us[3 * ROUNDS]!)), alpha), 0);
  const logSample = T.add(T.add(T.log(d), logV), boosted);
  return T.where(T.greater(alpha, 0), logSample, NaN);
}

function shapeParam(op: string, name: string, x: TensorLike, dtype: FloatDType, shape: readonly number[]): Tensor {
  if (typeof x === 'number' && !(x > 0)) randomError(op, `${name} must be positive, got ${x}`);
  if (x instanceof Tensor && !T.isFloat(x.dtype) && x.dtype !== 'int32') randomError(op, `${name} must be a float tensor or a number, got ${fmtAval(x)}`);
  return param(op, name, x, dtype, shape);
}

/**
 * log of Gamma(a, 1) samples (JAX's loggamma): accurate where the samples themselves underflow
 * (small a). The shape defaults to a's shape; the result is [...keyBatch, ...shape].
 * @example const lg = loggamma(key(0), 0.01, [4]);
 */
export function loggamma(key: Tensor, a: TensorLike, shape?: readonly number[], options?: FloatDType | FloatOptions): Tensor {
  checkKey('loggamma', key);
  const dtype = checkFloatDType('loggamma', floatOf(a, givenDType('loggamma', options)));
  const s = shape === undefined ? shapeOf(a) : checkShape('loggamma', shape);
  return logGammaSamples(key, shapeParam('loggamma', 'a', a, dtype, s), s, dtype);
}

/**
 * Gamma(a, 1) samples (shape a, scale 1; multiply by a scale, or divide by a rate). The shape
 * defaults to a's shape. Mean a, variance a.
 * @example const g = gamma(key(0), 2.5, [1000]);
 * @example const g = gamma(k, T.tensor([0.5, 1, 4]));   // one sample per shape parameter
 */
export function gamma(key: Tensor, a: TensorLike, shape?: readonly number[], options?: FloatDType | FloatOptions): Tensor {
  checkKey('gamma', key);
  const dtype = checkFloatDType('gamma', floatOf(a, givenDType('gamma', options)));
  const s = shape === undefined ? shapeOf(a) : checkShape('gamma', shape);
  return T.exp(logGammaSamples(key, shapeParam('gamma', 'a', a, dtype, s), s, dtype));
}

/**
 * Beta(a, b) samples as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), formed from their logs so
 * small parameters stay accurate. The shape defaults to the broadcast of a's and b's shapes.
 * @example const p = beta(key(0), 2, 5, [100]);
 */
export function beta(key: Tensor, a: TensorLike, b: TensorLike, shape?: readonly number[], options?: FloatDType | FloatOptions): Tensor {
  checkKey('beta', key);
  const dtype = checkFloatDType('beta', givenDType('beta', options) ?? floatOf(a instanceof Tensor ? a : b, undefined));
  const s = shape === undefined ? T.broadcastShapes('beta', shapeOf(a), shapeOf(b)) : checkShape('beta', shape);
  const [ka, kb] = splitList(key, 2);
  const la = logGammaSamples(ka!, shapeParam('beta', 'a', a, dtype, s), s, dtype);
  const lb = logGammaSamples(kb!, shapeParam('beta', 'b', b, dtype, s), s, dtype);
  // log(X / (X + Y)) = la - logaddexp(la, lb).
  const m = T.maximum(la, lb);
  return T.exp(T.sub(la, T.add(m, T.log1p(T.exp(T.neg(T.abs(T.sub(la, lb))))))));
}

/**
 * Dirichlet(alpha) samples: normalized Gamma(alpha_k) draws along the last axis, formed as a
 * softmax of their logs. alpha is [..., K]; the result is [...keyBatch, ...shape, K], where
 * `shape` defaults to alpha's leading axes.
 * @example const w = dirichlet(key(0), T.tensor([1, 2, 3]));          // [3], sums to 1
 * @example const ws = dirichlet(k, T.ones([5]), [10]);                 // [10, 5]
 */
export function dirichlet(key: Tensor, alpha: Tensor, shape?: readonly number[], options?: FloatDType | FloatOptions): Tensor {
  checkKey('dirichlet', key);
  if (!(alpha instanceof Tensor) || alpha.ndim === 0) randomError('dirichlet', `alpha must be a tensor with a category axis [..., K], got ${alpha instanceof Tensor ? fmtAval(alpha) : T.describe(alpha)}`);
  const dtype = checkFloatDType('dirichlet', floatOf(alpha, givenDType('dirichlet', options)));
  const lead = alpha.shape.slice(0, -1);
  const s = shape === undefined ? lead : checkShape('dirichlet', shape);
  if (!fitsIn(lead, s)) randomError('dirichlet', `alpha's leading shape [${lead.join(', ')}] does not broadcast to shape [${s.join(', ')}]`);
  const full = [...s, alpha.shape[alpha.ndim - 1]!];
  const logs = logGammaSamples(key, shapeParam('dirichlet', 'alpha', alpha, dtype, full), full, dtype);
  return T.softmax(logs, { axis: -1 });
}
