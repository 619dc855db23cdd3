/**
 * Laws of the data pipeline and of tabular data as pure predicates (the runner is
 * test/pipeline.laws.test.ts). Dataset views (shuffle, select, slice, batches) must equal a
 * plain gather (`take`) of the materialized tree; a stratified split keeps every class's
 * share; CSV written by papaparse's `unparse` reads back as the table it came from; encoders and
 * the imputer do what their definitions say, cell by cell.
 */
import { either as E } from 'fp-ts';
import Papa from 'papaparse';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { key, permutation } from '../src/random';
import { applyImputer, fitImputer, labelEncode, oneHotEncode, parseCsv, Table, trainTestSplit, type Dataset, type ImputeStrategy } from '../src/data';

/** The values of every leaf of a tree, in a comparable form. */
function leafValues(tree: Record<string, Tensor>): Record<string, { shape: readonly number[]; dtype: string; data: number[] }> {
  return Object.fromEntries(Object.entries(tree).map(([k, x]) => [k, { shape: x.shape, dtype: x.dtype, data: Array.from(x.dataSync()) }]));
}

function sameTrees(a: Record<string, Tensor>, b: Record<string, Tensor>): boolean {
  return JSON.stringify(leafValues(a)) === JSON.stringify(leafValues(b));
}

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
 * positions gives on the original tree: views move whole rows and nothing else.
 */
export function viewsMatchGather(ds: Dataset<Record<string, Tensor>>, ops: readonly ViewOp[], batchSize: number): boolean {
  let view = ds;
  let positions = Array.from({ length: ds.size }, (_, i) => i);
  for (const op of ops) [view, positions] = applyView(view, positions, op);
  const expected = takeTree(ds.tree, positions);
  if (view.size !== positions.length || !sameTrees(view.tree, expected)) return false;
  const batches = [...view.batch(batchSize)];
  return batches.every((b, i) => sameTrees(b, takeTree(ds.tree, positions.slice(i * batchSize, (i + 1) * batchSize))));
}

/**
 * A stratified split partitions the examples, and each class's test count is within one of its
 * exact share (testCount * classCount / size).
 */
export function stratifiedSplitKeepsShares(ds: Dataset<{ id: Tensor; y: Tensor }>, k: Tensor, testSize: number): boolean {
  const [train, test] = trainTestSplit(k, ds, { testSize, stratify: (t) => t.y });
  const ids = [...Array.from(train.tree.id.dataSync()), ...Array.from(test.tree.id.dataSync())].sort((a, b) => a - b);
  if (ids.length !== ds.size || ids.some((v, i) => v !== i)) return false;
  const count = (y: Tensor) => Array.from(y.dataSync()).reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map<number, number>());
  const all = count(ds.tree.y);
  const inTest = count(test.tree.y);
  return [...all].every(([c, n]) => Math.abs((inTest.get(c) ?? 0) - (test.size * n) / ds.size) < 1);
}

/** A table's cells as rows of strings and numbers (null missing), for `unparse`. */
export type Cells = readonly (readonly (string | number | null)[])[];

/**
 * CSV written by papaparse's `unparse` (quoting as needed) parses back to the same columns: the
 * number columns' values exactly, the string columns' strings, missing cells missing.
 */
export function csvRoundTrip(names: readonly string[], rows: Cells, delimiter: string): boolean {
  const text = Papa.unparse({ fields: [...names], data: rows.map((r) => r.map((v) => (v === null ? '' : v))) }, { delimiter, newline: '\n' });
  const parsed = parseCsv(text, { delimiter });
  if (E.isLeft(parsed)) return false;
  const table = parsed.right;
  if (table.numRows !== rows.length || table.names.join('\u0000') !== names.join('\u0000')) return false;
  return names.every((name, j) => {
    const column = table.column(name);
    return rows.every((r, i) => {
      const want = r[j];
      const got = column.values[i];
      if (want === null) return column.kind === 'number' ? Number.isNaN(got as number) : got === null;
      return column.kind === 'number' ? got === Number(want) : got === String(want);
    });
  });
}

/** label encoding is invertible: classes[labels[i]] is row i's value, and classes are distinct. */
export function labelEncodeInverts(values: readonly string[]): boolean {
  const table = Table.fromColumns({ c: values });
  const { labels, classes } = labelEncode(table, 'c');
  const codes = Array.from(labels.dataSync());
  return new Set(classes).size === classes.length && codes.every((code, i) => classes[code] === values[i]);
}

/** One-hot rows hold a single 1 at the cell's category, or all zeros for a missing cell. */
export function oneHotRowsAreIndicators(values: readonly (string | null)[]): boolean {
  const table = Table.fromColumns({ c: values });
  const { table: encoded, categories } = oneHotEncode(table, ['c']);
  const cats = categories.c!;
  const x = encoded.toTensor().dataSync();
  const k = cats.length;
  return encoded.names.length === k && values.every((v, i) => cats.every((cat, j) => x[i * k + j] === (v === cat ? 1 : 0)));
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

/**
 * The imputer replaces exactly the NaNs, each by its column's statistic of the fitted data
 * (float64 matrices, so the statistic is compared exactly up to summation order).
 */
export function imputerFillsNaNsWithStatistic(x: Tensor, strategy: Exclude<ImputeStrategy, 'constant'>): boolean {
  const [n, k] = x.shape as [number, number];
  const data = x.dataSync();
  const out = applyImputer(fitImputer(x, { strategy }), x).dataSync();
  for (let j = 0; j < k; j++) {
    const column = Array.from({ length: n }, (_, i) => data[i * k + j]!);
    const want = statistic(column, strategy);
    for (let i = 0; i < n; i++) {
      const v = data[i * k + j]!;
      const got = out[i * k + j]!;
      if (Number.isNaN(v) ? Math.abs(got - want) > 1e-9 * Math.max(1, Math.abs(want)) : got !== v) return false;
    }
  }
  return true;
}
