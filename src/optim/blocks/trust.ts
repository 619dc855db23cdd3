/** Layerwise trust ratios (LARS/LAMB): scale each leaf's update by ||param|| / ||update||. */
import { add, div, equal, lessEqual, logicalOr, mul, sqrt, sum, square, where, type Tensor } from '../../tensor';
import { map } from '../../tree';
import { hyperparameters } from '../checks';
import type { EmptyState, GradientTransformation } from '../transform';
import { scaleLeaf } from '../util';

/** `max(||x||, minNorm)` with a derivative that stays finite at 0. */
function safeNorm(x: Tensor, minNorm: number): Tensor {
  const sq = sum(square(x));
  const small = lessEqual(sq, minNorm * minNorm);
  return where(small, minNorm, sqrt(where(small, 1, sq)));
}

/**
 * Scale each leaf's update by `trustCoefficient * ||param|| / (||update|| + eps)`, or by 1 when
 * either norm is 0 (Optax's `scale_by_trust_ratio`; defaults minNorm 0, trustCoefficient 1, eps 0).
 * Needs `params`.
 *
 *   chain(scaleByAdam(), scaleByTrustRatio(), scaleByLearningRate(1e-3));   // LAMB
 *   const [u] = scaleByTrustRatio().update(grads, {}, params);
 */
export function scaleByTrustRatio(options: { minNorm?: number; trustCoefficient?: number; eps?: number } = {}): GradientTransformation<EmptyState> {
  const { minNorm = 0, trustCoefficient = 1, eps = 0 } = hyperparameters('scaleByTrustRatio', options, ['minNorm', 'trustCoefficient', 'eps']);
  return {
    init: () => ({}),
    update(updates, state, params) {
      if (params === undefined) throw new Error('optim.scaleByTrustRatio: update needs params (the trust ratio is ||param|| / ||update||)');
      const out = map((u: Tensor, p: Tensor) => {
        const pn = safeNorm(p, minNorm);
        const un = safeNorm(u, minNorm);
        const zero = logicalOr(equal(pn, 0), equal(un, 0));
        // The divisor is made safe on the unselected branch so gradients through it stay finite.
        const ratio = div(mul(pn, trustCoefficient), where(zero, 1, add(un, eps)));
        return scaleLeaf(u, where(zero, 1, ratio));
      }, updates, params);
      return [out, state];
    },
  };
}
