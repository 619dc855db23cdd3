/**
 * The header codecs (io-ts) and the error type of every decoding failure. Decoding never throws:
 * each problem becomes a line naming its JSON path, e.g. `header["w"].shape[1]: expected a
 * non-negative safe integer, got -3`.
 */
import { either as E } from 'fp-ts';
import * as t from 'io-ts';
import { elementBytes, isFileDType, knownForeignDTypes, metadataKey, type FileDType } from './format';
import { JsonFloat, type FileRule } from './json';

/**
 * Why bytes could not be read as a checkpoint. `problems` lists every problem found (capped);
 * `message` is a one-line summary for logs.
 *
 *   const r = deserialize(new Uint8Array(3));
 *   if (E.isLeft(r) && !Array.isArray(r.left)) console.log(r.left.message);
 */
export interface DecodeError {
  readonly _tag: 'DecodeError';
  readonly message: string;
  /** Each problem as `[rule] what and where`. */
  readonly problems: readonly string[];
  /** The rules broken (see `FileRule`), each once, in order of first appearance. */
  readonly rules: readonly FileRule[];
}

/**
 * One problem line: the rule in brackets, then what is wrong and where.
 *
 *   problem('no-trailing-bytes', 'data section has 4 trailing bytes'); // '[no-trailing-bytes] data section has ...'
 */
export function problem(rule: FileRule, message: string): string {
  return `[${rule}] ${message}`;
}

const maxProblems = 20;

/**
 * A DecodeError from a list of problems (the list is capped so a hostile header with a million
 * bad entries gives a readable error, not a huge one).
 *
 *   decodeError(['file is 3 bytes; the header length alone needs 8']);
 *   decodeError(problems).message; // 'checkpoint: file is 3 bytes; ...'
 */
export function decodeError(problems: readonly string[]): DecodeError {
  const shown = problems.slice(0, maxProblems);
  if (problems.length > maxProblems) shown.push(`... and ${problems.length - maxProblems} more problems`);
  const rules = [...new Set(problems.map((p) => /^\[([a-z0-9-]+)\]/.exec(p)?.[1]).filter((r): r is FileRule => r !== undefined))];
  return { _tag: 'DecodeError', message: `checkpoint: ${shown.join('; ')}`, problems: shown, rules };
}

// ---------------------------------------------------------------------------------------------
// Codecs

function describeValue(v: unknown): string {
  if (v instanceof JsonFloat) return v.text;
  let s: string;
  try {
    s = v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 && !Object.is(u, -0);

/**
 * A non-negative integer that JS numbers represent exactly (dims and byte offsets), written as an
 * integer literal: `2.0`, `2e0` and `-0` are refused (rule integer-literals).
 */
const Count = new t.Type<number, number, unknown>(
  'Count',
  isCount,
  (u, c) => {
    if (isCount(u)) return t.success(u);
    if (u instanceof JsonFloat) return t.failure(u, c, `expected a non-negative integer written as an integer (no fraction or exponent), got ${u.text}`);
    return t.failure(u, c, `expected a non-negative safe integer, got ${Object.is(u, -0) ? '-0' : describeValue(u)}`);
  },
  t.identity,
);

const Offsets = new t.Type<[number, number], [number, number], unknown>(
  'DataOffsets',
  (u): u is [number, number] => Array.isArray(u) && u.length === 2 && u.every(Count.is),
  (u, c) => {
    if (!Array.isArray(u) || u.length !== 2) return t.failure(u, c, `expected [begin, end], got ${describeValue(u)}`);
    return t.tuple([Count, Count]).validate(u, c);
  },
  t.identity,
);

const supported = Object.keys(elementBytes).join(', ');

const DTypeName = new t.Type<FileDType, string, unknown>(
  'DType',
  (u): u is FileDType => typeof u === 'string' && isFileDType(u),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, `expected a dtype name, got ${describeValue(u)}`);
    if (isFileDType(u)) return t.success(u);
    const known = knownForeignDTypes.includes(u) ? '' : ' (not a safetensors dtype)';
    return t.failure(u, c, `unsupported dtype ${describeValue(u)}${known}; supported: ${supported}`);
  },
  t.identity,
);

