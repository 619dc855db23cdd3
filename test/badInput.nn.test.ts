/** Bad inputs to layers, losses, metrics and initializers. */
import * as T from '../src/index';
import * as nn from '../src/nn';
import { key } from '../src/random';
import { bad, badInputSuite } from './badInput.helpers';

const x = T.tensor([[1, 2], [3, 4]]);
const v = T.tensor([1, 2, 3]);
const labels = T.tensor([0, 1], 'int32');
const k = key(0);
const dense = nn.linear(2);
const { params } = dense.init(k, [-1, 2]);

badInputSuite('nn layers', [
  bad('nn.linear(0)', () => nn.linear(0), 'got 0', 'outFeatures must be an integer >= 1'),
  bad('nn.linear(3)', () => nn.linear(3, { bais: false } as never), '"bais"', 'valid options: bias, init, biasInit'),
  bad('nn.linear(3)', () => nn.linear(3, { init: 3 } as never), 'got 3', 'init must be an initializer'),
  bad('nn.linear(2)', () => dense.apply(params, [[1, 2]] as never), 'JS array', 'the input must be a tensor'),
  bad('nn.linear(2)', () => dense.apply(params, v), 'input [3] has 3 features', 'expects 2'),
  bad('nn.linear(2)', () => dense.apply({} as never, x), 'params.weight', 'must be a tensor'),
  bad('nn.linear(2).apply', () => dense.apply(params, x, { training: true } as never), '"training"', 'valid options: key, train, state'),
  bad('nn.linear(2)', () => dense.apply(params, x, { train: 'yes' } as never), '"yes"', 'true or false'),
  bad('nn.linear(2)', () => dense.init(undefined as never, [-1, 2]), 'undefined', 'key must be a PRNG key'),
  bad('nn.linear(2)', () => dense.init(k, 'a' as never), '"a"', 'inputShape must be an array of integers'),
  bad('nn.linear(2)', () => dense.init(k, [2, -1]), '[2, -1]', 'must be known to size the parameters'),
  bad('nn.conv2d(2, 0)', () => nn.conv2d(2, 0), 'got 0', 'kernelSize must be an integer >= 1'),
  bad('nn.conv2d(2, 3)', () => nn.conv2d(2, 3, { strides: 2 } as never), '"strides"', 'valid options: stride, padding'),
  bad('nn.conv2d(2, 3)', () => nn.conv2d(2, 3, { padding: 'full' } as never), '"full"', "'same' or 'valid'"),
  bad('nn.conv2d(1.5, 3)', () => nn.conv2d(1.5, 3), '1.5', 'outChannels must be an integer >= 1'),
  bad('nn.maxPool2d(0)', () => nn.maxPool2d(0), 'got 0', 'kernelSize must be an integer >= 1'),
  bad('nn.maxPool2d(2)', () => nn.maxPool2d(2, { strides: 2 } as never), '"strides"', 'valid options: stride, padding'),
  bad('nn.avgPool2d(2)', () => nn.avgPool2d(2, { countIncludePads: true } as never), '"countIncludePads"', 'countIncludePad'),
  bad('nn.dropout(1.5)', () => nn.dropout(1.5), 'got 1.5', 'a probability in [0, 1]'),
  bad('nn.batchNorm', () => nn.batchNorm({ momentum: 2 }), 'got 2', 'in [0, 1]'),
  bad('nn.batchNorm', () => nn.batchNorm({ mom: 0.1 } as never), '"mom"', 'valid options: momentum, eps'),
  bad('nn.layerNorm(0)', () => nn.layerNorm(0), 'got 0', 'a positive integer or a non-empty array'),
  bad('nn.layerNorm(4)', () => nn.layerNorm(4, { epsilon: 1e-5 } as never), '"epsilon"', 'valid options: eps'),
  bad('nn.rmsNorm(4)', () => nn.rmsNorm(4, { eps: -1 }), 'got -1', 'eps must be a finite number >= 0'),
  bad('nn.embedding(0, 4)', () => nn.embedding(0, 4), 'got 0', 'numEmbeddings must be an integer >= 1'),
  bad('nn.embedding(4, 4)', () => nn.embedding(4, 4, { initializer: 1 } as never), '"initializer"', 'valid options: init'),
  bad('nn.multiHeadAttention(0 heads)', () => nn.multiHeadAttention({ numHeads: 0 }), 'got 0', 'numHeads must be an integer >= 1'),
  bad('nn.multiHeadAttention(2 heads)', () => nn.multiHeadAttention({ numHeads: 2, heads: 2 } as never), '"heads"', 'valid options: numHeads'),
  bad('nn.transformerBlock(8, 2 heads)', () => nn.transformerBlock({ dim: 8, numHeads: 2, normfirst: true } as never), '"normfirst"', 'normFirst'),
  bad('nn.lstmCell(0)', () => nn.lstmCell(0), 'got 0', 'hidden must be an integer >= 1'),
  bad('nn.rnn', () => nn.rnn(3 as never), 'got 3', 'a cell such as lstmCell(64)'),
  bad('nn.sequential', () => nn.sequential(nn.linear(2), nn.relu as never), 'a function (relu)', 'must be a layer'),
  bad('nn.parallel', () => nn.parallel(nn.linear(2), { merge: 'concatenate' } as never), '"concatenate"', 'one of "concat", "sum"'),
  bad('nn.activation', () => nn.activation(undefined as never), 'undefined', 'must be a function'),
  bad('nn.loraInit', () => nn.loraInit(k, { w: x }, { rank: 0, targets: ['w'] }), 'got 0', 'rank must be a positive integer'),
  bad('nn.summary', () => nn.summary({}, { names: [] } as never), '"names"', 'valid options: layers'),
]);

