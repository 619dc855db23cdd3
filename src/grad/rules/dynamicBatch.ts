/**
 * Batching rules of dynamicSlice and dynamicUpdateSlice. With unbatched starts the batch axis is
 * one more axis of the window (start 0, full size). With batched starts every example has its
 * own window: the slice becomes one gather per axis (indices start + j) and the update a gather
 * of the update into place plus a mask of the window, so no loop over the batch is needed.
 */
import * as T from '../../tensor';
import type { PrimParams, Tensor } from '../../tensor';
import type { BatchDim, BatchRule } from './batchRules';

const bind1 = T.bind1 as (prim: string, args: readonly Tensor[], params: any) => Tensor;

function front(size: number, from: BatchDim, x: Tensor): Tensor {
  if (from === null) return T.broadcastTo(T.expandDims(x, 0), [size, ...x.shape]);
  return from === 0 ? x : T.moveaxis(x, from, 0);
}

/** The clamped start of axis k per example, shaped to broadcast along axis k + 1 of a [B, ...] value. */
function startsAlong(start: Tensor, dim: BatchDim, size: number, axisDim: number, window: number, k: number, rank: number): Tensor {
  const s = T.clampedStart(front(size, dim, start), axisDim, window);
  return T.reshape(s, [size, ...Array.from({ length: rank }, () => 1)]);
}

/** j along axis k + 1 of a [B, ...] value of rank + 1 axes. */
const iota = (n: number, k: number, rank: number): Tensor => T.reshape(T.arange(n), Array.from({ length: rank + 1 }, (_, i) => (i === k + 1 ? n : 1)));

export const dynamicSliceBatch: BatchRule<PrimParams['dynamicSlice']> = ([x, ...starts], [dx, ...ds], { sizes }, size) => {
  const xb = front(size, dx!, x!);
  if (ds.every((d) => d === null)) return [[bind1('dynamicSlice', [xb, T.scalar(0, 'int32'), ...starts], { sizes: [size, ...sizes] })], [0]];
  const rank = sizes.length;
  let y = xb;
  for (let k = 0; k < rank; k++) {
    const dim = xb.shape[k + 1]!;
    if (sizes[k] === dim) continue;
    const at = T.add(startsAlong(starts[k]!, ds[k]!, size, dim, sizes[k]!, k, rank), iota(sizes[k]!, k, rank));
    y = bind1('gather', [y, T.broadcastTo(at, y.shape.map((d, i) => (i === k + 1 ? sizes[k]! : d)))], { axis: k + 1 });
  }
  return [[y], [0]];
};

export const dynamicUpdateSliceBatch: BatchRule<PrimParams['dynamicUpdateSlice']> = ([x, u, ...starts], [dx, du, ...ds], _params, size) => {
  const xb = front(size, dx!, x!);
  const ub = front(size, du!, u!);
  if (ds.every((d) => d === null)) return [[bind1('dynamicUpdateSlice', [xb, ub, T.scalar(0, 'int32'), ...starts], {})], [0]];
  const rank = xb.ndim - 1;
  if (ub.size === 0) return [[xb], [0]];
  let placed = ub;
  let inside: Tensor | undefined;
  for (let k = 0; k < rank; k++) {
    const dim = xb.shape[k + 1]!, w = ub.shape[k + 1]!;
    const st = startsAlong(starts[k]!, ds[k]!, size, dim, w, k, rank);
    const offset = T.sub(iota(dim, k, rank), st);
    const idx = T.clip(offset, 0, w - 1);
    placed = bind1('gather', [placed, T.broadcastTo(idx, placed.shape.map((d, i) => (i === k + 1 ? dim : d)))], { axis: k + 1 });
    const here = T.logicalAnd(T.greaterEqual(offset, 0), T.less(offset, w));
    inside = inside ? T.logicalAnd(inside, here) : here;
  }
  return [[inside ? T.where(inside, placed, xb) : placed], [0]];
};
