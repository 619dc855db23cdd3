/** IDX files on Node (plain or gzip), decoded by the browser-safe reader in ../idx. */
import { either as E } from 'fp-ts';
import { asIdxImages, asIdxLabels, parseIdx, type IdxArray, type IdxError } from '../idx';
import type { Dataset } from '../dataset';
import { mnistFromIdx, type MnistExamples, type MnistShapeOptions, type MnistSplit } from '../mnist';
import { readFileBytes, type ReadError } from './files';

/** Anything that can go wrong loading an IDX file. */
export type IdxLoadError = ReadError | IdxError;

/**
 * Read and decode an IDX file (gzip-compressed or not) of any element type and rank.
 *
 *   const r = await loadIdx('t10k-labels-idx1-ubyte.gz');
 *   if (E.isRight(r)) r.right.shape;   // [10000]
 */
export async function loadIdx(path: string): Promise<E.Either<IdxLoadError, IdxArray>> {
  return E.chainW(parseIdx)(await readFileBytes(path));
}

/**
 * Read an IDX image file: uint8 [n, height, width] (magic 0x00000803).
 *
 *   const images = await loadIdxImages('train-images-idx3-ubyte');
 *   if (E.isRight(images)) images.right.shape;   // [60000, 28, 28]
 */
export async function loadIdxImages(path: string): Promise<E.Either<IdxLoadError, IdxArray<'uint8'>>> {
  return E.chainW(asIdxImages)(await loadIdx(path));
}

/**
 * Read an IDX label file: uint8 [n] (magic 0x00000801).
 *
 *   const labels = await loadIdxLabels('train-labels-idx1-ubyte');
 *   if (E.isRight(labels)) labels.right.data[0];   // 5
 */
export async function loadIdxLabels(path: string): Promise<E.Either<IdxLoadError, IdxArray<'uint8'>>> {
  return E.chainW(asIdxLabels)(await loadIdx(path));
}

/** The four MNIST files. */
export interface MnistIdxPaths {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/**
 * Load MNIST from its four IDX files (plain or gzip) into train and test datasets: x float32 in
 * [0, 1] ([n, 784], or [n, 1, 28, 28] with `flatten: false`), y int32. The first error is a Left.
 *
 *   const r = await loadMnistIdx({ trainImages, trainLabels, testImages, testLabels });
 *   if (E.isRight(r)) r.right.train.size;   // 60000
 */
export async function loadMnistIdx(paths: MnistIdxPaths, options: MnistShapeOptions = {}): Promise<E.Either<IdxLoadError, MnistSplit>> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    loadIdxImages(paths.trainImages),
    loadIdxLabels(paths.trainLabels),
    loadIdxImages(paths.testImages),
    loadIdxLabels(paths.testLabels),
  ]);
  type Loaded = E.Either<IdxLoadError, IdxArray<'uint8'>>;
  const build = (images: Loaded, labels: Loaded): E.Either<IdxLoadError, Dataset<MnistExamples>> =>
    E.isLeft(images) ? images : E.isLeft(labels) ? labels : mnistFromIdx(images.right, labels.right, options);
  const train = build(trainImages, trainLabels);
  const test = build(testImages, testLabels);
  return E.isLeft(train) ? train : E.isLeft(test) ? test : E.right({ train: train.right, test: test.right });
}
