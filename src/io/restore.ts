/**
 * Loading against a template: the template tree says which leaves to expect, with which shape
 * and dtype, and the result has the template's structure. Every disagreement is reported at once
 * with its path, because fixing a checkpoint one error per run is miserable.
 */
import { either as E } from 'fp-ts';
import { Tensor, type DType } from '../tensor';
import { flatten, keyPathToString, unflatten, type KeyPath } from '../tree';
import { deserialize, type Checkpoint } from './bytes';
import { badKey, computeDType, stringLeavesKey, tensorName, toFileDType } from './format';
import { decodeError, Metadata, reportError, type DecodeError } from './header';

/**
 * One way a checkpoint disagrees with its template.
 * `missing`: the template has a leaf the file lacks; `unexpected`: the file has a name the
 * template lacks; `shape`/`dtype`: both have it but they differ; `kind`: the leaf cannot be
 * matched at all (a string where a tensor is expected, a function in the template, ...);
 * `path`: a template key that cannot round-trip through a dotted name (empty, or with a dot).
 *
 *   const r = restore(bytes, template);
 *   if (E.isLeft(r) && Array.isArray(r.left)) r.left.forEach((m) => console.log(m.message));
 */
export interface MismatchError {
  readonly _tag: 'MismatchError';
  readonly kind: 'missing' | 'unexpected' | 'shape' | 'dtype' | 'kind' | 'path';
  /** The tensor name in the file (`layers.0.weight`). */
  readonly name: string;
  /** The template key path (`.layers[0].weight`); for `unexpected`, the name again. */
  readonly path: string;
  readonly message: string;
}

/**
 * Why a checkpoint could not be restored: the bytes were not a valid file, or the file does not
 * fit the template (every mismatch listed).
 *
 *   const r: E.Either<RestoreError, typeof state> = restore(bytes, state);
 *   if (E.isLeft(r)) console.error(formatError(r.left));
 */
export type RestoreError = DecodeError | readonly MismatchError[];

/**
 * Decode `bytes` and rebuild a tree with `template`'s structure. Each template leaf must be in
 * the file: a tensor with the same shape whose stored dtype loads as the template's dtype (a
 * float32 template takes F32, F16, BF16 and F8; an int32 one any integer dtype; see
 * `computeDType`); a number as a 0-d numeric tensor (returned as a JS number); a boolean as a
 * 0-d BOOL tensor; a string in the string metadata.
 * Names the template does not have are `unexpected`. The template's own values are not read.
 *
 *   const r = restore(bytes, { params: init(key), step: 0 });
 *   const { params, step } = E.getOrElseW((e) => { throw new Error(formatError(e)); })(r);
 */
export function restore<T>(bytes: Uint8Array, template: T): E.Either<RestoreError, T> {
  const ck = deserialize(bytes, { names: templateNames(template) });
  return E.isLeft(ck) ? ck : fromCheckpoint(ck.right, template);
}

/**
 * `restore` for an already decoded checkpoint (after looking at its metadata, say).
 *
 *   const ck = deserialize(bytes);
 *   const tree = E.chainW((c: Checkpoint) => fromCheckpoint(c, template))(ck);
 */
