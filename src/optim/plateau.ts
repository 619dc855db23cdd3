/**
 * Reduce the step size when a monitored metric stops improving (Keras's ReduceLROnPlateau, in the
 * design of Optax contrib's `reduce_on_plateau`): a transformation placed after the optimizer
 * that multiplies the updates by a scale held in its state. `update` takes the metric through its
 * `extra` argument; values are averaged over `accumulationSize` updates, and each average is
 * compared with the best so far. Everything is tensor ops and `where`, so it runs inside `jit`.
 */
import { add, astype, div, equal, greater, less, maximum, mul, scalar, sub, where, Tensor, type TensorLike } from '../tensor';
import { map } from '../tree';
import type { GradientTransformation, UpdateExtras } from './transform';
import { incrementCount, scaleLeaf, zeroCount } from './util';

/** Options of `reduceLROnPlateau`, e.g. `{ factor: 0.5, patience: 3 }`. */
export interface ReduceLROnPlateauOptions {
  /** Multiply the scale by this on a plateau, in (0, 1) (default 0.1). */
  readonly factor?: number;
  /** Averages without improvement before the scale is reduced (default 10). */
  readonly patience?: number;
  /** Relative improvement needed: better means below (1 - rtol) * best - atol (default 1e-4). */
  readonly rtol?: number;
  /** Absolute improvement needed (default 0). */
  readonly atol?: number;
  /** Averages to wait after a reduction before counting a plateau again (default 0). */
  readonly cooldown?: number;
  /** Updates whose metric values are averaged into one comparison (default 1; the steps of an epoch for a per-epoch decision). */
  readonly accumulationSize?: number;
  /** The scale never goes below this (default 0). */
  readonly minScale?: number;
}

/** The state of `reduceLROnPlateau`: the current scale and the bookkeeping that decides it. */
export interface ReduceLROnPlateauState {
  /** The factor applied to the updates (float32, starts at 1). */
  scale: Tensor;
  /** The best average seen (float32, starts at +Infinity). */
  bestValue: Tensor;
  /** Averages since the last improvement (int32). */
  plateauCount: Tensor;
  /** Averages left in the cooldown after a reduction (int32). */
  cooldownCount: Tensor;
  /** Values accumulated into the current average (int32). */
  count: Tensor;
  /** The running mean of the current accumulation (float32). */
  avgValue: Tensor;
}

const op = 'optim.reduceLROnPlateau';

function check(name: string, value: number, ok: boolean, expected: string): void {
  if (typeof value !== 'number' || !ok) throw new Error(`${op}: ${name} must be ${expected}, got ${String(value)}`);
}

const isCount = (v: number, min: number) => Number.isInteger(v) && v >= min;

/**
 * Scale updates down by `factor` whenever the metric passed as `extra.value` has not improved
 * (decreased by the rtol/atol margin) for `patience` averages, then wait `cooldown` averages.
 * Put it after the optimizer; the metric is a loss (lower is better: pass -accuracy for accuracy).
 *
 *   const opt = chain(adam(1e-3), reduceLROnPlateau({ factor: 0.5, patience: 5, accumulationSize: stepsPerEpoch }));
 *   const [updates, state] = opt.update(grads, opt.init(params), params, { value: loss });
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): GradientTransformation<ReduceLROnPlateauState> {
  const known = ['factor', 'patience', 'rtol', 'atol', 'cooldown', 'accumulationSize', 'minScale'];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${op}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected ${known.join(', ')})`);
  const o = { factor: 0.1, patience: 10, rtol: 1e-4, atol: 0, cooldown: 0, accumulationSize: 1, minScale: 0, ...options };
  check('factor', o.factor, o.factor > 0 && o.factor < 1, 'a number in (0, 1)');
  check('patience', o.patience, isCount(o.patience, 1), 'a positive integer');
  check('rtol', o.rtol, o.rtol >= 0 && o.rtol <= 1, 'a number in [0, 1]');
  check('atol', o.atol, o.atol >= 0, 'a non-negative number');
  check('cooldown', o.cooldown, isCount(o.cooldown, 0), 'a non-negative integer');
  check('accumulationSize', o.accumulationSize, isCount(o.accumulationSize, 1), 'a positive integer');
  check('minScale', o.minScale, o.minScale >= 0 && o.minScale <= 1, 'a number in [0, 1]');
  const f32 = (v: TensorLike) => astype(v as Tensor, 'float32');
  const i32 = (v: TensorLike) => astype(v as Tensor, 'int32');

  return {
    init: () => ({
      scale: scalar(1, 'float32'),
      bestValue: scalar(Infinity, 'float32'),
      plateauCount: zeroCount(),
      cooldownCount: zeroCount(),
      count: zeroCount(),
      avgValue: scalar(0, 'float32'),
    }),
    update(updates, state, _params, extra?: UpdateExtras) {
      const value = extra?.value;
      if (value === undefined) throw new Error(`${op}: update needs the monitored metric: opt.update(grads, state, params, { value: loss })`);
      if (!(typeof value === 'number' || (value instanceof Tensor && value.size === 1))) {
        throw new Error(`${op}: the metric must be a number or a scalar tensor, got ${value instanceof Tensor ? `shape [${value.shape.join(', ')}]` : typeof value}`);
      }
      // The running mean of this accumulation, then (when it is complete) one comparison.
      const count = incrementCount(state.count);
      const v = typeof value === 'number' ? scalar(value, 'float32') : f32(value);
      const avgValue = f32(div(add(mul(state.avgValue, f32(state.count)), v), f32(count)));
      const ready = equal(count, o.accumulationSize);
      const improved = less(avgValue, sub(mul(1 - o.rtol, state.bestValue), o.atol));
      const plateau = where(improved, 0, incrementCount(state.plateauCount));
      const hit = equal(plateau, o.patience);
      const cooling = greater(state.cooldownCount, 0);
      const decided = {
        scale: f32(where(cooling, state.scale, maximum(where(hit, mul(state.scale, o.factor), state.scale), o.minScale))),
        bestValue: f32(where(improved, avgValue, state.bestValue)),
        plateauCount: i32(where(cooling, 0, where(hit, 0, plateau))),
        cooldownCount: i32(where(cooling, sub(state.cooldownCount, 1), where(hit, o.cooldown, 0))),
      };
      const next: ReduceLROnPlateauState = {
        scale: where(ready, decided.scale, state.scale),
        bestValue: where(ready, decided.bestValue, state.bestValue),
        plateauCount: i32(where(ready, decided.plateauCount, state.plateauCount)),
        cooldownCount: i32(where(ready, decided.cooldownCount, state.cooldownCount)),
        count: i32(where(ready, 0, count)),
        avgValue: f32(where(ready, 0, avgValue)),
      };
      return [map((u: Tensor) => scaleLeaf(u, next.scale), updates), next];
    },
  };
}
