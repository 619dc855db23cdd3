/**
 * The primitive set. Every operation in the library is one of these or is composed from them,
 * so a transformation that has a rule for each primitive covers the whole library.
 *
 * Primitives are strict: binary elementwise primitives take operands of equal shape and dtype
 * (the op layer broadcasts and promotes first), reductions take explicit axes, movement
 * primitives take fully resolved parameters. That keeps every rule table small.
 */
import type { DType } from './dtype';

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
  // NumPy's math surface (issue 13): trigonometric, hyperbolic, base-2/10 logs and powers,
  // rounding, the C remainder (fmod: sign of the dividend), stable sorting and dynamic slices.
  tan: {}; asin: {}; acos: {}; atan: {}; sinh: {}; cosh: {}; asinh: {}; acosh: {}; atanh: {};
  log2: {}; log10: {}; exp2: {}; round: {}; trunc: {};
  rem: {};
  /**
   * The stable sorting permutation along `axis` (int32 indices): ascending in the total order
   * -inf < ... < -0 = +0 < ... < +inf < NaN, ties by index; descending reverses the order of
   * values but keeps ties by index (NumPy/JAX `argsort(..., descending=True)`, NaN first).
   */
  argsort: { readonly axis: number; readonly descending: boolean };
  /**
   * dynamicSlice(x, ...starts): a window of static `sizes` whose int32 scalar start operands are
   * traced. A negative start counts from the end, then starts are clamped so the window fits.
   */
  dynamicSlice: { readonly sizes: readonly number[] };
  /** dynamicUpdateSlice(x, update, ...starts): x with the window at the (clamped) starts replaced. */
  dynamicUpdateSlice: {};
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
  /**
   * takeAlongAxis: out[..i..] = x[.. idx[..i..] ..] along axis; idx has x's shape except on axis.
   * Indices in [-n, n) wrap once; others read 0 (linear; the op layer fills them).
   */
  gather: { readonly axis: number };
  /** scatterAdd(base, idx, updates): base with updates added at idx along axis (transpose of gather: out-of-range updates are dropped). */
  scatterAdd: { readonly axis: number };
  /** Sliding windows of NCHW input: [n, c, h, w] -> [n, c, kh, kw, oh, ow]. */
  patches: PatchesParams;
  /** The transpose of patches: sums windows back into an [n, c, h, w] image. */
  patchesTranspose: PatchesParams & { readonly inputShape: readonly number[] };
  /** Counter-based random bits (threefry-2x32): key [...k, 2] int32 -> [...k, ...shape] int32. */
  randomBits: { readonly shape: readonly number[]; readonly offset: number };
  /** Logical right shift of int32 bit patterns (zeros shifted in), for turning bits into floats. */
  shiftRightLogical: { readonly shift: number };
  // Matrix decompositions and triangular solves (src/tensor/ops/laxLinalg.ts): matrices in the last
  // two axes, leading axes batch. Built-in primitives have one output, so a decomposition packs its
  // factors into one tensor along the second-to-last axis, and laxLinalg slices them apart.
  /** Lower Cholesky factor of the symmetric part (A + Aᵀ)/2 of [..., n, n]; all NaN where that is not positive definite. */
  cholesky: {};
  /** X with op(A) X = B for [..., n, n] A (only its `lower` or upper triangle is read) and [..., n, k] B; op(A) is A or Aᵀ. */
  triangularSolve: { readonly lower: boolean; readonly transposeA: boolean; readonly unitDiagonal: boolean };
  /**
   * LU with partial pivoting of [..., m, n]: [..., m, n + 2], L (unit diagonal, not stored) and U
   * packed, then as float columns the pivots (row j was swapped with row pivots[j]) and the row
   * permutation (A[perm] = L U).
   */
  lu: {};
  /** Householder QR of [..., m, n] with diag(R) >= 0: [..., m + n, k], Q (m rows) above Rᵀ (n rows); k = m when `full`, else min(m, n). */
  qr: { readonly full: boolean };
  /** Eigendecomposition of the symmetric part of [..., n, n]: [..., n + 1, n], eigenvectors (columns) above the ascending eigenvalues. */
  eigh: {};
  /** Thin SVD of [..., m, n], k = min(m, n): [..., m + 1 + n, k], U above the descending singular values above V; only the values ([..., k]) without `computeUv`. */
  svd: { readonly computeUv: boolean };
}

