/** Multiplying updates by constants, schedules and signs. */
import { neg, sign, type Tensor } from '../../tensor';
import { map } from '../../tree';
import { stateless, type EmptyState, type GradientTransformation, type Schedule, type ScalarOrSchedule } from '../transform';
import { incrementCount, scaleLeaf, zeroCount } from '../util';

/**
 * Multiply every update by a constant.
 *
 *   const [u] = scale(0.5).update(grads, {});   // grads / 2
 *   chain(scaleByAdam(), scale(-1e-3));          // adam by hand
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  return stateless((g) => scaleLeaf(g, factor));
}

/** The state of `scaleBySchedule`: how many updates it has scaled. */
export interface ScaleByScheduleState {
  count: Tensor;
}

/**
 * Multiply updates by `schedule(count)`, where `count` (int32, starting at 0) is the number of
 * updates seen so far.
 *
 *   const t = scaleBySchedule(linearSchedule(1, 0, 100));
 *   const [u, s] = t.update(grads, t.init(params));   // scaled by 1 at step 0
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScaleByScheduleState> {
  return {
    init: () => ({ count: zeroCount() }),
    update(updates, state) {
      const factor = schedule(state.count);
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
 *   chain(scaleByAdam(), scaleByLearningRate(cosineDecaySchedule(1e-3, 1000)));
 */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, options: { flipSign?: boolean } = {}): GradientTransformation<LearningRateState> {
  const flip = options.flipSign ?? true;
  if (typeof learningRate === 'number') return scale(flip ? -learningRate : learningRate);
  return scaleBySchedule((step) => {
    const lr = learningRate(step);
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
