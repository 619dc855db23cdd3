/** Multiplying updates by constants, schedules and signs. */
import { checkBoolean, checkNumber, checkOptions, neg, sign, Tensor } from '../../tensor';
import { leaves, map } from '../../tree';
import { checkLearningRate } from '../checks';
import { stateless, type EmptyState, type GradientTransformation, type Schedule, type ScalarOrSchedule } from '../transform';
import { incrementCount, scaleLeaf, zeroCount } from '../util';

/**
 * Multiply every update by a constant.
 *
 *   const [u] = scale(0.5).update(grads, {});   // grads / 2
 *   chain(scaleByAdam(), scale(-1e-3));          // adam by hand
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  checkNumber('scale', 'factor', factor);
  return stateless((g) => scaleLeaf(g, factor));
}

/** The state of `scaleBySchedule`: how many updates it has scaled. */
export interface ScaleByScheduleState {
  count: Tensor;
}

/** The widest float dtype among a tree's leaves: the precision a schedule computes in. */
function precisionOf(tree: unknown): 'float32' | 'float64' {
  return leaves(tree).some((x) => x instanceof Tensor && x.dtype === 'float64') ? 'float64' : 'float32';
}

/**
 * Multiply updates by `schedule(count, dtype)`, where `count` (int32, starting at 0) is the number
 * of updates seen so far and `dtype` the parameters' float precision (the updates' when no
 * params are passed): built-in schedules compute in it, so float64 parameters get a float64
 * learning rate (a schedule of your own may ignore it).
 *
 *   const t = scaleBySchedule(linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 100 }));
 *   const [u, s] = t.update(grads, t.init(params));   // scaled by 1 at step 0
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScaleByScheduleState> {
  checkLearningRate('scaleBySchedule', schedule);
  return {
    init: () => ({ count: zeroCount() }),
    update(updates, state, params) {
      const factor = schedule(state.count, precisionOf(params ?? updates));
      return [map((g: Tensor) => scaleLeaf(g, factor), updates), { count: incrementCount(state.count) }];
    },
  };
}

/** scaleByLearningRate's state: empty for a constant rate, the step count for a schedule. */
export type LearningRateState = EmptyState | ScaleByScheduleState;

/**
 * Multiply updates by `-learningRate` (descent): a constant gives a stateless `scale`, a schedule
 * a `scaleBySchedule` that counts steps. `flipSign: false` multiplies by `+learningRate`.
 *
 *   chain(scaleByAdam(), scaleByLearningRate(1e-3));
 *   chain(scaleByAdam(), scaleByLearningRate(cosineDecaySchedule({ initValue: 1e-3, decaySteps: 1000 })));
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, options?: { flipSign?: boolean }): GradientTransformation<LearningRateState> {
  checkLearningRate('scaleByLearningRate', learningRate);
  const { flipSign } = checkOptions('scaleByLearningRate', options, ['flipSign']);
  const flip = flipSign === undefined ? true : checkBoolean('scaleByLearningRate', 'flipSign', flipSign);
  if (typeof learningRate === 'number') return scale(flip ? -learningRate : learningRate);
  return scaleBySchedule((step, dtype) => {
    const lr = learningRate(step, dtype);
    return flip ? (typeof lr === 'number' ? -lr : neg(lr)) : lr;
  });
}

/**
 * Replace each update by its sign (-1, 0 or 1), as signSGD and Lion do.
 *
 *   const [u] = scaleBySign().update(grads, {});
 *   chain(scaleBySign(), scaleByLearningRate(1e-4));
 */
export function scaleBySign(): GradientTransformation<EmptyState> {
  return stateless((g) => sign(g));
}
