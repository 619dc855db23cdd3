/**
 * Argument handling shared by the linalg functions: operands become float tensors (integers and
 * bools promote to float32, as jnp.linalg does), matrices are checked for rank and shape, and
 * two operands' batch axes broadcast together.
 */
import * as T from '../tensor';
import { broadcastShapes, fmtAval, isFloat, OpError, type Tensor, type TensorLike } from '../tensor';

/** Throw an OpError from linalg function `fn` (errors name it as `linalg.fn`). */
export function fail(fn: string, message: string): never {
  throw new OpError(`linalg.${fn}`, message);
}

/** `x` as a float tensor (float32 for integer and bool input). */
export function floatOperand(fn: string, x: TensorLike, what = 'the operand'): Tensor {
  if (!(x instanceof T.Tensor) && typeof x !== 'number' && typeof x !== 'boolean') fail(fn, `${what} must be a Tensor, got ${T.describeValue(x)}`);
  const t = T.asTensor(`linalg.${fn}`, x);
  return isFloat(t.dtype) ? t : T.astype(t, 'float32');
}

/** A float matrix or batch of matrices [..., m, n] (square when asked). */
export function matrixOperand(fn: string, x: TensorLike, options: { square?: boolean; what?: string } = {}): Tensor {
  const what = options.what ?? 'a';
  const t = floatOperand(fn, x, what);
  if (t.ndim < 2) fail(fn, `${what} must be a matrix or a batch of matrices [..., m, n], got ${fmtAval(t)}`);
  if (options.square && t.shape[t.ndim - 1] !== t.shape[t.ndim - 2]) fail(fn, `${what} must be square matrices [..., n, n], got ${fmtAval(t)}`);
  return t;
}

/** The matrix dimensions [m, n] of a batch of matrices. */
export const matrixDims = (x: Tensor): [number, number] => [x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!];

/** Broadcast the batch axes (all but the last two) of two matrix operands; promote to one dtype. */
export function broadcastBatch(fn: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  const batch = broadcastShapes(`linalg.${fn}`, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const dtype = T.promoteTypes(a.dtype, b.dtype);
  const to = (x: Tensor) => T.broadcastTo(T.astype(x, dtype), [...batch, ...x.shape.slice(-2)]);
  return [to(a), to(b)];
}

/** An optional boolean option: its value, or `dflt` when absent. */
export function flag(fn: string, name: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') fail(fn, `option ${name} must be true or false, got ${T.describeValue(value)}`);
  return value;
}