/**
 * One tensor's header entry. Extra fields are ignored, as other readers do.
 *
 *   HeaderEntry.decode({ dtype: 'F32', shape: [2], data_offsets: [0, 8] }); // Right
 *   HeaderEntry.decode({ dtype: 'C64', shape: [2], data_offsets: [0, 16] }); // Left: unsupported dtype
 */
export const HeaderEntry = t.type({ dtype: DTypeName, shape: t.array(Count), data_offsets: Offsets }, 'HeaderEntry');
export type HeaderEntry = t.TypeOf<typeof HeaderEntry>;

/**
 * `__metadata__`: a flat map from string to string.
 *
 *   Metadata.decode({ format: 'pt' }); // Right
 *   Metadata.decode({ epoch: 3 });     // Left: expected string, got 3
 */
export const Metadata = t.record(t.string, t.string, 'Metadata');
export type Metadata = t.TypeOf<typeof Metadata>;

/**
 * The decoded header: tensor entries by name (in file order), and the metadata map.
 *
 *   const h = HeaderCodec.decode(JSON.parse(text));
 *   if (E.isRight(h)) h.right.entries.map(([name]) => name);
 */
export interface Header {
  readonly entries: ReadonlyArray<readonly [name: string, entry: HeaderEntry]>;
  readonly metadata: Metadata;
}

/**
 * The whole header: an object of entries, where the `__metadata__` key holds metadata. Every
 * bad entry is reported (not just the first), each with its JSON path.
 *
 *   HeaderCodec.decode({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }); // Right
 *   HeaderCodec.decode([]); // Left: expected a JSON object
 */
export const HeaderCodec = new t.Type<Header, unknown, unknown>(
  'Header',
  (u): u is Header => typeof u === 'object' && u !== null && 'entries' in u && 'metadata' in u,
  (u, c) => {
    if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, `expected a JSON object, got ${describeValue(u)}`);
    const errors: t.Errors = [];
    const entries: [string, HeaderEntry][] = [];
    let metadata: Metadata = Object.create(null);
    for (const [name, value] of Object.entries(u)) {
      if (name === metadataKey) {
        const r = Metadata.validate(value, t.appendContext(c, name, Metadata, value));
        if (E.isLeft(r)) errors.push(...r.left);
        else metadata = Object.assign(Object.create(null), r.right);
        continue;
      }
      const r = HeaderEntry.validate(value, t.appendContext(c, name, HeaderEntry, value));
      if (E.isLeft(r)) errors.push(...r.left);
      else entries.push([name, r.right]);
    }
    return errors.length > 0 ? t.failures(errors) : t.success({ entries, metadata });
  },
  (h) => {
    const out: Record<string, unknown> = Object.create(null);
    for (const [name, entry] of h.entries) out[name] = entry;
    if (Object.keys(h.metadata).length > 0) out[metadataKey] = h.metadata;
    return out;
  },
);

/**
 * A validation error as a line: the JSON path in accessor syntax, then what was wrong.
 *
 *   reportError(e); // 'header["w"].shape[0]: expected a non-negative safe integer, got -1'
 *   errors.map(reportError);
 */
export function reportError(e: t.ValidationError): string {
  let path = 'header';
  for (let i = 1; i < e.context.length; i++) {
    const key = e.context[i]!.key;
    path += Array.isArray(e.context[i - 1]!.actual) ? `[${key}]` : `[${JSON.stringify(key)}]`;
  }
  const last = e.context[e.context.length - 1];
  const message = e.message ?? `expected ${last?.type.name ?? 'a valid value'}, got ${describeValue(e.value)}`;
  return `${path}: ${message}`;
}

/** Decode parsed JSON into a header, reporting every problem with its path. */
export function decodeHeader(json: unknown): E.Either<DecodeError, Header> {
  const r = HeaderCodec.decode(json);
  const rule = (e: t.ValidationError): FileRule => (e.value instanceof JsonFloat || Object.is(e.value, -0) ? 'integer-literals' : 'header-schema');
  return E.isLeft(r) ? E.left(decodeError(r.left.map((e) => problem(rule(e), reportError(e))))) : E.right(r.right);
}
