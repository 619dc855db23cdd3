import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bitwise } from '../laws/approx';
import { arbCheckpointTree } from '../laws/arbitraries/io';
import { lawProperty } from '../laws/arbitraries/property';
import {
  flatNamesMatchPaths,
  headerIsAligned,
  restoreReportsEveryMissingLeaf,
  serializeRoundTrip,
} from '../laws/io';
import {
  deserialize,
  formatError,
  load,
  loadCheckpoint,
  restore,
  save,
  saveCheckpoint,
  serialize,
  type Checkpoint,
  type DecodeError,
  type MismatchError,
} from '../src/io';
import { nodeSystem, saveWith } from '../src/io/node';
import { fromStorage, type Tensor } from '../src/tensor';

const seed = 7;
const params = { seed, numRuns: 150 };

const f32 = (shape: number[], xs: number[]) => fromStorage(shape, 'float32', Float32Array.from(xs));
const f64 = (shape: number[], xs: number[]) => fromStorage(shape, 'float64', Float64Array.from(xs));
const i32 = (shape: number[], xs: number[]) => fromStorage(shape, 'int32', Int32Array.from(xs));
const bool = (shape: number[], xs: number[]) => fromStorage(shape, 'bool', Uint8Array.from(xs));
const range = (n: number, scale = 0.25) => Array.from({ length: n }, (_, i) => (i - n / 2) * scale);

/** A typical training state: nested params, Adam-like state with an int32 count, step, key. */
function trainingState() {
  const params = {
    layers: [
      { weight: f32([3, 4], range(12)), bias: f32([4], range(4)) },
      { weight: f32([4, 2], range(8, 0.1)), bias: f32([2], [-0, 1e-40]) },
    ],
    scale: f64([], [Math.PI]),
  };
  const zerosLike = (t: Tensor) => fromStorage(t.shape, t.dtype, new Float32Array(t.size).fill(1 / 3));
  const mapParams = (f: (t: Tensor) => Tensor) => ({
    layers: params.layers.map((l) => ({ weight: f(l.weight), bias: f(l.bias) })),
    scale: f64([], [0.5]),
  });
  return {
    params,
    optState: [{ count: i32([], [1234]) }, { mu: mapParams(zerosLike), nu: mapParams(zerosLike) }, null],
    step: 1234,
    key: i32([2], [0x12345678, -1]),
    frozen: bool([3], [1, 0, 1]),
    lr: 3e-4,
    useEma: false,
    run: 'baseline-é',
  };
}

const isMismatches = (e: unknown): e is readonly MismatchError[] => Array.isArray(e);
const decodeProblem = (r: E.Either<unknown, unknown>): string => {
  if (E.isRight(r)) throw new Error('expected a Left, got a Right');
  const e = r.left as DecodeError;
  expect(e._tag).toBe('DecodeError');
  return e.message;
};

