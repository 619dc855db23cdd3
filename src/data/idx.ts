/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per dimension,
 * then the values in row-major order, big-endian. Labels are `0x00000801` (uint8, 1-D), images
 * `0x00000803` (uint8, 3-D).
 *
 * Decoding never throws: every malformed input is an `IdxError` Left. The declared size is
 * checked against the bytes actually present before anything is allocated, so a forged header
 * cannot ask for gigabytes.
 */
import { either as E } from 'fp-ts';

/** The element types of IDX, by their type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds each IDX element type. */
export interface IdxDataTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/** A decoded IDX file: its shape, element type and values (row-major, in native typed-array form). */
export interface IdxArray<D extends IdxDType = IdxDType> {
  readonly shape: readonly number[];
  readonly dtype: D;
  readonly data: IdxDataTypes[D];
}

/** Why an IDX file could not be decoded (or was not the kind expected). */
export interface IdxError {
  readonly _tag: 'IdxError';
  readonly reason: 'header' | 'magic' | 'type' | 'truncated' | 'length' | 'expected';
  readonly message: string;
}

/**
 * Make an IdxError (the message gets an `IDX: ` prefix).
 *
 *   idxError('expected', '5 images but 4 labels');
 *   // { _tag: 'IdxError', reason: 'expected', message: 'IDX: 5 images but 4 labels' }
 */
export function idxError(reason: IdxError['reason'], message: string): IdxError {
  return { _tag: 'IdxError', reason, message: `IDX: ${message}` };
}

const CODES: Record<number, IdxDType> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
const CODE_OF: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const WIDTH: Record<IdxDType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
const ARRAY: { [D in IdxDType]: new (n: number) => IdxDataTypes[D] } = {
  uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

/**
 * Decode the bytes of an IDX file.
 *
 *   const r = parseIdx(bytes);
 *   if (E.isRight(r)) r.right.shape;   // e.g. [10000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array): E.Either<IdxError, IdxArray> {
  if (!(bytes instanceof Uint8Array)) return E.left(idxError('header', `expected a Uint8Array of file bytes, got ${typeof bytes}`));
  if (bytes.length < 4) return E.left(idxError('header', `file of ${bytes.length} bytes is too short for the 4-byte magic number`));
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    const hint = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this is a gzip file: gunzip it first)' : '';
    return E.left(idxError('magic', `bad magic number 0x${magic}: IDX files start with two zero bytes${hint}`));
  }
  const dtype = CODES[bytes[2]!];
  if (dtype === undefined) return E.left(idxError('type', `unknown element type code 0x${bytes[2]!.toString(16).padStart(2, '0')} (expected 08, 09, 0b, 0c, 0d or 0e)`));
  const ndim = bytes[3]!;
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) return E.left(idxError('truncated', `header declares ${ndim} dimensions (${headerBytes} bytes) but the file has only ${bytes.length} bytes`));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const width = WIDTH[dtype];
  const available = bytes.length - headerBytes;
  // Multiply up while the product can still fit in the file, so forged dims never overflow
  // (a zero dimension anywhere makes the array empty).
  let size = shape.includes(0) ? 0 : 1;
  for (const d of size === 0 ? [] : shape) {
    size *= d;
    if (size * width > available) {
      return E.left(idxError('truncated', `dims [${shape.join(', ')}] of ${dtype} need more than the ${available} data bytes present`));
    }
  }
  if (size * width !== available) {
    return E.left(idxError('length', `dims [${shape.join(', ')}] of ${dtype} need ${size * width} data bytes, but the file has ${available} (${available - size * width} extra)`));
  }
  const data = new ARRAY[dtype](size);
  const at = headerBytes;
  switch (dtype) {
    case 'uint8': data.set(bytes.subarray(at)); break;
    case 'int8': for (let i = 0; i < size; i++) data[i] = view.getInt8(at + i); break;
    case 'int16': for (let i = 0; i < size; i++) data[i] = view.getInt16(at + 2 * i, false); break;
    case 'int32': for (let i = 0; i < size; i++) data[i] = view.getInt32(at + 4 * i, false); break;
    case 'float32': for (let i = 0; i < size; i++) data[i] = view.getFloat32(at + 4 * i, false); break;
    case 'float64': for (let i = 0; i < size; i++) data[i] = view.getFloat64(at + 8 * i, false); break;
  }
  return E.right({ shape, dtype, data });
}

/**
 * Encode an array as IDX bytes (the inverse of `parseIdx`), e.g. to write test fixtures.
 *
 *   const bytes = encodeIdx({ shape: [2], dtype: 'uint8', data: new Uint8Array([3, 7]) });
 *   parseIdx(bytes);   // Right({ shape: [2], dtype: 'uint8', data: [3, 7] })
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { shape, dtype, data } = array;
  if (shape.length > 255) throw new RangeError(`encodeIdx: IDX holds at most 255 dimensions, got ${shape.length}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`encodeIdx: shape [${shape.join(', ')}] holds ${size} values, got ${data.length}`);
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + size * WIDTH[dtype]);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[dtype];
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const at = headerBytes;
  for (let i = 0; i < size; i++) {
    const v = data[i]!;
    switch (dtype) {
      case 'uint8': view.setUint8(at + i, v); break;
      case 'int8': view.setInt8(at + i, v); break;
      case 'int16': view.setInt16(at + 2 * i, v, false); break;
      case 'int32': view.setInt32(at + 4 * i, v, false); break;
      case 'float32': view.setFloat32(at + 4 * i, v, false); break;
      case 'float64': view.setFloat64(at + 8 * i, v, false); break;
    }
  }
  return out;
}

/**
 * Check a decoded IDX array is MNIST-style images: uint8 of shape [n, height, width].
 *
 *   const images = pipe(parseIdx(bytes), E.chain(asIdxImages));
 *   if (E.isRight(images)) images.right.shape;   // [n, 28, 28]
 */
export function asIdxImages(a: IdxArray): E.Either<IdxError, IdxArray<'uint8'>> {
  if (a.dtype !== 'uint8' || a.shape.length !== 3) {
    return E.left(idxError('expected', `expected images (uint8, 3 dims, magic 0x00000803), got ${a.dtype} with shape [${a.shape.join(', ')}]`));
  }
  return E.right(a as IdxArray<'uint8'>);
}

/**
 * Check a decoded IDX array is MNIST-style labels: uint8 of shape [n].
 *
 *   const labels = pipe(parseIdx(bytes), E.chain(asIdxLabels));
 *   if (E.isRight(labels)) labels.right.data[0];   // a digit 0..9
 */
export function asIdxLabels(a: IdxArray): E.Either<IdxError, IdxArray<'uint8'>> {
  if (a.dtype !== 'uint8' || a.shape.length !== 1) {
    return E.left(idxError('expected', `expected labels (uint8, 1 dim, magic 0x00000801), got ${a.dtype} with shape [${a.shape.join(', ')}]`));
  }
  return E.right(a as IdxArray<'uint8'>);
}
