/**
 * The primitive set. Every operation in the library is one of these or is composed from them,
 * so a transformation that has a rule for each primitive covers the whole library.
 *
 * Primitives are strict: binary elementwise primitives take operands of equal shape and dtype
 * (the op layer broadcasts and promotes first), reductions take explicit axes, movement
 * primitives take fully resolved parameters. That keeps every rule table small.
 */
import type { DType } from './dtype';

export const UNARY = [
  'neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'logistic', 'erf',
  'abs', 'sign', 'floor', 'ceil', 'logicalNot', 'stopGradient',
] as const;
export type UnaryPrim = (typeof UNARY)[number];

export const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min', 'atan2'] as const;
export type BinaryPrim = (typeof BINARY)[number];

export const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const;
export type ComparePrim = (typeof COMPARE)[number];

export const REDUCE = ['reduceSum', 'reduceMax', 'reduceMin', 'reduceProd'] as const;
export type ReducePrim = (typeof REDUCE)[number];

/** Spatial padding for the two spatial axes of NCHW data: [[top, bottom], [left, right]]. */
export type Padding2d = readonly [readonly [number, number], readonly [number, number]];

export interface PatchesParams {
  /** Kernel size [kh, kw]. */
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding2d;
  readonly dilation: readonly [number, number];
  /** Value used for the padding (0 for convolution, -Infinity for max pooling). */
  readonly padValue: number;
}

/** Parameters of each primitive, looked up by name so the rule tables are type-checked. */
export interface PrimParams {
  // elementwise
  neg: {}; exp: {}; log: {}; log1p: {}; expm1: {}; sqrt: {}; rsqrt: {}; sin: {}; cos: {};
  tanh: {}; logistic: {}; erf: {}; abs: {}; sign: {}; floor: {}; ceil: {}; logicalNot: {};
  stopGradient: {};
  add: {}; sub: {}; mul: {}; div: {}; pow: {}; max: {}; min: {}; atan2: {};
  eq: {}; ne: {}; lt: {}; le: {}; gt: {}; ge: {}; logicalAnd: {}; logicalOr: {};
  /** where(cond: bool, x, y): operands of equal shape; x and y of equal dtype. */
  where: {};
  cast: { readonly dtype: DType };
  // reductions (axes sorted, unique; the reduced axes are removed from the shape)
  reduceSum: { readonly axes: readonly number[] };
  reduceMax: { readonly axes: readonly number[] };
  reduceMin: { readonly axes: readonly number[] };
  reduceProd: { readonly axes: readonly number[] };
  argmax: { readonly axis: number };
  argmin: { readonly axis: number };
  cumsum: { readonly axis: number; readonly reverse: boolean };
  // movement
  reshape: { readonly shape: readonly number[] };
  /** Same rank in and out; each input axis is 1 or equal to the output axis. */
  broadcast: { readonly shape: readonly number[] };
  transpose: { readonly perm: readonly number[] };
  /** Per-axis start (inclusive), limit (exclusive) and positive stride, all in range. */
  slice: { readonly starts: readonly number[]; readonly limits: readonly number[]; readonly strides: readonly number[] };
  flip: { readonly axes: readonly number[] };
  /** Non-negative constant padding before (lo) and after (hi) each axis. */
  pad: { readonly lo: readonly number[]; readonly hi: readonly number[]; readonly value: number };
  concatenate: { readonly axis: number };
  // linear algebra: batched matmul [...b, m, k] x [...b, k, n] -> [...b, m, n], equal batch dims
  dot: {};
  /** takeAlongAxis: out[..i..] = x[.. idx[..i..] ..] along axis; idx has x's shape except on axis. */
  gather: { readonly axis: number };
  /** scatterAdd(base, idx, updates): base with updates added at idx along axis (transpose of gather). */
  scatterAdd: { readonly axis: number };
  /** Sliding windows of NCHW input: [n, c, h, w] -> [n, c, kh, kw, oh, ow]. */
  patches: PatchesParams;
  /** The transpose of patches: sums windows back into an [n, c, h, w] image. */
  patchesTranspose: PatchesParams & { readonly inputShape: readonly number[] };
  /** Counter-based random bits (threefry-2x32): key [...k, 2] int32 -> [...k, ...shape] int32. */
  randomBits: { readonly shape: readonly number[]; readonly offset: number };
  /** Logical right shift of int32 bit patterns (zeros shifted in), for turning bits into floats. */
  shiftRightLogical: { readonly shift: number };
}

export type Prim = keyof PrimParams;

export const PRIMS: readonly Prim[] = [
  ...UNARY, ...BINARY, ...COMPARE, 'where', 'cast', ...REDUCE, 'argmax', 'argmin', 'cumsum',
  'reshape', 'broadcast', 'transpose', 'slice', 'flip', 'pad', 'concatenate', 'dot', 'gather',
  'scatterAdd', 'patches', 'patchesTranspose', 'randomBits', 'shiftRightLogical',
];

/** Output size of one spatial axis of a sliding window. */
export function windowOutSize(size: number, k: number, stride: number, lo: number, hi: number, dilation: number): number {
  const span = dilation * (k - 1) + 1;
  return Math.floor((size + lo + hi - span) / stride) + 1;
}