/** A file built by hand from the format description: header JSON, padding, raw bytes. */
function handBuilt(header: unknown, data: Uint8Array, padTo = 1): Uint8Array {
  let json = JSON.stringify(header);
  while (json.length % padTo !== 0) json += ' ';
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe(`checkpoint round trips (seed ${seed})`, () => {
  it('a training state round-trips bit-exactly, numbers as numbers', () => {
    const state = trainingState();
    const r = restore(serialize(state), state);
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(bitwise.equals(r.right, state)).toBe(true);
    expect(r.right.step).toBe(1234);
    expect(r.right.lr).toBe(3e-4);
    expect(r.right.useEma).toBe(false);
    expect(r.right.run).toBe('baseline-é');
    expect(r.right.optState[2]).toBeNull();
    expect(Array.from(r.right.key.dataSync())).toEqual([0x12345678, -1]);
    expect(r.right.key.dtype).toBe('int32');
  });

  it('NaN payloads, infinities, -0 and subnormals keep their bits', () => {
    const nan32 = new Float32Array(new Uint32Array([0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000, 0x80000000, 1]).buffer);
    const nan64 = new Float64Array(new Uint32Array([1, 0x7ff80000, 0xdeadbeef, 0xfff00000, 0, 0x80000000]).buffer);
    const tree = { a: fromStorage([6], 'float32', nan32), b: fromStorage([3], 'float64', nan64), n: -0, m: NaN, p: -Infinity };
    expect(serializeRoundTrip(tree)).toBe(true);
    const back = restore(serialize(tree), tree);
    if (E.isLeft(back)) throw new Error('round trip failed');
    expect(Object.is(back.right.n, -0)).toBe(true);
    expect(new Uint32Array(back.right.a.dataSync().buffer)[1]).toBe(0xffc12345);
  });

  it('names are dotted key paths, numbers 0-d F64 and booleans 0-d BOOL tensors', () => {
    const r = deserialize(serialize(trainingState()));
    if (E.isLeft(r)) throw new Error(r.left.message);
    const names = Object.keys(r.right.tensors).sort();
    expect(names).toContain('params.layers.0.weight');
    expect(names).toContain('optState.1.mu.layers.1.bias');
    expect(names).toContain('optState.0.count');
    expect(r.right.tensors['step']!.shape).toEqual([]);
    expect(r.right.tensors['step']!.dtype).toBe('float64');
    expect(r.right.tensors['useEma']!.dtype).toBe('bool');
    expect(names).not.toContain('run');
    expect(JSON.parse(r.right.metadata['tensorlaw.strings']!)).toEqual({ run: 'baseline-é' });
  });

  it('user metadata is stored in __metadata__', () => {
    const r = deserialize(serialize({ w: f32([1], [1]) }, { metadata: { format: 'pt', note: 'ünïcode' } }));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect({ ...r.right.metadata }).toEqual({ format: 'pt', note: 'ünïcode' });
  });

  it('serialize refuses leaves and names a file cannot hold', () => {
    expect(() => serialize({ f: () => 1 })).toThrow(/\.f is a function/);
    expect(() => serialize({ d: new Date(0) })).toThrow(/instance of Date/);
    expect(() => serialize({ 'a.b': 1, a: { b: 2 } })).toThrow(/key "a.b" at \["a.b"\] contains a dot/);
    expect(() => serialize({ a: { '': { b: 1 } } })).toThrow(/key "" at .*is empty/);
    expect(() => serialize({ __metadata__: 1 })).toThrow(/reserves/);
    expect(() => serialize({ s: 'x' }, { metadata: { 'tensorlaw.strings': '{}' } })).toThrow(/reserved/);
  });

  it('serializeRoundTrip (law)', () => {
    fc.assert(lawProperty(arbCheckpointTree, serializeRoundTrip), params);
  });
  it('flatNamesMatchPaths (law)', () => {
    fc.assert(lawProperty(arbCheckpointTree, flatNamesMatchPaths), params);
  });
  it('headerIsAligned (law)', () => {
    fc.assert(lawProperty(arbCheckpointTree, headerIsAligned), params);
  });
  it('restoreReportsEveryMissingLeaf (law)', () => {
    fc.assert(lawProperty(arbCheckpointTree, restoreReportsEveryMissingLeaf), params);
  });
  it('serialize is deterministic and independent of key insertion order', () => {
    const a = serialize({ x: f32([2], [1, 2]), y: 3 });
    const b = serialize({ y: 3, x: f32([2], [1, 2]) });
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('interoperability with other safetensors readers and writers', () => {
  // Vectors from huggingface/safetensors bindings/python/tests/test_simple.py: the older writer
  // did not pad ('<' = 60), the current one pads to 8 bytes with spaces ('@' = 64).
  const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
  const zeros16 = '\0'.repeat(16);

  it('reads the reference files, padded and unpadded, with metadata', () => {
    for (const file of [`<${'\0'.repeat(7)}${header}${zeros16}`, `@${'\0'.repeat(7)}${header}    ${zeros16}`]) {
      const r = deserialize(latin1(file));
      if (E.isLeft(r)) throw new Error(r.left.message);
      expect(Object.keys(r.right.tensors)).toEqual(['test']);
      expect(r.right.tensors['test']!.dtype).toBe('int32');
      expect(r.right.tensors['test']!.toArray()).toEqual([[0, 0], [0, 0]]);
    }
    const withMeta = `f${'\0'.repeat(7)}{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}       ${zeros16}`;
    const r = deserialize(latin1(withMeta));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.metadata['framework']).toBe('pt');
    expect(Object.keys(r.right.tensors)).toEqual(['test1']);
  });

  it('writes the reference writer\'s exact bytes', () => {
    const ours = serialize({ test: i32([2, 2], [0, 0, 0, 0]) });
    expect(Array.from(ours)).toEqual(Array.from(latin1(`@${'\0'.repeat(7)}${header}    ${zeros16}`)));
  });

  it('loads a file built by hand from the spec (any data order, padded header)', () => {
    // Data deliberately laid out in a different order from the header's keys.
    const data = new Uint8Array(8 * 2 + 4 * 3 + 4 * 2 + 3);
    const view = new DataView(data.buffer);
    view.setInt32(0, -7, true);
    view.setInt32(4, 2 ** 31 - 1, true);
    view.setFloat64(8, -0, true);
    view.setFloat64(16, 1 / 3, true);
    [1.5, -Infinity, 6.25].forEach((v, i) => view.setFloat32(24 + 4 * i, v, true));
    data.set([1, 0, 2], 36); // any nonzero byte reads as true
    const bytes = handBuilt(
      {
        'model.layers.0.weight': { dtype: 'F32', shape: [3], data_offsets: [24, 36] },
        'model.layers.0.bias': { dtype: 'F64', shape: [2, 1], data_offsets: [8, 24] },
        counts: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
        mask: { dtype: 'BOOL', shape: [3], data_offsets: [36, 39], extra_field: 'ignored' },
        __metadata__: { source: 'hand' },
      },
      data,
      8,
    );
    const r = deserialize(bytes);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const t = r.right.tensors;
    expect(Array.from(t['counts']!.dataSync())).toEqual([-7, 2 ** 31 - 1]);
    expect(Object.is(t['model.layers.0.bias']!.dataSync()[0], -0)).toBe(true);
    expect(t['model.layers.0.bias']!.toArray()).toEqual([[-0], [1 / 3]]);
    expect(Array.from(t['model.layers.0.weight']!.dataSync())).toEqual([1.5, -Infinity, 6.25]);
    expect(t['mask']!.toArray()).toEqual([true, false, true]);
    expect(r.right.metadata['source']).toBe('hand');

    const template = {
      model: { layers: [{ weight: f32([3], [0, 0, 0]), bias: f64([2, 1], [0, 0]) }] },
      counts: i32([2], [0, 0]),
      mask: bool([3], [0, 0, 0]),
    };
    const tree = restore(bytes, template);
    if (E.isLeft(tree)) throw new Error(formatError(tree.left));
    expect(tree.right.model.layers[0]!.weight.toArray()).toEqual([1.5, -Infinity, 6.25]);
  });

  it('a file we write reads the same through an independent reader', () => {
    const state = trainingState();
    const bytes = serialize(state);
    // The reader: header length, JSON, then DataView reads at the declared offsets.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any>;
    const read = (name: string): number[] => {
      const { dtype, shape, data_offsets: [begin, end] } = header[name];
      const count = shape.reduce((a: number, b: number) => a * b, 1);
      const width = { F32: 4, F64: 8, I32: 4, BOOL: 1 }[dtype as 'F32']!;
      expect(end - begin).toBe(count * width);
      return Array.from({ length: count }, (_, i) => {
        const at = 8 + n + begin + i * width;
        return dtype === 'F32' ? view.getFloat32(at, true) : dtype === 'F64' ? view.getFloat64(at, true) : dtype === 'I32' ? view.getInt32(at, true) : view.getUint8(at);
      });
    };
    expect((8 + n) % 8).toBe(0);
    expect(header['params.layers.0.weight']).toMatchObject({ dtype: 'F32', shape: [3, 4] });
    expect(read('params.layers.0.weight')).toEqual(Array.from(state.params.layers[0]!.weight.dataSync()));
    expect(read('params.layers.1.bias').map((v) => Object.is(v, -0))).toEqual([true, false]);
    expect(read('params.scale')).toEqual([Math.PI]);
    expect(read('optState.0.count')).toEqual([1234]);
    expect(read('key')).toEqual([0x12345678, -1]);
    expect(read('frozen')).toEqual([1, 0, 1]);
    expect(read('step')).toEqual([1234]);
    expect(read('useEma')).toEqual([0]);
    expect(JSON.parse(header['__metadata__']['tensorlaw.strings'])).toEqual({ run: 'baseline-é' });
  });

  it('reports unsupported dtypes by tensor name', () => {
    const bytes = handBuilt({ 'h.weight': { dtype: 'C64', shape: [2], data_offsets: [0, 16] }, ids: { dtype: 'Q4', shape: [1], data_offsets: [16, 20] } }, new Uint8Array(20));
    const message = decodeProblem(deserialize(bytes));
    expect(message).toContain('[header-schema] header["h.weight"]["dtype"]: unsupported dtype "C64"');
    expect(message).toContain('header["ids"]["dtype"]: unsupported dtype "Q4" (not a safetensors dtype)');
    expect(message).toContain('supported: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, BOOL');
  });
});

describe('restoring against a template', () => {
  it('reports every mismatch with its path', () => {
    const file = serialize({ a: f32([2, 3], range(6)), b: i32([2], [1, 2]), c: [f32([1], [1])], extra: f32([1], [0]), s: 'text' });
    const template = { a: f32([3, 2], range(6)), b: f32([2], [0, 0]), c: [f32([1], [0]), f32([1], [0])], s: f32([1], [0]), step: 0 };
    const r = restore(file, template);
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r) || !isMismatches(r.left)) throw new Error('expected mismatches');
    const found = r.left.map((m) => [m.kind, m.name, m.path]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['shape', 'a', '.a'],
        ['dtype', 'b', '.b'],
        ['missing', 'c.1', '.c[1]'],
        ['kind', 's', '.s'],
        ['missing', 'step', '.step'],
        ['unexpected', 'extra', 'extra'],
      ]),
    );
    expect(r.left).toHaveLength(6);
    const text = formatError(r.left);
    expect(text).toContain('6 problems');
    expect(text).toContain('.a ("a"): shape mismatch: template has [3, 2], file has [2, 3]');
    expect(text).toContain('.b ("b"): dtype mismatch: template has F32, file has I32');
  });

  it('accepts scalar F32/I32 tensors from other tools for number leaves, not vectors', () => {
    const bytes = handBuilt(
      { step: { dtype: 'I32', shape: [], data_offsets: [0, 4] }, lr: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
      new Uint8Array([7, 0, 0, 0, 0, 0, 0x80, 0x3f]),
    );
    const r = restore(bytes, { step: 0, lr: 0 });
    if (E.isRight(r) || !isMismatches(r.left)) throw new Error('expected a mismatch');
    expect(r.left.map((m) => [m.kind, m.name])).toEqual([['shape', 'lr']]);
    expect(restore(bytes, { step: 0, lr: f32([1], [0]) })).toEqual(E.right({ step: 7, lr: expect.anything() }));
  });

  it('passes decode errors through unchanged', () => {
    const r = restore(new Uint8Array(4), { w: f32([1], [0]) });
    expect(decodeProblem(r)).toContain('file is 4 bytes');
  });

  it('rejects malformed string metadata', () => {
    const bytes = handBuilt({ __metadata__: { 'tensorlaw.strings': '{"s": 5}' } }, new Uint8Array(0));
    expect(decodeProblem(restore(bytes, { s: '' }))).toContain('tensorlaw.strings');
  });
});

describe('hostile and malformed files give a readable Left', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const file = (header: unknown, dataLength = 8) => handBuilt(header, new Uint8Array(dataLength));
  const cases: [string, Uint8Array, string][] = [
    ['too short', new Uint8Array(5), 'file is 5 bytes'],
    ['header past the end', Uint8Array.of(200, 0, 0, 0, 0, 0, 0, 0, 123, 125), 'header length 200 runs past the end'],
    ['absurd header length', Uint8Array.of(0, 0, 0, 0, 0, 1, 0, 0, 123, 125), 'exceeds the 100000000-byte limit'],
    ['2^64 - 1 header length', new Uint8Array(16).fill(255), 'exceeds'],
    ['invalid UTF-8', Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0x28), 'not valid UTF-8'],
    ['invalid JSON', handBuiltText('{"w": {'), 'not valid JSON'],
    ['JSON array', file([1, 2]), "[header-starts-with-brace] header must start with '{'"],
    ['JSON null', handBuiltText('null'), 'header-starts-with-brace'],
    ['negative dim', file({ w: { ...ok, shape: [-2] } }), 'header["w"]["shape"][0]: expected a non-negative safe integer, got -2'],
    ['fractional dim', file({ w: { ...ok, shape: [1.5] } }), 'got 1.5'],
    ['string dim', file({ w: { ...ok, shape: ['2'] } }), 'got "2"'],
    ['dim past 2^53', file({ w: { ...ok, shape: [2 ** 53 + 2] } }), 'non-negative safe integer'],
    ['huge shape', file({ w: { ...ok, shape: [1e15, 1e15] } }), 'needs more bytes than the whole data section'],
    ['many huge dims', file({ w: { ...ok, shape: Array(40).fill(2 ** 52) } }), 'needs more bytes'],
    ['huge shape with a zero', file({ w: { dtype: 'F32', shape: [1e15, 0], data_offsets: [0, 0] }, v: { ...ok } }), ''],
    ['shape not an array', file({ w: { ...ok, shape: 4 } }), 'header["w"]["shape"]'],
    ['offsets past the end', file({ w: { ...ok, data_offsets: [0, 2 ** 50] } }, 8), 'run past the end of the data section'],
    ['begin after end', file({ w: { ...ok, data_offsets: [8, 0] } }), 'begin after they end'],
    ['negative offset', file({ w: { ...ok, data_offsets: [-8, 0] } }), 'header["w"]["data_offsets"][0]'],
    ['three offsets', file({ w: { ...ok, data_offsets: [0, 4, 8] } }), 'expected [begin, end], got [0,4,8]'],
    ['offsets as object', file({ w: { ...ok, data_offsets: { 0: 0, 1: 8 } } }), 'expected [begin, end]'],
    ['size mismatch', file({ w: { ...ok, shape: [3] } }, 12), 'needs 12 bytes but data_offsets [0, 8] hold 8'],
    ['overlap', file({ w: ok, v: { ...ok, data_offsets: [4, 12] } }, 12), 'overlap'],
    ['hole', file({ w: ok, v: { ...ok, data_offsets: [12, 20] } }, 20), 'data section has a hole: bytes [8, 12)'],
    ['trailing bytes', file({ w: ok }, 12), '4 trailing bytes'],
    ['truncated data', file({ w: ok }, 5), 'run past the end'],
    ['missing dtype', file({ w: { shape: [2], data_offsets: [0, 8] } }), 'header["w"]["dtype"]: expected a dtype name, got undefined'],
    ['unknown dtype', file({ w: { ...ok, dtype: 'Q7' } }), 'unsupported dtype "Q7" (not a safetensors dtype)'],
    ['entry not an object', file({ w: 'F32' }), 'header["w"]'],
    ['metadata not strings', file({ w: ok, __metadata__: { epoch: 3 } }), 'header["__metadata__"]["epoch"]: expected string, got 3'],
  ];
  for (const [name, bytes, fragment] of cases) {
    it(name, () => {
      const r = deserialize(bytes);
      if (name === 'huge shape with a zero') {
        // A zero dim makes any other dim harmless: zero bytes, a valid (empty) tensor.
        expect(E.isRight(r)).toBe(true);
        return;
      }
      expect(decodeProblem(r)).toContain(fragment);
    });
  }

  it('reports every bad entry, capped', () => {
    const header = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, { dtype: 'F32', shape: [-1], data_offsets: [0, 0] }]));
    const r = deserialize(file(header, 0));
    if (E.isRight(r)) throw new Error('expected a Left');
    expect(r.left.problems).toHaveLength(21);
    expect(r.left.problems[20]).toBe('... and 80 more problems');
  });

  it('reads from a view into a larger buffer (a pooled Node Buffer)', () => {
    const bytes = serialize({ w: f32([2], [42, -1]) });
    const pool = new Uint8Array(bytes.length + 13).fill(7);
    pool.set(bytes, 5);
    const r = restore(Buffer.from(pool.buffer, 5, bytes.length), { w: f32([2], [0, 0]) });
    expect(E.isRight(r) && r.right.w.toArray()).toEqual([42, -1]);
  });

  it('a __proto__ tensor name is an ordinary name', () => {
    const bytes = latin1(`${String.fromCharCode(64)}${'\0'.repeat(7)}${'{"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}'.padEnd(64)}\x05\0\0\0`);
    const r = deserialize(bytes);
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(Object.keys(r.right.tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(r.right.tensors)).toBeNull();
  });
});

