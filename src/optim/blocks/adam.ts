/** Adaptive moment estimators: Adam (and Nadam), Adamax, AdaBelief and Lion's interpolated sign. */
import { abs, add, div, maximum, mul, sign, sqrt, sub, type Tensor } from '../../tensor';
import { map, type TensorTree } from '../../tree';
import { hyperparameters } from '../checks';
import type { GradientTransformation } from '../transform';
import { asTree, biasCorrection, incrementCount, updateMoment, zeroCount, zerosLikeTree } from '../util';

/** First and second moment estimates with the step count. */
export interface ScaleByAdamState {
  count: Tensor;
  mu: TensorTree;
  nu: TensorTree;
}

/** Options of `scaleByAdam` (Optax's defaults). */
export interface ScaleByAdamOptions {
  /** Decay of the first moment (mean) estimate. Default 0.9. */
  b1?: number;
  /** Decay of the second moment (uncentered variance) estimate. Default 0.999. */
  b2?: number;
  /** Added to the denominator's root, for numerical stability. Default 1e-8. */
  eps?: number;
  /** Added inside the square root (helps when differentiating through the update). Default 0. */
  epsRoot?: number;
  /** Nesterov momentum (Nadam). Default false. */
  nesterov?: boolean;
}

const adamInit = (params: unknown): ScaleByAdamState => ({ count: zeroCount(), mu: zerosLikeTree(params), nu: zerosLikeTree(params) });

/**
 * Adam's scaling: bias-corrected `mu / (sqrt(nu + epsRoot) + eps)`, with `mu` and `nu` moving
 * averages of the gradient and its square. Scale-invariant in the gradient when eps = epsRoot = 0.
 *
 *   const t = scaleByAdam({ b1: 0.9, b2: 0.999 });
 *   const [u, s] = t.update(grads, t.init(params));   // first step: sign(g) * |g| / (|g| + eps)
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false } = hyperparameters('scaleByAdam', options, ['b1', 'b2', 'eps', 'epsRoot', 'nesterov']);
  return {
    init: adamInit,
    update(updates, state) {
      const mu = updateMoment(updates, state.mu, b1, 1);
      const nu = updateMoment(updates, state.nu, b2, 2);
      const count = incrementCount(state.count);
      // Nadam looks one step ahead: the next step's momentum mixed with this step's gradient.
      const muHat = nesterov
        ? map((m: Tensor, g: Tensor) => add(mul(m, b1), mul(g, 1 - b1)), biasCorrection(mu, b1, incrementCount(count)), biasCorrection(updates, b1, count))
        : biasCorrection(mu, b1, count);
      const nuHat = biasCorrection(nu, b2, count);
      const out = map((m: Tensor, v: Tensor) => div(m, add(sqrt(add(v, epsRoot)), eps)), muHat, nuHat);
      return [out, { count, mu: asTree(mu), nu: asTree(nu) }];
    },
  };
}

/**
 * Adamax's scaling: bias-corrected first moment over the infinity norm `max(b2 * nu, |g| + eps)`.
 *
 *   const t = scaleByAdamax();
 *   const [u, s] = t.update(grads, t.init(params));
 */
export function scaleByAdamax(options: { b1?: number; b2?: number; eps?: number } = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = hyperparameters('scaleByAdamax', options, ['b1', 'b2', 'eps']);
  return {
    init: adamInit,
    update(updates, state) {
      const count = incrementCount(state.count);
      const mu = updateMoment(updates, state.mu, b1, 1);
      const nu = map((g: Tensor, n: Tensor) => maximum(add(abs(g), eps), mul(n, b2)), updates, state.nu);
      const out = map((m: Tensor, n: Tensor) => div(m, n), biasCorrection(mu, b1, count), nu);
      return [out, { count, mu: asTree(mu), nu: asTree(nu) }];
    },
  };
}

/**
 * AdaBelief's scaling: like Adam, with `nu` tracking the squared deviation of the gradient from
 * its running mean (the "belief"). Defaults b1 0.9, b2 0.999, eps 1e-16, epsRoot 1e-16 (Optax).
 *
 *   const t = scaleByBelief();
 *   chain(scaleByBelief(), scaleByLearningRate(1e-3));
 */
export function scaleByBelief(options: { b1?: number; b2?: number; eps?: number; epsRoot?: number } = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16 } = hyperparameters('scaleByBelief', options, ['b1', 'b2', 'eps', 'epsRoot']);
  return {
    init: adamInit,
    update(updates, state) {
      const mu = updateMoment(updates, state.mu, b1, 1);
      const error = map((g: Tensor, m: Tensor) => sub(g, m), updates, state.mu);
      const nu = map((v: Tensor) => add(v, epsRoot), updateMoment(error, state.nu, b2, 2));
      const count = incrementCount(state.count);
      const out = map((m: Tensor, v: Tensor) => div(m, add(sqrt(v), eps)), biasCorrection(mu, b1, count), biasCorrection(nu, b2, count));
      return [out, { count, mu: asTree(mu), nu: asTree(nu) }];
    },
  };
}

/** Lion's momentum. */
export interface ScaleByLionState {
  count: Tensor;
  mu: TensorTree;
}

/**
 * Lion's scaling: `sign((1 - b1) * g + b1 * mu)`, then `mu <- b2 * mu + (1 - b2) * g`. Defaults
 * b1 0.9, b2 0.99 (Optax).
 *
 *   const t = scaleByLion();
 *   const [u] = t.update(grads, t.init(params));   // sign(g) on the first step
 */
export function scaleByLion(options: { b1?: number; b2?: number } = {}): GradientTransformation<ScaleByLionState> {
  const { b1 = 0.9, b2 = 0.99 } = hyperparameters('scaleByLion', options, ['b1', 'b2']);
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLikeTree(params) }),
    update(updates, state) {
      const out = map((g: Tensor, m: Tensor) => sign(add(mul(g, 1 - b1), mul(m, b1))), updates, state.mu);
      const mu = updateMoment(updates, state.mu, b2, 1);
      return [out, { count: incrementCount(state.count), mu: asTree(mu) }];
    },
  };
}
