/**
 * Stored bytes to compute arrays and back, for every dtype of the format. The rules:
 *
 * - F64 -> float64, F32 -> float32, bit for bit (NaN payloads and -0 kept).
 * - F16, BF16, F8_E5M2, F8_E4M3 -> float32, exactly (each of their values is a float32).
 * - I32, I16, I8, U16, U8 -> int32 (widening, exact). I64, U64, U32 -> int32 when every element
 *   fits in [-2^31, 2^31 - 1]; otherwise a load error naming the tensor, the element and its value.
 * - BOOL -> bool; any nonzero byte is true.
 *
 * Writing: float tensors as F32, F64, F16 or BF16 (round to nearest even, overflow to ±inf);
 * int32 tensors as any integer dtype (I64 sign-extended; narrower ones range-checked).
 */
import { either as E } from 'fp-ts';
import type { DType, TypedArray } from '../tensor';
import { elementBytes, hostIsLittleEndian, toFileDType, type FileDType } from './format';
import { bfloat16, decodeMiniFloat, encodeMiniFloat, float16, float8e4m3, float8e5m2, halfToFloat32Table } from './minifloat';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Decode the little-endian bytes of one tensor (`raw.length` = count * element size) into an
 * array of its compute dtype, or a message saying which element does not fit.
 *
 *   decodeElements('BF16', Uint8Array.of(0x80, 0x3f)); // Right(Float32Array [1])
 *   decodeElements('I64', bytesOf2To40);               // Left('element 0 is 1099511627776, ...')
 */
export function decodeElements(dtype: FileDType, raw: Uint8Array): E.Either<string, TypedArray> {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.byteLength / elementBytes[dtype];
  const ints = (read: (i: number) => number) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = read(i);
    return E.right(out);
  };
  const wide = (read: (i: number) => number) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = read(i);
      if (!(v >= INT32_MIN && v <= INT32_MAX)) return E.left(`element ${i} is ${v}, outside the int32 range [${INT32_MIN}, ${INT32_MAX}] that ${dtype} values load into`);
      out[i] = v;
    }
    return E.right(out);
  };
  // 64-bit integers as high word * 2^32 + low word: exact whenever the value fits in int32, and
  // still a (rounded) readable number in the error when it does not.
  const int64 = (i: number) => view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
  const uint64 = (i: number) => view.getUint32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true);
  switch (dtype) {
    // Native pairings copy the bytes (a fresh aligned buffer), so NaN payloads and -0 survive.
    case 'F64': return E.right(new Float64Array(littleEndianCopy(raw, 8).buffer));
    case 'F32': return E.right(new Float32Array(littleEndianCopy(raw, 4).buffer));
    case 'F16': {
      const table = halfToFloat32Table();
      const bits = new Uint32Array(table.buffer);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = bits[view.getUint16(2 * i, true)]!;
      return E.right(new Float32Array(out.buffer));
    }
    case 'BF16': {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true) << 16;
      return E.right(new Float32Array(out.buffer));
    }
    case 'F8_E4M3':
    case 'F8_E5M2': {
      const format = dtype === 'F8_E4M3' ? float8e4m3 : float8e5m2;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = decodeMiniFloat(format, raw[i]!);
      return E.right(out);
    }
    case 'I32': return E.right(new Int32Array(littleEndianCopy(raw, 4).buffer));
    case 'I16': return ints((i) => view.getInt16(2 * i, true));
    case 'I8': return ints((i) => view.getInt8(i));
    case 'U16': return ints((i) => view.getUint16(2 * i, true));
    case 'U8': return ints((i) => raw[i]!);
    case 'U32': return wide((i) => view.getUint32(4 * i, true));
    case 'I64': return wide(int64);
    case 'U64': return wide(uint64);
    case 'BOOL': return E.right(Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0)));
  }
}

/**
 * Encode a tensor's elements as `dtype` (little-endian), or throw a message naming the first
 * element that does not fit an integer dtype, or a dtype pairing that makes no sense.
 *
 *   encodeElements(Float32Array.of(1, -2), 'float32', 'F16'); // bytes 00 3c 00 c0
 *   encodeElements(Int32Array.of(7), 'int32', 'I64');         // 07 00 00 00 00 00 00 00
 */
export function encodeElements(data: TypedArray, from: DType, dtype: FileDType): Uint8Array {
  // The native pairing is the bytes themselves (so NaN payloads survive), swapped on big-endian hosts.
  if (dtype === toFileDType[from]) return littleEndianCopy(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), data.BYTES_PER_ELEMENT);
  const n = data.length;
  const out = new Uint8Array(n * elementBytes[dtype]);
  const view = new DataView(out.buffer);
  const range = (lo: number, hi: number, write: (i: number, v: number) => void) => {
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (v < lo || v > hi) throw new Error(`element ${i} is ${v}, outside the ${dtype} range [${lo}, ${hi}]`);
      write(i, v);
    }
  };
  switch (dtype) {
    case 'F64': for (let i = 0; i < n; i++) view.setFloat64(8 * i, data[i]!, true); break;
    case 'F32': for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i]!, true); break;
    case 'F16': for (let i = 0; i < n; i++) view.setUint16(2 * i, encodeMiniFloat(float16, data[i]!), true); break;
    case 'BF16': for (let i = 0; i < n; i++) view.setUint16(2 * i, encodeMiniFloat(bfloat16, data[i]!), true); break;
    case 'I64': for (let i = 0; i < n; i++) { view.setInt32(8 * i, data[i]!, true); view.setInt32(8 * i + 4, data[i]! < 0 ? -1 : 0, true); } break;
    case 'U64': range(0, INT32_MAX, (i, v) => view.setUint32(8 * i, v, true)); break;
    case 'I32': for (let i = 0; i < n; i++) view.setInt32(4 * i, data[i]!, true); break;
    case 'U32': range(0, INT32_MAX, (i, v) => view.setUint32(4 * i, v, true)); break;
    case 'I16': range(-32768, 32767, (i, v) => view.setInt16(2 * i, v, true)); break;
    case 'U16': range(0, 65535, (i, v) => view.setUint16(2 * i, v, true)); break;
    case 'I8': range(-128, 127, (i, v) => view.setInt8(i, v)); break;
    case 'U8': range(0, 255, (i, v) => view.setUint8(i, v)); break;
    case 'BOOL': for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0; break;
    default: throw new Error(`cannot write ${dtype}`);
  }
  return out;
}

/** A copy of little-endian bytes in host order (elements of `width` bytes), in a fresh buffer. */
function littleEndianCopy(bytes: Uint8Array, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  if (!hostIsLittleEndian && width > 1) {
    for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  }
  return out;
}
