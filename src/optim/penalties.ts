/**
 * L1 and L2 penalties on chosen parameters without writing loss terms: `addPenaltyGradients`
 * adds the penalty's gradient to the updates (put it first in the chain, so the optimizer sees
 * the gradient of loss + penalty, as with Keras's kernel regularizers), and `parameterPenalty`
 * is the same penalty's value, to report or to add to a loss. Leaves are chosen by key path.
 *
 * Law: addPenaltyGradients(o).update(g, {}, p) = g + grad(p => parameterPenalty(p, o))(p).
 */
import { abs, add, astype, checkNumber, checkOptions, isFloat, mul, optionKeys, scalar, sign, square, sum, Tensor } from '../tensor';
import { keyPathToString, mapWithPath, flattenWithPath } from '../tree';
import { pathMatcher, type PathPattern } from './paths';
import type { EmptyState, GradientTransformation } from './transform';

/** Options of the penalties, e.g. `{ l2: 1e-4, paths: '*.weight' }`. */
export interface PenaltyOptions {
  /** The L1 coefficient: the penalty has l1 * sum |w| (default 0). */
  readonly l1?: number;
  /** The L2 coefficient: the penalty has l2 * sum w^2, no factor 1/2, as Keras (default 0). */
  readonly l2?: number;
  /** The leaves penalized (default: every float leaf), matched against their key path. */
  readonly paths?: PathPattern;
}

const penaltyKeys = optionKeys<PenaltyOptions>({ l1: true, l2: true, paths: true });

function coefficients(op: string, options: PenaltyOptions): { l1: number; l2: number; selected: (path: string, leaf: Tensor) => boolean } {
  const o = checkOptions(op, options, penaltyKeys);
  const l1 = checkNumber(op, 'l1', o.l1 ?? 0, { min: 0 });
  const l2 = checkNumber(op, 'l2', o.l2 ?? 0, { min: 0 });
  const matches = o.paths === undefined ? () => true : pathMatcher(o.paths, op);
  return { l1, l2, selected: (path, leaf) => leaf instanceof Tensor && isFloat(leaf.dtype) && matches(path, leaf) };
}

/**
 * The penalty l1 * sum |w| + l2 * sum w^2 over the selected leaves of `params`, a float32 scalar
 * (0 when nothing is selected).
 *
 *   parameterPenalty(params, { l2: 1e-4, paths: '*.weight' });
 *   const total = add(loss, parameterPenalty(params, { l1: 1e-5 }));
 */
export function parameterPenalty(params: unknown, options: PenaltyOptions): Tensor {
  const { l1, l2, selected } = coefficients('parameterPenalty', options);
  return flattenWithPath(params).reduce<Tensor>((total, [path, w]) => {
    if (!selected(keyPathToString(path), w as Tensor)) return total;
    const x = w as Tensor;
    const term = add(l1 === 0 ? 0 : mul(l1, sum(abs(x))), l2 === 0 ? 0 : mul(l2, sum(square(x))));
    return add(total, astype(term, 'float32'));
  }, scalar(0, 'float32'));
}

/**
 * Add the gradient of `parameterPenalty` (l1 * sign(w) + 2 * l2 * w) to the updates of the
 * selected leaves; others pass through. Needs `params`. Put it before the optimizer.
 *
 *   const opt = chain(addPenaltyGradients({ l2: 1e-4, paths: '*.weight' }), adam(1e-3));
 *   chain(addPenaltyGradients({ l1: 1e-5, paths: /^\[0\]\./ }), sgd(0.1));   // sparse first layer
 */
export function addPenaltyGradients(options: PenaltyOptions): GradientTransformation<EmptyState> {
  const op = 'addPenaltyGradients';
  const { l1, l2, selected } = coefficients(op, options);
  return {
    init: () => ({}),
    update(updates, state, params) {
      if (l1 === 0 && l2 === 0) return [updates, state];
      if (params === undefined) throw new Error(`${op}: update needs params (the penalty's gradient depends on them)`);
      const next = mapWithPath((path, g: Tensor, w: Tensor) => {
        if (!selected(keyPathToString(path), w)) return g;
        const dw = add(l1 === 0 ? 0 : mul(l1, sign(w)), l2 === 0 ? 0 : mul(2 * l2, w));
        return astype(add(g, dw), g.dtype);
      }, updates, params);
      return [next, state];
    },
  };
}
