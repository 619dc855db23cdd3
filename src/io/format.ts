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
 * Every dtype of the safetensors format. All of them read; on load each becomes a compute dtype
 * by `computeDType`: floats narrower than 32 bits widen to float32 exactly, integers become int32
 * (I64, U64 and U32 after a range check whose error names the tensor), BOOL stays bool.
 *
 *   const d: FileDType = 'BF16';
 *   computeDType.BF16; // 'float32'
 */
export type FileDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element of each dtype in a file. */
export const elementBytes: Record<FileDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

/**
 * The dtype a stored tensor has once loaded.
 *
 *   computeDType.F16; // 'float32'
 *   computeDType.I64; // 'int32' (values outside int32 are a load error naming the tensor)
 */
export const computeDType: Record<FileDType, DType> = {
  F64: 'float64', F32: 'float32', F16: 'float32', BF16: 'float32', F8_E4M3: 'float32', F8_E5M2: 'float32',
  I64: 'int32', I32: 'int32', I16: 'int32', I8: 'int32', U64: 'int32', U32: 'int32', U16: 'int32', U8: 'int32', BOOL: 'bool',
};

/** The dtype a tensor is written as unless options say otherwise. */
export const toFileDType: Record<DType, FileDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** Which stored dtypes a tensor of each compute dtype may be written as. */
export const writableAs: Record<DType, readonly FileDType[]> = {
  float32: ['F32', 'F64', 'F16', 'BF16'],
  float64: ['F64', 'F32', 'F16', 'BF16'],
  int32: ['I32', 'I64', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8'],
  bool: ['BOOL'],
};

/** Dtypes other safetensors writers produce that this reader refuses, named in errors. */
export const knownForeignDTypes: readonly string[] = ['C64', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2'];

export function isFileDType(x: string): x is FileDType {
  return Object.prototype.hasOwnProperty.call(elementBytes, x);
}

/**
 * Why a tree key cannot be a checkpoint name, or undefined when it can. Names join keys with
 * dots, so a key containing a dot, or an empty key, would not split back into the same path
 * (`{ 'a.b': x }` and `{ a: { b: x } }` would both be `a.b`); such keys are refused rather
 * than escaped, so every name in a file reads the same in other tools.
 *
 *   badKey('weight'); // undefined
 *   badKey('a.b');    // 'contains a dot'
 */
export function badKey(key: string | number): string | undefined {
  if (typeof key === 'number') return undefined;
  if (key === '') return 'is empty';
  if (key.includes('.')) return 'contains a dot';
  return undefined;
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