export function fromCheckpoint<T>(ck: Checkpoint, template: T): E.Either<RestoreError, T> {
  const strings = stringLeaves(ck.metadata);
  if (E.isLeft(strings)) return strings;
  const [leaves, def] = flatten(template);
  const paths = def.leafPaths();
  const errors: MismatchError[] = [];
  const used = new Map<string, KeyPath>();
  const values = leaves.map((leaf, i) => {
    const path = paths[i]!;
    const name = tensorName(path);
    const where = path.length === 0 ? 'the root' : keyPathToString(path);
    const mismatch = (kind: MismatchError['kind'], what: string) => {
      errors.push({ _tag: 'MismatchError', kind, name, path: where, message: `${where} (${JSON.stringify(name)}): ${what}` });
    };
    const bad = path.map((k) => [k, badKey(k)] as const).find(([, why]) => why !== undefined);
    if (bad) return mismatch('path', `the template key ${JSON.stringify(bad[0])} ${bad[1]}; checkpoint names join keys with '.', so such a key cannot be matched to a name`);
    const previous = used.get(name);
    if (previous) return mismatch('kind', `the template's leaves at ${keyPathToString(previous)} and ${where} share this name`);
    used.set(name, path);
    const info = Object.prototype.hasOwnProperty.call(ck.entries, name) ? ck.entries[name] : undefined;
    const text = Object.prototype.hasOwnProperty.call(strings.right, name) ? strings.right[name] : undefined;
    const expected = expectation(leaf);
    if (expected === undefined) return mismatch('kind', `the template leaf is ${typeof leaf === 'function' ? 'a function' : `a ${typeof leaf}`}, which checkpoints cannot hold`);
    if (expected === 'string') {
      if (text !== undefined) return text;
      return info ? mismatch('kind', `expected a string, the file has a ${info.dtype} [${info.shape.join(', ')}] tensor`) : mismatch('missing', 'expected a string, missing from the file');
    }
    if (!info) return text !== undefined ? mismatch('kind', `expected a ${describe(expected)} tensor, the file has a string`) : mismatch('missing', `expected a ${describe(expected)} tensor, missing from the file`);
    if (!expected.dtypes.includes(computeDType[info.dtype])) mismatch('dtype', `dtype mismatch: template has ${expected.dtypes.map((d) => toFileDType[d]).join(' or ')}, file has ${info.dtype}${computeDType[info.dtype] !== expected.dtypes[0] && toFileDType[computeDType[info.dtype]] !== info.dtype ? ` (loads as ${computeDType[info.dtype]})` : ''}`);
    if (!sameShape(expected.shape, info.shape)) mismatch('shape', `shape mismatch: template has [${expected.shape.join(', ')}], file has [${info.shape.join(', ')}]`);
    const tensor = ck.tensors[name];
    if (tensor === undefined) return mismatch('missing', 'listed in the header but not read (restore needs every template tensor read)');
    if (typeof leaf === 'number') return Number(tensor.dataSync()[0]);
    if (typeof leaf === 'boolean') return tensor.dataSync()[0] !== 0;
    return tensor;
  });
  for (const name of [...Object.keys(ck.entries), ...Object.keys(strings.right)]) {
    if (!used.has(name)) errors.push({ _tag: 'MismatchError', kind: 'unexpected', name, path: name, message: `${JSON.stringify(name)}: in the file but not in the template` });
  }
  return errors.length > 0 ? E.left(errors) : E.right(unflatten(def, values) as T);
}

/**
 * The names a template's leaves are stored under (what `restore` will read).
 *
 *   templateNames({ layers: [{ w }], step: 0 }); // ['layers.0.w', 'step']
 */
export function templateNames(template: unknown): string[] {
  const [, def] = flatten(template);
  return def.leafPaths().map(tensorName);
}

interface Expected {
  readonly shape: readonly number[];
  readonly dtypes: readonly DType[];
}

function expectation(leaf: unknown): Expected | 'string' | undefined {
  if (leaf instanceof Tensor) return { shape: leaf.shape, dtypes: [leaf.dtype] };
  // Any numeric scalar holds a number (PyTorch writes optimizer steps as F32 or I64).
  if (typeof leaf === 'number') return { shape: [], dtypes: ['float64', 'float32', 'int32'] };
  if (typeof leaf === 'boolean') return { shape: [], dtypes: ['bool'] };
  if (typeof leaf === 'string') return 'string';
  return undefined;
}

function stringLeaves(metadata: Readonly<Record<string, string>>): E.Either<DecodeError, Record<string, string>> {
  const raw = metadata[stringLeavesKey];
  if (raw === undefined) return E.right(Object.create(null));
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return E.left(decodeError([`header["__metadata__"][${JSON.stringify(stringLeavesKey)}]: not valid JSON`]));
  }
  const r = Metadata.decode(json);
  if (E.isLeft(r)) return E.left(decodeError([`header["__metadata__"][${JSON.stringify(stringLeavesKey)}]: expected a JSON object of strings (${r.left.slice(0, 3).map((e) => reportError(e).replace(/^header/, 'at ')).join('; ')})`]));
  return E.right(Object.assign(Object.create(null), r.right));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function describe(e: Expected): string {
  return `${toFileDType[e.dtypes[0]!]} [${e.shape.join(', ')}]`;
}

/**
 * A readable multi-line description of any checkpoint error.
 *
 *   const r = restore(bytes, template);
 *   if (E.isLeft(r)) throw new Error(formatError(r.left));
 */
export function formatError(e: RestoreError | { readonly _tag: string; readonly message: string }): string {
  if (Array.isArray(e)) return `checkpoint does not match the template (${e.length} problems):\n  ${e.map((m: MismatchError) => m.message).join('\n  ')}`;
  return (e as { message: string }).message;
}
