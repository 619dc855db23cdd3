/**
 * Schedules: functions of the step count returning a scalar tensor, built from tensor ops so they
 * trace. Every schedule takes one options object with Optax's parameter names in camelCase
 * (`init_value` is `initValue`), checked when the schedule is made.
 *
 * The step may be a JS number, an int32 tensor (what optimizers pass) or a float tensor. Values
 * are computed in the float dtype given as the second argument (optimizers pass their
 * parameters' precision, so float64 training gets a float64 learning rate), else in the step's
 * float dtype (float32 for numbers and int32 steps).
 */
import { add, astype, checkFunction, checkNumber, checkOneOf, checkOptions, clip as clipValues, cos, describeValue, div, floor, full, isFloat, isPlainObject, less, lessEqual, maximum, minimum, mul, opError, optionKeys, pow, scalar, sub, where, type Tensor } from '../tensor';

/** The float dtypes a schedule computes in. */
export type ScheduleDType = 'float32' | 'float64';

/**
 * A built-in schedule: accepts a number or tensor step, and optionally the float dtype to compute
 * in; returns a scalar tensor.
 */
export type ScheduleFn = (step: Tensor | number, dtype?: ScheduleDType) => Tensor;

/** `value` as a scalar in the step's dtype. */
function constant(t: Tensor, value: number): Tensor {
  return full([], value, t.dtype);
}

/** The step as a float scalar tensor of `dtype` (default: the step's float dtype, else float32). */
function floatStep(step: Tensor | number, dtype: ScheduleDType | undefined): Tensor {
  if (typeof step === 'number') return scalar(step, dtype ?? 'float32');
  if (dtype !== undefined) return astype(step, dtype);
  return isFloat(step.dtype) ? step : astype(step, 'float32');
}

function options<O extends object>(fn: string, arg: O, keys: readonly (keyof O & string)[], required: readonly (keyof O & string)[]): O {
  if (!isPlainObject(arg)) opError(fn, `expects one options object (${keys.join(', ')}), got ${describeValue(arg)}`);
  const o = checkOptions(fn, arg, keys) as O;
  for (const k of required) if ((o as Record<string, unknown>)[k] === undefined) opError(fn, `option ${k} is required (options: ${keys.join(', ')})`);
  return o;
}

const value = (fn: string, what: string, x: unknown): number => checkNumber(fn, what, x);
const steps = (fn: string, what: string, x: unknown): number => checkNumber(fn, what, x);
const begin = (fn: string, x: unknown): number => (x === undefined ? 0 : checkNumber(fn, 'transitionBegin', x, { min: 0 }));

/** Options of `constantSchedule`. */
export interface ConstantScheduleOptions {
  value: number;
}

/**
 * The same value at every step.
 *
 *   const s = constantSchedule({ value: 1e-3 });
 *   s(100).item();   // 0.001 (in float32)
 */
export function constantSchedule(opts: ConstantScheduleOptions): ScheduleFn {
  const fn = 'constantSchedule';
  const v = value(fn, 'value', options(fn, opts, optionKeys<ConstantScheduleOptions>({ value: true }), ['value']).value);
  return (step, dtype) => constant(floatStep(step, dtype), v);
}

/** Options of `polynomialSchedule` (Optax's `polynomial_schedule`). */
export interface PolynomialScheduleOptions {
  initValue: number;
  endValue: number;
  /** The power of the polynomial: 1 is linear. */
  power: number;
  /** Steps over which the value moves; <= 0 holds `initValue` for ever. */
  transitionSteps: number;
  /** Hold `initValue` until this step. Default 0. */
  transitionBegin?: number;
}

/**
 * Polynomial interpolation from `initValue` to `endValue` over `transitionSteps` steps after
 * `transitionBegin`: `(init - end) * (1 - t / transitionSteps)^power + end`, constant outside.
 *
 *   const s = polynomialSchedule({ initValue: 1, endValue: 0, power: 2, transitionSteps: 100 });
 *   s(50).item();   // 0.25
 */
export function polynomialSchedule(opts: PolynomialScheduleOptions): ScheduleFn {
  return polynomial('polynomialSchedule', options('polynomialSchedule', opts, optionKeys<PolynomialScheduleOptions>({ initValue: true, endValue: true, power: true, transitionSteps: true, transitionBegin: true }), ['initValue', 'endValue', 'power', 'transitionSteps']));
}

