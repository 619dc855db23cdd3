/** Elementwise operations with numpy broadcasting and JAX-style promotion. */
import { bind1, Tensor } from '../core';
import { isFloat, type DType } from '../dtype';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../primitives';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, broadcastOperands, broadcastTo } from './broadcast';
import { broadcastShapes, fmtShape, opError } from '../shape';
import { checkNumber, checkOptions } from '../validate';

/**
 * Bools follow JAX: arithmetic that has a logical meaning gets it (add and maximum are or,
 * multiply and minimum are and), pow and square count in int32, div and the float math give
 * float32, and what has none (subtract, negative, sign) is an error naming the op.
 */
const BOOL_LOGICAL: Partial<Record<BinaryPrim, 'logicalOr' | 'logicalAnd'>> = { add: 'logicalOr', max: 'logicalOr', mul: 'logicalAnd', min: 'logicalAnd' };
const BOOL_HINT: Partial<Record<string, string>> = {
  sub: 'use notEqual(a, b) for exclusive or, or astype(x, \'int32\') to subtract counts',
  neg: 'use logicalNot(x), or astype(x, \'int32\') first',
  sign: 'cast with astype(x, \'int32\') first',
};
function rejectBool(op: string, prim: string, t: Tensor): void {
  if (t.dtype === 'bool') opError(op, `is not defined for bool tensors (as in JAX), got bool ${fmtShape(t.shape)}; ${BOOL_HINT[prim]}`);
}

function unary(prim: UnaryPrim, x: TensorLike, op: string = prim): Tensor {
  const t = asTensor(op, x);
  if (prim === 'neg' || prim === 'sign') rejectBool(op, prim, t);
  return bind1(prim, [t], {});
}

/** Float-only math (exp, log, ...) promotes integer and bool inputs to float32, like JAX. */
function floatUnary(prim: UnaryPrim, x: TensorLike): Tensor {
  const t = asTensor(prim, x);
  return bind1(prim, [isFloat(t.dtype) ? t : astype(t, 'float32')], {});
}

function binary(prim: BinaryPrim, a: TensorLike, b: TensorLike, op: string = prim): Tensor {
  const [x, y] = broadcastOperands(op, [a, b]);
  if (x!.dtype !== 'bool') return bind1(prim, [x!, y!], {});
  const logical = BOOL_LOGICAL[prim];
  if (logical) return bind1(logical, [x!, y!], {});
  if (prim === 'pow') return bind1('pow', [astype(x!, 'int32'), astype(y!, 'int32')], {});
  rejectBool(op, prim, x!);
  return bind1(prim, [x!, y!], {});
}

function floatBinary(prim: BinaryPrim, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = broadcastOperands(prim, [a, b]);
  const dt: DType = isFloat(x!.dtype) ? x!.dtype : 'float32';
  return bind1(prim, [astype(x!, dt), astype(y!, dt)], {});
}

function compare(prim: ComparePrim, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = broadcastOperands(prim, [a, b]);
  return bind1(prim, [x!, y!], {});
}

