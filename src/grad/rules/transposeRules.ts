/**
 * Transpose rules for the linear primitives: given the cotangent of the output, the cotangents
 * of the linear inputs (marked UndefPrimal). Non-linear operands are known values. Together with
 * linearize these rules give reverse mode, so each is checked by the jvp/vjp duality law.
 */
import * as T from '../../tensor';
import { isPrim, LINEAR, type Aval, type LinearPrim, type PrimParams, type Tensor } from '../../tensor';
import type { MaybeZero } from '../zero';

/** A linear input of a transposed equation: only its shape and dtype are known. */
export class UndefPrimal {
  constructor(readonly aval: Aval) {}
}
export type TransposeArg = Tensor | UndefPrimal;
export type TransposeRule<P = any> = (ct: Tensor, args: TransposeArg[], params: P) => (MaybeZero | null)[];

const bind1 = T.bind1 as (prim: string, args: readonly Tensor[], params: any) => Tensor;
const undef = (x: TransposeArg | undefined): x is UndefPrimal => x instanceof UndefPrimal;
const avalOf = (x: TransposeArg): Aval => (x instanceof UndefPrimal ? x.aval : x);

/** Scatter a strided slice's cotangent back into the full input (zeros elsewhere). */
function unslice(ct: Tensor, inShape: readonly number[], p: PrimParams['slice']): Tensor {
  let y = ct;
  for (let i = 0; i < inShape.length; i++) {
    const s = p.strides[i]!;
    let len = y.shape[i]!;
    if (s > 1 && len > 0) {
      // Interleave s-1 zeros after each element: [.., n, ..] -> [.., n, s, ..] -> [.., n*s, ..].
      const expanded = T.expandDims(y, i + 1);
      const lo = expanded.shape.map(() => 0);
      const hi = expanded.shape.map((_, k) => (k === i + 1 ? s - 1 : 0));
      const padded = bind1('pad', [expanded], { lo, hi, value: 0 });
      y = T.reshape(padded, [...y.shape.slice(0, i), len * s, ...y.shape.slice(i + 1)]);
      len = len * s;
    }
    const room = inShape[i]! - p.starts[i]!;
    if (len > room) {
      y = bind1('slice', [y], { starts: y.shape.map(() => 0), limits: y.shape.map((d, k) => (k === i ? room : d)), strides: y.shape.map(() => 1) });
      len = room;
    }
    const lo = y.shape.map((_, k) => (k === i ? p.starts[i]! : 0));
    const hi = y.shape.map((_, k) => (k === i ? inShape[i]! - p.starts[i]! - len : 0));
    if (lo[i] !== 0 || hi[i] !== 0) y = bind1('pad', [y], { lo, hi, value: 0 });
  }
  return y;
}