export type Prim = keyof PrimParams;

/**
 * What kind of rule family a primitive belongs to. Elementwise kinds compute each output element
 * from the operands' elements at the same index (operands and output share one shape).
 */
export type PrimKind =
  | 'unary' | 'binary' | 'compare' | 'select' | 'cast' | 'bits'
  | 'reduce' | 'argReduce' | 'scan' | 'sort' | 'movement' | 'contraction' | 'indexing' | 'window' | 'random'
  | 'linalg';

export interface PrimTraits {
  readonly kind: PrimKind;
  /** Takes float operands only (the shape rule rejects int32 and bool). */
  readonly floatOnly?: true;
  /** Linear in its differentiable operands (or in one of them: mul, div, dot): it has a transpose rule. */
  readonly linear?: true;
}

/**
 * The primitive set: one row per primitive, a total record over `PrimParams`, so a primitive
 * added to the parameter table without its traits is a compile error here, and every subset
 * below (and every table keyed by one) follows from this record.
 */
export const PRIM_TRAITS = {
  neg: { kind: 'unary', linear: true },
  exp: { kind: 'unary', floatOnly: true },
  log: { kind: 'unary', floatOnly: true },
  log1p: { kind: 'unary', floatOnly: true },
  expm1: { kind: 'unary', floatOnly: true },
  sqrt: { kind: 'unary', floatOnly: true },
  rsqrt: { kind: 'unary', floatOnly: true },
  sin: { kind: 'unary', floatOnly: true },
  cos: { kind: 'unary', floatOnly: true },
  tanh: { kind: 'unary', floatOnly: true },
  logistic: { kind: 'unary', floatOnly: true },
  erf: { kind: 'unary', floatOnly: true },
  abs: { kind: 'unary' },
  sign: { kind: 'unary' },
  floor: { kind: 'unary' },
  ceil: { kind: 'unary' },
  logicalNot: { kind: 'unary' },
  stopGradient: { kind: 'unary' },
  add: { kind: 'binary', linear: true },
  sub: { kind: 'binary', linear: true },
  mul: { kind: 'binary', linear: true },
  div: { kind: 'binary', linear: true },
  pow: { kind: 'binary' },
  max: { kind: 'binary' },
  min: { kind: 'binary' },
  atan2: { kind: 'binary' },
  tan: { kind: 'unary', floatOnly: true },
  asin: { kind: 'unary', floatOnly: true },
  acos: { kind: 'unary', floatOnly: true },
  atan: { kind: 'unary', floatOnly: true },
  sinh: { kind: 'unary', floatOnly: true },
  cosh: { kind: 'unary', floatOnly: true },
  asinh: { kind: 'unary', floatOnly: true },
  acosh: { kind: 'unary', floatOnly: true },
  atanh: { kind: 'unary', floatOnly: true },
  log2: { kind: 'unary', floatOnly: true },
  log10: { kind: 'unary', floatOnly: true },
  exp2: { kind: 'unary', floatOnly: true },
  round: { kind: 'unary' },
  trunc: { kind: 'unary' },
  rem: { kind: 'binary' },
  argsort: { kind: 'sort' },
  dynamicSlice: { kind: 'movement', linear: true },
  dynamicUpdateSlice: { kind: 'movement', linear: true },
  eq: { kind: 'compare' },
  ne: { kind: 'compare' },
  lt: { kind: 'compare' },
  le: { kind: 'compare' },
  gt: { kind: 'compare' },
  ge: { kind: 'compare' },
  logicalAnd: { kind: 'compare' },
  logicalOr: { kind: 'compare' },
  where: { kind: 'select', linear: true },
  cast: { kind: 'cast', linear: true },
  shiftRightLogical: { kind: 'bits' },
  reduceSum: { kind: 'reduce', linear: true },
  reduceMax: { kind: 'reduce' },
  reduceMin: { kind: 'reduce' },
  reduceProd: { kind: 'reduce' },
  argmax: { kind: 'argReduce' },
  argmin: { kind: 'argReduce' },
  cumsum: { kind: 'scan', linear: true },
  reshape: { kind: 'movement', linear: true },
  broadcast: { kind: 'movement', linear: true },
  transpose: { kind: 'movement', linear: true },
  slice: { kind: 'movement', linear: true },
  flip: { kind: 'movement', linear: true },
  pad: { kind: 'movement', linear: true },
  concatenate: { kind: 'movement', linear: true },
  dot: { kind: 'contraction', linear: true },
  gather: { kind: 'indexing', linear: true },
  scatterAdd: { kind: 'indexing', linear: true },
  patches: { kind: 'window', linear: true },
  patchesTranspose: { kind: 'window', linear: true },
  randomBits: { kind: 'random' },
  cholesky: { kind: 'linalg', floatOnly: true },
  triangularSolve: { kind: 'linalg', floatOnly: true, linear: true },
  lu: { kind: 'linalg', floatOnly: true },
  qr: { kind: 'linalg', floatOnly: true },
  eigh: { kind: 'linalg', floatOnly: true },
  svd: { kind: 'linalg', floatOnly: true },
} as const satisfies { readonly [P in Prim]: PrimTraits };

