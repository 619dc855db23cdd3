/**
 * Argument checks of the optimizers. Hyperparameters are checked when a transformation is made;
 * at `update` and `applyUpdates` the trees that must line up (gradients, state, parameters) are
 * compared leaf by leaf, and a mismatch names the optimizer and the key path. The checks read
 * only structure and shapes, so under jit they run once while tracing and cost nothing per step.
 */
import { checkNumber, checkOptions, describeValue, fmtAval, opError, shapeEqual, Tensor } from '../tensor';
import { flatten, keyPathToString, matchStructure, type TreeDef } from '../tree';
import type { GradientTransformation, ScalarOrSchedule, UpdateExtras } from './transform';

/** A learning rate: a finite number >= 0, or a schedule (a function of the step). */
export function checkLearningRate(fn: string, learningRate: unknown): ScalarOrSchedule {
  if (typeof learningRate === 'function') return learningRate as ScalarOrSchedule;
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate < 0) {
    opError(fn, `learningRate must be a finite number >= 0 or a schedule (a function of the step), got ${describeValue(learningRate)}`);
  }
  return learningRate;
}

type Rule = (fn: string, what: string, x: unknown) => void;
/** A moving-average decay in [0, 1): at 1 the average never moves and bias correction divides by 0. */
const decayRate: Rule = (fn, what, x) => checkNumber(fn, what, x, { min: 0, below: 1 });
/** A coefficient in [0, 1], such as momentum. */
const unitInterval: Rule = (fn, what, x) => checkNumber(fn, what, x, { min: 0, max: 1 });
const nonNegative: Rule = (fn, what, x) => checkNumber(fn, what, x, { min: 0 });
const flag: Rule = (fn, what, x) => {
  if (typeof x !== 'boolean') opError(fn, `${what} must be true or false, got ${describeValue(x)}`);
};

/** What each hyperparameter name of the optimizers and their blocks must be. */
const rules: Readonly<Record<string, Rule>> = {
  b1: decayRate,
  b2: decayRate,
  decay: decayRate,
  rho: decayRate,
  momentum: unitInterval,
  eps: nonNegative,
  epsRoot: nonNegative,
  weightDecay: nonNegative,
  initialScale: nonNegative,
  initialAccumulatorValue: nonNegative,
  minNorm: nonNegative,
  trustCoefficient: nonNegative,
  nesterov: flag,
  centered: flag,
  epsInSqrt: flag,
  biasCorrection: flag,
};

/**
 * Check an optimizer's options object: unknown keys are an error listing the valid ones, and
 * each known hyperparameter obeys its rule (b1 and b2 in [0, 1), eps >= 0, flags boolean, ...).
 *
 *   const { b1, b2 } = hyperparameters('adam', options, ['b1', 'b2', 'eps', 'epsRoot', 'nesterov']);
 */
export function hyperparameters<O extends object>(fn: string, options: O | undefined, keys: readonly (keyof O & string)[]): Partial<O> {
  const o = checkOptions(fn, options, keys);
  for (const [k, v] of Object.entries(o)) if (v !== undefined) rules[k]?.(fn, k, v);
  return o;
}

/** An inner transformation given to a wrapper: an object with init and update functions. */
export function checkTransformation(fn: string, t: unknown, what = 'the inner transformation'): void {
  const ok = typeof t === 'object' && t !== null && typeof (t as GradientTransformation).init === 'function' && typeof (t as GradientTransformation).update === 'function';
  if (!ok) opError(fn, `${what} must be a gradient transformation ({ init, update }), got ${describeValue(t)}`);
}

/** Where `path` is in messages: `.layers[0].w`, or "the root" for a bare tensor. */
function at(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the root' : keyPathToString(path);
}

/**
 * The leaves of `tree`, after checking it has `def`'s structure and, where both hold tensors, the
 * shapes of `reference`'s leaves. `names` say what the two trees are ("the parameters", "the
 * gradients") in the error.
 */
export function alignedLeaves(fn: string, def: TreeDef, reference: readonly unknown[], tree: unknown, names: readonly [string, string]): unknown[] {
  const xs = matchStructure(def, tree, { operation: fn, exact: true, names });
  const paths = def.leafPaths();
  xs.forEach((x, i) => {
    const r = reference[i];
    if (!(x instanceof Tensor)) opError(fn, `${names[1]} must hold tensors, got ${describeValue(x)} at ${at(paths[i]!)}`);
    if (r instanceof Tensor && !shapeEqual(r.shape, x.shape)) {
      opError(fn, `${names[1]} at ${at(paths[i]!)} is ${fmtAval(x)} but ${names[0]} there is ${fmtAval(r)} (shapes must match exactly: nothing is broadcast)`);
    }
  });
  return xs;
}

/** The parameters as tensors, checked: `fn` names the caller in errors. */
export function parameterLeaves(fn: string, params: unknown, what = 'the parameter tree'): [unknown[], TreeDef] {
  const [xs, def] = flatten(params);
  const paths = def.leafPaths();
  xs.forEach((x, i) => {
    if (!(x instanceof Tensor)) opError(fn, `${what} must hold only tensors, got ${describeValue(x)} at ${at(paths[i]!)}`);
  });
  return [xs, def];
}

/** The signature of a tree (structure and leaf shapes), a cache key. */
function signature(def: TreeDef, xs: readonly unknown[]): string {
  return `${def}|${xs.map((x) => (x instanceof Tensor ? x.shape.join(',') : typeof x)).join(';')}`;
}

/**
 * `t` with its arguments checked at the boundary, errors naming `name`:
 * - `init(params)`: params is a tree of tensors;
 * - `update(grads, state, params?)`: the gradients have the parameters' structure and shapes,
 *   and the state has the structure and shapes `init` gives for them (a state made for other
 *   parameters, or from another optimizer, is caught here instead of deep inside a block).
 *
 *   const adam = checked('adam', chain(scaleByAdam(), scaleByLearningRate(1e-3)));
 */
export function checked<S>(name: string, t: GradientTransformation<S>): GradientTransformation<S> {
  // The state init gives for each signature of parameters: built once per signature.
  const states = new Map<string, [TreeDef, unknown[]]>();
  return {
    init(params) {
      parameterLeaves(`${name}.init`, params);
      return t.init(params);
    },
    update<U>(updates: U, state: S, params?: unknown, extra?: UpdateExtras): [U, S] {
      const fn = `${name}.update`;
      const [gs, gdef] = parameterLeaves(fn, updates, 'the gradient tree');
      if (params !== undefined && params !== null) {
        const [ps, pdef] = flatten(params);
        alignedLeaves(fn, pdef, ps, updates, ['the parameter tree', 'the gradient tree']);
      }
      const key = signature(gdef, gs);
      let expected = states.get(key);
      if (expected === undefined) {
        const [ss, sdef] = flatten(t.init(params ?? updates));
        expected = [sdef, ss];
        states.set(key, expected);
      }
      alignedLeaves(fn, expected[0], expected[1], state, [`the state that ${name}.init makes for these parameters`, 'the state given']);
      return t.update(updates, state, params, extra);
    },
  };
}
