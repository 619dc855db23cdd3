/** Bad inputs to datasets, preprocessing, augmentation, tabular data and MNIST loading. */
import { either as E } from 'fp-ts';
import * as T from '../src/index';
import * as data from '../src/data';
import { loadMnist } from '../src/data/node';
import { key } from '../src/random';
import { bad, badInputSuite } from './badInput.helpers';

const x = T.tensor([[1, 2], [3, 4]]);
const k = key(0);
const ds = data.fromTensors({ x: T.zeros([4, 2]), y: T.tensor([0, 1, 0, 1], 'int32') });
const images = T.zeros([2, 1, 4, 4]);
const table = () => {
  const r = data.parseCsv('a\nx\ny\n');
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

badInputSuite('data', [
  bad('Dataset.fromTensors', () => data.fromTensors({}), 'holds no tensors', 'at least one'),
  bad('Dataset.fromTensors', () => data.fromTensors({ x: T.scalar(1) }), 'float32[] at leaf 0', 'at least one axis'),
  bad('Dataset.fromTensors', () => data.fromTensors({ x: T.zeros([3]), y: T.zeros([2]) }), '[3], [2]', 'share the first axis'),
  bad('fromArrays', () => data.fromArrays({ x: [1, 2] }, { dtypes: { x: 'float16' } } as never), '"float16"', 'one of bool, int32, float32, float64'),
  bad('fromArrays', () => data.fromArrays({ x: [1, 2] }, { dtypes: { y: 'int32' } } as never), '"y"', 'among the columns (x)'),
  bad('fromArrays', () => data.fromArrays({ x: [1, 2] }, { dtype: 'int32' } as never), '"dtype"', 'valid options: dtypes'),
  bad('Dataset.batch', () => ds.batch(0), 'got 0', 'an integer >= 1'),
  bad('Dataset.batch', () => ds.batch(2, { drop: true } as never), '"drop"', 'valid options: dropRemainder'),
  bad('Dataset.epochs', () => ds.epochs(1, k, { shuffles: false } as never), '"shuffles"', 'valid options: shuffle'),
  bad('Dataset.epochs', () => ds.epochs(-1, k), 'got -1', 'a non-negative integer'),
  bad('Dataset.slice', () => ds.slice(-1), 'got -1', 'a non-negative integer'),
  bad('Dataset.take', () => ds.take(1.5), 'got 1.5', 'a non-negative integer'),
  bad('Dataset.select', () => ds.select([10]), 'index 10', 'out of range for 4 examples'),
  bad('Dataset.shuffle', () => ds.shuffle(undefined as never), 'undefined', 'a PRNG key'),
  bad('trainTestSplit', () => data.trainTestSplit(k, ds, { testSize: 1.5 }), 'got 1.5', 'a fraction in (0, 1) or an integer count'),
  bad('trainTestSplit', () => data.trainTestSplit(k, ds, { test_size: 0.5 } as never), '"test_size"', 'valid options: testSize, shuffle, stratify'),
  bad('fitStandardize', () => data.fitStandardize(x, { axes: 0 } as never), '"axes"', 'valid options: axis'),
  bad('fitStandardize', () => data.fitStandardize([1] as never), 'JS array', 'x must be a tensor'),
  bad('fitNormalize', () => data.fitNormalize(x, { axis: 3 }), 'axis 3', '-2 <= axis < 2'),
  bad('fitImputer', () => data.fitImputer(x, { strategy: 'max' } as never), '"max"', "'mean', 'median', 'mostFrequent' or 'constant'"),
  bad('fitImputer', () => data.fitImputer(x, { strategi: 'mean' } as never), '"strategi"', 'valid options: strategy, fillValue'),
  bad('randomFlipHorizontal', () => data.randomFlipHorizontal(k, images, 2), 'got 2', 'in [0, 1]'),
  bad('randomCrop', () => data.randomCrop(k, images, { size: 5 }), 'got 5', 'no larger than the padded image [4, 4]'),
  bad('randomCrop', () => data.randomCrop(k, images, { size: 2, pad: 1 } as never), '"pad"', 'valid options: size, padding, fill'),
  bad('randomShift', () => data.randomShift(k, images, { maxShift: -1 }), 'got -1', 'a non-negative integer'),
  bad('randomRotation', () => data.randomRotation(k, images, { maxDegrees: 15, interpolation: 'cubic' } as never), '"cubic"', 'one of "bilinear", "nearest"'),
  bad('randomRotation', () => data.randomRotation(k, images, { maxDegrees: 200 }), 'got 200', 'in [0, 180]'),
  bad('labelEncode', () => data.labelEncode(table(), 'a', { class: [] } as never), '"class"', 'valid options: classes'),
  bad('labelEncode', () => data.labelEncode(table(), 'b'), "no column 'b'", "columns: 'a'"),
  bad('oneHotEncode', () => data.oneHotEncode(table(), 'a' as never), '"a"', 'an array of column names'),
  bad('loadMnist', () => loadMnist({ split: 'val' } as never), '"val"', "'train' or 'test'"),
  bad('loadMnist', () => loadMnist({ split: 'test', flaten: true } as never), '"flaten"', 'valid options: split, directory, flatten, size'),
  bad('loadMnist', () => loadMnist({ split: 'test', size: -1 }), 'got -1', 'a non-negative integer'),
  // Data errors come back as a Left from the decoders; a bad option is reported the same way.
  bad('parseCsv', () => {
    const r = data.parseCsv('a\n1\n', { delimter: ';' } as never);
    if (E.isLeft(r)) throw new Error(r.left.message);
  }, '"delimter"', 'valid options: delimiter, header, missing, types'),
]);
