/** Decoupled weight decay. */
import { add, astype, checkNumber, mul, type Tensor } from '../../tensor';
import { map } from '../../tree';
import { masked, type Mask, type MaskedState } from '../masking';
import type { EmptyState, GradientTransformation } from '../transform';

/** addDecayedWeights' state: empty, or the masked form's when it has a mask. */
export type DecayedWeightsState = EmptyState | MaskedState<EmptyState>;

/**
 * Add `weightDecay * param` to each update (decoupled weight decay, as in AdamW); with `mask`,
 * only where the mask is true. Needs `params`.
 *
 *   chain(scaleByAdam(), addDecayedWeights(1e-4), scaleByLearningRate(1e-3));   // adamw
 *   addDecayedWeights(1e-4, (p) => map((x: Tensor) => x.ndim > 1, p));          // skip biases
 */
export function addDecayedWeights(weightDecay = 0, mask?: Mask): GradientTransformation<DecayedWeightsState> {
  checkNumber('addDecayedWeights', 'weightDecay', weightDecay, { min: 0 });
  const inner: GradientTransformation<EmptyState> = {
    init: () => ({}),
    update(updates, state, params) {
      // No decay needs no params, so optimizers with a default of 0 run without them.
      if (weightDecay === 0) return [updates, state];
      if (params === undefined) throw new Error('optim.addDecayedWeights: update needs params (the decay is weightDecay * param)');
      return [map((g: Tensor, p: Tensor) => astype(add(g, mul(p, weightDecay)), g.dtype), updates, params), state];
    },
  };
  return mask === undefined || mask === null ? inner : masked(inner, mask);
}
