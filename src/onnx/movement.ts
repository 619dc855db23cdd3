/**
 * Movement and reduction primitives. Shapes that hold a dynamic batch dimension are computed in
 * the graph (Shape -> Mul/Add -> Concat) or left to Reshape's -1, so the exported program runs at
 * any batch size; everything else stays a constant.
 */
import type { DType } from '../tensor';
import type { GraphBuilder } from './graph';
import type { LowerContext, SymShape } from './lower';
import { isStatic } from './lower';
import { dtypeOf, simple, type Rule } from './plans';
import { viaInt } from './elementwise';

/** Reshape's target: constants, -1 for a single dynamic dim, or a computed shape. */
export function reshapeTo(ctx: LowerContext, x: string, dims: SymShape): string {
  const g = ctx.graph;
  if (isStatic(dims)) {
    const shape = dims.map((d) => d.c);
    // A 0 in Reshape's target means "copy the input's dim" unless allowzero is set.
    return g.op('Reshape', [x, g.ints(shape)], shape.includes(0) ? { allowzero: 1 } : {});
  }
  const dynamic = dims.filter((d) => d.a !== 0).length;
  if (dynamic === 1 && dims.every((d) => d.a !== 0 || d.c !== 0)) return g.op('Reshape', [x, g.ints(dims.map((d) => (d.a !== 0 ? -1 : d.c)))]);
  return g.op('Reshape', [x, ctx.shapeValue(dims)]);
}

export const reshape: Rule<'reshape'> = simple((ctx, [x], eqn) => reshapeTo(ctx, x!, ctx.dims(eqn.outs[0]!)));

/** Expand to the output shape; axes the input already has keep 1 (Expand broadcasts both ways). */
export const broadcast: Rule<'broadcast'> = simple((ctx, [x], eqn) => {
  const from = ctx.dims(eqn.inputs[0]!);
  const to = ctx.dims(eqn.outs[0]!).map((d, k) => (from[k]!.a === 0 && from[k]!.c === 1 ? d : { a: 0, c: 1 }));
  return ctx.graph.op('Expand', [x!, ctx.shapeValue(to)]);
});

export const transpose: Rule<'transpose'> = simple((ctx, [x], eqn) => ctx.graph.op('Transpose', [x!], { perm: [...eqn.params.perm] }));

/** Slice only the axes that change; a full slice of a dynamic axis is the identity there. */
export const slice: Rule<'slice'> = simple((ctx, [x], eqn) => {
  const { starts, limits, strides } = eqn.params;
  const shape = eqn.inputs[0]!.aval.shape;
  const axes = shape.map((_, k) => k).filter((k) => !(starts[k] === 0 && strides[k] === 1 && limits[k] === shape[k]));
  const g = ctx.graph;
  if (axes.length === 0) return g.op('Identity', [x!]);
  return g.op('Slice', [x!, g.ints(axes.map((k) => starts[k]!)), g.ints(axes.map((k) => limits[k]!)), g.ints(axes), g.ints(axes.map((k) => strides[k]!))]);
});

/** Reversal is a slice with step -1 from the last element to before the first. */
export const flip: Rule<'flip'> = simple((ctx, [x], { params: { axes } }) => {
  const g = ctx.graph;
  if (axes.length === 0) return g.op('Identity', [x!]);
  return g.op('Slice', [x!, g.ints(axes.map(() => -1)), g.ints(axes.map(() => -(2 ** 63))), g.ints(axes), g.ints(axes.map(() => -1))]);
});

/** Constant padding of every axis: [lo..., hi...] (negative pads crop, which patchesTranspose uses). */
export function padValue(g: GraphBuilder, x: string, lo: readonly number[], hi: readonly number[], value: number, dtype: DType): string {
  if (lo.every((p) => p === 0) && hi.every((p) => p === 0)) return x;
  return g.op('Pad', [x, g.ints([...lo, ...hi]), g.scalar(value, dtype)], { mode: 'constant' });
}

export const pad: Rule<'pad'> = simple((ctx, [x], eqn) => {
  const { lo, hi, value } = eqn.params;
  const out = padValue(ctx.graph, x!, lo, hi, value, dtypeOf(eqn.inputs[0]!));
  return out === x ? ctx.graph.op('Identity', [x!]) : out;
});

export const concatenate: Rule<'concatenate'> = simple((ctx, xs, eqn) => ctx.graph.op('Concat', xs, { axis: eqn.params.axis }));

/** A reduction without keeping the axes; axes are an input from opset 18 (13 for ReduceSum). */
export function reduce(ctx: LowerContext, op: string, x: string, axes: readonly number[], dtype: DType): string {
  const g = ctx.graph;
  // An empty axes list would reduce everything in ONNX; in tensorlaw it reduces nothing.
  if (axes.length === 0) return g.op('Identity', [x]);
  const run = ([y]: string[]) => (op === 'ReduceSum' || ctx.opset >= 18 ? g.op(op, [y!, g.ints(axes)], { keepdims: 0 }) : g.op(op, [y!], { axes: [...axes], keepdims: 0 }));
  return viaInt(g, [x], dtype, run);
}

export const reduction = (op: string): Rule<'reduceSum' | 'reduceMax' | 'reduceMin' | 'reduceProd'> =>
  simple((ctx, [x], eqn) => reduce(ctx, op, x!, eqn.params.axes, dtypeOf(eqn.inputs[0]!)));

/** ArgMax/ArgMin give int64 (first index on ties, as tensorlaw's kernels). */
export const argReduce = (op: string): Rule<'argmax' | 'argmin'> =>
  simple((ctx, [x], eqn) => {
    const g = ctx.graph;
    return g.cast(viaInt(g, [x!], dtypeOf(eqn.inputs[0]!), ([y]) => g.op(op, [y!], { axis: eqn.params.axis, keepdims: 0 }), false), 'int32');
  });

export const cumsum: Rule<'cumsum'> = simple((ctx, [x], eqn) => {
  const g = ctx.graph;
  return viaInt(g, [x!], dtypeOf(eqn.inputs[0]!), ([y]) => g.op('CumSum', [y!, g.scalar(eqn.params.axis, 'int64')], { reverse: eqn.params.reverse ? 1 : 0 }));
});
