/**
 * Reading a file's layout: the header length, the header itself (strict JSON, then io-ts), and
 * the byte ranges of the tensors checked against the file size, all before any tensor data is
 * read. Every function here is pure over the bytes it is given, so the same checks serve whole
 * buffers, Node file handles (positioned reads) and browser Blobs (slices).
 */
import { either as E } from 'fp-ts';
import { fromStorage, type Tensor } from '../tensor';
import { decodeElements } from './convert';
import { boundedByteSize, computeDType, elementBytes, maxHeaderBytes } from './format';
import { decodeError, decodeHeader, problem, type DecodeError, type HeaderEntry } from './header';
import { parseStrictJson } from './json';

/** Where each tensor's bytes are, and the metadata; data offsets are relative to `dataStart`. */
export interface Layout {
  readonly entries: ReadonlyArray<readonly [string, HeaderEntry]>;
  readonly metadata: Record<string, string>;
  readonly dataStart: number;
}

const fail = (rule: Parameters<typeof problem>[0], message: string) => E.left(decodeError([problem(rule, message)]));

/**
 * The header length from the file's first 8 bytes, within bounds: at least 2 (`{}`), at most
 * `maxHeaderBytes`, and inside a file of `fileSize` bytes.
 *
 *   headerLengthOf(firstEight, 1024); // Right(120)
 */
export function headerLengthOf(prefix: Uint8Array, fileSize: number): E.Either<DecodeError, number> {
  if (fileSize < 8 || prefix.length < 8) return fail('header-length-bounds', `file is ${fileSize} bytes; the header length alone needs 8`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > maxHeaderBytes) return fail('header-length-bounds', `header length ${n} exceeds the ${maxHeaderBytes}-byte limit (a corrupt or hostile file)`);
  if (8 + n > fileSize) return fail('header-length-bounds', `header length ${n} runs past the end of the file (${fileSize} bytes)`);
  if (n < 2) return fail('header-length-bounds', `header length ${n} is too short for a JSON object (at least 2 bytes, "{}")`);
  return E.right(n);
}

/**
 * Decode and check the header (the `headerLength` bytes after the first 8) of a file of
 * `fileSize` bytes: valid UTF-8, starts with `{`, strict JSON, the schema, sizes matching
 * shapes, and ranges tiling the data section exactly.
 *
 *   const layout = parseLayout(bytes.subarray(8, 8 + n), bytes.length);
 */
export function parseLayout(header: Uint8Array, fileSize: number): E.Either<DecodeError, Layout> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(header);
  } catch {
    return fail('valid-utf8', 'header is not valid UTF-8');
  }
  if (text[0] !== '{') return fail('header-starts-with-brace', `header must start with '{', starts with ${JSON.stringify(text.slice(0, 10))}`);
  const json = parseStrictJson(text);
  if (E.isLeft(json)) return fail(json.left.rule, json.left.message);
  const decoded = decodeHeader(json.right);
  if (E.isLeft(decoded)) return decoded;
  const dataStart = 8 + header.length;
  const problems = checkRanges(decoded.right.entries, fileSize - dataStart);
  if (problems.length > 0) return E.left(decodeError(problems));
  return E.right({ entries: decoded.right.entries, metadata: decoded.right.metadata, dataStart });
}

/** Every range inside the data, sized by its dtype and shape, and the ranges tiling the data exactly. */
function checkRanges(entries: ReadonlyArray<readonly [string, HeaderEntry]>, dataLength: number): string[] {
  const problems: string[] = [];
  for (const [name, { dtype, shape, data_offsets: [begin, end] }] of entries) {
    const label = `tensor ${JSON.stringify(name)}`;
    if (begin > end) problems.push(problem('offsets-tile-data', `${label}: data_offsets [${begin}, ${end}] begin after they end`));
    else if (end > dataLength) problems.push(problem('offsets-tile-data', `${label}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`));
    else {
      const size = boundedByteSize(shape, elementBytes[dtype], dataLength);
      if (size === undefined) problems.push(problem('tensor-size', `${label}: shape [${shape.join(', ')}] of ${dtype} needs more bytes than the whole data section (${dataLength})`));
      else if (size !== end - begin) problems.push(problem('tensor-size', `${label}: shape [${shape.join(', ')}] of ${dtype} needs ${size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`));
    }
  }
  if (problems.length > 0) return problems;
  // The format requires the tensors to cover the data section exactly: no holes, no overlaps.
  const sorted = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let covered = 0;
  let last = '';
  for (const [name, { data_offsets: [begin, end] }] of sorted) {
    if (begin > covered) problems.push(problem('offsets-tile-data', `data section has a hole: bytes [${covered}, ${begin}) belong to no tensor (before ${JSON.stringify(name)})`));
    else if (begin < covered) problems.push(problem('offsets-tile-data', `tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(last)}`));
    if (end >= covered) {
      covered = end;
      last = name;
    }
  }
  if (covered < dataLength) problems.push(problem('no-trailing-bytes', `data section has ${dataLength - covered} trailing bytes that belong to no tensor`));
  return problems;
}

/**
 * One tensor from its stored bytes (exactly its data_offsets range), converted to its compute
 * dtype (see convert.ts); a Left names the tensor when a value does not fit.
 *
 *   decodeTensor('w', entry, bytes.subarray(start + b, start + e)); // Right(Tensor)
 */
export function decodeTensor(name: string, entry: HeaderEntry, raw: Uint8Array): E.Either<DecodeError, Tensor> {
  const data = decodeElements(entry.dtype, raw);
  if (E.isLeft(data)) return fail('int32-range', `tensor ${JSON.stringify(name)} (${entry.dtype} [${entry.shape.join(', ')}]): ${data.left}`);
  return E.right(fromStorage(entry.shape, computeDType[entry.dtype], data.right));
}