type Traits = typeof PRIM_TRAITS;
type KindOf<P extends Prim> = Traits[P]['kind'];
/** The primitives whose kind is one of K (a type computed from PRIM_TRAITS). */
export type PrimsOfKind<K extends PrimKind> = { [P in Prim]: KindOf<P> extends K ? P : never }[Prim];

export type UnaryPrim = PrimsOfKind<'unary'>;
export type BinaryPrim = PrimsOfKind<'binary'>;
export type ComparePrim = PrimsOfKind<'compare'>;
export type ReducePrim = PrimsOfKind<'reduce'>;
/** Kinds computed per element from operands of the output's shape (fused by jit). */
export const ELEMENTWISE_KINDS = ['unary', 'binary', 'compare', 'select', 'cast', 'bits'] as const;
export type ElementwisePrim = PrimsOfKind<(typeof ELEMENTWISE_KINDS)[number]>;
export type FloatOnlyPrim = { [P in Prim]: Traits[P] extends { floatOnly: true } ? P : never }[Prim];
export type LinearPrim = { [P in Prim]: Traits[P] extends { linear: true } ? P : never }[Prim];

/** Every primitive, in PRIM_TRAITS order: complete because the record is total. */
export const PRIMS = Object.keys(PRIM_TRAITS) as readonly Prim[];

const traitsOf = (p: Prim): PrimTraits => PRIM_TRAITS[p];
const where = <Q extends Prim>(keep: (t: PrimTraits) => boolean): readonly Q[] => PRIMS.filter((p) => keep(traitsOf(p))) as Q[];
const ofKind = <K extends PrimKind>(...kinds: K[]): readonly PrimsOfKind<K>[] => where((t) => (kinds as PrimKind[]).includes(t.kind));

export const UNARY = ofKind('unary');
export const BINARY = ofKind('binary');
export const COMPARE = ofKind('compare');
export const REDUCE = ofKind('reduce');
export const ELEMENTWISE = ofKind(...ELEMENTWISE_KINDS);
export const FLOAT_ONLY = where<FloatOnlyPrim>((t) => t.floatOnly === true);
/** The domain of the transpose table. */
export const LINEAR = where<LinearPrim>((t) => t.linear === true);

const primSet = new Set<string>(PRIMS);
const elementwiseSet = new Set<string>(ELEMENTWISE);
const reduceSet = new Set<string>(REDUCE);
/** Whether `name` is a built-in primitive (not a higher-order or user-defined one). */
export const isPrim = (name: string): name is Prim => primSet.has(name);
export const isElementwise = (name: string): name is ElementwisePrim => elementwiseSet.has(name);
export const isReduce = (name: string): name is ReducePrim => reduceSet.has(name);

/**
 * One row per primitive of a family, built by `row`: spread the result into a table literal
 * (`{ ...rowsFor(UNARY, (p) => ...), add: ... }`). Its type is keyed by the family, so the
 * table's `satisfies` check still sees every key.
 * @example const kernels = { ...rowsFor(REDUCE, (p) => reduceKernel(p)), dot: ... };
 */
export function rowsFor<Q extends Prim, R>(family: readonly Q[], row: <P extends Q>(p: P) => R): { [P in Q]: R } {
  const out = {} as { [P in Q]: R };
  for (const p of family) out[p] = row(p);
  return out;
}

/** Output size of one spatial axis of a sliding window. */
export function windowOutSize(size: number, k: number, stride: number, lo: number, hi: number, dilation: number): number {
  const span = dilation * (k - 1) + 1;
  return Math.floor((size + lo + hi - span) / stride) + 1;
}
