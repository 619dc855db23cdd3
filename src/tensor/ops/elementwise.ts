/** Elementwise operations with numpy broadcasting and JAX-style promotion. */
import { bind1, Tensor } from '../core';
import { isFloat, type DType } from '../dtype';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../primitives';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, broadcastOperands, broadcastTo } from './broadcast';
import { broadcastShapes } from '../shape';

function unary(prim: UnaryPrim, x: TensorLike): Tensor {
  return bind1(prim, [asTensor(prim, x)], {});
}

/** Float-only math (exp, log, ...) promotes integer and bool inputs to float32, like JAX. */
function floatUnary(prim: UnaryPrim, x: TensorLike): Tensor {
  const t = asTensor(prim, x);
  return bind1(prim, [isFloat(t.dtype) ? t : astype(t, 'float32')], {});
}

function binary(prim: BinaryPrim, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = broadcastOperands(prim, [a, b]);
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

/** a + b with broadcasting. @example add(x, 1) */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a * b with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** True division: integer operands give float32 (like numpy's `/`). */
export const div = (a: TensorLike, b: TensorLike): Tensor => floatBinary('div', a, b);
/** a ** b. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** Elementwise maximum (NaN propagates). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('max', a, b);
/** Elementwise minimum (NaN propagates). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('min', a, b);
/** Angle of the point (b, a), elementwise. */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => floatBinary('atan2', a, b);

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
export const sign = (x: TensorLike): Tensor => unary('sign', x);
export const floor = (x: TensorLike): Tensor => unary('floor', x);
export const ceil = (x: TensorLike): Tensor => unary('ceil', x);
/** x * x. */
export const square = (x: TensorLike): Tensor => {
  const t = asTensor('square', x);
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