function polynomial(fn: string, o: PolynomialScheduleOptions): ScheduleFn {
  const initValue = value(fn, 'initValue', o.initValue);
  const endValue = value(fn, 'endValue', o.endValue);
  const power = value(fn, 'power', o.power);
  const transitionSteps = steps(fn, 'transitionSteps', o.transitionSteps);
  const transitionBegin = begin(fn, o.transitionBegin);
  if (transitionSteps <= 0) return (step, dtype) => constant(floatStep(step, dtype), initValue);
  return (step, dtype) => {
    const t = clipValues(sub(floatStep(step, dtype), transitionBegin), 0, transitionSteps);
    const frac = sub(1, div(t, transitionSteps));
    return add(mul(power === 1 ? frac : pow(frac, power), initValue - endValue), endValue);
  };
}

/** Options of `linearSchedule` (Optax's `linear_schedule`). */
export type LinearScheduleOptions = Omit<PolynomialScheduleOptions, 'power'>;

/**
 * Linear interpolation from `initValue` to `endValue` over `transitionSteps` steps starting at
 * `transitionBegin` (default 0); `initValue` before, `endValue` after.
 *
 *   const warmup = linearSchedule({ initValue: 0, endValue: 1e-3, transitionSteps: 1000 });
 *   warmup(500).item();   // 5e-4
 */
export function linearSchedule(opts: LinearScheduleOptions): ScheduleFn {
  const fn = 'linearSchedule';
  const o = options(fn, opts, optionKeys<LinearScheduleOptions>({ initValue: true, endValue: true, transitionSteps: true, transitionBegin: true }), ['initValue', 'endValue', 'transitionSteps']);
  return polynomial(fn, { ...o, power: 1 });
}

/** Options of `exponentialDecay` (Optax's `exponential_decay`). */
export interface ExponentialDecayOptions {
  initValue: number;
  /** Steps per factor of `decayRate`; <= 0 holds `initValue` for ever. */
  transitionSteps: number;
  /** The factor per `transitionSteps`; 0 holds `initValue` for ever (as in Optax). */
  decayRate: number;
  /** Hold `initValue` until this step. Default 0. */
  transitionBegin?: number;
  /** Decay in whole intervals (a staircase) instead of continuously. Default false. */
  staircase?: boolean;
  /** A floor (for decay rates below 1) or ceiling (above 1) on the value. Default none. */
  endValue?: number;
}

/**
 * `initValue * decayRate^((step - transitionBegin) / transitionSteps)`, optionally stepwise and
 * bounded by `endValue`.
 *
 *   const s = exponentialDecay({ initValue: 1, transitionSteps: 100, decayRate: 0.5 });
 *   s(200).item();   // 0.25
 */
export function exponentialDecay(opts: ExponentialDecayOptions): ScheduleFn {
  const fn = 'exponentialDecay';
  const o = options(fn, opts, optionKeys<ExponentialDecayOptions>({ initValue: true, transitionSteps: true, decayRate: true, transitionBegin: true, staircase: true, endValue: true }), ['initValue', 'transitionSteps', 'decayRate']);
  const initValue = value(fn, 'initValue', o.initValue);
  const transitionSteps = steps(fn, 'transitionSteps', o.transitionSteps);
  const decayRate = value(fn, 'decayRate', o.decayRate);
  const transitionBegin = begin(fn, o.transitionBegin);
  const staircase = o.staircase ?? false;
  if (typeof staircase !== 'boolean') opError(fn, `staircase must be true or false, got ${describeValue(staircase)}`);
  const endValue = o.endValue === undefined ? undefined : value(fn, 'endValue', o.endValue);
  if (transitionSteps <= 0 || decayRate === 0) return (step, dtype) => constant(floatStep(step, dtype), initValue);
  return (step, dtype) => {
    const t = sub(floatStep(step, dtype), transitionBegin);
    const p = div(t, transitionSteps);
    const decayed = mul(pow(decayRate, staircase ? floor(p) : p), initValue);
    const held = where(lessEqual(t, 0), initValue, decayed);
    if (endValue === undefined) return held;
    return decayRate < 1 ? maximum(held, endValue) : minimum(held, endValue);
  };
}

