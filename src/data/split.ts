/** Splitting a dataset in two, shuffled by a key or in order. */
import type { Tensor } from '../tensor';
import { permutation } from '../random';
import { Dataset, dataError } from './dataset';

/** Options of `trainTestSplit`, e.g. `{ testSize: 0.2 }` or `{ testSize: 1000, shuffle: false }`. */
export interface TrainTestSplitOptions {
  /**
   * The test set's size: a fraction strictly between 0 and 1 (rounded to the nearest count), or
   * an integer count from 0 to the dataset's size.
   */
  readonly testSize: number;
  /** Shuffle before splitting (default true); without it the test set is the last examples. */
  readonly shuffle?: boolean;
}

/** The number of test examples that `testSize` asks for out of `n`. */
export function testCount(op: string, testSize: number, n: number): number {
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) return Math.round(testSize * n);
  if (typeof testSize === 'number' && Number.isInteger(testSize) && testSize >= 0 && testSize <= n) return testSize;
  return dataError(op, `testSize must be a fraction in (0, 1) or an integer count in [0, ${n}], got ${String(testSize)}`);
}

/**
 * Split into [train, test], which partition the examples: every example lands in exactly one.
 * Shuffled by `key` (the same key gives the same split) unless `shuffle: false`.
 *
 *   const [train, test] = trainTestSplit(key(0), ds, { testSize: 0.2 });
 *   const [a, b] = trainTestSplit(key(0), ds, { testSize: 100, shuffle: false });  // b = last 100
 */
export function trainTestSplit<T>(key: Tensor, dataset: Dataset<T>, options: TrainTestSplitOptions): [train: Dataset<T>, test: Dataset<T>] {
  const n = dataset.size;
  const nTest = testCount('trainTestSplit', options.testSize, n);
  const ordered = (options.shuffle ?? true) ? dataset.select(permutation(key, n)) : dataset;
  return [ordered.take(n - nTest), ordered.skip(n - nTest)];
}
