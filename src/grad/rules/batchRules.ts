/**
 * Batching rules, one row per primitive: given operands whose batch axis is `dims[i]` (or null
 * when unbatched), compute the batched result and say where its batch axis is. Most rules move
 * the batch axis to the front and shift the primitive's axis parameters by one.
 */
import * as T from '../../tensor';
import type { Prim, PrimParams, Tensor } from '../../tensor';

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

const rows: { [P in Prim]: BatchRule<PrimParams[P]> } = {
  neg: elementwise('neg'), exp: elementwise('exp'), log: elementwise('log'), log1p: elementwise('log1p'),
  expm1: elementwise('expm1'), sqrt: elementwise('sqrt'), rsqrt: elementwise('rsqrt'), sin: elementwise('sin'),
  cos: elementwise('cos'), tanh: elementwise('tanh'), logistic: elementwise('logistic'), erf: elementwise('erf'),
  abs: elementwise('abs'), sign: elementwise('sign'), floor: elementwise('floor'), ceil: elementwise('ceil'),
  logicalNot: elementwise('logicalNot'), stopGradient: elementwise('stopGradient'),
  add: elementwise('add'), sub: elementwise('sub'), mul: elementwise('mul'), div: elementwise('div'),
  pow: elementwise('pow'), max: elementwise('max'), min: elementwise('min'), atan2: elementwise('atan2'),
  eq: elementwise('eq'), ne: elementwise('ne'), lt: elementwise('lt'), le: elementwise('le'),
  gt: elementwise('gt'), ge: elementwise('ge'), logicalAnd: elementwise('logicalAnd'), logicalOr: elementwise('logicalOr'),
  where: elementwise('where'),
  cast: elementwise('cast'),
  reduceSum: withFront('reduceSum', shiftAxes),
  reduceMax: withFront('reduceMax', shiftAxes),
  reduceMin: withFront('reduceMin', shiftAxes),
  reduceProd: withFront('reduceProd', shiftAxes),
  argmax: withFront('argmax', shiftAxis),
  argmin: withFront('argmin', shiftAxis),
  cumsum: withFront('cumsum', shiftAxis),
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
  shiftRightLogical: elementwise('shiftRightLogical'),
};

/** The batching table: total over the base primitives; higher-order primitives add their rows. */
export const batchRules: Record<string, BatchRule | undefined> = { ...rows };
