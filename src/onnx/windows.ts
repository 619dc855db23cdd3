/**
 * Sliding windows. tensorlaw has no convolution primitive: conv2d is patches -> reshape -> dot,
 * max pooling is a max over patches padded with -inf, average pooling a sum over patches divided
 * by the window size (or by the real pixel count). Those sequences are matched and emitted as
 * Conv, MaxPool and AveragePool. Anything else built on patches gets an exact general lowering:
 * one strided Slice per kernel tap, stacked (patches), and the taps placed back with Pad and
 * summed (patchesTranspose). Both are pure data movement, so they hold for every dtype and for
 * infinities, which a convolution with one-hot kernels would turn into NaN (inf * 0).
 */
import type { PatchesParams } from '../tensor';
import type { Atom, Eqn, LowerContext, Plan } from './lower';
import { padValue } from './movement';
import { dtypeOf, isFloatAtom, reading, reshapedFrom, shapeIs, simple, type EqnOf, type Rule } from './plans';


/** Conv/pool attributes of patches params (ONNX pads are [top, left, bottom, right]). */
function windowAttrs(p: PatchesParams): Record<string, number[]> {
  return {
    kernel_shape: [...p.kernel],
    strides: [...p.stride],
    pads: [p.padding[0][0], p.padding[1][0], p.padding[0][1], p.padding[1][1]],
    dilations: [...p.dilation],
  };
}

/** Follow reshapes back to where a value was made (reshapes keep row-major element order). */
function throughReshapes(ctx: LowerContext, a: Atom): Atom {
  for (let p = ctx.producer(a); p?.prim === 'reshape'; p = ctx.producer(a)) a = p.inputs[0]!;
  return a;
}

/** Read through a broadcast that only expands leading axes of size 1. */
function throughLeadingBroadcast(ctx: LowerContext, a: Atom, leading: number): Atom {
  const p = ctx.producer(a);
  if (p?.prim !== 'broadcast') return a;
  const from = p.inputs[0]!.aval.shape;
  const to = a.aval.shape;
  return from.every((d, k) => d === to[k] || (k < leading && d === 1)) ? p.inputs[0]! : a;
}


export interface ConvMatch {
  readonly x: Atom;
  /** The weights, possibly still to be reshaped to OIHW. */
  readonly w: Atom;
  readonly oihw: readonly number[];
  readonly groups: number;
  readonly params: PatchesParams;
}

/**
 * conv2d's sequence ending at `root`: reshape(dot(broadcast(reshape(W)), reshape(patches(x))))
 * with [n, g, o/g, k] x [n, g, k, oh*ow] -> [n, o, oh, ow].
 */
export function matchConv(ctx: LowerContext, root: Atom): ConvMatch | undefined {
  const r = ctx.producer(root);
  if (r?.prim !== 'reshape' || !isFloatAtom(root) || root.aval.shape.length !== 4) return undefined;
  const d = ctx.producer(r.inputs[0]!);
  if (d?.prim !== 'dot' || d.inputs[0]!.aval.shape.length !== 4) return undefined;
  const cols = ctx.producer(d.inputs[1]!);
  const patches = cols?.prim === 'reshape' ? ctx.producer(cols.inputs[0]!) : undefined;
  if (patches?.prim !== 'patches' || patches.params.padValue !== 0) return undefined;
  const x = patches.inputs[0]!;
  const [n, c, kh, kw, oh, ow] = patches.outs[0]!.aval.shape as [number, number, number, number, number, number];
  const [, g, og, k] = d.inputs[0]!.aval.shape as [number, number, number, number];
  const o = g * og;
  if (k * g !== c * kh * kw || !shapeIs(d.inputs[1]!, [n, g, k, oh * ow]) || !shapeIs(root, [n, o, oh, ow])) return undefined;
  const wFlat = throughLeadingBroadcast(ctx, d.inputs[0]!, 1);
  if (!shapeIs(wFlat, [1, g, og, k])) return undefined;
  return { x, w: throughReshapes(ctx, wFlat), oihw: [o, c / g, kh, kw], groups: g, params: patches.params };
}

/** Emit Conv for a match, with an optional bias value of shape [o]. */
export function emitConv(ctx: LowerContext, m: ConvMatch, x: string, w: string, bias?: string): string {
  const g = ctx.graph;
  const weights = shapeIs(m.w, m.oihw) ? w : g.op('Reshape', [w, g.ints(m.oihw)]);
  return g.op('Conv', bias === undefined ? [x, weights] : [x, weights, bias], { ...windowAttrs(m.params), group: m.groups });
}

/** The plan of a conv2d root (reshape) when it matches. */
export function convPlan(ctx: LowerContext, root: Atom): Plan | undefined {
  const m = matchConv(ctx, root);
  return m && reading(ctx, [m.x, m.w], ([x, w]) => emitConv(ctx, m, x!, w!));
}