/** a + b with broadcasting; on two bools, logical or (JAX). @example add(x, 1) */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b with broadcasting; an error on two bools (JAX), use notEqual for exclusive or. @example sub(x, 1) */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a * b with broadcasting; on two bools, logical and (JAX). @example mul(x, 2) */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** True division: integer operands give float32 (like numpy's `/`). */
export const div = (a: TensorLike, b: TensorLike): Tensor => floatBinary('div', a, b);
/** a ** b; two bools give int32 (JAX). @example pow(x, 2) */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** Elementwise maximum (NaN propagates); on two bools, logical or. @example maximum(x, 0) */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('max', a, b, 'maximum');
/** Elementwise minimum (NaN propagates); on two bools, logical and. @example minimum(x, 1) */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('min', a, b, 'minimum');
/** Angle of the point (b, a), elementwise. */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => floatBinary('atan2', a, b);

/** -x; an error on bools (JAX), use logicalNot. @example neg(x) */
export const neg = (x: TensorLike): Tensor => unary('neg', x);
export const exp = (x: TensorLike): Tensor => floatUnary('exp', x);
export const log = (x: TensorLike): Tensor => floatUnary('log', x);
export const log1p = (x: TensorLike): Tensor => floatUnary('log1p', x);
export const expm1 = (x: TensorLike): Tensor => floatUnary('expm1', x);
export const sqrt = (x: TensorLike): Tensor => floatUnary('sqrt', x);
export const rsqrt = (x: TensorLike): Tensor => floatUnary('rsqrt', x);
export const sin = (x: TensorLike): Tensor => floatUnary('sin', x);
export const cos = (x: TensorLike): Tensor => floatUnary('cos', x);
export const tanh = (x: TensorLike): Tensor => floatUnary('tanh', x);
export const erf = (x: TensorLike): Tensor => floatUnary('erf', x);
export const abs = (x: TensorLike): Tensor => unary('abs', x);
/** -1, 0 or 1 by the sign of x (NaN stays NaN, -0 stays -0); an error on bools (JAX). @example sign(x) */
export const sign = (x: TensorLike): Tensor => unary('sign', x);
export const floor = (x: TensorLike): Tensor => unary('floor', x);
export const ceil = (x: TensorLike): Tensor => unary('ceil', x);
/** Tangent, elementwise. @example tan(tensor([0, Math.PI / 4]))   // [0, 1] */
export const tan = (x: TensorLike): Tensor => floatUnary('tan', x);
/** Inverse sine, in [-pi/2, pi/2]; NaN outside [-1, 1]. @example arcsin(tensor([0, 1]))   // [0, pi/2] */
export const arcsin = (x: TensorLike): Tensor => floatUnary('asin', x);
/** Inverse cosine, in [0, pi]; NaN outside [-1, 1]. @example arccos(tensor([1, -1]))   // [0, pi] */
export const arccos = (x: TensorLike): Tensor => floatUnary('acos', x);
/** Inverse tangent, in (-pi/2, pi/2) (two-argument form: atan2). @example arctan(tensor([1]))   // [pi/4] */
export const arctan = (x: TensorLike): Tensor => floatUnary('atan', x);
/** Hyperbolic sine. @example sinh(tensor([0, 1]))   // [0, 1.1752] */
export const sinh = (x: TensorLike): Tensor => floatUnary('sinh', x);
/** Hyperbolic cosine. @example cosh(tensor([0, 1]))   // [1, 1.5431] */
export const cosh = (x: TensorLike): Tensor => floatUnary('cosh', x);
/** Inverse hyperbolic sine. @example arcsinh(tensor([0, 1]))   // [0, 0.8814] */
export const arcsinh = (x: TensorLike): Tensor => floatUnary('asinh', x);
/** Inverse hyperbolic cosine; NaN below 1. @example arccosh(tensor([1, 2]))   // [0, 1.3170] */
export const arccosh = (x: TensorLike): Tensor => floatUnary('acosh', x);
/** Inverse hyperbolic tangent; +-Infinity at +-1, NaN outside [-1, 1]. @example arctanh(tensor([0, 0.5]))   // [0, 0.5493] */
export const arctanh = (x: TensorLike): Tensor => floatUnary('atanh', x);
/** Base-2 logarithm (exact at powers of two). @example log2(tensor([1, 8]))   // [0, 3] */
export const log2 = (x: TensorLike): Tensor => floatUnary('log2', x);
/** Base-10 logarithm. @example log10(tensor([1, 1000]))   // [0, 3] */
export const log10 = (x: TensorLike): Tensor => floatUnary('log10', x);
/** 2 ** x (exact at integers). @example exp2(tensor([0, 3, -1]))   // [1, 8, 0.5] */
export const exp2 = (x: TensorLike): Tensor => floatUnary('exp2', x);
/** Round toward zero (integers pass through). @example trunc(tensor([-1.7, 1.7]))   // [-1, 1] */
export const trunc = (x: TensorLike): Tensor => unary('trunc', x);

export interface RoundOptions {
  /** Decimal places (NumPy's `decimals`, default 0; negative rounds to tens, hundreds...). */
  readonly decimals?: number;
}

/**
 * Round half to even, like NumPy and JAX (`round(2.5)` is 2, `round(-0.5)` is -0); integer and
 * bool inputs pass through. With `decimals`, x is scaled by 10^decimals, rounded and scaled back
 * (NumPy's method, so the result is the nearest float to the decimal, not always exact).
 * @example round(tensor([0.5, 1.5, 2.5, -2.5]))        // [0, 2, 2, -2]
 * @example round(tensor([3.14159]), { decimals: 2 })   // [3.14]
 */
export function round(x: TensorLike, options?: RoundOptions): Tensor {
  const { decimals = 0 } = checkOptions('round', options, ['decimals']);
  checkNumber('round', 'decimals', decimals, { integer: true });
  const t = asTensor('round', x);
  if (decimals === 0 || !isFloat(t.dtype)) return bind1('round', [t], {});
  const scale = 10 ** Math.abs(decimals);
  return decimals > 0 ? div(bind1('round', [mul(t, scale)], {}), scale) : mul(bind1('round', [div(t, scale)], {}), scale);
}

/** Bool operands of the integer-valued remainder ops count as int32 (NumPy gives int8). */
function remainderOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const [x, y] = broadcastOperands(op, [a, b]);
  return x!.dtype === 'bool' ? [astype(x!, 'int32'), astype(y!, 'int32')] : [x!, y!];
}

