/**
 * A small convolutional net on MNIST as NCHW images [n, 1, 28, 28] (`loadMnist({ flatten: false })`):
 * conv 3x3 (8) -> ReLU -> max-pool 2 -> conv 3x3 (16) -> ReLU -> max-pool 2 -> flatten -> linear(10).
 * Adam (lr 2e-3), batch 32, 4 epochs on the first 8,000 training digits (`--train` picks how
 * many of the 60,000), evaluated on the first 2,000 test digits (96.4%). The whole training step
 * (forward, backward through the convolutions and poolings, Adam update) is one jitted program.
 *
 *   npx tsx examples/mnist-cnn/main.ts
 *   npx tsx examples/mnist-cnn/main.ts --epochs 1 --train 500 --test 200 --out out/
 *
 * Outputs: a checkpoint of the parameters and a plot of the loss and accuracy curves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import { key, splitList } from '../../src/random';
import { loadMnist } from '../../src/data/node';
import { fit, historyToSvg, type Metrics } from '../../src/train';
import { save } from '../../src/io';
import { numberArg, stringArg } from '../common/args';

const epochs = numberArg('epochs', 4);
const batchSize = numberArg('batch', 32);
const trainSize = numberArg('train', 8000);
const testSize = numberArg('test', 2000);
const outDir = stringArg('out', 'out');

const model = nn.sequential(
  nn.conv2d(8, 3, { padding: 1 }), nn.activation(nn.relu), nn.maxPool2d(2), //   [n, 8, 14, 14]
  nn.conv2d(16, 3, { padding: 1 }), nn.activation(nn.relu), nn.maxPool2d(2), // [n, 16, 7, 7]
  nn.flatten(), //                                                              [n, 784]
  nn.linear(10),
);
type Params = ReturnType<typeof model.init>['params'];
type Batch = { x: T.Tensor; y: T.Tensor };

const optimizer = optim.adam(2e-3);
type State = { params: Params; opt: optim.AdamState };

const loss = (params: Params, batch: Batch): [loss: T.Tensor, logits: T.Tensor] => {
  const logits = model.apply(params, batch.x);
  return [nn.softmaxCrossEntropy(logits, batch.y), logits];
};

const step = T.jit((state: State, batch: Batch): [State, Metrics] => {
  const [[l, logits], grads] = T.valueAndGrad(loss, { hasAux: true })(state.params, batch);
  const [updates, opt] = optimizer.update(grads, state.opt, state.params);
  const params = optim.applyUpdates(state.params, updates);
  return [{ params, opt }, { loss: l, accuracy: nn.accuracy(logits, batch.y) }];
});

const evaluate = T.jit((params: Params, batch: Batch) => {
  const logits = model.apply(params, batch.x);
  return { loss: nn.softmaxCrossEntropy(logits, batch.y), accuracy: nn.accuracy(logits, batch.y) };
});

async function main(): Promise<void> {
  // Pixels stay in [0, 1]; the first conv's bias and Adam cope without standardizing.
  const [train, test] = await Promise.all([loadMnist({ split: 'train', size: trainSize, flatten: false }), loadMnist({ split: 'test', size: testSize, flatten: false })]);
  console.log(`${train.size} training and ${test.size} test digits, images ${JSON.stringify(train.tree.x.shape.slice(1))} (NCHW)`);

  const [initKey, runKey] = splitList(key(0));
  const { params, outputShape } = model.init(initKey, [-1, 1, 28, 28]);
  console.log(nn.summary(params, { layers: model.layers }).table);
  console.log(`output shape ${JSON.stringify(outputShape)}`);

  const start = performance.now();
  const initial: State = { params, opt: optimizer.init(params) };
  const { state, history } = await fit(initial, train, {
    epochs,
    batchSize,
    key: runKey,
    step: (s, b) => step(s, b),
    evalStep: (s, b) => evaluate(s.params, b),
    validation: test,
  });
  const seconds = (performance.now() - start) / 1000;

  // Evaluate in batches: one jitted program per batch shape, and modest intermediate buffers.
  let correct = 0;
  for (const b of test.batch(250)) correct += Number(evaluate(state.params, b).accuracy.item()) * b.x.shape[0];
  const accuracy = correct / test.size;
  console.log(`test accuracy ${(accuracy * 100).toFixed(2)}% after ${epochs} epochs (${(seconds / epochs).toFixed(2)}s per epoch)`);

  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, 'mnist-cnn.safetensors');
  await save(checkpoint, state.params);
  const plot = join(outDir, 'mnist-cnn-history.svg');
  writeFileSync(plot, historyToSvg(history, { title: 'MNIST CNN conv8-conv16-linear10' }));
  console.log(`saved parameters ${checkpoint} and plot ${plot}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
