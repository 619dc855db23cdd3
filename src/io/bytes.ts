/**
 * Checkpoints as bytes: `serialize` writes a tree in the safetensors layout and `deserialize`
 * reads any safetensors file whose dtypes we support. Pure functions over Uint8Array, so they
 * run in browsers as well as Node.
 *
 * Reading is defensive: every size in the header is checked against the bytes actually present
 * before anything is allocated, so a hostile or corrupt file gives a DecodeError, never a crash
 * or a huge allocation.
 */
import { either as E } from 'fp-ts';
import { fromStorage, Tensor, type DType, type TypedArray } from '../tensor';
import { flattenWithPath, keyPathToString, type KeyPath } from '../tree';
import {
  boundedByteSize,
  elementBytes,
  fromFileDType,
  headerAlignment,
  hostIsLittleEndian,
  maxHeaderBytes,
  metadataKey,
  stringLeavesKey,
  tensorName,
  toFileDType,
  type FileDType,
} from './format';
import { decodeError, decodeHeader, type DecodeError, type HeaderEntry } from './header';

/**
 * The contents of a checkpoint file: tensors by name, and the `__metadata__` strings.
 * Both records have a null prototype, so names like `__proto__` are ordinary keys.
 *
 *   const ck = E.getOrElseW(() => undefined)(deserialize(bytes));
 *   ck?.tensors['layers.0.weight'].shape; // [784, 128]
 */
