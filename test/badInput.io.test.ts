/** Bad inputs to checkpoints, training helpers, models and ONNX export. */
import * as T from '../src/index';
import * as io from '../src/io';
import * as train from '../src/train';
import * as models from '../src/models';
import * as nn from '../src/nn';
import { toOnnx } from '../src/onnx';
import { fromTensors } from '../src/data';
import { key } from '../src/random';
import { bad, badInputSuite } from './badInput.helpers';

const x = T.tensor([[1, 2], [3, 4]]);
const k = key(0);
const ds = fromTensors({ x: T.zeros([4, 2]), y: T.tensor([0, 1, 0, 1], 'int32') });
const step = (s: unknown): [unknown, Record<string, number>] => [s, {}];
const identity = (_p: unknown, y: T.Tensor) => y;
const config = { nLayer: 1, nHead: 2, nEmbd: 8, nPositions: 8, vocabSize: 16 };

badInputSuite('io', [
  bad('serialize', () => io.serialize({ w: x }, { dtyp: 'float16' } as never), '"dtyp"', 'valid options: metadata, dtype, dtypes'),
  bad('serialize', () => io.serialize({ w: x }, { dtype: 'half' } as never), '"half"', 'one of "float32", "float16", "bfloat16"'),
  bad('serialize', () => io.serialize({ w: () => 1 }), 'at .w is a function', 'checkpoints hold tensors, numbers, booleans and strings'),
  bad('serialize', () => io.serialize({ 'a.b': x }), '"a.b"', 'dot-free'),
  bad('save', () => io.save(3 as never, { w: x }), 'got 3', 'a non-empty string'),
  bad('load', () => io.load(''), 'got ""', 'a non-empty string'),
  bad('io.torch', () => io.fromStateDict({}, { params: { w: x } }, { renames: [] } as never), '"renames"', 'valid options: rename, split, transpose, ignore, extras'),
  bad('io.fromStateDict', () => io.fromStateDict({ w: 3 } as never, { params: { w: x } }), 'entry w is number', 'expected a tensor'),
]);

badInputSuite('train', [
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: k, step, epoch: 3 } as never), '"epoch"', 'valid options: epochs, batchSize, key, step'),
  bad('fit', () => train.fit({}, ds, { epochs: -1, batchSize: 2, key: k, step }), 'got -1', 'epochs must be an integer >= 0'),
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 0, key: k, step }), 'got 0', 'batchSize must be an integer >= 1'),
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: 0 as never, step }), 'got 0', 'a PRNG key'),
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: k, step: undefined as never }), 'undefined', 'step must be a function'),
  bad('fit', () => train.fit({}, [1, 2] as never, { epochs: 1, batchSize: 2, key: k, step }), '[1, 2]', 'a dataset (with size and batch(size))'),
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: k, step, earlyStopping: { monitor: 'loss', patience: 0 } }), 'got 0', 'patience must be an integer >= 1'),
  bad('fit (earlyStopping)', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: k, step, earlyStopping: { monitor: 'loss', patience: 1, minimize: true } as never }), '"minimize"', 'valid options: monitor, patience, mode, minDelta'),
  bad('fit', () => train.fit({}, ds, { epochs: 1, batchSize: 2, key: k, step, validationSplit: 2 }), 'got 2', 'strictly between 0 and 1'),
  bad('evaluate', () => train.evaluate(identity, {}, ds, { metrics: { a: nn.accuracy }, batchsize: 2 } as never), '"batchsize"', 'valid options: metrics, batchSize'),
  bad('evaluate', () => train.evaluate(identity, {}, ds, { metrics: {} }), 'metrics', 'a non-empty record of functions'),
  bad('evaluate', () => train.evaluate(3 as never, {}, ds, { metrics: { a: nn.accuracy } }), 'got number', 'a function (params, x) => y'),
  bad('evaluate', () => train.evaluate(identity, {}, ds, { metrics: { a: nn.accuracy }, batchSize: 1.5 }), 'got 1.5', 'an integer >= 1'),
  bad('predict', () => train.predict(identity, {}, x, { batch: 2 } as never), '"batch"', 'valid options: batchSize, inputs'),
  bad('classificationReport', () => train.classificationReport([0], [0], { label: [0] } as never), '"label"', 'valid options: labels, targetNames, digits'),
  bad('classificationReport', () => train.classificationReport([0], [0], { digits: 20 }), 'got 20', 'an integer from 0 to 10'),
  bad('classificationReport', () => train.classificationReport([0, 1], [0], {}), 'got 2 and 1', 'one label per example'),
]);

badInputSuite('models', [
  bad('gpt2Init (config)', () => models.gpt2Init(k, { ...config, nLayers: 1 } as never), '"nLayers"', 'valid options: nLayer, nHead, nEmbd'),
  bad('gpt2Init', () => models.gpt2Init(k, { ...config, nHead: 3 }), 'nHead 3', 'must divide config.nEmbd 8'),
  bad('gpt2Init', () => models.gpt2Init(k, { ...config, nEmbd: 0 }), 'got 0', 'a positive integer'),
  bad('gpt2Generator', () => models.gpt2Generator(config, { maxLength: 4, topk: 3 } as never), '"topk"', 'valid options: maxLength, temperature, topK'),
  bad('gpt2Generator', () => models.gpt2Generator(config, { maxLength: 100 }), 'got 100', 'an integer in [1, 8]'),
  bad('gpt2Generator', () => models.gpt2Generator(config, { maxLength: 4, temperature: -1 }), 'got -1', 'a finite number >= 0'),
  bad('gpt2Generator', () => models.gpt2Generator(config, { maxLength: 4, topK: 100 }), 'got 100', 'an integer in [1, 16]'),
  bad('topKLogits', () => models.topKLogits(x, 0), 'got 0', 'k must be an integer in [1, 2]'),
]);

badInputSuite('onnx', [
  bad('toOnnx', () => toOnnx(3 as never, [x]), 'got 3', 'expects a function'),
  bad('toOnnx', () => toOnnx((a: T.Tensor) => a, x as never), 'float32[2, 2]', 'the example arguments as an array'),
  bad('toOnnx', () => toOnnx((a: T.Tensor) => a, [x], { dynamicBatchh: true } as never), '"dynamicBatchh"', 'valid options: parameterArgnums'),
  bad('toOnnx', () => toOnnx((a: T.Tensor) => a, [x], { opset: 12 }), 'opset 12', 'expected 17 to 21'),
  bad('toOnnx (dynamicBatch)', () => toOnnx((a: T.Tensor) => a, [x], { dynamicBatch: { axs: 1 } } as never), '"axs"', 'valid options: argnums, axis, name'),
  bad('toOnnx', () => toOnnx((a: T.Tensor) => a, [x], { parameterArgnums: 3 }), 'parameterArgnums 3', 'out of range for 1 arguments'),
  bad('toOnnx', () => toOnnx((a: T.Tensor) => a, [x], { argNames: [3] } as never), '[3]', 'an array of non-empty strings'),
]);
