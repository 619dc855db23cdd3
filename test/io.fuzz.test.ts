import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { describe, expect, it } from 'vitest';
import { allOf, check } from '../laws/result';
import { arbCheckpointTree } from '../laws/arbitraries/io';
import { lawProperty } from '../laws/arbitraries/property';
import { readerNeverThrows, restoreNeverThrows } from '../laws/io';
import { deserialize, elementBytes, readCheckpoint, serialize, type FileDType } from '../src/io';

const seed = 99;
const params = { seed, numRuns: 300 };

function fileOf(header: unknown, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const headerLength = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

/** Valid files: a tree with at least one tensor byte, serialized. */
const arbFile = arbCheckpointTree.map((tree) => ({ tree, bytes: serialize(tree) }));

type Mutation =
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; values: number[] }
  | { op: 'delete'; at: number; count: number }
  | { op: 'length'; value: number };

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), values: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('length' as const), value: fc.oneof(fc.nat(), fc.constant(0xffffffff)) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : 'at' in m ? m.at % bytes.length : 0;
  switch (m.op) {
    case 'set': {
      const out = bytes.slice();
      out[at] = m.value;
      return out;
    }
    case 'truncate': return bytes.slice(0, at);
    case 'insert': return Uint8Array.from([...bytes.subarray(0, at), ...m.values, ...bytes.subarray(at)]);
    case 'delete': return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count)]);
    case 'length': {
      const out = bytes.slice();
      new DataView(out.buffer).setUint32(0, m.value, true);
      return out;
    }
  }
}

// Hostile values for each header field; every one of them makes a file invalid.
const hostileDims = fc.constantFrom<unknown>([1e15, 1e15], [-1], [1.5], ['2'], [2 ** 53], [2 ** 53 + 2], [1e308], [null], 7, null, {}, [[2]], Array(64).fill(2 ** 30));
const hostileOffsets = fc.constantFrom<unknown>([0, 2 ** 60], [-1, 4], [8, 4], [0.5, 4], [0], [0, 4, 8], '0,4', null, [null, 4], [0, 1e300], [2 ** 53, 2 ** 53 + 8]);
const hostileDType = fc.constantFrom<unknown>('F16', 'BF16', 'I64', 'U8', 'f32', '', 5, null, ['F32']);
const sane = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };

const arbHostileEntry = fc.oneof(
  hostileDims.map((shape) => ({ ...sane, shape })),
  hostileOffsets.map((data_offsets) => ({ ...sane, data_offsets })),
  hostileDType.map((dtype) => ({ ...sane, dtype })),
  fc.constantFrom<unknown>(null, 'F32', 42, [], { dtype: 'F32' }),
);

type Entry = { dtype: FileDType; shape: number[]; data_offsets: [number, number] };
const width = elementBytes;
const allDTypes = Object.keys(elementBytes) as FileDType[];

/**
 * Well-typed headers near the valid ones: tensors laid out contiguously in a random order, then
 * (often) one nudge: an offset, a dim or the data length off by a little.
 */
const arbNearValid = fc
  .record({
    tensors: fc.array(fc.record({ dtype: fc.constantFrom(...allDTypes), shape: fc.array(fc.nat(3), { maxLength: 3 }) }), { maxLength: 4 }),
    order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    nudge: fc.option(fc.record({ which: fc.nat(), field: fc.constantFrom('begin', 'end', 'dim', 'length'), by: fc.integer({ min: -3, max: 3 }).filter((k) => k !== 0) }), { freq: 2 }),
  })
  .map(({ tensors, order, nudge }) => {
    const ranked = tensors.map((t, i) => ({ t, key: order[i]! })).sort((a, b) => a.key - b.key);
    let at = 0;
    const entries: Entry[] = ranked.map(({ t }) => {
      const size = t.shape.reduce((n, d) => n * d, width[t.dtype]);
      const e: Entry = { ...t, shape: [...t.shape], data_offsets: [at, at + size] };
      at += size;
      return e;
    });
    let length = at;
    if (nudge && nudge.field === 'length') length = Math.max(0, length + nudge.by);
    else if (nudge && entries.length > 0) {
      const e = entries[nudge.which % entries.length]!;
      if (nudge.field === 'begin') e.data_offsets[0] = Math.max(0, e.data_offsets[0] + nudge.by);
      if (nudge.field === 'end') e.data_offsets[1] = Math.max(0, e.data_offsets[1] + nudge.by);
      if (nudge.field === 'dim' && e.shape.length > 0) e.shape[0] = Math.max(0, e.shape[0]! + nudge.by);
    }
    const header = Object.fromEntries(entries.map((e, i) => [`t${i}`, e]));
    return { header, entries, length };
  });


/** An independent statement of validity: sizes fit and the ranges tile [0, length) exactly. */
function tiles(entries: Entry[], length: number): boolean {
  for (const { dtype, shape, data_offsets: [b, e] } of entries) {
    if (b > e || e > length || e - b !== shape.reduce((n, d) => n * d, width[dtype])) return false;
  }
  const sorted = entries.map((x) => x.data_offsets).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let at = 0;
  for (const [b, e] of sorted) {
    if (b !== at) return false;
    at = e;
  }
  return at === length;
}

