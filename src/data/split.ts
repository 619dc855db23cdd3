/** Splitting a dataset in two, shuffled by a key or in order, optionally stratified by class. */
import * as T from '../tensor';
import { Tensor } from '../tensor';
import { permutation } from '../random';
import { Dataset, dataError } from './dataset';

/** Options of `trainTestSplit`, e.g. `{ testSize: 0.2 }` or `{ testSize: 1000, shuffle: false }`. */
export interface TrainTestSplitOptions<T = unknown> {
  /**
   * The test set's size: a fraction strictly between 0 and 1 (rounded to the nearest count), or
   * an integer count from 0 to the dataset's size.
   */
  readonly testSize: number;
  /** Shuffle before splitting (default true); without it the test set is the last examples. */
  readonly shuffle?: boolean;
  /**
   * Class labels (int32 [size], or a function of the dataset's tree giving them): each class
   * gets its share of the test set in proportion to its size (within one example), as
   * scikit-learn's `stratify`. Needs shuffling.
   */
  readonly stratify?: Tensor | ((tree: T) => Tensor);
}

/** The number of test examples that `testSize` asks for out of `n`. */
export function testCount(op: string, testSize: number, n: number): number {
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) return Math.round(testSize * n);
  if (typeof testSize === 'number' && Number.isInteger(testSize) && testSize >= 0 && testSize <= n) return testSize;
  return dataError(op, `testSize must be a fraction in (0, 1) or an integer count in [0, ${n}], got ${String(testSize)}`);
}

/**
 * Split `total` among groups in proportion to `weights` (largest remainder, ties to the lower
 * group), so the parts sum to `total`, each is within one of its exact share, and none exceeds
 * its weight when total <= sum(weights).
 */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum === 0 ? 0 : (total * w) / sum));
  const parts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let r = total - parts.reduce((a, b) => a + b, 0), k = 0; r > 0; r--, k++) parts[order[k]![1]] += 1;
  return parts;
}

/** Test positions of a stratified split: per class, the first of its examples in `order`. */
function stratifiedTest(op: string, labels: Tensor, order: Int32Array, nTest: number): Set<number> {
  if (!(labels instanceof Tensor) || labels.ndim !== 1 || labels.shape[0] !== order.length || T.isFloat(labels.dtype)) {
    dataError(op, `stratify must give int32 class labels of shape [${order.length}], got ${labels instanceof Tensor ? T.fmtAval(labels) : T.describe(labels)}`);
  }
  const y = labels.dataSync();
  const classes = [...new Set(y)].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => 0);
  y.forEach((c) => counts[index.get(c)!]!++);
  const quota = apportion(nTest, counts);
  const test = new Set<number>();
  for (const i of order) {
    const c = index.get(y[i]!)!;
    if (quota[c]! > 0) {
      quota[c]!--;
      test.add(i);
    }
  }
  return test;
}

/**
 * Split into [train, test], which partition the examples: every example lands in exactly one.
 * Shuffled by `key` (the same key gives the same split) unless `shuffle: false`; with
 * `stratify`, each class keeps its proportion in both parts.
 *
 *   const [train, test] = trainTestSplit(key(0), ds, { testSize: 0.2 });
 *   const [a, b] = trainTestSplit(key(0), ds, { testSize: 100, shuffle: false });  // b = last 100
 *   trainTestSplit(key(0), ds, { testSize: 0.2, stratify: (t) => t.y });
 */
export function trainTestSplit<T>(key: Tensor, dataset: Dataset<T>, options: TrainTestSplitOptions<T>): [train: Dataset<T>, test: Dataset<T>] {
  const op = 'trainTestSplit';
  if (options === undefined) throw new T.OpError(op, 'expects options { testSize, shuffle?, stratify? }');
  T.checkOptions(op, options, T.optionKeys<TrainTestSplitOptions<T>>({ testSize: true, shuffle: true, stratify: true }));
  const n = dataset.size;
  const nTest = testCount(op, options.testSize, n);
  const shuffle = options.shuffle ?? true;
  if (options.stratify === undefined) {
    const ordered = shuffle ? dataset.shuffle(key) : dataset;
    return [ordered.take(n - nTest), ordered.skip(n - nTest)];
  }
  if (!shuffle) dataError(op, 'a stratified split needs shuffle: true (taking the last examples cannot keep the classes in proportion)');
  const labels = typeof options.stratify === 'function' ? options.stratify(dataset.tree) : options.stratify;
  const order = permutation(key, n).dataSync() as Int32Array;
  const test = stratifiedTest(op, labels, order, nTest);
  const trainIndex = Array.from(order).filter((i) => !test.has(i));
  const testIndex = Array.from(order).filter((i) => test.has(i));
  return [dataset.select(trainIndex), dataset.select(testIndex)];
}
