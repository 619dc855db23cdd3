/** Broadcasting and promotion of operands before they reach a strict primitive. */
import { bind1, Tensor } from '../core';
import type { DType } from '../dtype';
import { broadcastShapes, fmtShape, opError, shapeEqual, type Shape } from '../shape';
import { checkDType, checkShape } from '../validate';
import { asTensor, resultTypeOf, type TensorLike } from './create';

/**
 * Cast to `dtype` (a no-op when x already has it). Floats cast to int32 truncate toward zero;
 * anything non-zero casts to bool true.
 * @example astype(tensor([1.7, -1.7]), 'int32')   // [1, -1]
 */
export function astype(x: TensorLike, dtype: DType): Tensor {
  const t = asTensor('astype', x);
  if (t.dtype === dtype) return t;
  return bind1('cast', [t], { dtype: checkDType('astype', dtype) });
}

/** Reshape (a free view on CPU); `-1` in one position is inferred. */
export function reshapeExact(x: Tensor, shape: Shape): Tensor {
  return shapeEqual(x.shape, shape) ? x : bind1('reshape', [x], { shape });
}

/**
 * Broadcast to `shape` by numpy rules: leading axes are added, axes of size 1 stretch.
 * @example broadcastTo(tensor([1, 2, 3]), [2, 3])
 */
export function broadcastTo(x: TensorLike, shape: Shape): Tensor {
  const t = asTensor('broadcastTo', x);
  checkShape('broadcastTo', shape);
  if (shapeEqual(t.shape, shape)) return t;
  if (t.shape.length > shape.length) opError('broadcastTo', `cannot broadcast ${fmtShape(t.shape)} to the lower-rank shape ${fmtShape(shape)}`);
  const padded = [...new Array<number>(shape.length - t.shape.length).fill(1), ...t.shape];
  padded.forEach((d, i) => {
    if (d !== 1 && d !== shape[i]) opError('broadcastTo', `cannot broadcast ${fmtShape(t.shape)} to ${fmtShape(shape)} (axis ${i}: ${d} vs ${shape[i]})`);
  });
  const r = reshapeExact(t, padded);
  return shapeEqual(padded, shape) ? r : bind1('broadcast', [r], { shape });
}

/** Promote operands to their common dtype (or `dtype`) and broadcast them to a common shape. */
export function broadcastOperands(op: string, xs: readonly TensorLike[], dtype?: DType): Tensor[] {
  const dt = dtype ?? resultTypeOf(...xs);
  const ts = xs.map((x) => astype(asTensor(op, x, dt), dt));
  const shape = broadcastShapes(op, ...ts.map((t) => t.shape));
  return ts.map((t) => broadcastTo(t, shape));
}
