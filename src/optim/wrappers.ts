/**
 * Wrappers that decide, from data, whether an inner update happens: skipping non-finite steps and
 * accumulating gradients over micro-batches. Both always run the inner update and pick results
 * with `where` on a scalar flag, so no JS branch depends on tensor values and a step traces.
 */
import { add, checkNumber, div, equal, greater, logicalOr, scalar, sub, where, type Tensor } from '../tensor';
import { checkTransformation } from './checks';
import { map, type TensorTree } from '../tree';
import type { GradientTransformation } from './transform';
import { allFinite, asTree, incrementCount, selectTree, zeroCount, zerosLikeTree } from './util';

/** Counters of `applyIfFinite` and the inner state. */
export interface ApplyIfFiniteState<S> {
  /** Consecutive steps with a non-finite gradient (int32). */
  notfiniteCount: Tensor;
  /** Whether the last step's updates were all finite (bool). */
  lastFinite: Tensor;
  /** All steps with a non-finite gradient so far (int32). */
  totalNotfinite: Tensor;
  inner: S;
}

/**
 * Skip steps whose updates hold a NaN or infinity: the updates become zeros and the inner state
 * stays as it was. After more than `maxConsecutiveErrors` bad steps in a row the update goes
 * through anyway (as in Optax), so a diverged run shows up instead of stalling silently.
 *
 *   const opt = applyIfFinite(adam(1e-3), 5);
 *   const [u, s] = opt.update(grads, opt.init(params), params);   // s.totalNotfinite counts skips
 */
export function applyIfFinite<S>(inner: GradientTransformation<S>, maxConsecutiveErrors: number): GradientTransformation<ApplyIfFiniteState<S>> {
  checkTransformation('applyIfFinite', inner);
  checkNumber('applyIfFinite', 'maxConsecutiveErrors', maxConsecutiveErrors, { integer: true, min: 0 });
  return {
    init: (params) => ({ notfiniteCount: zeroCount(), lastFinite: scalar(true), totalNotfinite: zeroCount(), inner: inner.init(params) }),
    update(updates, state, params, extra) {
      const finite = allFinite(updates);
      const notfiniteCount = where(finite, zeroCount(), incrementCount(state.notfiniteCount));
      const apply = logicalOr(finite, greater(notfiniteCount, maxConsecutiveErrors));
      const [next, innerState] = inner.update(updates, state.inner, params, extra);
      return [
        map((u: Tensor) => where(apply, u, 0), next),
        {
          notfiniteCount,
          lastFinite: finite,
          totalNotfinite: where(finite, state.totalNotfinite, incrementCount(state.totalNotfinite)),
          inner: selectTree(apply, innerState, state.inner),
        },
      ];
    },
  };
}

/** Progress through the current group of micro-steps, the running mean, and the inner state. */
export interface MultiStepsState<S> {
  /** Micro-steps accumulated in the current group, 0 to everyK - 1 (int32). */
  miniStep: Tensor;
  /** Inner updates applied so far (int32). */
  gradientStep: Tensor;
  /** Mean of the updates of the current group so far. */
  accGrads: TensorTree;
  inner: S;
}

/**
 * Gradient accumulation: average the updates of `everyK` consecutive calls and apply `inner` to
 * the mean on the last of them; the calls in between return zero updates and leave the inner
 * state alone. k calls equal one inner step on the mean gradient (Optax's `MultiSteps`).
 *
 *   const opt = multiSteps(adam(1e-3), 4);   // an effective batch 4 times larger
 *   const [u, s] = opt.update(microGrads, opt.init(params), params);
 */
export function multiSteps<S>(inner: GradientTransformation<S>, everyK: number): GradientTransformation<MultiStepsState<S>> {
  checkTransformation('multiSteps', inner);
  checkNumber('multiSteps', 'everyK', everyK, { integer: true, min: 1 });
  return {
    init: (params) => ({ miniStep: zeroCount(), gradientStep: zeroCount(), accGrads: zerosLikeTree(params), inner: inner.init(params) }),
    update(updates, state, params, extra) {
      // A running mean rather than a sum, so large k cannot overflow float16/float32 ranges early.
      const n = add(state.miniStep, 1);
      const accGrads = map((g: Tensor, acc: Tensor) => add(acc, div(sub(g, acc), n)).astype(acc.dtype), updates, state.accGrads);
      const emit = equal(state.miniStep, everyK - 1);
      const [next, innerState] = inner.update(accGrads, state.inner, params, extra);
      return [
        map((u: Tensor) => where(emit, u, 0), next),
        {
          miniStep: where(emit, 0, n),
          gradientStep: where(emit, incrementCount(state.gradientStep), state.gradientStep),
          accGrads: asTree(map((acc: Tensor) => where(emit, 0, acc), accGrads)),
          inner: selectTree(emit, innerState, state.inner),
        },
      ];
    },
  };
}
