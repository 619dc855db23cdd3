/**
 * Reduce the step size when a monitored metric stops improving (Keras's ReduceLROnPlateau, in the
 * design of Optax contrib's `reduce_on_plateau`): a transformation placed after the optimizer
 * that multiplies the updates by a scale held in its state. `update` takes the metric through its
 * `extra` argument; values are averaged over `accumulationSize` updates, and each average is
 * compared with the best so far. Everything is tensor ops and `where`, so it runs inside `jit`.
 */
import { add, astype, checkNumber, checkOptions, div, equal, greater, less, maximum, mul, optionKeys, scalar, sub, where, Tensor, type TensorLike } from '../tensor';
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

const op = 'reduceLROnPlateau';

const plateauKeys = optionKeys<ReduceLROnPlateauOptions>({ factor: true, patience: true, rtol: true, atol: true, cooldown: true, accumulationSize: true, minScale: true });

/**
 * Scale updates down by `factor` whenever the metric passed as `extra.value` has not improved
 * (decreased by the rtol/atol margin) for `patience` averages, then wait `cooldown` averages.
 * Put it after the optimizer; the metric is a loss (lower is better: pass -accuracy for accuracy).
 *
 *   const opt = chain(adam(1e-3), reduceLROnPlateau({ factor: 0.5, patience: 5, accumulationSize: stepsPerEpoch }));
 *   const [updates, state] = opt.update(grads, opt.init(params), params, { value: loss });
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): GradientTransformation<ReduceLROnPlateauState> {
  const o = { factor: 0.1, patience: 10, rtol: 1e-4, atol: 0, cooldown: 0, accumulationSize: 1, minScale: 0, ...checkOptions(op, options, plateauKeys) };
  checkNumber(op, 'factor', o.factor, { above: 0, below: 1 });
  checkNumber(op, 'patience', o.patience, { integer: true, min: 1 });
  checkNumber(op, 'rtol', o.rtol, { min: 0, max: 1 });
  checkNumber(op, 'atol', o.atol, { min: 0 });
  checkNumber(op, 'cooldown', o.cooldown, { integer: true, min: 0 });
  checkNumber(op, 'accumulationSize', o.accumulationSize, { integer: true, min: 1 });
  checkNumber(op, 'minScale', o.minScale, { min: 0, max: 1 });
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