/** Options of `cosineDecaySchedule` (Optax's `cosine_decay_schedule`). */
export interface CosineDecayScheduleOptions {
  initValue: number;
  /** Steps of decay (> 0); the value stays at `alpha * initValue` after. */
  decaySteps: number;
  /** The final value as a fraction of `initValue`. Default 0. */
  alpha?: number;
  /** Raises the cosine factor to this power. Default 1. */
  exponent?: number;
}

/**
 * Cosine decay from `initValue` to `alpha * initValue` over `decaySteps`, then constant (Loshchilov
 * & Hutter's SGDR without restarts): `init * ((1 - alpha) * (0.5 * (1 + cos(pi t / T)))^exponent + alpha)`.
 *
 *   const s = cosineDecaySchedule({ initValue: 1e-3, decaySteps: 1000 });
 *   s(1000).item();   // 0
 */
export function cosineDecaySchedule(opts: CosineDecayScheduleOptions): ScheduleFn {
  const fn = 'cosineDecaySchedule';
  return cosine(fn, options(fn, opts, optionKeys<CosineDecayScheduleOptions>({ initValue: true, decaySteps: true, alpha: true, exponent: true }), ['initValue', 'decaySteps']));
}

function cosine(fn: string, o: CosineDecayScheduleOptions): ScheduleFn {
  const initValue = value(fn, 'initValue', o.initValue);
  const decaySteps = checkNumber(fn, 'decaySteps', o.decaySteps, { above: 0 });
  const alpha = o.alpha === undefined ? 0 : value(fn, 'alpha', o.alpha);
  const exponent = o.exponent === undefined ? 1 : value(fn, 'exponent', o.exponent);
  return (step, dtype) => {
    const t = minimum(floatStep(step, dtype), decaySteps);
    const factor = mul(add(cos(mul(t, Math.PI / decaySteps)), 1), 0.5);
    return mul(add(mul(exponent === 1 ? factor : pow(factor, exponent), 1 - alpha), alpha), initValue);
  };
}

/** Options of `joinSchedules` (Optax's `join_schedules`). */
export interface JoinSchedulesOptions {
  schedules: readonly ScheduleFn[];
  /** One step per schedule after the first, increasing: where each next schedule starts. */
  boundaries: readonly number[];
}

/**
 * Run `schedules[i]` from `boundaries[i - 1]` (or 0) until `boundaries[i]`, each restarted at
 * step 0 from its boundary.
 *
 *   const warmup = linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10 });
 *   joinSchedules({ schedules: [warmup, constantSchedule({ value: 1 })], boundaries: [10] })(15).item();   // 1
 */
export function joinSchedules(opts: JoinSchedulesOptions): ScheduleFn {
  const fn = 'joinSchedules';
  const o = options(fn, opts, optionKeys<JoinSchedulesOptions>({ schedules: true, boundaries: true }), ['schedules', 'boundaries']);
  return join(fn, o.schedules, o.boundaries);
}

function join(fn: string, schedules: readonly ScheduleFn[], boundaries: readonly number[]): ScheduleFn {
  if (!Array.isArray(schedules) || schedules.length === 0) opError(fn, `schedules must be a non-empty array of schedules, got ${describeValue(schedules)}`);
  schedules.forEach((s, i) => checkFunction(fn, s, `schedules[${i}]`));
  if (!Array.isArray(boundaries)) opError(fn, `boundaries must be an array of steps, got ${describeValue(boundaries)}`);
  if (schedules.length !== boundaries.length + 1) opError(fn, `${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${boundaries.length}`);
  boundaries.forEach((b, i) => checkNumber(fn, `boundaries[${i}]`, b, { min: i === 0 ? 0 : boundaries[i - 1]! }));
  return (step, dtype) => {
    const t = floatStep(step, dtype);
    let v = schedules[0]!(t, dtype);
    boundaries.forEach((b, i) => {
      v = where(less(t, b), v, schedules[i + 1]!(sub(t, b), dtype));
    });
    return v;
  };
}

