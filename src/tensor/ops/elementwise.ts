/** Elementwise operations with numpy broadcasting and JAX-style promotion. */
import { bind1, type Tensor } from '../core';
import { isFloat, type DType } from '../dtype';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../primitives';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, broadcastOperands, broadcastTo } from './broadcast';
import { broadcastShapes, fmtShape, opError } from '../shape';

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
  if (lo !== undefined && lo !== null) y = maximum(y, lo);
  if (hi !== undefined && hi !== null) y = minimum(y, hi);
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
