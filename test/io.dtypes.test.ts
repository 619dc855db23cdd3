/**
 * Every safetensors dtype reads with exact values, float16/bfloat16 writes are bit-exact against
 * hand-computed patterns, and integers that do not fit int32 are a Left naming the tensor.
 */
import { either as E } from 'fp-ts';
import { describe, expect, it } from 'vitest';
import { encodeDecodesEveryPattern, midpointsRoundToEven, storageCodec } from '../laws/storage';
import { deserialize, restore, serialize, type FileDType } from '../src/io';
import { fromStorage } from '../src/tensor';

/** A file from named entries of raw little-endian bytes, laid out in order. */
function fileOf(tensors: Record<string, { dtype: string; shape: number[]; bytes: number[] | Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Uint8Array.from(t.bytes);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes.length] };
    chunks.push(bytes);
    at += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const le = (width: number, values: (number | bigint)[]): number[] => {
  const buf = new DataView(new ArrayBuffer(width * values.length));
  values.forEach((v, i) => {
    if (width === 8) buf.setBigUint64(8 * i, BigInt.asUintN(64, BigInt(v)), true);
    else if (width === 4) buf.setUint32(4 * i, Number(v) >>> 0, true);
    else if (width === 2) buf.setUint16(2 * i, Number(v) & 0xffff, true);
    else buf.setUint8(i, Number(v) & 0xff);
  });
  return Array.from(new Uint8Array(buf.buffer));
};

const read = (bytes: Uint8Array) => {
  const r = deserialize(bytes);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const values = (x: { dataSync(): ArrayLike<number> }) => Array.from(x.dataSync());
const f32bits = (x: { dataSync(): ArrayLike<number> }) => Array.from(new Uint32Array(Float32Array.from(x.dataSync()).buffer));

describe('every dtype of the format reads with exact values', () => {
  it('F16: normals, subnormals, ±0, ±inf and NaN (with its payload) become float32 exactly', () => {
    const patterns = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x3555, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x7e00, 0x7d01];
    const ck = read(fileOf({ h: { dtype: 'F16', shape: [patterns.length], bytes: le(2, patterns) } }));
    const t = ck.tensors['h']!;
    expect(t.dtype).toBe('float32');
    expect(ck.entries['h']!.dtype).toBe('F16');
    expect(values(t).slice(0, 11)).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 0.333251953125, -0, 0, Infinity, -Infinity]);
    expect(Object.is(values(t)[7], -0)).toBe(true);
    // NaNs keep their payload in the top mantissa bits, as PyTorch's half -> float does.
    expect(f32bits(t).slice(11)).toEqual([0x7fc00000, 0x7fa02000]);
  });

  it('BF16 is the top half of a float32, bit for bit', () => {
    const patterns = [0x3f80, 0xc000, 0x7f7f, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc1];
    const t = read(fileOf({ b: { dtype: 'BF16', shape: [2, 4], bytes: le(2, patterns) } })).tensors['b']!;
    expect(t.shape).toEqual([2, 4]);
    expect(f32bits(t)).toEqual(patterns.map((p) => (p << 16) >>> 0));
    expect(values(t).slice(0, 4)).toEqual([1, -2, 3.3895313892515355e38, 2 ** -133]);
  });

  it('F8_E4M3 (no infinities, NaN at 0x7f) and F8_E5M2 decode exactly', () => {
    const ck = read(fileOf({
      a: { dtype: 'F8_E4M3', shape: [7], bytes: [0x38, 0xb8, 0x7e, 0x01, 0x08, 0x7f, 0x80] },
      b: { dtype: 'F8_E5M2', shape: [6], bytes: [0x3c, 0x7b, 0x7c, 0xfc, 0x01, 0x7d] },
    }));
    expect(values(ck.tensors['a']!)).toEqual([1, -1, 448, 2 ** -9, 2 ** -6, NaN, -0]);
    expect(values(ck.tensors['b']!)).toEqual([1, 57344, Infinity, -Infinity, 2 ** -16, NaN]);
  });

  it('integers of every width widen to int32; I64, U64 and U32 within range', () => {
    const ck = read(fileOf({
      i64: { dtype: 'I64', shape: [4], bytes: le(8, [-1n, 2n ** 31n - 1n, -(2n ** 31n), 7n]) },
      u64: { dtype: 'U64', shape: [2], bytes: le(8, [0n, 2n ** 31n - 1n]) },
      u32: { dtype: 'U32', shape: [1], bytes: le(4, [2 ** 31 - 1]) },
      i16: { dtype: 'I16', shape: [2], bytes: le(2, [-32768, 32767]) },
      u16: { dtype: 'U16', shape: [1], bytes: le(2, [65535]) },
      i8: { dtype: 'I8', shape: [2], bytes: [0x80, 0x7f] },
      u8: { dtype: 'U8', shape: [2], bytes: [255, 0] },
      flag: { dtype: 'BOOL', shape: [3], bytes: [0, 1, 2] },
    }));
    const t = ck.tensors;
    expect(values(t['i64']!)).toEqual([-1, 2 ** 31 - 1, -(2 ** 31), 7]);
    expect(t['i64']!.dtype).toBe('int32');
    expect(values(t['u64']!)).toEqual([0, 2 ** 31 - 1]);
    expect(values(t['u32']!)).toEqual([2 ** 31 - 1]);
    expect(values(t['i16']!)).toEqual([-32768, 32767]);
    expect(values(t['u16']!)).toEqual([65535]);
    expect(values(t['i8']!)).toEqual([-128, 127]);
    expect(values(t['u8']!)).toEqual([255, 0]);
    expect(t['flag']!.toArray()).toEqual([false, true, true]);
  });

  it('integers outside int32 are a Left naming the tensor, the element and the rule', () => {
    const cases: [string, number, (number | bigint)[], string][] = [
      ['I64', 8, [0n, 2n ** 40n], 'element 1 is 1099511627776'],
      ['I64', 8, [-(2n ** 31n) - 1n], 'element 0 is -2147483649'],
      ['U64', 8, [2n ** 32n], 'element 0 is 4294967296'],
      ['U32', 4, [2 ** 32 - 1], 'element 0 is 4294967295'],
    ];
    for (const [dtype, width, xs, fragment] of cases) {
      const r = deserialize(fileOf({ 'layer.num_batches_tracked': { dtype, shape: [xs.length], bytes: le(width, xs) } }));
      if (E.isRight(r)) throw new Error(`${dtype}: expected a Left`);
      expect(r.left.rules).toEqual(['int32-range']);
      expect(r.left.message).toContain(`tensor "layer.num_batches_tracked" (${dtype} [${xs.length}])`);
      expect(r.left.message).toContain(fragment);
    }
  });

  it('a float32 template takes F16 and BF16 tensors; an int32 one takes I64', () => {
    const bytes = fileOf({ w: { dtype: 'BF16', shape: [2], bytes: le(2, [0x3f80, 0x4000]) }, n: { dtype: 'I64', shape: [], bytes: le(8, [5n]) } });
    const template = { w: fromStorage([2], 'float32', new Float32Array(2)), n: fromStorage([], 'int32', new Int32Array(1)) };
    const r = restore(bytes, template);
    if (E.isLeft(r)) throw new Error('restore failed');
    expect(values(r.right.w)).toEqual([1, 2]);
    expect(values(r.right.n)).toEqual([5]);
    const wrong = restore(bytes, { ...template, w: fromStorage([2], 'float64', new Float64Array(2)) });
    expect(E.isLeft(wrong) && Array.isArray(wrong.left) && wrong.left[0]!.message).toContain('template has F64, file has BF16 (loads as float32)');
  });
});

