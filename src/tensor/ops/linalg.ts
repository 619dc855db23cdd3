/** Matrix products with numpy semantics, all ending in the batched `dot` primitive. */
import { bind1, type Tensor } from '../core';
import { fmtAval } from '../aval';
import { broadcastShapes, opError, sizeOf } from '../shape';
import { asTensor, resultTypeOf, type TensorLike } from './create';
import { astype, broadcastTo, reshapeExact } from './broadcast';
import { greater, mul } from './elementwise';
import { moveaxis } from './shape';

/**
 * The dot primitive on operands of one dtype and equal batch axes, [...b, m, k] x [...b, k, n]
 * (no broadcasting or 1-D promotion; matmul adds those). Bool products are counted in int32 and
 * compared with 0 afterwards, which gives numpy's logical (or-of-ands) matrix product.
 * @example batchedDot(zeros([8, 2, 3]), zeros([8, 3, 4]))   // [8, 2, 4]
 */
export function batchedDot(a: Tensor, b: Tensor): Tensor {
  if (a.dtype === 'bool') return greater(bind1('dot', [astype(a, 'int32'), astype(b, 'int32')], {}), 0);
  return bind1('dot', [a, b], {});
}

function promoted(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const dt = resultTypeOf(a, b);
  return [astype(asTensor(op, a, dt), dt), astype(asTensor(op, b, dt), dt)];
}

/**
 * Matrix product with numpy.matmul rules: 1-D operands become a row (left) or a column (right)
 * and that axis is dropped again; leading batch axes broadcast.
 * @example matmul(x, w)                  // [n, k] x [k, m] -> [n, m]
 * @example matmul(q, transpose(k, [0, 2, 1]))
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promoted('matmul', a, b);
  if (x.ndim === 0 || y.ndim === 0) opError('matmul', `operands must have at least one axis (use mul for scalars), got ${fmtAval(x)} and ${fmtAval(y)}`);
  const x2 = x.ndim === 1 ? reshapeExact(x, [1, x.shape[0]!]) : x;
  const y2 = y.ndim === 1 ? reshapeExact(y, [y.shape[0]!, 1]) : y;
  const [m, k] = x2.shape.slice(-2) as [number, number];
  const [k2, n] = y2.shape.slice(-2) as [number, number];
  if (k !== k2) opError('matmul', `contraction axes differ: ${fmtAval(x)} and ${fmtAval(y)} (expected a's last axis to equal b's ${y.ndim === 1 ? 'only' : 'second-to-last'} axis, ${k} vs ${k2})`);
  const batchX = x2.shape.slice(0, -2);
  const batchY = y2.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchX, batchY);
  let out: Tensor;
  if (sizeOf(batchY) === 1 && batchX.length === batch.length) {
    // A shared right operand (a layer's weight): fold the batch into the rows, no broadcast copy.
    const flat = batchedDot(reshapeExact(x2, [sizeOf(batchX) * m, k]), reshapeExact(y2, [k, n]));
    out = reshapeExact(flat, [...batch, m, n]);
  } else {
    out = batchedDot(broadcastTo(x2, [...batch, m, k]), broadcastTo(y2, [...batch, k, n]));
  }
  const shape = [...batch, ...(x.ndim === 1 ? [] : [m]), ...(y.ndim === 1 ? [] : [n])];
  return reshapeExact(out, shape);
}

/**
 * numpy.dot: scalars multiply, 1-D x 1-D is the inner product, and in general it sums over the
 * last axis of a and the second-to-last of b: [...A, k] x [...B, k, n] -> [...A, ...B, n].
 * @example dot(tensor([1, 2]), tensor([3, 4]))     // 11
 * @example dot(x, w)                               // like matmul for 2-D
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promoted('dot', a, b);
  if (x.ndim === 0 || y.ndim === 0) return mul(x, y);
  if (y.ndim <= 2 && x.ndim <= 2) return matmul(x, y);
  const k = x.shape[x.ndim - 1]!;
  const ky = y.shape[Math.max(0, y.ndim - 2)]!;
  if (k !== ky) opError('dot', `contraction axes differ: ${fmtAval(x)} and ${fmtAval(y)} (a's last axis ${k} vs b's ${y.ndim === 1 ? 'only' : 'second-to-last'} axis ${ky})`);
  if (y.ndim === 1) return matmul(x, y);
  const lead = x.shape.slice(0, -1);
  const rest = [...y.shape.slice(0, -2), y.shape[y.ndim - 1]!];
  const yk = reshapeExact(moveaxis(y, -2, 0), [k, sizeOf(rest)]);
  return reshapeExact(matmul(reshapeExact(x, [sizeOf(lead), k]), yk), [...lead, ...rest]);
}

/**
 * Outer product of the flattened operands (numpy.outer): [m] x [n] -> [m, n].
 * @example outer(tensor([1, 2]), tensor([1, 10, 100]))   // [[1, 10, 100], [2, 20, 200]]
 */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promoted('outer', a, b);
  return mul(reshapeExact(x, [x.size, 1]), reshapeExact(y, [1, y.size]));
}
