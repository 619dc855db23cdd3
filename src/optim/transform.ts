/**
 * The optimizer abstraction (Optax's `GradientTransformation`): a pair of pure functions. `init`
 * builds a state pytree from the parameters; `update` maps gradients (or updates from an earlier
 * transformation) and the state to new updates and a new state. Nothing is mutated, and states
 * hold only tensors (plus static numbers), so a whole step can be traced by grad, vmap or jit.
 *
 * Laws (laws/optim.ts): `chain(identity(), t)` behaves as `t`; `chain` is associative; updates
 * keep the gradients' structure, shapes and dtypes; the state's structure is stable across steps;
 * inputs are never mutated.
 */
import { add, astype, checkFunction, opError, Tensor, zerosLike } from '../tensor';
import { map, unflatten } from '../tree';
import { alignedLeaves, checked, checkTransformation, parameterLeaves } from './checks';

/**
 * A gradient transformation: `init(params) -> state`, `update(updates, state, params?, extra?) ->
 * [updates, state]`. Optimizers are chains of them. `extra` carries values some transformations
 * need besides the gradients (Optax's extra args), e.g. the metric of `reduceLROnPlateau`;
 * `chain` and the wrappers pass it to every inner transformation, the others ignore it.
 *
 *   const opt = adam(1e-3); let state = opt.init(params);
 *   const [updates, next] = opt.update(grads, state, params); params = applyUpdates(params, updates);
 */
export interface GradientTransformation<S = unknown> {
  init(params: unknown): S;
  update<U>(updates: U, state: S, params?: unknown, extra?: UpdateExtras): [U, S];
}

/**
 * Values besides the gradients that an update may use, e.g. `{ value: loss }` for
 * `reduceLROnPlateau`.
 *
 *   opt.update(grads, state, params, { value: loss });
 *   const extra: UpdateExtras = { value: 0.25 };
 */
export interface UpdateExtras {
  /** The monitored metric (a loss: lower is better), a scalar tensor or a number. */
  readonly value?: Tensor | number;
}

/**
 * The state type of a transformation (Optax's `OptState`); named apart from `nn.StateOf`, a
 * layer's state, so both can be imported together.
 *
 *   type AdamState = OptStateOf<typeof opt>;
 */
export type OptStateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/** The state of a transformation that keeps none. */
export type EmptyState = Record<string, never>;

/**
 * A plain number where a value is fixed, or a schedule: a function of the step count (an int32
 * scalar tensor) built from tensor ops, returning a tensor or a number.
 *
 *   const lr: ScalarOrSchedule = 1e-3;
 *   const decayed: ScalarOrSchedule = cosineDecaySchedule({ initValue: 1e-3, decaySteps: 1000 });
 */
export type ScalarOrSchedule = number | Schedule;

/**
 * A schedule: `(step, dtype?) => value`, where `step` is a scalar tensor (the int32 count) and
 * `dtype` the float precision of the updates it scales ('float32' or 'float64'), which built-in
 * schedules compute in. Built-in schedules also accept a JS number step.
 *
 *   const s: Schedule = (step, dtype = 'float32') => mul(0.1, pow(0.99, astype(step, dtype)));
 *   s(scalar(10, 'int32'));
 */
export type Schedule = (step: Tensor, dtype?: 'float32' | 'float64') => Tensor | number;

/**
 * `params + updates` leafwise, each result cast back to its parameter's dtype (a float64 update
 * never widens a float32 parameter). The updates must have the parameters' structure and shapes:
 * an update of another shape is an error naming its key path, never broadcast into the parameter.
 *
 *   const [updates, state2] = opt.update(grads, state, params);
 *   const next = applyUpdates(params, updates);
 */
export function applyUpdates<P>(params: P, updates: unknown): P {
  const [ps, def] = parameterLeaves('applyUpdates', params);
  const us = alignedLeaves('applyUpdates', def, ps, updates, ['the parameter tree', 'the update tree']);
  return unflatten(def, ps.map((p, i) => astype(add(p as Tensor, us[i] as Tensor), (p as Tensor).dtype)));
}

/**
 * Compose transformations left to right: each `update` feeds the next; the state is the array of
 * the inner states. Its `update` checks its arguments like an optimizer's (the gradients against
 * the parameters, the state against what `init` gives), naming `chain` in errors.
 *
 *   const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 *   const [updates, state] = opt.update(grads, opt.init(params), params);
 */
export function chain<T extends GradientTransformation<any>[]>(...transforms: T): GradientTransformation<{ [K in keyof T]: OptStateOf<T[K]> }> {
  return checked('chain', chainOf('chain', ...transforms));
}

/** `chain` without the boundary checks: the optimizers check once, under their own name. */
export function chainOf<T extends GradientTransformation<any>[]>(name: string, ...transforms: T): GradientTransformation<{ [K in keyof T]: OptStateOf<T[K]> }> {
  type S = { [K in keyof T]: OptStateOf<T[K]> };
  transforms.forEach((t, i) => checkTransformation(name, t, `transformation ${i}`));
  return {
    init: (params) => transforms.map((t) => t.init(params)) as S,
    update<U>(updates: U, state: S, params?: unknown, extra?: UpdateExtras): [U, S] {
      const states = state as unknown[];
      if (!Array.isArray(states) || states.length !== transforms.length) {
        opError(`${name}.update`, `expected a state array of length ${transforms.length}, got ${Array.isArray(states) ? `length ${states.length}` : typeof states}`);
      }
      let u = updates;
      const next = transforms.map((t, i) => {
        const [v, s] = t.update(u, states[i], params, extra);
        u = v;
        return s;
      });
      return [u, next as S];
    },
  };
}

/**
 * Pass updates through unchanged, with an empty state.
 *
 *   const [u] = identity().update(grads, {});   // u === grads
 *   chain(identity(), sgd(0.1));                // behaves as sgd(0.1)
 */
export function identity(): GradientTransformation<EmptyState> {
  return { init: () => ({}), update: (updates, state) => [updates, state] };
}

/**
 * Replace every update with zeros (of the same shape and dtype), so nothing moves.
 *
 *   const [u] = setToZero().update(grads, {});  // zeros like grads
 *   masked(setToZero(), { encoder: true });     // stop training the encoder
 */
export function setToZero(): GradientTransformation<EmptyState> {
  return { init: () => ({}), update: (updates, state) => [map((g: Tensor) => zerosLike(g), updates), state] };
}

/**
 * A transformation from a stateless leafwise function of (update, param).
 *
 *   const halve = stateless((g) => mul(g, 0.5));
 *   const decay = stateless((g, p) => add(g, mul(p!, 1e-4)));
 */
export function stateless(f: (update: Tensor, param?: Tensor) => Tensor): GradientTransformation<EmptyState> {
  checkFunction('stateless', f);
  return {
    init: () => ({}),
    update: (updates, state, params) => [params === undefined ? map((g: Tensor) => f(g), updates) : map((g: Tensor, p: Tensor) => f(g, p), updates, params), state],
  };
}