/** Sum a broadcast's cotangent over the stretched axes. */
function unbroadcast(ct: Tensor, inShape: readonly number[]): Tensor {
  const axes = inShape.map((d, i) => (d === 1 && ct.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0) return ct;
  return T.reshape(bind1('reduceSum', [ct], { axes }), inShape);
}

const swapLast = (x: Tensor): Tensor => {
  const r = x.ndim;
  return bind1('transpose', [x], { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
};

/** The transpose table: one row per linear primitive (PRIM_TRAITS marks them). */
export const transposeRules = {
  neg: (ct) => [T.neg(ct)],
  add: (ct, [a, b]) => [undef(a) ? ct : null, undef(b) ? ct : null],
  sub: (ct, [a, b]) => [undef(a) ? ct : null, undef(b) ? T.neg(ct) : null],
  mul: (ct, [a, b]) => {
    if (undef(a) && undef(b)) throw new Error('mul: transpose of a product of two linear values (the function is not linear)');
    return undef(a) ? [bind1('mul', [ct, b as Tensor], {}), null] : [null, bind1('mul', [a as Tensor, ct], {})];
  },
  div: (ct, [a, b]) => {
    if (undef(b)) throw new Error('div: transpose with respect to the denominator (the function is not linear)');
    return [bind1('div', [ct, b as Tensor], {}), null];
  },
  where: (ct, [c, x, y]) => {
    const zeros = T.zerosLike(ct);
    return [null, undef(x) ? bind1('where', [c as Tensor, ct, zeros], {}) : null, undef(y) ? bind1('where', [c as Tensor, zeros, ct], {}) : null];
  },
  cast: (ct, [x]) => [T.astype(ct, avalOf(x!).dtype)],
  reduceSum: (ct, [x], { axes }) => {
    const shape = avalOf(x!).shape;
    return [T.broadcastTo(T.reshape(ct, shape.map((d, i) => (axes.includes(i) ? 1 : d))), shape)];
  },
  cumsum: (ct, _, { axis, reverse }) => [bind1('cumsum', [ct], { axis, reverse: !reverse })],
  // The starts are known int32 values: the same (clamped) window moves the cotangent back.
  dynamicSlice: (ct, [x, ...starts]) => {
    const a = avalOf(x!);
    return [bind1('dynamicUpdateSlice', [T.zeros(a.shape, a.dtype), ct, ...(starts as Tensor[])], {}), ...starts.map(() => null)];
  },
  dynamicUpdateSlice: (ct, [x, u, ...starts]) => {
    const ua = avalOf(u!);
    const s = starts as Tensor[];
    return [
      undef(x) ? bind1('dynamicUpdateSlice', [ct, T.zeros(ua.shape, ua.dtype), ...s], {}) : null,
      undef(u) ? bind1('dynamicSlice', [ct, ...s], { sizes: ua.shape }) : null,
      ...s.map(() => null),
    ];
  },
  reshape: (ct, [x]) => [T.reshape(ct, avalOf(x!).shape)],
  broadcast: (ct, [x]) => [unbroadcast(ct, avalOf(x!).shape)],
  transpose: (ct, _, { perm }) => [bind1('transpose', [ct], { perm: T.inversePerm(perm) })],
  slice: (ct, [x], p) => [unslice(ct, avalOf(x!).shape, p)],
  flip: (ct, _, p) => [bind1('flip', [ct], p)],
  pad: (ct, [x], { lo }) => {
    const shape = avalOf(x!).shape;
    return [bind1('slice', [ct], { starts: lo, limits: shape.map((d, i) => lo[i]! + d), strides: shape.map(() => 1) }), null];
  },
  concatenate: (ct, args, { axis }) => {
    let offset = 0;
    return args.map((a) => {
      const shape = avalOf(a).shape;
      const start = offset;
      offset += shape[axis]!;
      if (!undef(a)) return null;
      return bind1('slice', [ct], { starts: shape.map((_, i) => (i === axis ? start : 0)), limits: shape.map((d, i) => (i === axis ? start + d : d)), strides: shape.map(() => 1) });
    });
  },
  dot: (ct, [a, b]) => {
    if (undef(a) && undef(b)) throw new Error('dot: transpose of a product of two linear values (the function is not linear)');
    return undef(a) ? [bind1('dot', [ct, swapLast(b as Tensor)], {}), null] : [null, bind1('dot', [swapLast(a as Tensor), ct], {})];
  },
  gather: (ct, [x, idx], p) => {
    const a = avalOf(x!);
    return [bind1('scatterAdd', [T.zeros(a.shape, a.dtype), idx as Tensor, ct], p), null];
  },
  scatterAdd: (ct, [base, idx, upd], p) => [undef(base) ? ct : null, null, undef(upd) ? bind1('gather', [ct, idx as Tensor], p) : null],
  patches: (ct, [x], p) => [bind1('patchesTranspose', [ct], { ...p, padValue: 0, inputShape: avalOf(x!).shape })],
  patchesTranspose: (ct, _, p) => {
    const { inputShape: _shape, ...params } = p;
    return [bind1('patches', [ct], { ...params, padValue: 0 })];
  },
  // Linear in B only (like div in its numerator): the transpose of B ↦ op(A)⁻¹ B is op(A)⁻ᵀ.
  triangularSolve: (ct, [a], p) => {
    if (undef(a)) throw new Error('triangularSolve: transpose with respect to the triangular matrix (the function is not linear in it)');
    return [null, bind1('triangularSolve', [a as Tensor, ct], { ...p, transposeA: !p.transposeA })];
  },
} satisfies { [P in LinearPrim]: TransposeRule<PrimParams[P]> };

/** Transpose rules of multi-output primitives (the higher-order ones): they receive every output cotangent. */
export type MultiTransposeRule<P = any> = (cts: Tensor[], args: TransposeArg[], params: P) => (MaybeZero | null)[];
/** Rules of user-defined primitives (tensorlaw/extend). */
export const extraTransposeRules = new Map<string, TransposeRule>();

const linear = new Set<string>(LINEAR);
export function transposeRuleFor(prim: string): TransposeRule | undefined {
  if (isPrim(prim)) return linear.has(prim) ? (transposeRules[prim as LinearPrim] as TransposeRule) : undefined;
  return extraTransposeRules.get(prim);
}
