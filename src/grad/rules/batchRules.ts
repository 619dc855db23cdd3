/**
 * Batching rules, one row per primitive: given operands whose batch axis is `dims[i]` (or null
 * when unbatched), compute the batched result and say where its batch axis is. Most rules move
 * the batch axis to the front and shift the primitive's axis parameters by one.
 */
import * as T from '../../tensor';
import { ELEMENTWISE, isPrim, REDUCE, rowsFor, type Prim, type PrimParams, type Tensor } from '../../tensor';
import { dynamicSliceBatch, dynamicUpdateSliceBatch } from './dynamicBatch';

export type BatchDim = number | null;
export type BatchRule<P = any> = (args: Tensor[], dims: BatchDim[], params: P, axisSize: number) => [Tensor[], BatchDim[]];

const bind1 = T.bind1 as (prim: string, args: readonly Tensor[], params: any) => Tensor;

/**
 * Move the batch axis of x from `from` to `to`; an unbatched x (from = null) is broadcast along
 * a new axis of size `size` (outputs must always carry the mapped axis).
 */
export function moveBatchAxis(size: number, from: BatchDim, to: BatchDim, x: Tensor): Tensor {
  if (to === null) {
    if (from !== null) throw new Error('vmap: an output that depends on the mapped axis cannot have outAxes null');
    return x;
  }
  if (from === null) {
    const shape = x.shape.slice();
    shape.splice(to, 0, size);
    return T.broadcastTo(T.expandDims(x, to), shape);
  }
  return from === to ? x : T.moveaxis(x, from, to);
}

/** Bring every operand's batch axis to the front (broadcasting unbatched operands). */
const toFront = (args: Tensor[], dims: BatchDim[], size: number): Tensor[] => args.map((a, i) => moveBatchAxis(size, dims[i]!, 0, a));

/** Elementwise primitives: align batch axes at 0 and apply. A lone batched operand keeps its axis. */
const elementwise = (prim: string): BatchRule => (args, dims, params, size) => {
  if (args.length === 1) return [[bind1(prim, args, params)], [dims[0]!]];
  return [[bind1(prim, toFront(args, dims, size), params)], [0]];
};

/** Primitives with axis parameters: batch axis at 0, shift the parameter by one. */
const withFront = <P>(prim: string, shift: (p: P) => P): BatchRule<P> => (args, dims, params, size) => [[bind1(prim, toFront(args, dims, size), shift(params))], [0]];

const shiftAxes = (p: { readonly axes: readonly number[] }): { readonly axes: readonly number[] } => ({ axes: p.axes.map((a) => a + 1) });
const shiftAxis = <P extends { axis: number }>(p: P): P => ({ ...p, axis: p.axis + 1 });

/** Image primitives fold the batch axis into N: [B, N, ...] -> [B*N, ...] and back. */
const foldIntoN = (prim: 'patches' | 'patchesTranspose'): BatchRule => ([x], [d], params, size) => {
  const xb = moveBatchAxis(size, d!, 0, x!);
  const folded = T.reshape(xb, [xb.shape[0]! * xb.shape[1]!, ...xb.shape.slice(2)]);
  const p = prim === 'patchesTranspose' ? { ...params, inputShape: [size * params.inputShape[0], ...params.inputShape.slice(1)] } : params;
  const y = bind1(prim, [folded], p);
  return [[T.reshape(y, [size, xb.shape[1]!, ...y.shape.slice(1)])], [0]];
};

/**
 * A triangular solve with one matrix A for the whole batch of right-hand sides folds the batch
 * into B's columns: [..., n, k] batched on `d` -> [..., n, k * size] (columns are solved
 * independently, so the bits equal a loop's). Otherwise both operands get the batch axis first.
 */
const triangularSolveBatch: BatchRule<PrimParams['triangularSolve']> = ([a, b], [da, db], p, size) => {
  if (da !== null || db === null) return [[bind1('triangularSolve', toFront([a!, b!], [da!, db!], size), p)], [0]];
  const last = moveBatchAxis(size, db, b!.ndim - 1, b!);
  const [k, batch] = last.shape.slice(-2) as [number, number];
  const folded = T.reshape(last, [...last.shape.slice(0, -2), k * batch]);
  return [[T.reshape(bind1('triangularSolve', [a!, folded], p), last.shape)], [b!.ndim - 1]];
};

/** The batching table: one row per built-in primitive. */
export const batchRules = {
  // Elementwise primitives align batch axes; reductions shift their axes past the batch axis.
  ...rowsFor(ELEMENTWISE, elementwise),
  ...rowsFor(REDUCE, (p) => withFront(p, shiftAxes)),
  argmax: withFront('argmax', shiftAxis),
  argmin: withFront('argmin', shiftAxis),
  cumsum: withFront('cumsum', shiftAxis),
  argsort: withFront('argsort', shiftAxis),
  dynamicSlice: dynamicSliceBatch,
  dynamicUpdateSlice: dynamicUpdateSliceBatch,
  // reshape, broadcast and slice take full per-axis parameters: prepend the batch axis.
  reshape: (args, dims, p, size) => [[bind1('reshape', toFront(args, dims, size), { shape: [size, ...p.shape] })], [0]],
  broadcast: (args, dims, p, size) => [[bind1('broadcast', toFront(args, dims, size), { shape: [size, ...p.shape] })], [0]],
  slice: (args, dims, p, size) => [[bind1('slice', toFront(args, dims, size), { starts: [0, ...p.starts], limits: [size, ...p.limits], strides: [1, ...p.strides] })], [0]],
  transpose: withFront('transpose', (p) => ({ perm: [0, ...p.perm.map((a) => a + 1)] })),
  flip: withFront('flip', (p) => ({ axes: p.axes.map((a) => a + 1) })),
  pad: withFront('pad', (p) => ({ ...p, lo: [0, ...p.lo], hi: [0, ...p.hi] })),
  concatenate: withFront('concatenate', shiftAxis),
  dot: withFront('dot', (p) => p),
  gather: withFront('gather', shiftAxis),
  scatterAdd: withFront('scatterAdd', shiftAxis),
  patches: foldIntoN('patches'),
  patchesTranspose: foldIntoN('patchesTranspose'),
  // A batch of keys [B, ..., 2] gives a batch of samples [B, ..., ...shape]: the key is rank-polymorphic.
  randomBits: withFront('randomBits', (p) => p),
  // Decompositions act on the last two axes: the batch axis joins the leading (batch) axes.
  cholesky: withFront('cholesky', (p) => p),
  triangularSolve: triangularSolveBatch,
  lu: withFront('lu', (p) => p),
  qr: withFront('qr', (p) => p),
  eigh: withFront('eigh', (p) => p),
  svd: withFront('svd', (p) => p),
} satisfies { [P in Prim]: BatchRule<PrimParams[P]> };

/** Rules of user-defined primitives (tensorlaw/extend); the higher-order ones have tables of their own (../higher/). */
export const extraBatchRules = new Map<string, BatchRule>();

export function batchRuleFor(prim: string): BatchRule | undefined {
  return isPrim(prim) ? (batchRules[prim] as BatchRule) : extraBatchRules.get(prim);
}
