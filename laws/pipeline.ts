/**
 * Laws of the data pipeline and of tabular data as pure predicates returning `true` or the
 * reason (the runner is test/pipeline.laws.test.ts). Dataset views (shuffle, select, slice,
 * batches) must equal a plain gather (`take`) of the materialized tree; a stratified split keeps
 * every class's share; CSV written by papaparse's `unparse` reads back as the table it came
 * from; encoders and the imputer do what their definitions say, cell by cell.
 *
 *   viewsMatchGather(ds, [{ kind: 'shuffle', seed: 1 }, { kind: 'slice', start: 2, stop: 9 }], 4); // true
 *   csvRoundTrip(['a', 'b'], [[1, 'x'], [null, 'y']], ';');   // true, or the cell that came back wrong
 */
import { either as E } from 'fp-ts';
import Papa from 'papaparse';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { key, permutation } from '../src/random';
import { applyImputer, fitImputer, labelEncode, oneHotEncode, parseCsv, Table, trainTestSplit, type Dataset, type ImputeStrategy } from '../src/data';
import { approx, exact, precisionOf, sameValue, type Approx } from './approx';
import { allOf, check, type LawResult } from './result';

/** A gather of each leaf of `tree` at `index` with the tensor op `take` (the reference). */
function takeTree(tree: Record<string, Tensor>, index: readonly number[]): Record<string, Tensor> {
  const idx = T.tensor(Int32Array.from(index), { shape: [index.length], dtype: 'int32' });
  return Object.fromEntries(Object.entries(tree).map(([k, x]) => [k, T.take(x, idx, { axis: 0 })]));
}

/** One view operation on a dataset of `size` examples, and the positions it keeps. */
export type ViewOp =
  | { readonly kind: 'shuffle'; readonly seed: number }
  | { readonly kind: 'select'; readonly picks: readonly number[] }
  | { readonly kind: 'slice'; readonly start: number; readonly stop: number };

/** Apply `op` to a dataset, and to the list of source positions it stands for. */
function applyView(ds: Dataset<Record<string, Tensor>>, positions: readonly number[], op: ViewOp): [Dataset<Record<string, Tensor>>, number[]] {
  const n = positions.length;
  switch (op.kind) {
    case 'shuffle': {
      const order = Array.from(permutation(key(op.seed), n).dataSync());
      return [ds.shuffle(key(op.seed)), order.map((i) => positions[i]!)];
    }
    case 'select': {
      const picks = op.picks.filter((p) => p < n);
      return [ds.select(picks), picks.map((p) => positions[p]!)];
    }
    case 'slice': {
      const lo = Math.min(op.start, n);
      return [ds.slice(op.start, op.stop), positions.slice(lo, Math.max(lo, Math.min(op.stop, n)))];
    }
  }
}

/**
 * A chain of view operations gives the tree, and the batches, that `take` at the composed
 * positions gives on the original tree: views move whole rows and nothing else. Values are
 * compared with `sameValue` (a view copies rows, so even -0 stays -0).
 */
export function viewsMatchGather(ds: Dataset<Record<string, Tensor>>, ops: readonly ViewOp[], batchSize: number): LawResult {
  let view = ds;
  let positions = Array.from({ length: ds.size }, (_, i) => i);
  for (const op of ops) [view, positions] = applyView(view, positions, op);
  const batches = [...view.batch(batchSize)];
  const expectedBatches = Math.ceil(positions.length / batchSize);
  return allOf(
    ['size of the view', () => check(view.size === positions.length, () => `${view.size}, expected ${positions.length} (rows [${positions.join(', ')}])`)],
    ['the view\'s tree vs take at the composed rows', () => sameValue.equals(view.tree, takeTree(ds.tree, positions))],
    [`number of batches of ${batchSize}`, () => check(batches.length === expectedBatches, () => `${batches.length}, expected ${expectedBatches} for ${positions.length} rows`)],
    ...batches.map((b, i) => [`batch ${i} vs take at its rows`, () => sameValue.equals(b, takeTree(ds.tree, positions.slice(i * batchSize, (i + 1) * batchSize)))] as const),
  );
}

/**
 * A stratified split partitions the examples, and each class's test count is within one of its
 * exact share (testCount * classCount / size).
 */
export function stratifiedSplitKeepsShares(ds: Dataset<{ id: Tensor; y: Tensor }>, k: Tensor, testSize: number): LawResult {
  const [train, test] = trainTestSplit(k, ds, { testSize, stratify: (t) => t.y });
  const ids = [...Array.from(train.tree.id.dataSync()), ...Array.from(test.tree.id.dataSync())].sort((a, b) => a - b);
  const count = (y: Tensor) => Array.from(y.dataSync()).reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<number, number>());
  const all = count(ds.tree.y);
  const inTest = count(test.tree.y);
  return allOf(
    ['the ids of train and test, sorted, vs 0..n-1', () => sameValue.equals(ids, Array.from({ length: ds.size }, (_, i) => i))],
    ...[...all].map(([c, n]) => [`class ${c}`, () => {
      const share = (test.size * n) / ds.size;
      const got = inTest.get(c) ?? 0;
      return check(Math.abs(got - share) < 1, () => `${got} of its ${n} examples in a test set of ${test.size} of ${ds.size}, more than one away from its share ${share}`);
    }] as const),
  );
}

