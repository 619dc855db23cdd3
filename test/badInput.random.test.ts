/** Bad inputs to keys and samplers. */
import * as T from '../src/index';
import * as R from '../src/random';
import { bad, badInputSuite } from './badInput.helpers';

const k = R.key(0);
const v = T.tensor([1, 2, 3]);

badInputSuite('random', [
  bad('key', () => R.key(1.5), 'got 1.5', 'a safe integer'),
  bad('key', () => R.key('a' as never), '"a"', 'a safe integer'),
  bad('split', () => R.split(k, 0), 'got 0', 'a positive integer'),
  bad('split', () => R.split(v as never), 'float32[3]', 'an int32 tensor of shape [2]'),
  bad('splitList', () => R.splitList([0, 0] as never), 'JS array', 'an int32 tensor of shape [2]'),
  bad('foldIn', () => R.foldIn(k, -1), 'got -1', 'an integer in [0, 4294967293]'),
  bad('uniform', () => R.uniform(k, [2], { dtype: 'int32' } as never), '"int32"', "'float32' or 'float64'"),
  bad('uniform', () => R.uniform(k, [2], { min: 0 } as never), '"min"', 'valid options: dtype, minval, maxval'),
  bad('uniform', () => R.uniform(k, [2], { minval: 2, maxval: 1 }), 'minval 2 and maxval 1', 'must not exceed'),
  bad('normal', () => R.normal(k, [-1]), '[-1]', 'non-negative integers'),
  bad('normal', () => R.normal(k, [2], 'float16' as never), '"float16"', "'float32' or 'float64'"),
  bad('normal', () => R.normal(k, 3 as never), 'got 3', 'an array of non-negative integers'),
  bad('gumbel', () => R.gumbel(k, [2], { dtyp: 'float32' } as never), '"dtyp"', 'valid options: dtype'),
  bad('truncatedNormal', () => R.truncatedNormal(k, 2, 1, [2]), 'lower 2 and upper 1', 'lower must be below upper'),
  bad('bernoulli', () => R.bernoulli(k, 1.5, [2]), 'got 1.5', 'a probability in [0, 1]'),
  bad('categorical', () => R.categorical(k, v, { axes: 0 } as never), '"axes"', 'valid options: axis, shape'),
  bad('categorical', () => R.categorical(k, T.tensor([1], 'int32')), 'int32[1]', 'a float tensor with a category axis'),
  bad('randint', () => R.randint(k, [2], 5, 1), 'minval 5 and maxval 1', 'minval must be below maxval'),
  bad('randint', () => R.randint(k, [2], 0.5, 3), 'got 0.5', 'an integer in the int32 range'),
  bad('permutation', () => R.permutation(k, -3), 'got -3', 'a non-negative integer'),
  bad('shuffle', () => R.shuffle(k, v, { dim: 0 } as never), '"dim"', 'valid options: axis'),
  bad('shuffle', () => R.shuffle(k, T.scalar(1)), 'float32[]', 'at least one axis'),
]);
