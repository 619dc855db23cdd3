/**
 * Argument checks shared by every public function. Each failure is an `OpError` naming the
 * function, the offending value (quoted) and what was expected, so no raw TypeError or silent
 * acceptance reaches the user. Every area imports these through `../tensor`.
 *
 *   const { axis, keepdims } = checkOptions('sum', options, ['axis', 'keepdims']);
 *   const dtype = checkDType('zeros', options.dtype);
 */
import { DTYPES, isDType, type DType } from './dtype';
import { opError } from './shape';
import { describeValue } from './describe';

export { describeValue };

/** A plain object (an options bag): not null, not an array, not a class instance. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Check an options object: `undefined` means no options; anything else must be a plain object
 * whose keys are all in `known` (a misspelled key is an error listing the valid ones).
 *
 *   checkOptions('sum', { axes: 0 }, ['axis', 'keepdims'])
 *   // OpError: sum: unknown option "axes" (valid options: axis, keepdims)
 */
export function checkOptions<O extends object>(fn: string, options: O | undefined, known: readonly (keyof O & string)[]): Partial<O> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) opError(fn, `expected an options object (${known.join(', ')}), got ${describeValue(options)}`);
  const unknown = Object.keys(options).filter((k) => !(known as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const list = unknown.map((k) => JSON.stringify(k)).join(', ');
    opError(fn, `unknown option${unknown.length > 1 ? 's' : ''} ${list} (valid options: ${known.length ? known.join(', ') : 'none'})`);
  }
  return options;
}

/** A dtype name, validated (`what` names the argument in the error). */
export function checkDType(fn: string, dtype: unknown, what = 'dtype'): DType {
  if (!isDType(dtype)) opError(fn, `${what} must be one of ${DTYPES.join(', ')}, got ${describeValue(dtype)}`);
  return dtype;
}

export interface NumberRules {
  /** Must be an integer. */
  readonly integer?: boolean;
  /** Inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** Strictly greater than this. */
  readonly above?: number;
  /** Strictly less than this. */
  readonly below?: number;
  /** NaN and ±Infinity allowed (default: finite numbers only). */
  readonly allowNonFinite?: boolean;
}

/**
 * A JS number obeying `rules` (finite by default); `what` names the argument.
 *
 *   checkNumber('adam', 'learningRate', lr, { above: 0 })
 */
export function checkNumber(fn: string, what: string, x: unknown, rules: NumberRules = {}): number {
  const expected = describeRules(rules);
  if (typeof x !== 'number') opError(fn, `${what} must be ${expected}, got ${describeValue(x)}`);
  const bad = (!rules.allowNonFinite && !Number.isFinite(x)) ||
    (rules.integer && !Number.isInteger(x)) ||
    (rules.min !== undefined && !(x >= rules.min)) ||
    (rules.max !== undefined && !(x <= rules.max)) ||
    (rules.above !== undefined && !(x > rules.above)) ||
    (rules.below !== undefined && !(x < rules.below));
  if (bad) opError(fn, `${what} must be ${expected}, got ${describeValue(x)}`);
  return x;
}

function describeRules(r: NumberRules): string {
  const kind = r.integer ? 'an integer' : r.allowNonFinite ? 'a number' : 'a finite number';
  const lo = r.min !== undefined ? `[${r.min}` : r.above !== undefined ? `(${r.above}` : undefined;
  const hi = r.max !== undefined ? `${r.max}]` : r.below !== undefined ? `${r.below})` : undefined;
  if (lo && hi) return `${kind} in ${lo}, ${hi}`;
  if (lo) return `${kind} ${r.min !== undefined ? `>= ${r.min}` : `> ${r.above}`}`;
  if (hi) return `${kind} ${r.max !== undefined ? `<= ${r.max}` : `< ${r.below}`}`;
  return kind;
}

