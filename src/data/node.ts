/**
 * IDX files on Node. Kept apart from the byte decoder, and importing `node:fs` only when called,
 * so `tensorlaw/data` still loads in a browser. Files compressed with gzip (`*.gz`, as MNIST is
 * distributed) are inflated first with the standard `DecompressionStream`, up to a size cap.
 */
import { either as E } from 'fp-ts';
import { asIdxImages, asIdxLabels, parseIdx, type IdxArray, type IdxError } from './idx';
import type { Dataset } from './dataset';
import { mnistFromIdx, type MnistExamples, type MnistShapeOptions, type MnistSplit } from './mnist';

/**
 * A file could not be read or inflated (missing, unreadable, a directory, bad gzip, too large).
 *
 *   const r = await loadIdxLabels('missing.idx1-ubyte');
 *   if (E.isLeft(r) && r.left._tag === 'ReadError') r.left.code;   // 'ENOENT'
 */
export interface ReadError {
  readonly _tag: 'ReadError';
  readonly message: string;
  readonly code: string | undefined;
}

/** Anything that can go wrong loading an IDX file. */
export type IdxLoadError = ReadError | IdxError;

/**
 * The largest inflated size accepted from a gzip file (MNIST's training images are 47 MB); a
 * larger one is a ReadError, so a gzip bomb cannot exhaust memory.
 *
 *   MAX_INFLATED_BYTES;   // 512 MiB
 *   await loadIdx('bomb.gz');   // Left(ReadError: gzip content exceeds ...)
 */
export const MAX_INFLATED_BYTES = 512 * 2 ** 20;

function readError(path: string, e: unknown): ReadError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  return { _tag: 'ReadError', message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, code };
}

async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`gzip content exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}

/**
 * Read and decode an IDX file (gzip-compressed or not) of any element type and rank.
 *
 *   const r = await loadIdx('t10k-labels-idx1-ubyte.gz');
 *   if (E.isRight(r)) r.right.shape;   // [10000]
 */
export async function loadIdx(path: string): Promise<E.Either<IdxLoadError, IdxArray>> {
  let bytes: Uint8Array;
  try {
    const fs = await import('node:fs');
    bytes = new Uint8Array(await fs.promises.readFile(path));
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, MAX_INFLATED_BYTES);
  } catch (e) {
    return E.left(readError(path, e));
  }
  return parseIdx(bytes);
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
