/**
 * Schedules: functions of the step count returning a scalar tensor, built from tensor ops so they
 * trace. The step may be a JS number, an int32 tensor (what optimizers pass) or a float tensor;
 * values are computed in the step's float dtype (float32 for numbers and int32 steps).
 */
import { add, astype, clip as clipValues, cos, div, floor, full, isFloat, less, lessEqual, maximum, minimum, mul, pow, scalar, sub, where, type Tensor } from '../tensor';

/** A built-in schedule: accepts a number or tensor step, returns a scalar tensor. */
export type ScheduleFn = (step: Tensor | number) => Tensor;

/** `value` as a scalar in the step's dtype. */
function constant(t: Tensor, value: number): Tensor {
  return full([], value, t.dtype);
}

/** The step as a float scalar tensor. */
function floatStep(step: Tensor | number): Tensor {
  if (typeof step === 'number') return scalar(step, 'float32');
  return isFloat(step.dtype) ? step : astype(step, 'float32');
}

/**
 * The same value at every step.
 *
 *   const s = constantSchedule(1e-3);
 *   s(100).item();   // 0.001 (in float32)
 */
export function constantSchedule(value: number): ScheduleFn {
  return (step) => constant(floatStep(step), value);
}

/**
 * Polynomial interpolation from `initValue` to `endValue` over `transitionSteps` steps after
 * `transitionBegin`: `(init - end) * (1 - t / transitionSteps)^power + end`, constant outside.
 *
 *   const s = polynomialSchedule(1, 0, 100, { power: 2 });
 *   s(50).item();   // 0.25
 */