badInputSuite('nn losses, metrics and initializers', [
  bad('nn.mse', () => nn.mse([1] as never, [1] as never), 'JS array', 'predictions must be a tensor'),
  bad('nn.mse', () => nn.mse(x, v), 'targets [3]', 'must have the same shape'),
  bad('nn.mse', () => nn.mse(v, v, { reduction: 'avg' } as never), '"avg"', 'one of "mean", "sum", "none"'),
  bad('nn.mse', () => nn.mse(v, v, { reduce: 'sum' } as never), '"reduce"', 'valid options: reduction'),
  bad('nn.huber', () => nn.huber(v, v, { delta: -1 }), 'got -1', 'delta must be a finite number >= 0'),
  bad('nn.softmaxCrossEntropy', () => nn.softmaxCrossEntropy(x, labels, { labelSmoothing: 2 }), 'got 2', 'in [0, 1]'),
  bad('nn.softmaxCrossEntropy', () => nn.softmaxCrossEntropy(x, T.tensor([0, 1, 2], 'int32')), 'labels [3]', 'the batch shape [2]'),
  bad('nn.nll', () => nn.nll(x, T.tensor([0, 1])), 'float32 [2]', 'int32 class indices'),
  bad('nn.accuracy', () => nn.accuracy(x, [0, 1] as never), 'JS array', 'labels must be a tensor'),
  bad('nn.confusionMatrix', () => nn.confusionMatrix(x, labels, 0), 'got 0', 'an integer >= 1'),
  bad('nn.precision', () => nn.precision(x, labels, 2, { average: 'weighted' } as never), '"weighted"', 'one of "macro", "micro", "none"'),
  bad('nn.initializers.normal', () => nn.initializers.normal(-1), 'got -1', 'std must be a finite number >= 0'),
  bad('nn.initializers.uniform', () => nn.initializers.uniform(1, 0), 'got 0', 'maxval must be a finite number >= 1'),
  bad('nn.initializers.varianceScaling', () => nn.initializers.varianceScaling({ scale: 1, mode: 'fan_in', distribution: 'normal' } as never), '"fan_in"', 'one of "fanIn", "fanOut", "fanAvg"'),
]);
