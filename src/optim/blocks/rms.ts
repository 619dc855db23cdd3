/** Scaling by running averages of squared gradients: RMSProp, its centered form, Adagrad, Adadelta. */
import { add, div, full, greater, mul, rsqrt, sqrt, square, sub, where, type Tensor } from '../../tensor';
import { map, type TensorTree } from '../../tree';
import { hyperparameters } from '../checks';
import type { GradientTransformation } from '../transform';
import { asTree, biasCorrection, incrementCount, updateMoment, zeroCount, zerosLikeTree } from '../util';

/** Options shared by `scaleByRms` and `scaleByStddev` (Optax's defaults). */
export interface ScaleByRmsOptions {
  /** Decay of the squared-gradient average. Default 0.9. */
  decay?: number;
  /** Stability term. Default 1e-8. */
  eps?: number;
  /** Initial value of the accumulators. Default 0. */
  initialScale?: number;
  /** `g / sqrt(nu + eps)` when true (default), `g / (sqrt(nu) + eps)` when false. */
  epsInSqrt?: boolean;
  /** Divide the averages by `1 - decay^t`. Default false. */
  biasCorrection?: boolean;
}

const rmsKeys = ['decay', 'eps', 'initialScale', 'epsInSqrt', 'biasCorrection'] as const;

/** The squared-gradient average (and, for the centered form, the gradient average). */
export interface ScaleByRmsState {
  count: Tensor;
  nu: TensorTree;
}

const fullLikeTree = (tree: unknown, value: number): TensorTree => asTree(map((x: Tensor) => full(x.shape, value, x.dtype), tree));

function denominator(v: Tensor, eps: number, epsInSqrt: boolean): Tensor {
  return epsInSqrt ? rsqrt(add(v, eps)) : div(1, add(sqrt(v), eps));
}

/**
 * RMSProp's scaling: `g / sqrt(nu + eps)` with `nu` a moving average of `g^2`.
 *
 *   const t = scaleByRms({ decay: 0.9 });
 *   chain(scaleByRms(), scaleByLearningRate(1e-3));
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection: correct = false } = hyperparameters('scaleByRms', options, rmsKeys);
  return {
    init: (params) => ({ count: zeroCount(), nu: fullLikeTree(params, initialScale) }),
    update(updates, state) {
      const nu = updateMoment(updates, state.nu, decay, 2);
      const count = incrementCount(state.count);
      const nuHat = correct ? biasCorrection(nu, decay, count) : nu;
      return [map((g: Tensor, v: Tensor) => mul(g, denominator(v, eps, epsInSqrt)), updates, nuHat), { count, nu: asTree(nu) }];
    },
  };
}

/** Centered RMSProp's state: averages of `g` and `g^2`. */
export interface ScaleByStddevState {
  count: Tensor;
  mu: TensorTree;
  nu: TensorTree;
}

/**
 * Centered RMSProp's scaling: `g / sqrt(nu - mu^2 + eps)`, dividing by a running estimate of the
 * gradient's standard deviation rather than its root mean square.
 *
 *   const t = scaleByStddev({ decay: 0.9 });
 *   chain(scaleByStddev(), scaleByLearningRate(1e-3));
 */
export function scaleByStddev(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByStddevState> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection: correct = false } = hyperparameters('scaleByStddev', options, rmsKeys);
  return {
    init: (params) => ({ count: zeroCount(), mu: zerosLikeTree(params), nu: fullLikeTree(params, initialScale) }),
    update(updates, state) {
      const mu = updateMoment(updates, state.mu, decay, 1);
      const nu = updateMoment(updates, state.nu, decay, 2);
      const count = incrementCount(state.count);
      const [muHat, nuHat] = correct ? [biasCorrection(mu, decay, count), biasCorrection(nu, decay, count)] : [mu, nu];
      const out = map((g: Tensor, m: Tensor, v: Tensor) => mul(g, denominator(sub(v, square(m)), eps, epsInSqrt)), updates, muHat, nuHat);
      return [out, { count, mu: asTree(mu), nu: asTree(nu) }];
    },
  };
}

/** Adagrad's running sum of squared gradients. */
export interface ScaleByRssState {
  sumOfSquares: TensorTree;
}

/**
 * Adagrad's scaling: `g / sqrt(sum of all g^2 so far + eps)` (0 where that sum is 0). Defaults
 * initialAccumulatorValue 0.1, eps 1e-7 (Optax).
 *
 *   const t = scaleByRss();
 *   chain(scaleByRss(), scaleByLearningRate(0.1));
 */
export function scaleByRss(options: { initialAccumulatorValue?: number; eps?: number } = {}): GradientTransformation<ScaleByRssState> {
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = hyperparameters('scaleByRss', options, ['initialAccumulatorValue', 'eps']);
  return {
    init: (params) => ({ sumOfSquares: fullLikeTree(params, initialAccumulatorValue) }),
    update(updates, state) {
      const sumOfSquares = map((g: Tensor, s: Tensor) => add(s, square(g)), updates, state.sumOfSquares);
      const out = map((g: Tensor, s: Tensor) => mul(g, where(greater(s, 0), rsqrt(add(s, eps)), 0)), updates, sumOfSquares);
      return [out, { sumOfSquares: asTree(sumOfSquares) }];
    },
  };
}

/** Adadelta's averages of squared gradients (`eG`) and squared updates (`eX`). */
export interface ScaleByAdadeltaState {
  eG: TensorTree;
  eX: TensorTree;
}

/**
 * Adadelta's scaling: `g * sqrt(eX + eps) / sqrt(eG + eps)`, a unit-correct step needing no
 * learning rate of its own. Defaults rho 0.9, eps 1e-6 (Optax).
 *
 *   const t = scaleByAdadelta({ rho: 0.95 });
 *   chain(scaleByAdadelta(), scaleByLearningRate(1));
 */
export function scaleByAdadelta(options: { rho?: number; eps?: number } = {}): GradientTransformation<ScaleByAdadeltaState> {
  const { rho = 0.9, eps = 1e-6 } = hyperparameters('scaleByAdadelta', options, ['rho', 'eps']);
  return {
    init: (params) => ({ eG: zerosLikeTree(params), eX: zerosLikeTree(params) }),
    update(updates, state) {
      const eG = updateMoment(updates, state.eG, rho, 2);
      const out = map((g: Tensor, v: Tensor, x: Tensor) => mul(div(sqrt(add(x, eps)), sqrt(add(v, eps))), g), updates, eG, state.eX);
      const eX = updateMoment(out, state.eX, rho, 2);
      return [out, { eG: asTree(eG), eX: asTree(eX) }];
    },
  };
}
