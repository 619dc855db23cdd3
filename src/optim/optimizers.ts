/**
 * Optimizers as chains of building blocks, with Optax's hyperparameter defaults. Each returns a
 * `GradientTransformation`; its updates already include the minus sign of descent, so a step is
 * `params = applyUpdates(params, updates)`.
 */
import { addDecayedWeights } from './blocks/decay';
import { scaleByAdam, scaleByAdamax, scaleByBelief, scaleByLion, type ScaleByAdamOptions } from './blocks/adam';
import { trace } from './blocks/momentum';
import { scaleByAdadelta, scaleByRms, scaleByRss, scaleByStddev } from './blocks/rms';
import { scaleByLearningRate } from './blocks/scale';
import { scaleByTrustRatio } from './blocks/trust';
import { checkLearningRate, checked, hyperparameters } from './checks';
import type { Mask } from './masking';
import { chainOf, identity, type GradientTransformation, type ScalarOrSchedule } from './transform';

/** Any optimizer built here: its state is the chain's array of inner states. */
export type Optimizer = GradientTransformation<any>;

/**
 * An optimizer: its hyperparameters checked now, its `update` checked at every call (gradients
 * against parameters, state against what `init` gives), errors naming it.
 */
function optimizer(name: string, ...transforms: GradientTransformation<any>[]): Optimizer {
  return checked(name, chainOf(name, ...transforms));
}

const adamKeys = ['b1', 'b2', 'eps', 'epsRoot', 'nesterov'] as const;
const decayKeys = ['weightDecay', 'mask'] as const;

/** Weight-decay options shared by adamw, lamb, lion and adadelta. */
export interface WeightDecayOptions {
  weightDecay?: number;
  /** Decay only where true (e.g. not biases or norms); see `Mask`. */
  mask?: Mask;
}

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum. Defaults: no momentum.
 *
 *   const opt = sgd(0.1, { momentum: 0.9 });
 *   const [u, s] = opt.update(grads, opt.init(params));   // u = -0.1 * trace
 */
export function sgd(learningRate: ScalarOrSchedule, options?: { momentum?: number; nesterov?: boolean }): Optimizer {
  checkLearningRate('sgd', learningRate);
  const { momentum, nesterov = false } = hyperparameters('sgd', options, ['momentum', 'nesterov']);
  return optimizer('sgd', momentum === undefined || momentum === 0 ? identity() : trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate));
}

/**
 * Adam. Defaults b1 0.9, b2 0.999, eps 1e-8, epsRoot 0, nesterov false.
 *
 *   const opt = adam(1e-3);
 *   const opt2 = adam(cosineDecaySchedule({ initValue: 1e-3, decaySteps: 10_000 }), { b2: 0.98 });
 */
export function adam(learningRate: ScalarOrSchedule, options?: ScaleByAdamOptions): Optimizer {
  checkLearningRate('adam', learningRate);
  return optimizer('adam', scaleByAdam(hyperparameters('adam', options, adamKeys)), scaleByLearningRate(learningRate));
}

/**
 * Adam with decoupled weight decay: `-lr * (adam(g) + weightDecay * p)`. Defaults as adam, plus
 * weightDecay 1e-4 and no mask (decay everything).
 *
 *   const opt = adamw(1e-3, { weightDecay: 1e-2 });
 *   adamw(1e-3, { mask: (p) => map((x: Tensor) => x.ndim > 1, p) });
 */
export function adamw(learningRate: ScalarOrSchedule, options?: ScaleByAdamOptions & WeightDecayOptions): Optimizer {
  checkLearningRate('adamw', learningRate);
  const { weightDecay = 1e-4, mask, ...adamOptions } = hyperparameters('adamw', options, [...adamKeys, ...decayKeys]);
  return optimizer('adamw', scaleByAdam(adamOptions), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}

/**
 * Nadam: Adam with Nesterov momentum. Defaults as adam.
 *
 *   const opt = nadam(1e-3);
 *   const [u, s] = opt.update(grads, opt.init(params));
 */
export function nadam(learningRate: ScalarOrSchedule, options?: Omit<ScaleByAdamOptions, 'nesterov'>): Optimizer {
  checkLearningRate('nadam', learningRate);
  const o = hyperparameters('nadam', options, ['b1', 'b2', 'eps', 'epsRoot']);
  return optimizer('nadam', scaleByAdam({ ...o, nesterov: true }), scaleByLearningRate(learningRate));
}

/**
 * Adamax (Adam with an infinity norm). Defaults b1 0.9, b2 0.999, eps 1e-8.
 *
 *   const opt = adamax(2e-3);
 *   const [u, s] = opt.update(grads, opt.init(params));
 */
export function adamax(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number; eps?: number }): Optimizer {
  checkLearningRate('adamax', learningRate);
  return optimizer('adamax', scaleByAdamax(hyperparameters('adamax', options, ['b1', 'b2', 'eps'])), scaleByLearningRate(learningRate));
}

/**
 * AdaBelief. Defaults b1 0.9, b2 0.999, eps 1e-16, epsRoot 1e-16.
 *
 *   const opt = adabelief(1e-3);
 *   const [u, s] = opt.update(grads, opt.init(params));
 */
