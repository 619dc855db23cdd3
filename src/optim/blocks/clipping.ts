/** Bounding updates: elementwise clipping, global-norm clipping, and the global norm itself. */
import { checkNumber, clip as clipValues, div, less, sqrt, where, type Tensor } from '../../tensor';
import { map } from '../../tree';
import { stateless, type EmptyState, type GradientTransformation } from '../transform';
import { scaleLeaf, sumOfSquares } from '../util';

/**
 * The L2 norm of all leaves of a tree taken together, `sqrt(sum of every element squared)`, as a
 * scalar tensor.
 *
 *   globalNorm({ a: tensor([3]), b: tensor([4]) });   // 5
 *   globalNorm(grads).item();
 */
export function globalNorm(tree: unknown): Tensor {
  return sqrt(sumOfSquares(tree));
}

/**
 * Clip every update elementwise into `[-maxDelta, maxDelta]`.
 *
 *   const [u] = clip(1).update({ w: tensor([-3, 0.5]) }, {});   // { w: [-1, 0.5] }
 *   chain(clip(1), sgd(0.1));
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  checkNumber('clip', 'maxDelta', maxDelta, { min: 0 });
  return stateless((g) => clipValues(g, -maxDelta, maxDelta));
}

/**
 * Rescale all updates together so their global norm is at most `maxNorm`; below it they pass
 * through bit-identical. The choice is a `where` on a scalar flag, so it traces.
 *
 *   chain(clipByGlobalNorm(1), adam(1e-3));
 *   const [u] = clipByGlobalNorm(1).update({ w: tensor([3, 4]) }, {});   // { w: [0.6, 0.8] }
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, { above: 0 });
  return {
    init: () => ({}),
    update(updates, state) {
      const norm = globalNorm(updates);
      const below = less(norm, maxNorm);
      // A safe divisor on the unselected branch keeps NaN out of gradients through the update.
      const factor = div(maxNorm, where(below, 1, norm));
      return [map((g: Tensor) => where(below, g, scaleLeaf(g, factor)), updates), state];
    },
  };
}