describe(`checkpoint reader fuzz (seed ${seed})`, () => {
  it('random bytes never throw', () => {
    fc.assert(lawProperty(fc.uint8Array({ maxLength: 64 }), readerNeverThrows), params);
  });

  it('random bytes after a plausible header length never throw', () => {
    const arb = fc.tuple(fc.nat(80), fc.uint8Array({ maxLength: 96 })).map(([n, rest]) => {
      const out = new Uint8Array(8 + rest.length);
      new DataView(out.buffer).setUint32(0, n, true);
      out.set(rest, 8);
      return out;
    });
    fc.assert(lawProperty(arb, readerNeverThrows), params);
  });

  it('mutated valid files give Left or a consistent Right, never a throw', () => {
    fc.assert(
      lawProperty(arbFile, fc.array(arbMutation, { minLength: 1, maxLength: 3 }), ({ tree, bytes }, ms) => {
        const mutated = ms.reduce(mutate, bytes);
        return allOf(['readerNeverThrows', () => readerNeverThrows(mutated)], ['restoreNeverThrows', () => restoreNeverThrows(mutated, tree)]);
      }),
      params,
    );
  });

  it('every strict truncation of a valid file is a Left', () => {
    fc.assert(
      fc.property(arbFile, fc.nat(), ({ bytes }, cut) => {
        const r = deserialize(bytes.slice(0, cut % bytes.length));
        return E.isLeft(r) && r.left.message.length > 0;
      }),
      params,
    );
  });

  it('changing data bytes (not the header) keeps a file valid', () => {
    fc.assert(
      fc.property(arbFile, fc.nat(), fc.nat(255), ({ bytes }, at, value) => {
        const start = 8 + headerLength(bytes);
        fc.pre(bytes.length > start);
        const out = bytes.slice();
        out[start + (at % (bytes.length - start))] = value;
        return E.isRight(deserialize(out));
      }),
      params,
    );
  });

  it('hostile headers (huge, negative, fractional, wrongly typed fields) are a Left', () => {
    const arb = fc.tuple(
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), arbHostileEntry, { minKeys: 1, maxKeys: 3 }),
      fc.nat(64),
    );
    fc.assert(
      lawProperty(arb, ([header, n]) => {
        const bytes = fileOf(header, new Uint8Array(n));
        const r = deserialize(bytes);
        return allOf(
          ['readerNeverThrows', () => readerNeverThrows(bytes)],
          ['a Left naming the header, a tensor or the data section', () => check(E.isLeft(r) && /header|tensor|data section/.test(r.left.message), () => JSON.stringify(r))],
        );
      }),
      params,
    );
  });

  it('well-typed headers are accepted exactly when their ranges tile the data', () => {
    fc.assert(
      lawProperty(arbNearValid, ({ header, entries, length }) => {
        // Zero bytes: every dtype's zero is in range, so validity is the layout alone.
        const bytes = fileOf(header, new Uint8Array(length));
        const accepted = E.isRight(deserialize(bytes));
        return allOf(
          ['readerNeverThrows', () => readerNeverThrows(bytes)],
          ['accepted exactly when the ranges tile the data', () => check(accepted === tiles(entries, length), () => `${accepted ? 'accepted' : 'refused'} a file whose ranges ${tiles(entries, length) ? 'tile' : 'do not tile'} ${length} bytes`)],
        );
      }),
      { ...params, numRuns: 1000 },
    );
  });

  it('files that declare enormous tensors are refused from the header alone, before reading or allocating their data', async () => {
    // Offsets inside the data: the size check stops once the shape outgrows the data section,
    // without forming the product of the dims (1e45 elements) or allocating it.
    const huge = fileOf({ w: { dtype: 'F64', shape: [1e15, 1e15, 1e15], data_offsets: [0, 16] } }, new Uint8Array(16));
    const bySize = deserialize(huge);
    if (E.isRight(bySize)) throw new Error('expected a Left');
    expect(bySize.left.rules).toEqual(['tensor-size']);
    expect(bySize.left.message).toContain('tensor "w": shape [1000000000000000, 1000000000000000, 1000000000000000] of F64 needs more bytes than the whole data section (16)');
    // Offsets past the end of the file: refused by the ranges, whatever the shape.
    const past = deserialize(fileOf({ w: { dtype: 'F64', shape: [1e15, 1e15, 1e15], data_offsets: [0, 2 ** 53 - 1] } }, new Uint8Array(16)));
    if (E.isRight(past)) throw new Error('expected a Left');
    expect(past.left.rules).toEqual(['offsets-tile-data']);
    // Read from a Blob, the reader asks for the 8-byte length and the header, and not one byte more.
    const reads: [number, number][] = [];
    class RecordingBlob extends Blob {
      override slice(start?: number, end?: number, type?: string): Blob {
        reads.push([start ?? 0, end ?? this.size]);
        return super.slice(start, end, type);
      }
    }
    const fromBlob = await readCheckpoint(new RecordingBlob([huge]));
    expect(E.isLeft(fromBlob) && !Array.isArray(fromBlob.left) && fromBlob.left.message).toBe(bySize.left.message);
    expect(reads).toEqual([[0, 8], [8, 8 + headerLength(huge)]]);
  });

  it('random data of every stored dtype decodes to the independent reading, or a Left for int32 overflow', () => {
    const arb = fc.tuple(fc.constantFrom(...allDTypes), fc.uint8Array({ maxLength: 48 }));
    fc.assert(
      fc.property(arb, ([dtype, raw]) => {
        const n = Math.floor(raw.length / width[dtype]);
        const data = raw.slice(0, n * width[dtype]);
        const bytes = fileOf({ t: { dtype, shape: [n], data_offsets: [0, data.length] } }, data);
        if (readerNeverThrows(bytes) !== true) return false;
        const expected = independentRead(dtype, data, n);
        const r = deserialize(bytes);
        if (expected === 'overflow') return E.isLeft(r) && r.left.rules.includes('int32-range') && r.left.message.includes('"t"');
        if (E.isLeft(r)) return false;
        const got = Array.from(r.right.tensors['t']!.dataSync(), Number);
        return got.length === n && got.every((v, i) => Object.is(v, expected[i]) || (Number.isNaN(v) && Number.isNaN(expected[i]!)));
      }),
      params,
    );
  });

  it('inserting a duplicate key anywhere in a valid header is a Left naming no-duplicate-keys', () => {
    fc.assert(
      fc.property(arbFile, fc.nat(), ({ bytes }, pick) => {
        const n = headerLength(bytes);
        const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
        // A member whose value is a string, an integer or a flat array, repeated right after itself.
        const members = [...text.matchAll(/[{,]("(?:[^"\\]|\\.)*":(?:"(?:[^"\\]|\\.)*"|-?\d+|\[[\d,]*\]))/g)];
        fc.pre(members.length > 0);
        const m = members[pick % members.length]!;
        const at = m.index! + m[0].length;
        const mutated = `${text.slice(0, at)},${m[1]}${text.slice(at)}`;
        const json = new TextEncoder().encode(mutated);
        const file = new Uint8Array(8 + json.length + (bytes.length - 8 - n));
        new DataView(file.buffer).setUint32(0, json.length, true);
        file.set(json, 8);
        file.set(bytes.subarray(8 + n), 8 + json.length);
        const r = deserialize(file);
        return E.isLeft(r) && r.left.rules.includes('no-duplicate-keys');
      }),
      params,
    );
  });
});

