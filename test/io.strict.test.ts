/**
 * The strict header rules, one Left per rule naming it; tree paths that cannot round-trip; lazy
 * reads of a subset of a large file (a sparse 2 GiB file, read by path and as a Blob).
 */
import { either as E } from 'fp-ts';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deserialize, load, readCheckpoint, restore, serialize, type FileRule, type MismatchError } from '../src/io';
import { fromStorage } from '../src/tensor';

/** A file from header text (taken verbatim) and data bytes. */
function rawFile(header: string, data: Uint8Array | number = 0, lengthField?: number): Uint8Array {
  const text = new TextEncoder().encode(header);
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + bytes.length);
  new DataView(out.buffer).setUint32(0, lengthField ?? text.length, true);
  out.set(text, 8);
  out.set(bytes, 8 + text.length);
  return out;
}

const w8 = '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';

const expectRule = (bytes: Uint8Array, rule: FileRule, fragment: string) => {
  const r = deserialize(bytes);
  if (E.isRight(r)) throw new Error(`expected a Left for rule ${rule}`);
  expect(r.left.rules).toContain(rule);
  expect(r.left.message).toContain(`[${rule}]`);
  expect(r.left.message).toContain(fragment);
};

describe('strict header rules: each is a Left naming the rule', () => {
  const cases: [string, FileRule, Uint8Array, string][] = [
    ['header length below 2', 'header-length-bounds', rawFile('{', 0), 'too short for a JSON object'],
    ['header length past the end', 'header-length-bounds', rawFile('{}', 0, 300), 'runs past the end of the file'],
    ['header length past the limit', 'header-length-bounds', rawFile('{}', 0, 2 ** 31), 'exceeds the 100000000-byte limit'],
    ['file shorter than 8 bytes', 'header-length-bounds', new Uint8Array(7), 'the header length alone needs 8'],
    ['invalid UTF-8 bytes in a name', 'valid-utf8', Uint8Array.from([...rawFile('{"\u00ff":1}').subarray(0, 10), 0xff, 0xfe, ...rawFile('{"\u00ff":1}').subarray(12)]), 'not valid UTF-8'],
    ['an escaped lone surrogate in a name', 'valid-utf8', rawFile(`{"\\ud800x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), 'lone surrogate'],
    ['a lone low surrogate in metadata', 'valid-utf8', rawFile(`{"__metadata__":{"k":"\\udc00"}}`), 'header["__metadata__"]: the string'],
    ['leading whitespace', 'header-starts-with-brace', rawFile(` {${w8}}`, 8), "must start with '{'"],
    ['a top-level array', 'header-starts-with-brace', rawFile('[1]'), "must start with '{'"],
    ['bad JSON', 'json-syntax', rawFile('{"w":}'), 'expected a JSON value at character 5'],
    ['text after the object', 'json-syntax', rawFile(`{${w8}} x`, 8), 'the end of the header'],
    ['a trailing comma', 'json-syntax', rawFile(`{${w8},}`, 8), 'a string key'],
    ['duplicate tensor names', 'no-duplicate-keys', rawFile(`{${w8},${w8.replace('[0,8]', '[8,16]')}}`, 16), 'the key "w" appears twice'],
    ['duplicate field in an entry', 'no-duplicate-keys', rawFile('{"w":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}', 8), 'header["w"]: the key "dtype" appears twice'],
    ['duplicate metadata key', 'no-duplicate-keys', rawFile('{"__metadata__":{"a":"1","a":"2"}}'), 'header["__metadata__"]: the key "a" appears twice'],
    ['nesting 100,000 deep', 'depth-limit', rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`, 8), 'nesting deeper than 32 levels'],
    ['a dim written 2.0', 'integer-literals', rawFile('{"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', 8), 'header["w"]["shape"][0]: expected a non-negative integer written as an integer (no fraction or exponent), got 2.0'],
    ['an offset written 8e0', 'integer-literals', rawFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}', 8), 'got 8e0'],
    ['a dim written -0', 'integer-literals', rawFile('{"w":{"dtype":"F32","shape":[-0,2],"data_offsets":[0,0]}}'), 'got -0'],
    ['a missing field', 'header-schema', rawFile('{"w":{"dtype":"F32","shape":[2]}}', 8), 'header["w"]["data_offsets"]'],
    ['a size that does not match the shape', 'tensor-size', rawFile('{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}', 8), 'needs 6 bytes'],
    ['a hole between tensors', 'offsets-tile-data', rawFile(`{${w8},"v":{"dtype":"U8","shape":[1],"data_offsets":[9,10]}}`, 10), 'bytes [8, 9) belong to no tensor'],
    ['overlapping tensors', 'offsets-tile-data', rawFile(`{${w8},"v":{"dtype":"I16","shape":[2],"data_offsets":[6,10]}}`, 10), 'overlap tensor "w"'],
    ['trailing bytes', 'no-trailing-bytes', rawFile(`{${w8}}`, 9), '1 trailing bytes'],
  ];
  for (const [name, rule, bytes, fragment] of cases) it(`${rule}: ${name}`, () => expectRule(bytes, rule, fragment));

  it('the same headers parse when written correctly (padding spaces and escapes allowed)', () => {
    const r = deserialize(rawFile(`{"\\u0077":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":[[1.5e3]]},"__metadata__":{"a":"\\ud83d\\ude00"}}    `, 8));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(Object.keys(r.right.tensors)).toEqual(['w']);
    expect(r.right.metadata['a']).toBe('😀');
  });
});