/**
 * conv2d's input gradient: patchesTranspose(reshape(dot(transpose(broadcast(reshape(W))), ct)))
 * is ConvTranspose of the output cotangent [n, o, oh, ow] with the same OIHW weights.
 */
export function convTransposePlan(ctx: LowerContext, eqn: EqnOf<'patchesTranspose'>): Plan | undefined {
  const cols = eqn.inputs[0]!;
  const r = ctx.producer(cols);
  const d = r?.prim === 'reshape' ? ctx.producer(r.inputs[0]!) : undefined;
  const t = d?.prim === 'dot' ? ctx.producer(d.inputs[0]!) : undefined;
  if (t?.prim !== 'transpose' || t.params.perm.join() !== '0,1,3,2' || !isFloatAtom(cols)) return undefined;
  const [n, c, kh, kw, oh, ow] = cols.aval.shape as [number, number, number, number, number, number];
  const [, g, og, k] = t.inputs[0]!.aval.shape as [number, number, number, number];
  const o = g * og;
  const wFlat = throughLeadingBroadcast(ctx, t.inputs[0]!, 1);
  if (k * g !== c * kh * kw || !shapeIs(wFlat, [1, g, og, k]) || !shapeIs(d!.inputs[1]!, [n, g, og, oh * ow])) return undefined;
  const w = throughReshapes(ctx, wFlat);
  const ctFlat = d!.inputs[1]!;
  const ct = reshapedFrom(ctx, ctFlat, [n, o, oh, ow]) ?? ctFlat;
  const p = eqn.params;
  const [, , h, wd] = eqn.outs[0]!.aval.shape as [number, number, number, number];
  // ConvTranspose covers (out - 1) * stride + span - pads pixels; output_padding adds the rest.
  const covered = (i: 0 | 1, out: number) => (out - 1) * p.stride[i] + p.dilation[i] * (p.kernel[i] - 1) + 1 - p.padding[i][0] - p.padding[i][1];
  const extra = [h - covered(0, oh), wd - covered(1, ow)];
  if (extra.some((e, i) => e < 0 || e >= Math.max(p.stride[i as 0 | 1], p.dilation[i as 0 | 1]))) return undefined;
  const oihw = [o, c / g, kh, kw];
  return reading(ctx, [ct, w], ([y, wv]) => {
    const gb = ctx.graph;
    // 0 copies the (possibly dynamic) batch size.
    const input = ct === ctFlat ? gb.op('Reshape', [y!, gb.ints([0, o, oh, ow])]) : y!;
    const weights = shapeIs(w, oihw) ? wv! : gb.op('Reshape', [wv!, gb.ints(oihw)]);
    return gb.op('ConvTranspose', [input, weights], { ...windowAttrs(p), group: g, output_padding: extra });
  });
}

/** The patches equation a pooling reduction reads, when it pools over the window axes [2, 3]. */
function pooled(ctx: LowerContext, eqn: Eqn): EqnOf<'patches'> | undefined {
  const p = ctx.producer(eqn.inputs[0]!);
  const axes = eqn.params.axes as readonly number[];
  if (p?.prim !== 'patches' || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3 || !isFloatAtom(p.inputs[0]!)) return undefined;
  return p as EqnOf<'patches'>;
}

/** Windows made only of padding would differ (ONNX pools ignore padding); tensorlaw's pools never make them. */
const everyWindowSeesInput = (p: PatchesParams) =>
  [0, 1].every((i) => p.padding[i]!.every((pad) => pad < p.dilation[i]! * (p.kernel[i]! - 1) + 1));

/** max over patches padded with -inf is MaxPool. */
export function maxPoolPlan(ctx: LowerContext, eqn: Eqn): Plan | undefined {
  const p = pooled(ctx, eqn);
  if (!p || p.params.padValue !== -Infinity || !everyWindowSeesInput(p.params)) return undefined;
  return reading(ctx, [p.inputs[0]!], ([x]) => ctx.graph.op('MaxPool', [x!], windowAttrs(p.params)));
}

/** The constant behind broadcasts and reshapes of a divisor, with the shape it had before broadcasting. */
function divisorConstant(ctx: LowerContext, a: Atom): { values: ArrayLike<number>; shape: readonly number[] } | undefined {
  const b = ctx.producer(a);
  const pre = b?.prim === 'broadcast' ? b.inputs[0]! : a;
  const value = ctx.known(throughReshapes(ctx, pre));
  return value && value.device === 'cpu' ? { values: value.dataSync(), shape: pre.aval.shape } : undefined;
}

/** How many real pixels each window covers (AveragePool's divisor without count_include_pad). */
function realCounts(p: PatchesParams, h: number, w: number, oh: number, ow: number): number[] {
  const axis = (size: number, out: number, i: 0 | 1) =>
    Array.from({ length: out }, (_, y) => {
      const first = y * p.stride[i] - p.padding[i][0];
      return Math.min(first + p.kernel[i], size) - Math.max(first, 0);
    });
  const rows = axis(h, oh, 0);
  const cols = axis(w, ow, 1);
  return rows.flatMap((r) => cols.map((c) => r * c));
}