function handBuiltText(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 8);
  return out;
}

describe('checkpoint files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.tmp-'));

  it('save then load round-trips a training state bit-exactly', async () => {
    const path = join(dir, 'state.safetensors');
    const state = trainingState();
    await saveCheckpoint(path, state, { metadata: { run: '1' } });
    const r = await loadCheckpoint(path, state);
    if (E.isLeft(r)) throw new Error(formatError(r.left));
    expect(bitwise.equals(r.right, state)).toBe(true);
    expect(typeof r.right.step).toBe('number');
    const flat = await load(path);
    if (E.isLeft(flat)) throw new Error(formatError(flat.left));
    expect((flat.right as Checkpoint).metadata['run']).toBe('1');
    expect(leftovers(dir)).toEqual([]);
  });

  it('save overwrites an existing file', async () => {
    const path = join(dir, 'over.safetensors');
    await save(path, { w: f32([1], [1]) });
    await save(path, { w: f32([1], [2]) });
    const r = await load(path, { w: f32([1], [0]) });
    if (E.isLeft(r)) throw new Error(formatError(r.left));
    expect(r.right.w.toArray()).toEqual([2]);
  });

  describe('a failure mid-save leaves the previous checkpoint intact and no temp file', () => {
    const sub = join(dir, 'atomic');
    mkdirSync(sub);
    const path = join(sub, 'ckpt.safetensors');
    const newer = { w: f32([1000], range(1000)) };

    const expectUntouched = async (attempt: () => Promise<void>, message: RegExp) => {
      await save(path, { w: f32([1], [42]) });
      const before = readFileSync(path);
      await expect(attempt()).rejects.toThrow(message);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(leftovers(sub)).toEqual([]);
      const r = await load(path, { w: f32([1], [0]) });
      expect(E.isRight(r) && r.right.w.toArray()).toEqual([42]);
    };

    it('a write error halfway through the temp file (disk full)', async () => {
      let tempSeen = '';
      const diskFull = {
        ...nodeSystem,
        async writeTemp(temp: string, bytes: Uint8Array) {
          tempSeen = temp;
          writeFileSync(temp, bytes.subarray(0, bytes.length >> 1), { flag: 'wx' });
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      };
      await expectUntouched(() => saveWith(diskFull, path, newer), /could not write .*ENOSPC/);
      expect(tempSeen.startsWith(`${path}.tmp-`)).toBe(true);
    });

    it('a rename error after the temp file is complete', async () => {
      const renameFails = { ...nodeSystem, rename: async () => { throw new Error('EXDEV: cross-device link'); } };
      await expectUntouched(() => saveWith(renameFails, path, newer), /EXDEV/);
    });

    it('a tree that cannot be serialized', async () => {
      await expectUntouched(() => save(path, { w: f32([1], [1]), f: () => 0 }), /function/);
    });

    it('a target directory that does not exist', async () => {
      const missing = join(sub, 'no', 'such', 'dir', 'x.safetensors');
      await expect(save(missing, { w: 1 })).rejects.toThrow(/could not write/);
    });
  });

  it('load returns Left for missing files, directories and corrupt files', async () => {
    const missing = await load(join(dir, 'nope.safetensors'));
    expect(E.isLeft(missing) && !isMismatches(missing.left) && missing.left._tag === 'ReadError' && missing.left.code).toBe('ENOENT');
    const directory = await load(dir, {});
    expect(E.isLeft(directory) && !isMismatches(directory.left) && directory.left._tag).toBe('ReadError');
    const corrupt = join(dir, 'corrupt.safetensors');
    writeFileSync(corrupt, Uint8Array.of(1, 2, 3));
    const r = await load(corrupt);
    expect(E.isLeft(r) && !isMismatches(r.left) && r.left._tag).toBe('DecodeError');
  });
});