/** Options of `warmupCosineDecaySchedule` (Optax's `warmup_cosine_decay_schedule`). */
export interface WarmupCosineDecayOptions {
  initValue: number;
  peakValue: number;
  warmupSteps: number;
  /** Total length including the warmup (> warmupSteps). */
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
export function warmupCosineDecaySchedule(opts: WarmupCosineDecayOptions): ScheduleFn {
  const fn = 'warmupCosineDecaySchedule';
  const o = options(fn, opts, optionKeys<WarmupCosineDecayOptions>({ initValue: true, peakValue: true, warmupSteps: true, decaySteps: true, endValue: true, exponent: true }), ['initValue', 'peakValue', 'warmupSteps', 'decaySteps']);
  const peakValue = value(fn, 'peakValue', o.peakValue);
  const endValue = o.endValue === undefined ? 0 : value(fn, 'endValue', o.endValue);
  const warmupSteps = checkNumber(fn, 'warmupSteps', o.warmupSteps, { min: 0 });
  const decaySteps = checkNumber(fn, 'decaySteps', o.decaySteps, { above: warmupSteps });
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  const warmup = polynomial(fn, { initValue: o.initValue, endValue: peakValue, power: 1, transitionSteps: warmupSteps });
  const decay = cosine(fn, { initValue: peakValue, decaySteps: decaySteps - warmupSteps, alpha, exponent: o.exponent });
  return join(fn, [warmup, decay], [warmupSteps]);
}

/** Boundaries (steps) with the factor applied from each one on: `{ 100: 0.1 }` or `[[100, 0.1]]`. */
export type BoundariesAndScales = Readonly<Record<number, number>> | readonly (readonly [number, number])[];

function sortedPairs(fn: string, boundariesAndScales: BoundariesAndScales | undefined): [number, number][] {
  if (boundariesAndScales === undefined) return [];
  let pairs: [number, number][];
  if (Array.isArray(boundariesAndScales)) {
    pairs = boundariesAndScales.map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) opError(fn, `boundariesAndScales[${i}] must be a [step, scale] pair, got ${describeValue(p)}`);
      return [p[0], p[1]] as [number, number];
    });
  } else if (isPlainObject(boundariesAndScales)) {
    pairs = Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s as number] as [number, number]);
  } else return opError(fn, `boundariesAndScales must be { step: scale } or [[step, scale], ...], got ${describeValue(boundariesAndScales)}`);
  for (const [b, s] of pairs) {
    checkNumber(fn, 'a boundary of boundariesAndScales', b, { min: 0 });
    // Optax refuses negative scales too: a sign flip mid-training is never what was meant.
    checkNumber(fn, `the scale at boundary ${b}`, s, { min: 0 });
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** Options of `piecewiseConstantSchedule` (Optax's `piecewise_constant_schedule`). */
export interface PiecewiseConstantScheduleOptions {
  initValue: number;
  /** `{ step: scale }`: the value is multiplied by `scale` from `step` on. Default none. */
  boundariesAndScales?: BoundariesAndScales;
}

/**
 * `initValue` multiplied by every scale whose boundary the step has reached.
 *
 *   const s = piecewiseConstantSchedule({ initValue: 0.1, boundariesAndScales: { 100: 0.1, 200: 0.1 } });
 *   s(150).item();   // 0.01
 */
export function piecewiseConstantSchedule(opts: PiecewiseConstantScheduleOptions): ScheduleFn {
  const fn = 'piecewiseConstantSchedule';
  const o = options(fn, opts, optionKeys<PiecewiseConstantScheduleOptions>({ initValue: true, boundariesAndScales: true }), ['initValue']);
  const initValue = value(fn, 'initValue', o.initValue);
  const pairs = sortedPairs(fn, o.boundariesAndScales);
  return (step, dtype) => {
    const t = floatStep(step, dtype);
    let v = constant(t, initValue);
    let current = initValue;
    for (const [b, s] of pairs) {
      current *= s;
      v = where(less(t, b), v, current);
    }
    return v;
  };
}

/** Options of `piecewiseInterpolateSchedule` (Optax's `piecewise_interpolate_schedule`). */
export interface PiecewiseInterpolateScheduleOptions {
  /** Straight lines or half cosines between the boundary values. */
  interpolateType: 'linear' | 'cosine';
  initValue: number;
  /** `{ step: scale }`: the value reached at `step` is the previous one times `scale`. */
  boundariesAndScales?: BoundariesAndScales;
}

/**
 * Interpolate (linearly or along a half cosine) between the values `initValue * cumulative scale`
 * reached at each boundary; constant after the last.
 *
 *   const s = piecewiseInterpolateSchedule({ interpolateType: 'linear', initValue: 1, boundariesAndScales: { 10: 2, 20: 0.5 } });
 *   s(5).item();   // 1.5
 */
export function piecewiseInterpolateSchedule(opts: PiecewiseInterpolateScheduleOptions): ScheduleFn {
  const fn = 'piecewiseInterpolateSchedule';
  const o = options(fn, opts, optionKeys<PiecewiseInterpolateScheduleOptions>({ interpolateType: true, initValue: true, boundariesAndScales: true }), ['interpolateType', 'initValue']);
  return interpolate(fn, checkOneOf(fn, 'interpolateType', o.interpolateType, ['linear', 'cosine']), value(fn, 'initValue', o.initValue), sortedPairs(fn, o.boundariesAndScales));
}

function interpolate(fn: string, kind: 'linear' | 'cosine', initValue: number, pairs: readonly (readonly [number, number])[]): ScheduleFn {
  const bounds = [0, ...pairs.map(([b]) => b)];
  const values = pairs.reduce((vs, [, s]) => [...vs, vs[vs.length - 1]! * s], [initValue]);
  return (step, dtype) => {
    const t = floatStep(step, dtype);
    let v = constant(t, values[values.length - 1]!);
    // From the last interval back, so earlier intervals win where the step lies in them.
    for (let i = bounds.length - 2; i >= 0; i--) {
      const [lo, hi, a, b] = [bounds[i]!, bounds[i + 1]!, values[i]!, values[i + 1]!];
      if (hi <= lo) continue;
      const pct = div(sub(t, lo), hi - lo);
      const shape = kind === 'linear' ? pct : mul(sub(1, cos(mul(pct, Math.PI))), 0.5);
      v = where(less(t, hi), add(mul(shape, b - a), a), v);
    }
    return v;
  };
}

/** Options of `cosineOnecycleSchedule` (Optax's `cosine_onecycle_schedule`). */
export interface CosineOnecycleScheduleOptions {
  /** Length of the whole cycle (> 0). */
  transitionSteps: number;
  peakValue: number;
  /** The fraction of the cycle spent rising. Default 0.3. */
  pctStart?: number;
  /** The start value is `peakValue / divFactor`. Default 25. */
  divFactor?: number;
  /** The final value is `peakValue / (divFactor * finalDivFactor)`. Default 1e4. */
  finalDivFactor?: number;
}

/**
 * Optax's cosine one-cycle: from `peakValue / divFactor` up to `peakValue` over the first
 * `pctStart` of `transitionSteps`, then down to `peakValue / (divFactor * finalDivFactor)`, along
 * half cosines.
 *
 *   const s = cosineOnecycleSchedule({ transitionSteps: 1000, peakValue: 0.1 });
 *   s(300).item();   // 0.1
 */
export function cosineOnecycleSchedule(opts: CosineOnecycleScheduleOptions): ScheduleFn {
  const fn = 'cosineOnecycleSchedule';
  const o = options(fn, opts, optionKeys<CosineOnecycleScheduleOptions>({ transitionSteps: true, peakValue: true, pctStart: true, divFactor: true, finalDivFactor: true }), ['transitionSteps', 'peakValue']);
  const transitionSteps = checkNumber(fn, 'transitionSteps', o.transitionSteps, { above: 0 });
  const peakValue = value(fn, 'peakValue', o.peakValue);
  const pctStart = o.pctStart === undefined ? 0.3 : checkNumber(fn, 'pctStart', o.pctStart, { min: 0, max: 1 });
  const divFactor = o.divFactor === undefined ? 25 : checkNumber(fn, 'divFactor', o.divFactor, { above: 0 });
  const finalDivFactor = o.finalDivFactor === undefined ? 1e4 : checkNumber(fn, 'finalDivFactor', o.finalDivFactor, { above: 0 });
  return interpolate(fn, 'cosine', peakValue / divFactor, [
    [Math.floor(pctStart * transitionSteps), divFactor],
    [Math.floor(transitionSteps), 1 / (divFactor * finalDivFactor)],
  ]);
}