/** sum over zero-padded patches divided by the window size (or the real pixel count) is AveragePool. */
export function avgPoolPlan(ctx: LowerContext, eqn: Eqn): Plan | undefined {
  const s = ctx.producer(eqn.inputs[0]!);
  if (s?.prim !== 'reduceSum') return undefined;
  const p = pooled(ctx, s);
  if (!p || p.params.padValue !== 0 || p.params.dilation.some((d) => d !== 1) || !everyWindowSeesInput(p.params)) return undefined;
  const divisor = divisorConstant(ctx, eqn.inputs[1]!);
  if (!divisor) return undefined;
  const [, , h, w] = p.inputs[0]!.aval.shape as [number, number, number, number];
  const [oh, ow] = p.outs[0]!.aval.shape.slice(4) as [number, number];
  const size = p.params.kernel[0] * p.params.kernel[1];
  const values = Array.from(divisor.values);
  let includePad: number;
  if (values.every((v) => v === size)) includePad = 1;
  else if (divisor.shape.length === 4 && divisor.shape[0] === 1 && divisor.shape[1] === 1 && values.join() === realCounts(p.params, h, w, oh, ow).join()) includePad = 0;
  else return undefined;
  const { dilations: _, ...attrs } = windowAttrs(p.params);
  return reading(ctx, [p.inputs[0]!], ([x]) => ctx.graph.op('AveragePool', [x!], { ...attrs, count_include_pad: includePad }));
}

/** [n, c, h, w] -> [n, c, kh, kw, oh, ow]: one strided slice of the padded input per kernel tap. */
export const patches: Rule<'patches'> = simple((ctx, [x], eqn) => {
  const g = ctx.graph;
  const p = eqn.params;
  const [, , kh, kw, oh, ow] = eqn.outs[0]!.aval.shape as [number, number, number, number, number, number];
  const padded = padValue(g, x!, [0, 0, p.padding[0][0], p.padding[1][0]], [0, 0, p.padding[0][1], p.padding[1][1]], p.padValue, dtypeOf(eqn.inputs[0]!));
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const start = [i * p.dilation[0], j * p.dilation[1]];
      const end = [start[0]! + (oh - 1) * p.stride[0] + 1, start[1]! + (ow - 1) * p.stride[1] + 1];
      const tap = g.op('Slice', [padded, g.ints(start), g.ints(end), g.ints([2, 3]), g.ints([...p.stride])]);
      taps.push(g.op('Unsqueeze', [tap, g.ints([2])]));
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : g.op('Concat', taps, { axis: 2 });
  // 0 copies the input's (possibly dynamic) batch and channel sizes.
  return g.op('Reshape', [stacked, g.ints([0, 0, kh, kw, oh, ow])]);
});

/**
 * [n, c, kh, kw, oh, ow] -> [n, c, h, w]: each tap's [oh, ow] grid is spread out by the stride
 * (interleaving zeros), shifted to its offset by Pad (negative pads crop), and the taps summed.
 */
export const patchesTransposeGeneral: Rule<'patchesTranspose'> = simple((ctx, [cols], eqn) => {
  const g = ctx.graph;
  const p = eqn.params;
  const dtype = dtypeOf(eqn.inputs[0]!);
  const [, , kh, kw, oh, ow] = eqn.inputs[0]!.aval.shape as [number, number, number, number, number, number];
  const [, , h, w] = eqn.outs[0]!.aval.shape as [number, number, number, number];
  const [sh, sw] = p.stride;
  const placed: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = g.op('Reshape', [g.op('Slice', [cols!, g.ints([i, j]), g.ints([i + 1, j + 1]), g.ints([2, 3])]), g.ints([0, 0, oh, ow])]);
      let spread = tap;
      if (sh > 1 || sw > 1) {
        const cells = padValue(g, g.op('Reshape', [tap, g.ints([0, 0, oh, 1, ow, 1])]), [0, 0, 0, 0, 0, 0], [0, 0, 0, sh - 1, 0, sw - 1], 0, dtype);
        spread = g.op('Reshape', [cells, g.ints([0, 0, oh * sh, ow * sw])]);
      }
      const top = i * p.dilation[0] - p.padding[0][0];
      const left = j * p.dilation[1] - p.padding[1][0];
      placed.push(padValue(g, spread, [0, 0, top, left], [0, 0, h - top - oh * sh, w - left - ow * sw], 0, dtype));
    }
  }
  if (placed.length === 1) return g.op('Identity', [placed[0]!]);
  return placed.reduce((acc, t) => g.op('Add', [acc, t]));
});