/** The values a stored array holds, read with DataView alone ('overflow' past int32). */
function independentRead(dtype: FileDType, data: Uint8Array, n: number): number[] | 'overflow' {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  const minifloat = (bits: number, e: number, m: number, ieee: boolean) => {
    const bias = 2 ** (e - 1) - 1;
    const sign = bits >> (e + m) ? -1 : 1;
    const ex = (bits >> m) & (2 ** e - 1);
    const man = bits & (2 ** m - 1);
    if (ex === 2 ** e - 1 && (ieee || man === 2 ** m - 1)) return ieee && man === 0 ? sign * Infinity : NaN;
    return ex === 0 ? sign * man * 2 ** (1 - bias - m) : sign * (1 + man / 2 ** m) * 2 ** (ex - bias);
  };
  for (let i = 0; i < n; i++) {
    let x: number;
    switch (dtype) {
      case 'F64': x = v.getFloat64(8 * i, true); break;
      case 'F32': x = v.getFloat32(4 * i, true); break;
      case 'F16': x = minifloat(v.getUint16(2 * i, true), 5, 10, true); break;
      case 'BF16': x = minifloat(v.getUint16(2 * i, true), 8, 7, true); break;
      case 'F8_E4M3': x = minifloat(v.getUint8(i), 4, 3, false); break;
      case 'F8_E5M2': x = minifloat(v.getUint8(i), 5, 2, true); break;
      case 'I64': x = Number(v.getBigInt64(8 * i, true)); break;
      case 'U64': x = Number(v.getBigUint64(8 * i, true)); break;
      case 'I32': x = v.getInt32(4 * i, true); break;
      case 'U32': x = v.getUint32(4 * i, true); break;
      case 'I16': x = v.getInt16(2 * i, true); break;
      case 'U16': x = v.getUint16(2 * i, true); break;
      case 'I8': x = v.getInt8(i); break;
      case 'U8': x = v.getUint8(i); break;
      case 'BOOL': x = v.getUint8(i) ? 1 : 0; break;
    }
    if (/^[IU]/.test(dtype) && (x > 2 ** 31 - 1 || x < -(2 ** 31))) return 'overflow';
    out.push(x);
  }
  return out;
}
