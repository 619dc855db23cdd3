/**
 * Small floating-point formats as stored in checkpoints: IEEE half (F16), bfloat16 (BF16) and the
 * two 8-bit formats (F8_E5M2, IEEE-like; F8_E4M3, the "fn" variant with no infinities and NaN at
 * S.1111.111). Decoding is exact: every value of these formats is a float32. Encoding rounds to
 * nearest, ties to even, straight from the float64 value (one rounding, never two), overflows to
 * ±infinity past the largest finite value's rounding boundary, and keeps the sign of zeros, of
 * infinities and of NaN (a NaN becomes the format's quiet NaN).
 */

/** A binary floating-point format by its exponent and mantissa widths. */
export interface MiniFloat {
  readonly exponentBits: number;
  readonly mantissaBits: number;
  /** IEEE-like: the all-ones exponent means infinity (mantissa 0) or NaN. False for E4M3 "fn". */
  readonly ieee: boolean;
}

export const float16: MiniFloat = { exponentBits: 5, mantissaBits: 10, ieee: true };
export const bfloat16: MiniFloat = { exponentBits: 8, mantissaBits: 7, ieee: true };
export const float8e5m2: MiniFloat = { exponentBits: 5, mantissaBits: 2, ieee: true };
export const float8e4m3: MiniFloat = { exponentBits: 4, mantissaBits: 3, ieee: false };

/**
 * The value of a bit pattern (as a JS number; it is always exactly a float32).
 *
 *   decodeMiniFloat(float16, 0x3c00);  // 1
 *   decodeMiniFloat(bfloat16, 0xff80); // -Infinity
 */
export function decodeMiniFloat(format: MiniFloat, bits: number): number {
  const { exponentBits: e, mantissaBits: m } = format;
  const bias = 2 ** (e - 1) - 1;
  const expMax = 2 ** e - 1;
  const sign = (bits >> (e + m)) & 1 ? -1 : 1;
  const exponent = (bits >> m) & expMax;
  const mantissa = bits & (2 ** m - 1);
  if (exponent === 0) return sign * mantissa * 2 ** (1 - bias - m);
  if (exponent === expMax && (format.ieee ? true : mantissa === 2 ** m - 1)) {
    return format.ieee && mantissa === 0 ? sign * Infinity : NaN;
  }
  return sign * (2 ** m + mantissa) * 2 ** (exponent - bias - m);
}

/** Round a non-negative number to the nearest integer, ties to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

const scratch = new DataView(new ArrayBuffer(8));

function signBit(x: number): boolean {
  scratch.setFloat64(0, x);
  return (scratch.getUint8(0) & 0x80) !== 0;
}

/**
 * The bit pattern nearest to `x` (ties to even). Only for IEEE-like formats (F16, BF16, E5M2).
 *
 *   encodeMiniFloat(float16, 65519);  // 0x7bff (65504, the largest half)
 *   encodeMiniFloat(float16, 65520);  // 0x7c00 (+Infinity: the tie rounds to even, past the top)
 */
export function encodeMiniFloat(format: MiniFloat, x: number): number {
  const { exponentBits: e, mantissaBits: m } = format;
  const bias = 2 ** (e - 1) - 1;
  const expMax = 2 ** e - 1;
  const sign = signBit(x) ? 2 ** (e + m) : 0;
  if (Number.isNaN(x)) return sign + expMax * 2 ** m + 2 ** (m - 1);
  const a = Math.abs(x);
  if (a === 0) return sign;
  const minExponent = 1 - bias;
  let exponent = Math.floor(Math.log2(a));
  // log2 can be off by one next to powers of two; settle 2^exponent <= a < 2^(exponent + 1).
  if (2 ** exponent > a) exponent--;
  else if (2 ** (exponent + 1) <= a) exponent++;
  if (exponent < minExponent) {
    // Subnormal: a multiple of 2^(minExponent - m); a carry into 2^m is the smallest normal,
    // whose bit pattern is exactly the carried integer.
    return sign + roundHalfEven(a * 2 ** (m - minExponent));
  }
  if (a === Infinity) return sign + expMax * 2 ** m;
  let q = roundHalfEven(a * 2 ** (m - exponent));
  if (q === 2 ** (m + 1)) {
    q = 2 ** m;
    exponent++;
  }
  if (exponent > bias) return sign + expMax * 2 ** m;
  return sign + (exponent + bias) * 2 ** m + (q - 2 ** m);
}

let halfTable: Float32Array | undefined;

/**
 * All 65,536 half values as float32, built once on first use (256 KiB), so decoding a large F16
 * checkpoint is a table lookup per element. NaN payloads move to the float32 mantissa's top bits.
 */
export function halfToFloat32Table(): Float32Array {
  if (halfTable) return halfTable;
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) bits[h] = sign | 0x7f800000 | (mantissa << 13);
    else {
      scratch.setFloat32(0, decodeMiniFloat(float16, h & 0x7fff));
      bits[h] = sign | scratch.getUint32(0);
    }
  }
  halfTable = new Float32Array(bits.buffer);
  return halfTable;
}