export interface Checkpoint {
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Options for `serialize` (and `save`). `metadata` goes to the header's `__metadata__`, which
 * other tools show as free-form strings (Hugging Face writers put `{ format: 'pt' }` there).
 *
 *   serialize(params, { metadata: { model: 'mlp', commit: 'abc123' } });
 *   save('ckpt.safetensors', params, { metadata: { epoch: '3' } });
 */
export interface SerializeOptions {
  readonly metadata?: Readonly<Record<string, string>>;
}

interface Blob {
  readonly name: string;
  readonly dtype: FileDType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/**
 * Encode a tree in the safetensors layout. Tensor leaves are stored under their dotted key path
 * (`layers.0.weight`); number leaves become 0-d F64 tensors and boolean leaves 0-d BOOL tensors
 * (bit-exact, and visible to other tools, like PyTorch's optimizer `step`); string leaves go to
 * the metadata key `tensorlaw.strings`. `null`/`undefined` hold nothing. Throws on leaves a file
 * cannot hold (functions, class instances), on two paths that give one name, and on tracers.
 *
 *   const bytes = serialize({ params, step: 100 }, { metadata: { note: 'after warmup' } });
 *   E.isRight(deserialize(bytes)); // true
 */
export function serialize(tree: unknown, options: SerializeOptions = {}): Uint8Array {
  const blobs: Blob[] = [];
  const strings: Record<string, string> = Object.create(null);
  const owners = new Map<string, KeyPath>();
  for (const [path, leaf] of flattenWithPath(tree)) {
    const name = tensorName(path);
    const where = path.length === 0 ? 'the root' : keyPathToString(path);
    if (name === metadataKey) throw new Error(`serialize: the leaf at ${where} would be named '${metadataKey}', which the format reserves for metadata`);
    const previous = owners.get(name);
    if (previous) throw new Error(`serialize: the leaves at ${keyPathToString(previous)} and ${where} would both be named '${name}'; rename one key`);
    owners.set(name, path);
    if (leaf instanceof Tensor) blobs.push({ name, dtype: toFileDType[leaf.dtype], shape: leaf.shape, data: tensorData(leaf, where) });
    else if (typeof leaf === 'number') blobs.push({ name, dtype: 'F64', shape: [], data: Float64Array.of(leaf) });
    else if (typeof leaf === 'boolean') blobs.push({ name, dtype: 'BOOL', shape: [], data: Uint8Array.of(leaf ? 1 : 0) });
    else if (typeof leaf === 'string') strings[name] = leaf;
    else throw new Error(`serialize: the leaf at ${where} is ${describeLeaf(leaf)}; checkpoints hold tensors, numbers, booleans and strings`);
  }
  const metadata = { ...options.metadata };
  if (stringLeavesKey in metadata) throw new Error(`serialize: the metadata key '${stringLeavesKey}' is reserved for the tree's string leaves`);
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`serialize: metadata '${k}' must be a string, got ${typeof v}`);
  if (Object.keys(strings).length > 0) metadata[stringLeavesKey] = JSON.stringify(strings);
  return encode(blobs, metadata);
}

function tensorData(x: Tensor, where: string): TypedArray {
  try {
    return x.dataSync();
  } catch (e) {
    throw new Error(`serialize: cannot read the tensor at ${where}: ${(e as Error).message}`);
  }
}

function describeLeaf(x: unknown): string {
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object' && x !== null) return `an instance of ${x.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof x}`;
}

function encode(blobs: readonly Blob[], metadata: Record<string, string>): Uint8Array {
  // Widest elements first keeps every tensor aligned to its element size once the data section
  // starts on an 8-byte boundary (the reference writer does the same); the sort is stable.
  const ordered = [...blobs].sort((a, b) => elementBytes[b.dtype] - elementBytes[a.dtype]);
  const fields: string[] = [];
  let offset = 0;
  for (const b of ordered) {
    const end = offset + b.data.byteLength;
    fields.push(`${JSON.stringify(b.name)}:${JSON.stringify({ dtype: b.dtype, shape: b.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  if (Object.keys(metadata).length > 0) fields.push(`${JSON.stringify(metadataKey)}:${JSON.stringify(metadata)}`);
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / headerAlignment) * headerAlignment;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const b of ordered) {
    out.set(littleEndianBytes(b.data), at);
    at += b.data.byteLength;
  }
  return out;
}

function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return hostIsLittleEndian ? bytes : swapped(bytes, data.BYTES_PER_ELEMENT);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j]!;
  return out;
}

/**
 * Decode safetensors bytes into tensors and metadata. Every failure is a `Left` naming what is
 * wrong and where (the header's JSON path or the tensor's name): a header length past the end,
 * invalid UTF-8 or JSON, schema errors, unsupported dtypes (F16, BF16, I64, U8, ...), offsets
 * out of range or not matching `dtype size * product(shape)`, overlapping ranges, holes and
 * trailing bytes. It never throws and allocates no more than the file's own size.
 *
 *   const r = deserialize(bytes);
 *   if (E.isRight(r)) r.right.tensors['w'].dataSync();
 */
export function deserialize(bytes: Uint8Array): E.Either<DecodeError, Checkpoint> {
  try {
    const layout = readLayout(bytes);
    if (E.isLeft(layout)) return layout;
    const { entries, metadata, dataStart } = layout.right;
    const problems = checkRanges(entries, bytes.length - dataStart);
    if (problems.length > 0) return E.left(decodeError(problems));
    const tensors: Record<string, Tensor> = Object.create(null);
    for (const [name, entry] of entries) tensors[name] = materialize(bytes, dataStart, entry);
    return E.right({ tensors, metadata });
  } catch (e) {
    // Every check above should make this unreachable; a reader must still never throw.
    return E.left(decodeError([`internal error while reading: ${e instanceof Error ? e.message : String(e)}`]));
  }
}

interface Layout {
  readonly entries: ReadonlyArray<readonly [string, HeaderEntry]>;
  readonly metadata: Record<string, string>;
  readonly dataStart: number;
}

function readLayout(bytes: Uint8Array): E.Either<DecodeError, Layout> {
  const fail = (problem: string) => E.left(decodeError([problem]));
  if (!(bytes instanceof Uint8Array)) return fail(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) return fail(`file is ${bytes.length} bytes; the header length alone needs 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > maxHeaderBytes) return fail(`header length ${headerLength} exceeds the ${maxHeaderBytes}-byte limit (a corrupt or hostile file)`);
  if (8 + headerLength > bytes.length) return fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const header = decodeHeader(json);
  if (E.isLeft(header)) return header;
  return E.right({ entries: header.right.entries, metadata: header.right.metadata, dataStart: 8 + headerLength });
}

/** Every range inside the data, sized by its dtype and shape, and the ranges tiling the data exactly. */
function checkRanges(entries: ReadonlyArray<readonly [string, HeaderEntry]>, dataLength: number): string[] {
  const problems: string[] = [];
  for (const [name, { dtype, shape, data_offsets: [begin, end] }] of entries) {
    const label = `tensor ${JSON.stringify(name)}`;
    if (begin > end) problems.push(`${label}: data_offsets [${begin}, ${end}] begin after they end`);
    else if (end > dataLength) problems.push(`${label}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    else {
      const size = boundedByteSize(shape, elementBytes[dtype], dataLength);
      if (size === undefined) problems.push(`${label}: shape [${shape.join(', ')}] of ${dtype} needs more bytes than the whole data section (${dataLength})`);
      else if (size !== end - begin) problems.push(`${label}: shape [${shape.join(', ')}] of ${dtype} needs ${size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
  }
  if (problems.length > 0) return problems;
  // The format requires the tensors to cover the data section exactly: no holes, no overlaps.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let covered = 0;
  let last = '';
  for (const [name, { data_offsets: [begin, end] }] of sorted) {
    if (begin > covered) problems.push(`data section has a hole: bytes [${covered}, ${begin}) belong to no tensor (before ${JSON.stringify(name)})`);
    else if (begin < covered) problems.push(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(last)}`);
    if (end >= covered) {
      covered = end;
      last = name;
    }
  }
  if (covered < dataLength) problems.push(`data section has ${dataLength - covered} trailing bytes that belong to no tensor`);
  return problems;
}

function materialize(bytes: Uint8Array, dataStart: number, entry: HeaderEntry): Tensor {
  const [begin, end] = entry.data_offsets;
  const width = elementBytes[entry.dtype];
  // A fresh copy, aligned at offset 0. (Not `bytes.slice`: on a Node Buffer that is a view.)
  let raw = new Uint8Array(end - begin);
  raw.set(bytes.subarray(dataStart + begin, dataStart + end));
  if (!hostIsLittleEndian && width > 1) raw = swapped(raw, width);
  const dtype: DType = fromFileDType[entry.dtype];
  const length = raw.length / width;
  let data: TypedArray;
  switch (dtype) {
    case 'float32': data = new Float32Array(raw.buffer, 0, length); break;
    case 'float64': data = new Float64Array(raw.buffer, 0, length); break;
    case 'int32': data = new Int32Array(raw.buffer, 0, length); break;
    // Other writers may store any nonzero byte as true; our bool storage is exactly 0 or 1.
    case 'bool': data = raw.map((v) => (v !== 0 ? 1 : 0)); break;
  }
  return fromStorage(entry.shape, dtype, data);
}