/** A table's cells as rows of strings and numbers (null missing), for `unparse`. */
export type Cells = readonly (readonly (string | number | null)[])[];

/**
 * CSV written by papaparse's `unparse` (quoting as needed) parses back to the same columns: the
 * number columns' values exactly, the string columns' strings, missing cells missing.
 */
export function csvRoundTrip(names: readonly string[], rows: Cells, delimiter: string): LawResult {
  const text = Papa.unparse({ fields: [...names], data: rows.map((r) => r.map((v) => (v === null ? '' : v))) }, { delimiter, newline: '\n' });
  const parsed = parseCsv(text, { delimiter });
  if (E.isLeft(parsed)) return `parseCsv refused what unparse wrote (${JSON.stringify(text)}): ${parsed.left.message}`;
  const table = parsed.right;
  return allOf(
    ['column names', () => sameValue.equals([...table.names], [...names])],
    ['number of rows', () => check(table.numRows === rows.length, () => `${table.numRows}, expected ${rows.length}`)],
    ...names.map((name, j) => [`column ${JSON.stringify(name)}`, () => {
      const column = table.column(name);
      const i = rows.findIndex((r, i) => {
        const want = r[j];
        const got = column.values[i];
        if (want === null) return !(column.kind === 'number' ? Number.isNaN(got as number) : got === null);
        return !(column.kind === 'number' ? got === Number(want) : got === String(want));
      });
      return check(i < 0, () => `row ${i} (a ${column.kind} column) reads back as ${JSON.stringify(column.values[i])}, written as ${JSON.stringify(rows[i]![j])} in ${JSON.stringify(text)}`);
    }] as const),
  );
}

/** label encoding is invertible: classes[labels[i]] is row i's value, and classes are distinct. */
export function labelEncodeInverts(values: readonly string[]): LawResult {
  const table = Table.fromColumns({ c: values });
  const { labels, classes } = labelEncode(table, 'c');
  const codes = Array.from(labels.dataSync());
  return allOf(
    ['classes are distinct', () => check(new Set(classes).size === classes.length, () => `[${classes.map((c) => JSON.stringify(c)).join(', ')}]`)],
    ['classes[labels[i]] vs the values', () => sameValue.equals(codes.map((code) => classes[code]), [...values])],
  );
}

/** One-hot rows hold a single 1 at the cell's category, or all zeros for a missing cell. */
export function oneHotRowsAreIndicators(values: readonly (string | null)[]): LawResult {
  const table = Table.fromColumns({ c: values });
  const { table: encoded, categories } = oneHotEncode(table, ['c']);
  const cats = categories.c!;
  const x = encoded.toTensor();
  const indicators = T.tensor(Float64Array.from(values.flatMap((v) => cats.map((cat) => (v === cat ? 1 : 0)))), { shape: [values.length, cats.length], dtype: 'float64' });
  return allOf(
    ['one column per category', () => check(encoded.names.length === cats.length, () => `${encoded.names.length} columns [${encoded.names.join(', ')}] for the categories [${cats.join(', ')}]`)],
    [`the encoded rows vs indicators of [${cats.join(', ')}]`, () => exact.with({ ignoreDtype: true }).equals(x, indicators)],
  );
}

/** The reference statistic of a column's present values. */
export function statistic(values: readonly number[], strategy: Exclude<ImputeStrategy, 'constant'>): number {
  const present = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (strategy === 'mean') return present.reduce((a, b) => a + b, 0) / present.length;
  if (strategy === 'median') {
    const m = present.length;
    return m % 2 ? present[(m - 1) / 2]! : (present[m / 2 - 1]! + present[m / 2]!) / 2;
  }
  const freq = new Map<number, number>();
  present.forEach((v) => freq.set(v, (freq.get(v) ?? 0) + 1));
  return [...freq].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}

/** The imputer's statistic against the plain-JS one: equal up to summation order (float64 to 1e-9, float32 to 1e-5). */
export const imputerApprox: Approx = approx({ float64: { rtol: 1e-9, atol: 1e-9 } });

/**
 * The imputer replaces exactly the NaNs, each by its column's statistic of the fitted data
 * (within `tol`), and keeps every other cell exactly.
 */
export function imputerFillsNaNsWithStatistic(x: Tensor, strategy: Exclude<ImputeStrategy, 'constant'>, tol: Approx = imputerApprox): LawResult {
  const [n, k] = x.shape as [number, number];
  const data = x.dataSync();
  const out = applyImputer(fitImputer(x, { strategy }), x).dataSync();
  const columnOf = (a: ArrayLike<number>, j: number) => Array.from({ length: n }, (_, i) => a[i * k + j]!);
  return allOf(...Array.from({ length: k }, (_, j) => {
    const column = columnOf(data, j);
    const filled = columnOf(out, j);
    const want = statistic(column, strategy);
    return [`column ${j} (${strategy} ${want})`, () => allOf(
      ['present cells, by row', () => exact.equals(filled.map((v, i) => (Number.isNaN(column[i]!) ? NaN : v)), column)],
      ['missing cells, by row', () => tol.equals(filled, column.map((v) => (Number.isNaN(v) ? want : v)), { precision: precisionOf(x) })],
    )] as const;
  }));
}
