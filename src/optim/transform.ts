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
import { add, astype, Tensor, zerosLike } from '../tensor';
import { map } from '../tree';

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

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/** The state of a transformation that keeps none. */
export type EmptyState = Record<string, never>;

/**
 * A plain number where a value is fixed, or a schedule: a function of the step count (an int32
 * scalar tensor) built from tensor ops, returning a tensor or a number.
 *
 *   const lr: ScalarOrSchedule = 1e-3;
 *   const decayed: ScalarOrSchedule = cosineDecaySchedule(1e-3, 1000);
 */
export type ScalarOrSchedule = number | Schedule;

/**
 * A schedule: `(step) => value`, where `step` is a scalar tensor. Built-in schedules also accept a
 * JS number step.
 *
 *   const s: Schedule = (step) => mul(0.1, pow(0.99, astype(step, 'float32')));
 *   s(scalar(10, 'int32'));
 */
export type Schedule = (step: Tensor) => Tensor | number;

/**
 * `params + updates` leafwise, each result cast back to its parameter's dtype (a float64 update
 * never widens a float32 parameter).
 *
 *   const [updates, state2] = opt.update(grads, state, params);
 *   const next = applyUpdates(params, updates);
 */
export function applyUpdates<P>(params: P, updates: unknown): P {
  return map((p: Tensor, u: Tensor) => astype(add(p, u), p.dtype), params, updates);
}

/**
 * Compose transformations left to right: each `update` feeds the next; the state is the array of
 * the inner states.
 *
 *   const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 *   const [updates, state] = opt.update(grads, opt.init(params), params);
 */
export function chain<T extends GradientTransformation<any>[]>(...transforms: T): GradientTransformation<{ [K in keyof T]: StateOf<T[K]> }> {
  type S = { [K in keyof T]: StateOf<T[K]> };
  return {
    init: (params) => transforms.map((t) => t.init(params)) as S,
    update<U>(updates: U, state: S, params?: unknown, extra?: UpdateExtras): [U, S] {
      const states = state as unknown[];
      if (!Array.isArray(states) || states.length !== transforms.length) {
        throw new Error(`optim.chain: expected a state array of length ${transforms.length}, got ${Array.isArray(states) ? `length ${states.length}` : typeof states}`);
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
  return {
    init: () => ({}),
    update: (updates, state, params) => [params === undefined ? map((g: Tensor) => f(g), updates) : map((g: Tensor, p: Tensor) => f(g, p), updates, params), state],
  };
}