export function polynomialSchedule(initValue: number, endValue: number, transitionSteps: number, options: { power?: number; transitionBegin?: number } = {}): ScheduleFn {
  const { power = 1, transitionBegin = 0 } = options;
  if (transitionSteps <= 0) return constantSchedule(initValue);
  return (step) => {
    const t = clipValues(sub(floatStep(step), transitionBegin), 0, transitionSteps);
    const frac = sub(1, div(t, transitionSteps));
    return add(mul(power === 1 ? frac : pow(frac, power), initValue - endValue), endValue);
  };
}

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` steps starting at
 * `transitionBegin` (default 0); `initValue` before, `endValue` after.
 *
 *   const warmup = linearSchedule(0, 1e-3, 1000);
 *   warmup(500).item();   // 5e-4
 */
export function linearSchedule(initValue: number, endValue: number, transitionSteps: number, transitionBegin = 0): ScheduleFn {
  return polynomialSchedule(initValue, endValue, transitionSteps, { transitionBegin });
}

/** Options of `exponentialDecay`. */
export interface ExponentialDecayOptions {
  /** Decay in whole intervals (a staircase) instead of continuously. Default false. */
  staircase?: boolean;
  /** Hold `initValue` until this step. Default 0. */
  transitionBegin?: number;
  /** A floor (for decay rates below 1) or ceiling (above 1) on the value. Default none. */
  endValue?: number;
}

/**
 * `initValue * decayRate^((step - transitionBegin) / transitionSteps)`, optionally stepwise and
 * bounded by `endValue`.
 *
 *   const s = exponentialDecay(1, 100, 0.5);
 *   s(200).item();   // 0.25
 */
export function exponentialDecay(initValue: number, transitionSteps: number, decayRate: number, options: ExponentialDecayOptions = {}): ScheduleFn {
  const { staircase = false, transitionBegin = 0, endValue } = options;
  if (transitionSteps <= 0) return constantSchedule(initValue);
  return (step) => {
    const t = sub(floatStep(step), transitionBegin);
    const p = div(t, transitionSteps);
    const decayed = mul(pow(decayRate, staircase ? floor(p) : p), initValue);
    const held = where(lessEqual(t, 0), initValue, decayed);
    if (endValue === undefined) return held;
    return decayRate < 1 ? maximum(held, endValue) : minimum(held, endValue);
  };
}

/**
 * Cosine decay from `initValue` to `alpha * initValue` over `decaySteps`, then constant (Loshchilov
 * & Hutter's SGDR without restarts): `init * ((1 - alpha) * (0.5 * (1 + cos(pi t / T)))^exponent + alpha)`.
 *
 *   const s = cosineDecaySchedule(1e-3, 1000);
 *   s(1000).item();   // 0
 */
export function cosineDecaySchedule(initValue: number, decaySteps: number, alpha = 0, exponent = 1): ScheduleFn {
  if (decaySteps <= 0) throw new Error(`optim.cosineDecaySchedule: decaySteps must be positive, got ${decaySteps}`);
  return (step) => {
    const t = minimum(floatStep(step), decaySteps);
    const cosine = mul(add(cos(mul(t, Math.PI / decaySteps)), 1), 0.5);
    return mul(add(mul(exponent === 1 ? cosine : pow(cosine, exponent), 1 - alpha), alpha), initValue);
  };
}

/**
 * Run `schedules[i]` from `boundaries[i - 1]` (or 0) until `boundaries[i]`, each restarted at
 * step 0 from its boundary.
 *
 *   const s = joinSchedules([linearSchedule(0, 1, 10), constantSchedule(1)], [10]);
 *   s(15).item();   // 1
 */
export function joinSchedules(schedules: readonly ScheduleFn[], boundaries: readonly number[]): ScheduleFn {
  if (schedules.length !== boundaries.length + 1) throw new Error(`optim.joinSchedules: ${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${boundaries.length}`);
  return (step) => {
    const t = floatStep(step);
    let value = schedules[0]!(t);
    boundaries.forEach((b, i) => {
      value = where(less(t, b), value, schedules[i + 1]!(sub(t, b)));
    });
    return value;
  };
}

/** Options of `warmupCosineDecaySchedule`. */
export interface WarmupCosineDecayOptions {
  initValue: number;
  peakValue: number;
  warmupSteps: number;
  /** Total length including the warmup. */
  decaySteps: number;
  /** Default 0. */
  endValue?: number;
  /** Default 1. */
  exponent?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to `endValue`
 * at `decaySteps` (counted from step 0, warmup included).
 *
 *   const s = warmupCosineDecaySchedule({ initValue: 0, peakValue: 1e-3, warmupSteps: 100, decaySteps: 1000 });
 *   s(100).item();   // 1e-3
 */
export function warmupCosineDecaySchedule(options: WarmupCosineDecayOptions): ScheduleFn {
  const { initValue, peakValue, warmupSteps, decaySteps, endValue = 0, exponent = 1 } = options;
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return joinSchedules([linearSchedule(initValue, peakValue, warmupSteps), cosineDecaySchedule(peakValue, decaySteps - warmupSteps, alpha, exponent)], [warmupSteps]);
}

/** Boundaries (steps) with the factor applied from each one on. */
export type BoundariesAndScales = Readonly<Record<number, number>> | readonly (readonly [number, number])[];

function sortedPairs(boundariesAndScales: BoundariesAndScales): [number, number][] {
  const pairs = Array.isArray(boundariesAndScales)
    ? boundariesAndScales.map(([b, s]) => [b, s] as [number, number])
    : Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s as number] as [number, number]);
  return pairs.sort((a, b) => a[0] - b[0]);
}

/**
 * `initValue` multiplied by every scale whose boundary the step has reached.
 *
 *   const s = piecewiseConstantSchedule(0.1, { 100: 0.1, 200: 0.1 });
 *   s(150).item();   // 0.01
 */
export function piecewiseConstantSchedule(initValue: number, boundariesAndScales: BoundariesAndScales = {}): ScheduleFn {
  const pairs = sortedPairs(boundariesAndScales);
  return (step) => {
    const t = floatStep(step);
    let value = constant(t, initValue);
    let current = initValue;
    for (const [b, s] of pairs) {
      current *= s;
      value = where(less(t, b), value, current);
    }
    return value;
  };
}

/**
 * Interpolate (linearly or along a half cosine) between the values `initValue * cumulative scale`
 * reached at each boundary; constant after the last.
 *
 *   const s = piecewiseInterpolateSchedule('linear', 1, { 10: 2, 20: 0.5 });
 *   s(5).item();   // 1.5
 */
export function piecewiseInterpolateSchedule(kind: 'linear' | 'cosine', initValue: number, boundariesAndScales: BoundariesAndScales = {}): ScheduleFn {
  const pairs = sortedPairs(boundariesAndScales);
  const bounds = [0, ...pairs.map(([b]) => b)];
  const values = pairs.reduce((vs, [, s]) => [...vs, vs[vs.length - 1]! * s], [initValue]);
  return (step) => {
    const t = floatStep(step);
    let value = constant(t, values[values.length - 1]!);
    // From the last interval back, so earlier intervals win where the step lies in them.
    for (let i = bounds.length - 2; i >= 0; i--) {
      const [lo, hi, a, b] = [bounds[i]!, bounds[i + 1]!, values[i]!, values[i + 1]!];
      if (hi <= lo) continue;
      const pct = div(sub(t, lo), hi - lo);
      const shape = kind === 'linear' ? pct : mul(sub(1, cos(mul(pct, Math.PI))), 0.5);
      value = where(less(t, hi), add(mul(shape, b - a), a), value);
    }
    return value;
  };
}

/**
 * Optax's cosine one-cycle: from `peakValue / divFactor` up to `peakValue` over the first
 * `pctStart` of `transitionSteps`, then down to `peakValue / (divFactor * finalDivFactor)`, along
 * half cosines. Defaults pctStart 0.3, divFactor 25, finalDivFactor 1e4.
 *
 *   const s = oneCycle(1000, 0.1);
 *   s(300).item();   // 0.1
 */
export function oneCycle(transitionSteps: number, peakValue: number, options: { pctStart?: number; divFactor?: number; finalDivFactor?: number } = {}): ScheduleFn {
  const { pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4 } = options;
  return piecewiseInterpolateSchedule('cosine', peakValue / divFactor, [
    [Math.floor(pctStart * transitionSteps), divFactor],
    [Math.floor(transitionSteps), 1 / (divFactor * finalDivFactor)],
  ]);
}