/** A shape: an array of non-negative integers (`what` names the argument). */
export function checkShape(fn: string, shape: unknown, what = 'shape'): number[] {
  if (!Array.isArray(shape)) opError(fn, `${what} must be an array of non-negative integers, got ${describeValue(shape)}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) opError(fn, `${what} must be an array of non-negative integers, got ${describeValue(shape)} (entry ${i} is ${describeValue(d)})`);
  });
  return shape as number[];
}

/** A function argument (`what` names it), e.g. the function given to grad or jit. */
export function checkFunction<F extends (...args: any[]) => any>(fn: string, f: unknown, what = 'the function'): F {
  if (typeof f !== 'function') opError(fn, `${what} must be a function, got ${describeValue(f)}`);
  return f as F;
}

/** One of a fixed set of strings. */
export function checkOneOf<S extends string>(fn: string, what: string, x: unknown, allowed: readonly S[]): S {
  if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) opError(fn, `${what} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describeValue(x)}`);
  return x as S;
}

/**
 * The keys of an options interface, listed once and checked by the compiler: a key added to the
 * interface but missing here, or one listed here that the interface lacks, is a type error, so
 * `checkOptions` never falls behind the type it guards.
 *
 *   const reduceKeys = optionKeys<ReduceOptions>({ axis: true, keepdims: true });
 *   checkOptions('sum', options, reduceKeys);
 */
export function optionKeys<O extends object>(keys: { readonly [K in keyof Required<O> & string]: true }): (keyof O & string)[] {
  return Object.keys(keys) as (keyof O & string)[];
}

/** A boolean flag (`what` names it). */
export function checkBoolean(fn: string, what: string, x: unknown): boolean {
  if (typeof x !== 'boolean') opError(fn, `${what} must be true or false, got ${describeValue(x)}`);
  return x;
}

/**
 * An axis given positionally (NumPy: `concatenate(xs, 1)`, `sum(x, [0, 1])`) or in an options
 * object (`concatenate(xs, { axis: 1 })`); returns the options with `axis` filled in. Other keys
 * of the options object are checked against `known`. The axis itself is checked where it is
 * resolved against a rank (`normalizeAxis`).
 *
 *   const { axis } = axisOrOptions('stack', arg, ['axis'], 0);
 *   const { axis, keepdims } = axisOrOptions('sum', arg, ['axis', 'keepdims']);
 */
export function axisOrOptions<O extends { axis?: unknown }>(fn: string, arg: number | readonly number[] | null | O | undefined, known: readonly (keyof O & string)[], defaultAxis?: number): Partial<O> & { axis?: O['axis'] } {
  if (arg === undefined) return defaultAxis === undefined ? {} : ({ axis: defaultAxis } as Partial<O>);
  if (typeof arg === 'number' || Array.isArray(arg) || arg === null) return { axis: arg } as Partial<O>;
  if (!isPlainObject(arg)) opError(fn, `expected an axis or an options object (${known.join(', ')}), got ${describeValue(arg)}`);
  const opts = checkOptions(fn, arg as O, known);
  return opts.axis === undefined && defaultAxis !== undefined ? ({ ...opts, axis: defaultAxis } as Partial<O>) : opts;
}

/**
 * A dtype given positionally (`zeros([2], 'int32')`, as in NumPy) or in an options object
 * (`zeros([2], { dtype: 'int32' })`); returns the options with the dtype checked. Other keys of
 * the options object are checked against `known`.
 *
 *   const { dtype } = dtypeOrOptions('zeros', arg, ['dtype']);
 */
export function dtypeOrOptions<O extends { dtype?: unknown }>(fn: string, arg: DType | O | undefined, known: readonly (keyof O & string)[]): Partial<O> & { dtype?: DType } {
  if (arg === undefined) return {};
  if (typeof arg === 'string') return { dtype: checkDType(fn, arg) } as Partial<O> & { dtype?: DType };
  if (!isPlainObject(arg)) opError(fn, `expected a dtype (${DTYPES.join(', ')}) or an options object (${known.join(', ')}), got ${describeValue(arg)}`);
  const opts = checkOptions(fn, arg as O, known) as Partial<O> & { dtype?: DType };
  if (opts.dtype !== undefined) checkDType(fn, opts.dtype);
  return opts;
}
