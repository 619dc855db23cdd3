/**
 * Checkpoints as bytes: `serialize` writes a tree in the safetensors layout and `deserialize`
 * reads any safetensors file (every dtype of the format). Pure functions over Uint8Array, so they
 * run in browsers as well as Node.
 *
 * Reading is defensive: every size in the header is checked against the bytes actually present
 * before anything is allocated, so a hostile or corrupt file gives a DecodeError, never a crash
 * or a huge allocation.
 */
import { either as E } from 'fp-ts';
import { checkOneOf, checkOptions, optionKeys, Tensor, type DType } from '../tensor';
import { flattenWithPath, keyPathToString, type KeyPath } from '../tree';
import { encodeElements } from './convert';
import { badKey, elementBytes, headerAlignment, metadataKey, stringLeavesKey, tensorName, toFileDType, writableAs, type FileDType } from './format';
import { decodeError, problem, type DecodeError } from './header';
import { decodeTensor, headerLengthOf, parseLayout, type Layout } from './layout';

/**
 * What a file says about one tensor: its stored dtype and shape (read from the header alone).
 *
 *   ck.entries['h.0.attn.c_attn.weight']; // { dtype: 'F16', shape: [768, 2304] }
 */
export interface TensorInfo {
  readonly dtype: FileDType;
  readonly shape: readonly number[];
}

/**
 * The contents of a checkpoint file: the tensors read (all, or the ones asked for), what the
 * header says about every tensor in the file, and the `__metadata__` strings. The records have
 * a null prototype, so names like `__proto__` are ordinary keys.
 *
 *   const ck = E.getOrElseW(() => undefined)(deserialize(bytes));
 *   ck?.tensors['layers.0.weight'].shape; // [784, 128]
 *   ck?.entries['layers.0.weight'].dtype; // 'F32'
 */
export interface Checkpoint {
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly entries: Readonly<Record<string, TensorInfo>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Which tensors to read: a list of names or a predicate. Names the file lacks are ignored here
 * (`restore` reports them against its template).
 *
 *   deserialize(bytes, { names: ['wte.weight'] });
 *   readCheckpoint('gpt2.safetensors', { names: (n) => n.startsWith('h.0.') });
 */
export interface ReadOptions {
  readonly names?: readonly string[] | ((name: string) => boolean);
}

/**
 * Options for `serialize` (and `save`). `metadata` goes to the header's `__metadata__`, which
 * other tools show as free-form strings (Hugging Face writers put `{ format: 'pt' }` there).
 * `dtype` stores every float tensor as float16 or bfloat16 (round to nearest even; loading gives
 * float32 back). `dtypes` sets the stored dtype of single tensors by name, e.g. PyTorch's I64
 * `num_batches_tracked` (see `writableAs` for what each compute dtype may be written as).
 *
 *   serialize(params, { metadata: { model: 'mlp', commit: 'abc123' } });
 *   save('ckpt.safetensors', params, { dtype: 'bfloat16', dtypes: { 'bn.num_batches_tracked': 'I64' } });
 */
export interface SerializeOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  readonly dtype?: 'float32' | 'float16' | 'bfloat16';
  readonly dtypes?: Readonly<Record<string, FileDType>>;
}

