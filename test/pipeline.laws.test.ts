import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import { key } from '../src/random';
import { fromTensors } from '../src/data';
import { csvRoundTrip, imputerFillsNaNsWithStatistic, labelEncodeInverts, oneHotRowsAreIndicators, stratifiedSplitKeepsShares, viewsMatchGather, type ViewOp } from '../laws/pipeline';
import { arbCell } from '../laws/arbitraries/data';
import { lawProperty } from '../laws/arbitraries/property';

const seed = 20250115;
const params = { seed, numRuns: 60 };

/** A dataset of n examples with a leaf of every dtype and row shape: ids, float rows, int matrices, bools. */
const arbDataset = fc.nat({ max: 30 }).map((n) =>
  fromTensors({
    id: T.arange(0, n, 1, 'int32'),
    x: T.tensor(Float32Array.from({ length: n * 3 }, (_, k) => k * 0.5 - 7), { shape: [n, 3] }),
    m: T.tensor(Int32Array.from({ length: n * 4 }, (_, k) => k * 7), { shape: [n, 2, 2], dtype: 'int32' }),
    b: T.tensor(Uint8Array.from({ length: n }, (_, k) => k % 3 === 0 ? 1 : 0), { shape: [n], dtype: 'bool' }),
  }),
);

const arbViewOp: fc.Arbitrary<ViewOp> = fc.oneof(
  fc.record({ kind: fc.constant('shuffle' as const), seed: fc.nat() }),
  fc.record({ kind: fc.constant('select' as const), picks: fc.array(fc.nat({ max: 30 }), { maxLength: 12 }) }),
  fc.record({ kind: fc.constant('slice' as const), start: fc.nat({ max: 32 }), stop: fc.nat({ max: 32 }) }),
);

describe(`pipeline laws (seed ${seed})`, () => {
  it('viewsMatchGather: shuffle/select/slice chains and their batches equal take at the composed rows', () => {
    fc.assert(lawProperty(arbDataset, fc.array(arbViewOp, { maxLength: 4 }), fc.integer({ min: 1, max: 8 }), viewsMatchGather), params);
  });

  it('stratifiedSplitKeepsShares: every class within one example of its share of the test set', () => {
    const arbLabelled = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }).map((labels) =>
      fromTensors({ id: T.arange(0, labels.length, 1, 'int32'), y: T.tensor(Int32Array.from(labels), { shape: [labels.length], dtype: 'int32' }) }),
    );
    fc.assert(lawProperty(arbLabelled, fc.nat(), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (ds, s, testSize) => stratifiedSplitKeepsShares(ds, key(s), testSize)), params);
  });

  it('csvRoundTrip: tables written by papaparse.unparse read back cell for cell', () => {
    const arbTable = fc.integer({ min: 1, max: 4 }).chain((width) =>
      fc.record({
        names: fc.uniqueArray(arbCell, { minLength: width, maxLength: width }),
        kinds: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
        rows: fc.integer({ min: 0, max: 8 }),
        delimiter: fc.constantFrom(',', ';', '\t', '|'),
      }).chain(({ names, kinds, rows, delimiter }) => {
        const cell = (isNumber: boolean): fc.Arbitrary<string | number | null> => fc.option<string | number>(isNumber ? fc.double({ noNaN: true, noDefaultInfinity: true }) : arbCell, { freq: 4 });
        const row = fc.tuple(...kinds.map(cell)).filter((r) => r.some((v) => v !== null)); // an all-empty row is a blank line
        return fc.record({ names: fc.constant(names), rows: fc.array(row, { minLength: rows, maxLength: rows }), delimiter: fc.constant(delimiter) });
      }),
    );
    fc.assert(lawProperty(arbTable, ({ names, rows, delimiter }) => csvRoundTrip(names, rows, delimiter)), params);
  });

  it('labelEncodeInverts and oneHotRowsAreIndicators', () => {
    const values = fc.array(fc.constantFrom('a', 'b', 'c', 'Z', 'é', '10'), { minLength: 1, maxLength: 20 });
    fc.assert(lawProperty(values, labelEncodeInverts), params);
    fc.assert(lawProperty(fc.array(fc.option(fc.constantFrom('a', 'b', 'c')), { minLength: 1, maxLength: 20 }).filter((v) => v.some((c) => c !== null)), oneHotRowsAreIndicators), params);
  });

  it('imputerFillsNaNsWithStatistic for mean, median and most frequent', () => {
    const arbColumns = fc.integer({ min: 1, max: 3 }).chain((k) =>
      fc.array(fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { freq: 3 }), { minLength: k, maxLength: k }), { minLength: 1, maxLength: 12 })
        .filter((rows) => Array.from({ length: k }, (_, j) => rows.some((r) => r[j] !== null)).every(Boolean))
        .map((rows) => T.tensor(Float64Array.from(rows.flat(), (v) => v ?? NaN), { shape: [rows.length, k], dtype: 'float64' })),
    );
    fc.assert(lawProperty(arbColumns, fc.constantFrom('mean' as const, 'median' as const, 'mostFrequent' as const), (x, strategy) => imputerFillsNaNsWithStatistic(x, strategy)), params);
  });

  it('viewsMatchGather explains a failure: a dataset whose batches drop the remainder', () => {
    const ds = fromTensors({ x: T.tensor(Float32Array.from({ length: 20 }, (_, k) => k), { shape: [10, 2] }) });
    const dropping = Object.create(ds, { batch: { value: (n: number) => ds.batch(n, { dropRemainder: true }) } }) as typeof ds;
    expect(viewsMatchGather(dropping, [], 4)).toBe('number of batches of 4: 2, expected 3 for 10 rows');
  });

  it('a batch is its own copy: donating or changing it cannot reach the dataset', () => {
    const ds = fromTensors({ x: T.tensor([[1, 2], [3, 4], [5, 6]]) });
    const before = ds.tree.x.toArray();
    const donate = T.jit((x: T.Tensor) => T.mul(x, 0), { donateArgnums: 0 });
    for (const b of ds.shuffle(key(1)).batch(2)) donate(b.x);
    donate(ds.tree.x);
    expect(ds.batch(3).at(0).x.toArray()).toEqual(before);
    expect(ds.select([2, 0]).tree.x.toArray()).toEqual([[5, 6], [1, 2]]);
  });
});
