/** Wasm SIMD (0xfd-prefixed) instructions over f32x4 lanes, for the fused elementwise kernels. */
import { uleb, type Code } from './emit';

export const simd = (op: number, ...imm: Code): Code => [0xfd, ...uleb(op), ...imm];
const memarg = (align: number, offset: number): Code => [...uleb(align), ...uleb(offset)];
export const v128load = (offset: number): Code => simd(0x00, ...memarg(4, offset));
export const v128load32splat = (offset: number): Code => simd(0x09, ...memarg(2, offset));
export const v128store = (offset: number): Code => simd(0x0b, ...memarg(4, offset));
export const i32store = (offset: number): Code => [0x36, ...memarg(0, offset)];

/** A v128 constant with the same float32 in every lane. */
export function f32x4const(x: number): Code {
  return simd(0x0c, ...Array.from(new Uint8Array(new Float32Array([x, x, x, x]).buffer)));
}

/** A v128 constant with the same int32 in every lane (lane masks: -1 or 0). */
export function i32x4const(x: number): Code {
  return simd(0x0c, ...Array.from(new Uint8Array(new Int32Array([x, x, x, x]).buffer)));
}

export const F32X4 = {
  eq: simd(0x41), ne: simd(0x42), lt: simd(0x43), gt: simd(0x44), le: simd(0x45), ge: simd(0x46),
  abs: simd(0xe0), neg: simd(0xe1), sqrt: simd(0xe3),
  /** Rounding toward zero and to nearest even: exact, like Math.trunc and H.round on float32 values. */
  trunc: simd(0x69), nearest: simd(0x6a),
  add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7),
} as const;
export const v128or: Code = simd(0x50);
export const v128and: Code = simd(0x4e);
/** bitselect(a, b, m): a where the mask bits are set, else b. */
export const v128bitselect: Code = simd(0x52);
export const i16x8narrowI32x4U: Code = simd(0x86);
export const i8x16narrowI16x8U: Code = simd(0x66);
export const i32x4extractLane0: Code = simd(0x1b, 0);
export const i32shrU: Code = [0x76];

/** Four bytes into the low lanes, zero-extended twice: 0/1 bool bytes become i32 lanes. */
export const v128load32zero = (offset: number): Code => simd(0x5c, ...memarg(2, offset));
export const i16x8extendLowI8x16U: Code = simd(0x89);
export const i32x4extendLowI16x8U: Code = simd(0xa9);
export const i32x4ne: Code = simd(0x38);
/** float64 pairs: the low two f32 lanes widened (exact), added with one IEEE rounding each. */
export const f64x2promoteLowF32x4: Code = simd(0x5f);
export const f64x2add: Code = simd(0xf0);
/**
 * Lanes 2 and 3 of a float32 vector moved to lanes 0 and 1. A shuffle: it pops two vectors (the
 * lanes named come from the first), so push the vector twice.
 */
export const f32x4high: Code = simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
