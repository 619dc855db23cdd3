/**
 * Optimizers as chains of building blocks, with Optax's hyperparameter defaults. Each returns a
 * `GradientTransformation`; its updates already include the minus sign of descent, so a step is
 * `params = applyUpdates(params, updates)`.
 */
import { addDecayedWeights, type DecayedWeightsState } from './blocks/decay';
import { scaleByAdam, scaleByAdamax, scaleByBelief, scaleByLion, type ScaleByAdamOptions, type ScaleByAdamState, type ScaleByLionState } from './blocks/adam';
import { trace, type TraceState } from './blocks/momentum';
import { scaleByAdadelta, scaleByRms, scaleByRss, scaleByStddev, type ScaleByAdadeltaState, type ScaleByRmsState, type ScaleByRssState, type ScaleByStddevState } from './blocks/rms';
import { scaleByLearningRate, type LearningRateState } from './blocks/scale';
import { scaleByTrustRatio } from './blocks/trust';
import { checkLearningRate, checked, hyperparameters } from './checks';
import type { Mask } from './masking';
import { chainOf, identity, type EmptyState, type GradientTransformation, type OptStateOf, type ScalarOrSchedule } from './transform';

/**
 * An optimizer: a gradient transformation whose state type S is what `init` returns and `update`
 * takes. Each optimizer here is a chain, so its state is the tuple of its blocks' states.
 * @example const opt: Optimizer<AdamState> = adam(1e-3);
 * @example type State = { params: Params; opt: AdamState };
 */
export type Optimizer<S = unknown> = GradientTransformation<S>;

/** sgd's state: the momentum trace (empty without momentum), then the learning rate's. */
export type SgdState = [momentum: EmptyState | TraceState, learningRate: LearningRateState];
/** adam's, nadam's, adamax's and adabelief's state: the moments, then the learning rate's. */
export type AdamState = [moments: ScaleByAdamState, learningRate: LearningRateState];
/** adamw's state: the moments, the weight decay's, then the learning rate's. */
export type AdamwState = [moments: ScaleByAdamState, weightDecay: DecayedWeightsState, learningRate: LearningRateState];
/** rmsprop's state: the squared-gradient average (centered: with the mean), the learning rate's, the momentum trace. */
export type RmspropState = [rms: ScaleByRmsState | ScaleByStddevState, learningRate: LearningRateState, momentum: EmptyState | TraceState];
/** adagrad's state: the sum of squared gradients, then the learning rate's. */
export type AdagradState = [sumOfSquares: ScaleByRssState, learningRate: LearningRateState];
/** adadelta's state: the weight decay's, the two averages, then the learning rate's. */
export type AdadeltaState = [weightDecay: DecayedWeightsState, averages: ScaleByAdadeltaState, learningRate: LearningRateState];
/** lamb's state: the moments, the weight decay's, the trust ratio's (empty), then the learning rate's. */
export type LambState = [moments: ScaleByAdamState, weightDecay: DecayedWeightsState, trustRatio: EmptyState, learningRate: LearningRateState];
/** lion's state: the momentum, the weight decay's, then the learning rate's. */
export type LionState = [momentum: ScaleByLionState, weightDecay: DecayedWeightsState, learningRate: LearningRateState];

/**
 * An optimizer: its hyperparameters checked now, its `update` checked at every call (gradients
 * against parameters, state against what `init` gives), errors naming it.
 */
function optimizer<T extends GradientTransformation<any>[]>(name: string, ...transforms: T): GradientTransformation<{ [K in keyof T]: OptStateOf<T[K]> }> {
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
export function sgd(learningRate: ScalarOrSchedule, options?: { momentum?: number; nesterov?: boolean }): Optimizer<SgdState> {
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
export function adam(learningRate: ScalarOrSchedule, options?: ScaleByAdamOptions): Optimizer<AdamState> {
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
export function adamw(learningRate: ScalarOrSchedule, options?: ScaleByAdamOptions & WeightDecayOptions): Optimizer<AdamwState> {
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
export function nadam(learningRate: ScalarOrSchedule, options?: Omit<ScaleByAdamOptions, 'nesterov'>): Optimizer<AdamState> {
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
export function adamax(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number; eps?: number }): Optimizer<AdamState> {
  checkLearningRate('adamax', learningRate);
  return optimizer('adamax', scaleByAdamax(hyperparameters('adamax', options, ['b1', 'b2', 'eps'])), scaleByLearningRate(learningRate));
}

/**
 * AdaBelief. Defaults b1 0.9, b2 0.999, eps 1e-16, epsRoot 1e-16.
 *
 *   const opt = adabelief(1e-3);
 *   const [u, s] = opt.update(grads, opt.init(params));
 */
export function adabelief(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number; eps?: number; epsRoot?: number }): Optimizer<AdamState> {
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
export function rmsprop(learningRate: ScalarOrSchedule, options?: RmspropOptions): Optimizer<RmspropState> {
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
export function adagrad(learningRate: ScalarOrSchedule, options?: { initialAccumulatorValue?: number; eps?: number }): Optimizer<AdagradState> {
  checkLearningRate('adagrad', learningRate);
  return optimizer('adagrad', scaleByRss(hyperparameters('adagrad', options, ['initialAccumulatorValue', 'eps'])), scaleByLearningRate(learningRate));
}

/**
 * Adadelta. Defaults rho 0.9, eps 1e-6, weightDecay 0; a learning rate of 1 is the classic form.
 *
 *   const opt = adadelta(1);
 *   adadelta(1, { rho: 0.95, weightDecay: 1e-4 });
 */
export function adadelta(learningRate: ScalarOrSchedule = 1, options?: { rho?: number; eps?: number } & WeightDecayOptions): Optimizer<AdadeltaState> {
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
export function lamb(learningRate: ScalarOrSchedule, options?: Omit<ScaleByAdamOptions, 'nesterov'> & WeightDecayOptions): Optimizer<LambState> {
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
export function lion(learningRate: ScalarOrSchedule, options?: { b1?: number; b2?: number } & WeightDecayOptions): Optimizer<LionState> {
  checkLearningRate('lion', learningRate);
  const { weightDecay = 1e-3, mask, ...rest } = hyperparameters('lion', options, ['b1', 'b2', ...decayKeys]);
  return optimizer('lion', scaleByLion(rest), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}
