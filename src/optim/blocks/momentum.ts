/** Momentum: an exponentially decaying trace of past updates. */
import { add, mul, type Tensor } from '../../tensor';
import { map, type TensorTree } from '../../tree';
import { opError } from '../../tensor';
import { hyperparameters } from '../checks';
import type { GradientTransformation } from '../transform';
import { asTree, zerosLikeTree } from '../util';

/** The momentum buffer. */
export interface TraceState {
  trace: TensorTree;
}

/**
 * Heavy-ball momentum: `trace <- g + decay * trace` and the update is the new trace; with
 * `nesterov` the update is `g + decay * trace` on the new trace instead (Optax's `trace`).
 *
 *   chain(trace({ decay: 0.9 }), scaleByLearningRate(0.1));      // sgd with momentum
 *   chain(trace({ decay: 0.9, nesterov: true }), scale(-0.1));
 */
export function trace(options: { decay: number; nesterov?: boolean }): GradientTransformation<TraceState> {
  const { decay, nesterov = false } = hyperparameters('trace', options, ['decay', 'nesterov']);
  if (decay === undefined) opError('trace', 'expects { decay } (the momentum, in [0, 1))');
  const step = (g: Tensor, t: Tensor) => add(g, mul(t, decay));
  return {
    init: (params) => ({ trace: zerosLikeTree(params) }),
    update(updates, state) {
      const next = map(step, updates, state.trace);
      return [nesterov ? map(step, updates, next) : next, { trace: asTree(next) }];
    },
  };
}
