/**
 * The safetensors layout, and how tree positions and dtypes map onto it.
 *
 *   [8 bytes: header length N, little-endian u64][N bytes: UTF-8 JSON header][data section]
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets
 * relative to the data section) plus an optional `__metadata__` map of strings. Tensors cover the
 * data section contiguously, with no holes, overlaps or trailing bytes.
 */
import type { DType } from '../tensor';
import type { KeyPath } from '../tree';

/**
 * The header key that holds free-form string metadata rather than a tensor.
 *
 *   deserialize(bytes); // Right({ tensors, metadata }): metadata is header[metadataKey]
 *   serialize({ [metadataKey]: t }); // throws: the name is reserved
 */
export const metadataKey = '__metadata__';

/**
 * The metadata key under which string leaves of a tree are stored, as a JSON object from tensor
 * name to string. Numbers and booleans are stored as 0-d tensors instead, so other tools see them.
 *
 *   const ck = deserialize(serialize({ run: 'baseline' }));
 *   JSON.parse(ck.right.metadata[stringLeavesKey]); // { run: 'baseline' }
 */
export const stringLeavesKey = 'tensorlaw.strings';

/**
 * Headers larger than this are refused before decoding (the reference reader's limit too).
 *
 *   deserialize(fileClaimingA1GBHeader); // Left: 'header length ... exceeds the 100000000-byte limit'
 *   maxHeaderBytes; // 100_000_000
 */
export const maxHeaderBytes = 100_000_000;

/** Writers pad the header with spaces so the data section starts on this boundary. */
export const headerAlignment = 8;

/**
 * The safetensors dtype names this library reads and writes: float32, float64, int32 and bool.
 *
 *   const d: FileDType = 'F32';
 *   header['w'].dtype; // 'F32' | 'F64' | 'I32' | 'BOOL'
 */
export type FileDType = 'F32' | 'F64' | 'I32' | 'BOOL';

export const toFileDType: Record<DType, FileDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
export const fromFileDType: Record<FileDType, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };

/** Bytes per element of each dtype in a file. */
export const elementBytes: Record<FileDType, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1 };

/** Dtypes other safetensors writers produce, named in errors so users know what they hit. */
export const knownForeignDTypes: readonly string[] = ['F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'I64', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'C64'];

export function isFileDType(x: string): x is FileDType {
  return Object.prototype.hasOwnProperty.call(elementBytes, x);
}

/**
 * The tensor name of a tree position: keys joined with dots, array indices in decimal.
 *
 *   tensorName(['layers', 0, 'weight']); // 'layers.0.weight'
 *   tensorName([]);                      // '' (a tree that is a single leaf)
 */
export function tensorName(path: KeyPath): string {
  return path.map(String).join('.');
}

/**
 * The byte size `elementSize * product(shape)` if it is at most `limit`, else `undefined`.
 * Checking against the limit while multiplying keeps hostile shapes like [1e15, 1e15] from
 * overflowing into a small (or wrong) size.
 */
export function boundedByteSize(shape: readonly number[], elementSize: number, limit: number): number | undefined {
  if (shape.some((d) => d === 0)) return 0;
  let bytes = elementSize;
  for (const d of shape) {
    if (bytes > limit / d) return undefined;
    bytes *= d;
  }
  return bytes <= limit ? bytes : undefined;
}

/** True on little-endian hosts (all mainstream ones); elsewhere bytes are swapped explicitly. */
export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