/**
 * C's remainder (the sign of the dividend, `a - b * trunc(a / b)`, exact), like NumPy's fmod and
 * JAX's lax.rem; integer division by zero gives 0.
 * @example fmod(tensor([-7, 7]), 3)   // [-1, 1]
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = remainderOperands('fmod', a, b);
  return bind1('rem', [x, y], {});
}

/**
 * Python's remainder: the result takes the divisor's sign, so `a == b * floorDivide(a, b) +
 * mod(a, b)` (NumPy's mod/remainder, built like JAX's from fmod). Integer division by zero gives 0.
 * @example mod(tensor([-7, 7]), 3)    // [2, 1]
 * @example mod(tensor([-7, 7]), -3)   // [-1, -2]
 */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = remainderOperands('mod', a, b);
  const r = bind1('rem', [x, y], {});
  // The remainder moves by one divisor where it is nonzero and its sign differs from b's.
  const flip = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(y, 0)));
  return where(flip, add(r, y), r);
}
/** NumPy's alias of mod. */
export const remainder = mod;

/**
 * Division rounded toward -Infinity (Python's //): floats as JAX computes it from fmod, so that
 * `b * floorDivide(a, b) + mod(a, b)` recovers a; x / 0 gives +-Infinity or NaN for floats, 0
 * for integers.
 * @example floorDivide(tensor([-7, 7]), 2)   // [-4, 3]
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = remainderOperands('floorDivide', a, b);
  const r = bind1('rem', [x, y], {});
  const flip = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(y, 0)));
  if (!isFloat(x.dtype)) {
    const q = bind1('div', [x, y], {}); // truncating int32 division
    return where(flip, sub(q, 1), q);
  }
  const q = bind1('round', [bind1('div', [sub(x, r), y], {})], {});
  return where(equal(y, 0), bind1('div', [x, y], {}), where(flip, sub(q, 1), q));
}

/** x * x. */
/** x * x; a bool gives int32 (JAX). @example square(x) */
export const square = (x: TensorLike): Tensor => {
  const t0 = asTensor('square', x);
  const t = t0.dtype === 'bool' ? astype(t0, 'int32') : t0;
  return bind1('mul', [t, t], {});
};
/** 1 / x. */
export const reciprocal = (x: TensorLike): Tensor => div(1, x);

/** Logistic sigmoid 1 / (1 + e^-x), exact and finite for large |x|. */
export const sigmoid = (x: TensorLike): Tensor => floatUnary('logistic', x);

/** Values pass through unchanged but no derivative flows back through them. */
export const stopGradient = (x: TensorLike): Tensor => unary('stopGradient', x);

export const equal = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
export const less = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);
export const greater = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);

function asBool(op: string, x: TensorLike): Tensor {
  return astype(asTensor(op, x, 'bool'), 'bool');
}
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = broadcastOperands('logicalAnd', [asBool('logicalAnd', a), asBool('logicalAnd', b)], 'bool');
  return bind1('logicalAnd', [x!, y!], {});
};
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = broadcastOperands('logicalOr', [asBool('logicalOr', a), asBool('logicalOr', b)], 'bool');
  return bind1('logicalOr', [x!, y!], {});
};
export const logicalNot = (x: TensorLike): Tensor => bind1('logicalNot', [asBool('logicalNot', x)], {});

/**
 * Pick from x where cond is true, else from y; all three broadcast together.
 * @example where(greater(x, 0), x, 0)
 */
export function where(cond: TensorLike, x: TensorLike, y: TensorLike): Tensor {
  const dt = resultTypeOf(x, y);
  const c = asBool('where', cond);
  const xt = astype(asTensor('where', x, dt), dt);
  const yt = astype(asTensor('where', y, dt), dt);
  const shape = broadcastShapes('where', c.shape, xt.shape, yt.shape);
  return bind1('where', [broadcastTo(c, shape), broadcastTo(xt, shape), broadcastTo(yt, shape)], {});
}

/** Clamp into [lo, hi]; either bound may be omitted (undefined). */
export function clip(x: TensorLike, lo?: TensorLike, hi?: TensorLike): Tensor {
  let y = asTensor('clip', x);
  // Bounds keep their weak typing (an int32 x clipped to 0.5 promotes); asTensor only checks them.
  if (lo !== undefined && lo !== null) y = maximum(y, lo instanceof Tensor ? lo : (asTensor('clip', lo), lo));
  if (hi !== undefined && hi !== null) y = minimum(y, hi instanceof Tensor ? hi : (asTensor('clip', hi), hi));
  return y;
}

/** True where x is NaN (always false for integer and bool tensors). */
export function isNan(x: TensorLike): Tensor {
  const t = asTensor('isNan', x);
  return notEqual(t, t);
}

/** True where x is +Infinity or -Infinity. */
export function isInf(x: TensorLike): Tensor {
  const t = asTensor('isInf', x);
  return equal(abs(t), Infinity);
}

/** True where x is neither NaN nor infinite. */
export function isFinite(x: TensorLike): Tensor {
  const t = asTensor('isFinite', x);
  if (!isFloat(t.dtype)) return greaterEqual(t, t);
  // x - x is 0 for finite x and NaN for NaN and +-Infinity.
  return equal(sub(t, t), 0);
}
