/**
 * Building safetensors files by hand for interop tests, independently of src/io: the header is
 * plain JSON.stringify, the data DataView writes. F16/BF16 take values that are exactly
 * representable (the tests make them so) and are encoded by cutting float32 bits.
 */

export type HandDType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64';
export interface HandTensor {
  readonly dtype: HandDType;
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

const width: Record<HandDType, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8 };
const f32 = new DataView(new ArrayBuffer(4));

function float32Bits(x: number): number {
  f32.setFloat32(0, x);
  return f32.getUint32(0);
}

/** Half bits of a value that is an exact normal half (or zero). */
function halfBits(x: number): number {
  const b = float32Bits(x);
  if ((b & 0x7fffffff) === 0) return (b >>> 16) & 0x8000;
  const exponent = ((b >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0 || exponent >= 31 || (b & 0x1fff) !== 0) throw new Error(`halfBits: ${x} is not an exact normal half`);
  return ((b >>> 16) & 0x8000) | (exponent << 10) | ((b >>> 13) & 0x3ff);
}

function bfloatBits(x: number): number {
  const b = float32Bits(x);
  if ((b & 0xffff) !== 0) throw new Error(`bfloatBits: ${x} is not an exact bfloat16`);
  return b >>> 16;
}

/** A `.safetensors` file with the tensors in the given order (keys as given, so PyTorch's). */
export function buildSafetensors(tensors: Readonly<Record<string, HandTensor>>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.values.length) throw new Error(`buildSafetensors: ${name} has ${t.values.length} values for shape [${t.shape}]`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n * width[t.dtype]] };
    at += n * width[t.dtype];
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let o = 8 + text.length;
  for (const t of Object.values(tensors)) {
    for (const v of t.values) {
      if (t.dtype === 'F32') view.setFloat32(o, v, true);
      else if (t.dtype === 'F64') view.setFloat64(o, v, true);
      else if (t.dtype === 'F16') view.setUint16(o, halfBits(v), true);
      else if (t.dtype === 'BF16') view.setUint16(o, bfloatBits(v), true);
      else view.setBigInt64(o, BigInt(v), true);
      o += width[t.dtype];
    }
  }
  return out;
}

/** A seeded generator (mulberry32) of floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` values k / 2^bits for integers k in [-range, range]: exact in float32, float16 (for
 * range < 2048 and the result's normal range) and bfloat16 (range < 256).
 */
export function exactValues(random: () => number, n: number, { range = 127, bits = 8 } = {}): number[] {
  return Array.from({ length: n }, () => {
    let k = Math.round((random() * 2 - 1) * range);
    if (k === 0) k = 1;
    return k / 2 ** bits;
  });
}