describe('float16 and bfloat16 storage on request', () => {
  const headerOf = (bytes: Uint8Array) => {
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
  };
  const stored = (xs: number[], dtype: 'float16' | 'bfloat16', from: 'float32' | 'float64' = 'float64') => {
    const t = from === 'float64' ? fromStorage([xs.length], 'float64', Float64Array.from(xs)) : fromStorage([xs.length], 'float32', Float32Array.from(xs));
    const { header, data } = headerOf(serialize({ t }, { dtype }));
    expect(header.t.dtype).toBe(dtype === 'float16' ? 'F16' : 'BF16');
    return Array.from(new Uint16Array(data.slice().buffer));
  };

  it('float16: round to nearest even, subnormals, overflow to inf, ±0, ±inf, NaN (hand-computed)', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e10, 0x7c00], [-1e10, 0xfc00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00], [NaN, 0x7e00], [-0, 0x8000], [0, 0x0000],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [2 ** -25 * 1.0000001, 0x0001], [3 * 2 ** -25, 0x0002], [-(2 ** -26), 0x8000],
      [1023 * 2 ** -24, 0x03ff], [1023.5 * 2 ** -24, 0x0400], [2 ** -14, 0x0400],
      [0.1, 0x2e66], [1 / 3, 0x3555], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [2049, 0x6800], [2051, 0x6802],
    ];
    expect(stored(cases.map(([x]) => x), 'float16')).toEqual(cases.map(([, h]) => h));
    expect(stored([0.1, 65520, -0], 'float16', 'float32')).toEqual([0x2e66, 0x7c00, 0x8000]);
  });

  it('bfloat16: the same rules at 8 exponent bits (hand-computed)', () => {
    const cases: [number, number][] = [
      [1, 0x3f80], [-2, 0xc000], [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [3.4028234663852886e38, 0x7f80], [3.3895313892515355e38, 0x7f7f],
      [NaN, 0x7fc0], [-0, 0x8000], [2 ** -133, 0x0001], [2 ** -149, 0x0000], [-Infinity, 0xff80], [0.1, 0x3dcd],
    ];
    expect(stored(cases.map(([x]) => x), 'bfloat16')).toEqual(cases.map(([, h]) => h));
    expect(stored([3.4028234663852886e38, 1 + 2 ** -8], 'bfloat16', 'float32')).toEqual([0x7f80, 0x3f80]);
  });

  it('float16 files load back as float32 with the rounded values; ints and bools keep their dtype', () => {
    const tree = { w: fromStorage([3], 'float32', Float32Array.of(0.1, 1e10, -3)), n: fromStorage([1], 'int32', Int32Array.of(9)), ok: true };
    const ck = read(serialize(tree, { dtype: 'float16' }));
    expect(ck.entries['w']!.dtype).toBe('F16');
    expect(ck.entries['n']!.dtype).toBe('I32');
    expect(values(ck.tensors['w']!)).toEqual([0.0999755859375, Infinity, -3]);
    const back = restore(serialize(tree, { dtype: 'bfloat16' }), tree);
    expect(E.isRight(back)).toBe(true);
  });

  it('per-name storage dtypes: an int32 counter as I64, range-checked narrow ints', () => {
    const tree = { bn: { num_batches_tracked: fromStorage([], 'int32', Int32Array.of(-3)) }, small: fromStorage([2], 'int32', Int32Array.of(1, 300)) };
    const { header, data } = headerOf(serialize(tree, { dtypes: { 'bn.num_batches_tracked': 'I64' } }));
    expect(header['bn.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    const [b, e] = header['bn.num_batches_tracked'].data_offsets;
    expect(new DataView(data.slice(b, e).buffer).getBigInt64(0, true)).toBe(-3n);
    expect(() => serialize(tree, { dtypes: { small: 'U8' as FileDType } })).toThrow(/\.small cannot be stored as U8: element 1 is 300, outside the U8 range \[0, 255\]/);
    expect(() => serialize(tree, { dtypes: { small: 'F16' } })).toThrow(/int32 tensor at \.small cannot be stored as "F16"/);
    expect(() => serialize(tree, { dtypes: { nope: 'I64' } })).toThrow(/options.dtypes names "nope"/);
    expect(() => serialize(tree, { dtype: 'half' as 'float16' })).toThrow(/serialize: options.dtype must be one of "float32", "float16", "bfloat16", got "half"/);
    expect(() => serialize(tree, { dtyp: 'float16' } as object)).toThrow(/serialize: unknown option "dtyp" \(valid options: metadata, dtype, dtypes\)/);
  });

  it('every 16-bit pattern encodes back to itself (law, exhaustive)', () => {
    expect(encodeDecodesEveryPattern('float16')).toBe(true);
    expect(encodeDecodesEveryPattern('bfloat16')).toBe(true);
  });

  it('midpoints between neighbours round to even, points beside them to the near side (law, exhaustive)', () => {
    expect(midpointsRoundToEven('float16')).toBe(true);
    expect(midpointsRoundToEven('bfloat16')).toBe(true);
  });

  it('the laws name the first pattern a broken codec gets wrong', () => {
    const half = storageCodec('float16');
    // Subnormals flushed to zero: the smallest subnormal does not come back.
    const flushing = { ...half, encode: (x: number) => (x !== 0 && Math.abs(x) < 2 ** -14 ? (x < 0 ? 0x8000 : 0) : half.encode(x)) };
    expect(encodeDecodesEveryPattern('float16', flushing)).toBe('float16: pattern 0x0001 decodes to 5.960464477539063e-8, which encodes to 0x0000, not back to 0x0001');
    // Round toward zero (truncation): the upper half of the first gap goes down.
    const truncating = { ...half, encode: (x: number) => { const h = half.encode(x); return Math.abs(half.decode(h)) > Math.abs(x) ? h - 1 : h; } };
    expect(midpointsRoundToEven('float16', truncating)).toBe('float16: 5.21540641784668e-8, seven eighths of the way from 0x0000 (0) to 0x0001 (5.960464477539063e-8), encodes to 0x0000, expected 0x0001');
  });
});