export function adabelief(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number; eps?: number; epsRoot?: number }): Optimizer {
  checkLearningRate('adabelief', learningRate);
  return optimizer('adabelief', scaleByBelief(hyperparameters('adabelief', options, ['b1', 'b2', 'eps', 'epsRoot'])), scaleByLearningRate(learningRate));
}

/** Options of `rmsprop` (Optax's defaults). */
export interface RmspropOptions {
  /** Decay of the squared-gradient average. Default 0.9. */
  decay?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Initial value of the accumulators. Default 0. */
  initialScale?: number;
  /** Divide by the running standard deviation instead of the root mean square. Default false. */
  centered?: boolean;
  /** Momentum applied after scaling by the learning rate. Default none. */
  momentum?: number;
  nesterov?: boolean;
  /** `g / sqrt(nu + eps)` (default) or `g / (sqrt(nu) + eps)`. */
  epsInSqrt?: boolean;
  /** Default false. */
  biasCorrection?: boolean;
}

/**
 * RMSProp, optionally centered and with momentum. Defaults decay 0.9, eps 1e-8, initialScale 0,
 * not centered, no momentum.
 *
 *   const opt = rmsprop(1e-3);
 *   rmsprop(1e-3, { centered: true, momentum: 0.9 });
 */
export function rmsprop(learningRate: ScalarOrSchedule, options?: RmspropOptions): Optimizer {
  checkLearningRate('rmsprop', learningRate);
  const keys = ['decay', 'eps', 'initialScale', 'centered', 'momentum', 'nesterov', 'epsInSqrt', 'biasCorrection'] as const;
  const { centered = false, momentum, nesterov = false, ...rms } = hyperparameters('rmsprop', options, keys);
  return optimizer(
    'rmsprop',
    centered ? scaleByStddev(rms) : scaleByRms(rms),
    scaleByLearningRate(learningRate),
    momentum === undefined || momentum === 0 ? identity() : trace({ decay: momentum, nesterov }),
  );
}

/**
 * Adagrad. Defaults initialAccumulatorValue 0.1, eps 1e-7.
 *
 *   const opt = adagrad(0.1);
 *   const [u, s] = opt.update(grads, opt.init(params));
 */
export function adagrad(learningRate: ScalarOrSchedule, options?: { initialAccumulatorValue?: number; eps?: number }): Optimizer {
  checkLearningRate('adagrad', learningRate);
  return optimizer('adagrad', scaleByRss(hyperparameters('adagrad', options, ['initialAccumulatorValue', 'eps'])), scaleByLearningRate(learningRate));
}

/**
 * Adadelta. Defaults rho 0.9, eps 1e-6, weightDecay 0; a learning rate of 1 is the classic form.
 *
 *   const opt = adadelta(1);
 *   adadelta(1, { rho: 0.95, weightDecay: 1e-4 });
 */
export function adadelta(learningRate: ScalarOrSchedule = 1, options?: { rho?: number; eps?: number } & WeightDecayOptions): Optimizer {
  checkLearningRate('adadelta', learningRate);
  const { weightDecay = 0, mask, ...rest } = hyperparameters('adadelta', options, ['rho', 'eps', ...decayKeys]);
  return optimizer('adadelta', addDecayedWeights(weightDecay, mask), scaleByAdadelta(rest), scaleByLearningRate(learningRate));
}

/**
 * LAMB: Adam's direction, decoupled weight decay, then a per-leaf trust ratio. Defaults b1 0.9,
 * b2 0.999, eps 1e-6, epsRoot 0, weightDecay 0.
 *
 *   const opt = lamb(1e-3, { weightDecay: 1e-2 });
 *   const [u, s] = opt.update(grads, opt.init(params), params);
 */
export function lamb(learningRate: ScalarOrSchedule, options?: Omit<ScaleByAdamOptions, 'nesterov'> & WeightDecayOptions): Optimizer {
  checkLearningRate('lamb', learningRate);
  const { weightDecay = 0, mask, eps = 1e-6, ...adamOptions } = hyperparameters('lamb', options, ['b1', 'b2', 'eps', 'epsRoot', ...decayKeys]);
  return optimizer('lamb', scaleByAdam({ ...adamOptions, eps }), addDecayedWeights(weightDecay, mask), scaleByTrustRatio(), scaleByLearningRate(learningRate));
}

/**
 * Lion: the sign of an interpolated momentum, plus decoupled weight decay. Defaults b1 0.9,
 * b2 0.99, weightDecay 1e-3. Use a learning rate 3-10x smaller than Adam's.
 *
 *   const opt = lion(1e-4);
 *   const [u, s] = opt.update(grads, opt.init(params), params);
 */
export function lion(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number } & WeightDecayOptions): Optimizer {
  checkLearningRate('lion', learningRate);
  const { weightDecay = 1e-3, mask, ...rest } = hyperparameters('lion', options, ['b1', 'b2', ...decayKeys]);
  return optimizer('lion', scaleByLion(rest), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}