describe('tree paths that cannot round-trip are refused at save and at load', () => {
  const t = fromStorage([1], 'float32', Float32Array.of(1));
  it('save refuses dotted and empty keys, naming the key and its path', () => {
    expect(() => serialize({ a: t, 'a.b': t })).toThrow(/the key "a.b" at \["a.b"\] contains a dot/);
    expect(() => serialize({ a: { '': { b: t } } })).toThrow(/the key "" at .a\[""\].b is empty/);
    expect(() => serialize({ layers: [{ 'w.x': 1 }] })).toThrow(/contains a dot/);
  });
  it('load refuses a template with such keys, as a `path` mismatch', () => {
    const bytes = serialize({ a: { b: t } });
    const r = restore(bytes, { 'a.b': t });
    if (E.isRight(r) || !Array.isArray(r.left)) throw new Error('expected mismatches');
    const errors = r.left as readonly MismatchError[];
    expect(errors.map((m) => m.kind)).toEqual(['path', 'unexpected']);
    expect(errors[0]!.message).toContain('the template key "a.b" contains a dot');
  });
});

describe('lazy reads: a subset of a large file reads only its bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-lazy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A 2 GiB F32 tensor (sparse on disk: never written) followed by two small ones.
  const big = 2 ** 31;
  const header = JSON.stringify({
    huge: { dtype: 'F32', shape: [big / 4], data_offsets: [0, big] },
    small: { dtype: 'BF16', shape: [2], data_offsets: [big, big + 4] },
    count: { dtype: 'I64', shape: [], data_offsets: [big + 4, big + 12] },
  });
  const path = join(dir, 'big.safetensors');
  const fd = openSync(path, 'w');
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setUint32(0, header.length, true);
  writeSync(fd, prefix);
  writeSync(fd, header);
  ftruncateSync(fd, 8 + header.length + big + 12);
  writeSync(fd, Uint8Array.of(0x80, 0x3f, 0x00, 0xc0, 42, 0, 0, 0, 0, 0, 0, 0), 0, 12, 8 + header.length + big);
  closeSync(fd);

  it('by path: two small tensors of a 2 GiB file, without reading the rest', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const r = await readCheckpoint(path, { names: ['small', 'count'] });
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(Object.keys(r.right.tensors).sort()).toEqual(['count', 'small']);
    expect(Array.from(r.right.tensors['small']!.dataSync())).toEqual([1, -2]);
    expect(Array.from(r.right.tensors['count']!.dataSync())).toEqual([42]);
    expect(r.right.entries['huge']).toEqual({ dtype: 'F32', shape: [big / 4] });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it('as a Blob: only the header and the selected ranges are sliced', async () => {
    const bytes = serialize({ a: fromStorage([1000], 'float32', new Float32Array(1000).fill(3)), b: fromStorage([2], 'int32', Int32Array.of(5, 6)) });
    const slices: [number, number][] = [];
    class CountingBlob extends Blob {
      override slice(start?: number, end?: number): Blob {
        slices.push([start ?? 0, end ?? this.size]);
        return super.slice(start, end);
      }
    }
    const r = await readCheckpoint(new CountingBlob([bytes.slice()]), { names: (n) => n === 'b' });
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(Object.keys(r.right.tensors)).toEqual(['b']);
    expect(Array.from(r.right.tensors['b']!.dataSync())).toEqual([5, 6]);
    const readBytes = slices.reduce((n, [s, e]) => n + e - s, 0);
    expect(readBytes).toBeLessThan(bytes.length - 4000 + 200);
  });

  it('load with a template reads only the template, and names everything else as unexpected', async () => {
    const r = await load(path, { small: fromStorage([2], 'float32', new Float32Array(2)), count: 0 });
    if (E.isRight(r) || !Array.isArray(r.left)) throw new Error('expected mismatches');
    expect((r.left as readonly MismatchError[]).map((m) => [m.kind, m.name])).toEqual([['unexpected', 'huge']]);
  });

  it('a missing file and a directory are ReadErrors', async () => {
    const missing = await readCheckpoint(join(dir, 'nope'));
    expect(E.isLeft(missing) && missing.left._tag === 'ReadError' && missing.left.code).toBe('ENOENT');
    const folder = await readCheckpoint(dir);
    expect(E.isLeft(folder) && folder.left._tag).toBe('ReadError');
  });
});
