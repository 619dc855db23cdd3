/** Bounding updates: elementwise clipping, global-norm clipping, and the global norm itself. */
import { checkNumber, abs, add, clip as clipValues, div, greater, less, logicalAnd, max, maximum, mul, scalar, sqrt, square, stopGradient, sum, where, type Tensor } from '../../tensor';
import { leaves, map } from '../../tree';
import { stateless, type EmptyState, type GradientTransformation } from '../transform';
import { scaleLeaf } from '../util';

/**
 * The L2 norm of all leaves of a tree taken together, `sqrt(sum of every element squared)`, as a
 * scalar tensor. It is computed as m sqrt(sum((x / m)^2)) with m the largest magnitude, so float32
 * norms neither underflow nor overflow (`[1e-30, 1e-30]` gives 1.414e-30 and a finite gradient,
 * `[1e30, 1e30]` gives 1.414e30); an all-zero tree has norm 0 and gradient 0.
 *
 *   globalNorm({ a: tensor([3]), b: tensor([4]) });   // 5
 *   globalNorm(grads).item();
 */
export function globalNorm(tree: unknown): Tensor {
  const xs = (leaves(tree) as Tensor[]).filter((x) => x.size > 0);
  // The scale is a stopped constant: the norm is homogeneous, so the gradient x / norm is exact.
  const m = stopGradient(xs.reduce<Tensor>((acc, x) => maximum(acc, max(abs(x))), scalar(0)));
  // 0, Infinity and NaN are their own norm (and 0 keeps a zero gradient instead of 0 / 0).
  const ok = logicalAnd(greater(m, 0), less(m, Infinity));
  const scale = where(ok, m, 1);
  const s = xs.reduce<Tensor>((acc, x) => add(acc, sum(square(div(x, scale)))), scalar(0));
  // s >= 1 where ok; the unselected branch must stay finite too, or its zero cotangent becomes NaN.
  return where(ok, mul(scale, sqrt(where(ok, s, 1))), m);
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