interface Blob {
  readonly name: string;
  readonly dtype: FileDType;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

const serializeOptionKeys = optionKeys<SerializeOptions>({ metadata: true, dtype: true, dtypes: true });
const floatStorage: Record<string, FileDType> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

/**
 * Encode a tree in the safetensors layout. Tensor leaves are stored under their dotted key path
 * (`layers.0.weight`); number leaves become 0-d F64 tensors and boolean leaves 0-d BOOL tensors
 * (bit-exact, and visible to other tools, like PyTorch's optimizer `step`); string leaves go to
 * the metadata key `tensorlaw.strings`. `null`/`undefined` hold nothing. Throws on leaves a file
 * cannot hold (functions, class instances), on keys that cannot round-trip through a dotted
 * name (empty, or containing a dot), and on tracers.
 *
 *   const bytes = serialize({ params, step: 100 }, { metadata: { note: 'after warmup' } });
 *   const half = serialize(params, { dtype: 'float16' });
 */
export function serialize(tree: unknown, options: SerializeOptions = {}): Uint8Array {
  checkSerializeOptions(options);
  const blobs: Blob[] = [];
  const strings: Record<string, string> = Object.create(null);
  const owners = new Map<string, KeyPath>();
  const floatAs = options.dtype === undefined ? undefined : floatStorage[options.dtype];
  const perName = options.dtypes ?? {};
  for (const [path, leaf] of flattenWithPath(tree)) {
    const name = tensorName(path);
    const where = path.length === 0 ? 'the root' : keyPathToString(path);
    const bad = path.map((k) => [k, badKey(k)] as const).find(([, why]) => why !== undefined);
    if (bad) throw new Error(`serialize: the key ${JSON.stringify(bad[0])} at ${where} ${bad[1]}; checkpoint names join keys with '.', so keys must be non-empty and dot-free to read back as the same tree`);
    if (name === metadataKey) throw new Error(`serialize: the leaf at ${where} would be named '${metadataKey}', which the format reserves for metadata`);
    const previous = owners.get(name);
    if (previous) throw new Error(`serialize: the leaves at ${keyPathToString(previous)} and ${where} would both be named '${name}'; rename one key`);
    owners.set(name, path);
    if (leaf instanceof Tensor) {
      const stored = Object.prototype.hasOwnProperty.call(perName, name) ? perName[name]! : floatAs !== undefined && (leaf.dtype === 'float32' || leaf.dtype === 'float64') ? floatAs : toFileDType[leaf.dtype];
      blobs.push({ name, dtype: stored, shape: leaf.shape, bytes: encodeLeaf(leaf, stored, where) });
    } else if (typeof leaf === 'number') blobs.push({ name, dtype: 'F64', shape: [], bytes: encodeElements(Float64Array.of(leaf), 'float64', 'F64') });
    else if (typeof leaf === 'boolean') blobs.push({ name, dtype: 'BOOL', shape: [], bytes: Uint8Array.of(leaf ? 1 : 0) });
    else if (typeof leaf === 'string') strings[name] = leaf;
    else throw new Error(`serialize: the leaf at ${where} is ${describeLeaf(leaf)}; checkpoints hold tensors, numbers, booleans and strings`);
  }
  for (const name of Object.keys(perName)) if (!owners.has(name)) throw new Error(`serialize: options.dtypes names ${JSON.stringify(name)}, which is not a tensor of the tree`);
  const metadata = { ...options.metadata };
  if (stringLeavesKey in metadata) throw new Error(`serialize: the metadata key '${stringLeavesKey}' is reserved for the tree's string leaves`);
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`serialize: metadata '${k}' must be a string, got ${typeof v}`);
  if (Object.keys(strings).length > 0) metadata[stringLeavesKey] = JSON.stringify(strings);
  return encode(blobs, metadata);
}

function checkSerializeOptions(options: SerializeOptions): void {
  checkOptions('serialize', options, serializeOptionKeys);
  if (options.dtype !== undefined) checkOneOf('serialize', 'options.dtype', options.dtype, ['float32', 'float16', 'bfloat16']);
}

function encodeLeaf(x: Tensor, stored: FileDType, where: string): Uint8Array {
  if (!(writableAs[x.dtype] as readonly string[]).includes(stored)) {
    throw new Error(`serialize: the ${x.dtype} tensor at ${where} cannot be stored as ${JSON.stringify(stored)}; a ${x.dtype} tensor may be stored as ${writableAs[x.dtype].join(', ')}`);
  }
  let data;
  try {
    data = x.dataSync();
  } catch (e) {
    throw new Error(`serialize: cannot read the tensor at ${where}: ${(e as Error).message}`);
  }
  try {
    return encodeElements(data, x.dtype as DType, stored);
  } catch (e) {
    throw new Error(`serialize: the tensor at ${where} cannot be stored as ${stored}: ${(e as Error).message}`);
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
    const end = offset + b.bytes.byteLength;
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
    out.set(b.bytes, at);
    at += b.bytes.byteLength;
  }
  return out;
}

/**
 * Decode safetensors bytes into tensors and metadata (all tensors, or those `options.names`
 * selects; only their bytes are copied). Every failure is a `Left` naming the rule it breaks and
 * where (the header's JSON path or the tensor's name): header length bounds, invalid UTF-8, a
 * header not starting with `{`, invalid JSON, duplicate keys, nesting too deep, numbers not
 * written as integers, schema errors, offsets that do not tile the data section, trailing bytes,
 * integers out of int32 range. It never throws and allocates no more than the file's own size.
 *
 *   const r = deserialize(bytes);
 *   if (E.isRight(r)) r.right.tensors['w'].dataSync();
 */
export function deserialize(bytes: Uint8Array, options: ReadOptions = {}): E.Either<DecodeError, Checkpoint> {
  try {
    if (!(bytes instanceof Uint8Array)) return E.left(decodeError([problem('header-length-bounds', `expected a Uint8Array, got ${typeof bytes}`)]));
    const n = headerLengthOf(bytes.subarray(0, 8), bytes.length);
    if (E.isLeft(n)) return n;
    const layout = parseLayout(bytes.subarray(8, 8 + n.right), bytes.length);
    if (E.isLeft(layout)) return layout;
    return readTensors(layout.right, options, (begin, end) => bytes.subarray(begin, end));
  } catch (e) {
    // Every check above should make this unreachable; a reader must still never throw.
    return E.left(decodeError([`internal error while reading: ${e instanceof Error ? e.message : String(e)}`]));
  }
}

/**
 * The tensors `options` selects from a checked layout, each from the bytes `read(begin, end)`
 * returns for its absolute range (synchronously, or a promise for files and Blobs).
 */
export function readTensors(layout: Layout, options: ReadOptions, read: (begin: number, end: number) => Uint8Array): E.Either<DecodeError, Checkpoint>;
export function readTensors(layout: Layout, options: ReadOptions, read: (begin: number, end: number) => Promise<Uint8Array>): Promise<E.Either<DecodeError, Checkpoint>>;
export function readTensors(layout: Layout, options: ReadOptions, read: (begin: number, end: number) => Uint8Array | Promise<Uint8Array>): E.Either<DecodeError, Checkpoint> | Promise<E.Either<DecodeError, Checkpoint>> {
  const wanted = selector(options);
  const entries: Record<string, TensorInfo> = Object.create(null);
  for (const [name, e] of layout.entries) entries[name] = { dtype: e.dtype, shape: e.shape };
  const chosen = layout.entries.filter(([name]) => wanted(name));
  const tensors: Record<string, Tensor> = Object.create(null);
  const problems: string[] = [];
  const take = (name: string, entry: (typeof chosen)[number][1], raw: Uint8Array) => {
    const t = decodeTensor(name, entry, raw);
    if (E.isLeft(t)) problems.push(...t.left.problems);
    else tensors[name] = t.right;
  };
  const done = () => (problems.length > 0 ? E.left(decodeError(problems)) : E.right({ tensors, entries, metadata: layout.metadata }));
  const range = (entry: (typeof chosen)[number][1]) => [layout.dataStart + entry.data_offsets[0], layout.dataStart + entry.data_offsets[1]] as const;
  const first = chosen[0] && read(...range(chosen[0][1]));
  if (first instanceof Promise) {
    return (async () => {
      for (const [i, [name, entry]] of chosen.entries()) take(name, entry, i === 0 ? await first : await read(...range(entry)));
      return done();
    })();
  }
  for (const [i, [name, entry]] of chosen.entries()) take(name, entry, i === 0 ? (first as Uint8Array) : (read(...range(entry)) as Uint8Array));
  return done();
}

function selector(options: ReadOptions): (name: string) => boolean {
  const names = options.names;
  if (names === undefined) return () => true;
  if (typeof names === 'function') return (n) => Boolean(names(n));
  if (!Array.isArray(names)) throw new Error(`readCheckpoint: options.names must be an array of names or a predicate, got ${typeof names}`);
  const set = new Set(names);
  return (n) => set.has(n);
}
