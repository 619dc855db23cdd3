/**
 * The classic MLP on real handwritten digits: 784-64-64-10 with ReLU, Adam (lr 1e-3), batch 32,
 * 10 epochs on 8,000 training digits, evaluated on 2,000 held-out digits. The whole training
 * step (forward, backward, Adam update) is one jitted program.
 *
 *   npm start                                   # or: npx tsx examples/mnist-mlp/main.ts
 *   npx tsx examples/mnist-mlp/main.ts --epochs 2 --out out/
 *
 * Outputs: a checkpoint (safetensors) and a plot of the loss and accuracy curves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import { key, splitList } from '../../src/random';
import { applyStandardize, fitStandardize, loadMnistDigits } from '../../src/data';
import { fit, historyToSvg } from '../../src/train';
import { saveCheckpoint } from '../../src/io';
import { numberArg, stringArg } from '../common/args';

const epochs = numberArg('epochs', 10);
const batchSize = numberArg('batch', 32);
const outDir = stringArg('out', 'out');

// Keras's Dense defaults (Glorot-uniform weights, zero biases), as in the classic Keras tutorial.
const dense = (units: number) => nn.linear(units, { init: nn.glorotUniform, biasInit: nn.zeros });
const model = nn.sequential(dense(64), nn.activation(nn.relu), dense(64), nn.activation(nn.relu), dense(10));
type Params = ReturnType<typeof model.init>['params'];
type Batch = { x: T.Tensor; y: T.Tensor };

const optimizer = optim.adam(1e-3);
type State = { params: Params; opt: ReturnType<typeof optimizer.init> };

// The loss, with the logits as auxiliary output so the step can also report training accuracy.
const loss = (params: Params, batch: Batch) => {
  const logits = model.apply(params, batch.x);
  return [nn.softmaxCrossEntropy(logits, batch.y), logits] as const;
};

// One training step: value and gradient of the loss, the Adam update, and the batch accuracy.
// The old state is donated: its buffers are reused for the new one (the loop never reads it again).
const step = T.jit((state: State, batch: Batch) => {
  const [[l, logits], grads] = T.valueAndGrad(loss, { hasAux: true })(state.params, batch);
  const [updates, opt] = optimizer.update(grads, state.opt, state.params);
  const params = optim.applyUpdates(state.params, updates) as Params;
  return [{ params, opt }, { loss: l, accuracy: nn.accuracy(logits, batch.y) }] as const;
}, { donateArgnums: 0 });

const evaluate = T.jit((params: Params, batch: Batch) => {
  const logits = model.apply(params, batch.x);
  return { loss: nn.softmaxCrossEntropy(logits, batch.y), accuracy: nn.accuracy(logits, batch.y) };
});

async function main(): Promise<void> {
  const t0 = performance.now();
  const digits = await loadMnistDigits({ trainSize: 8000, testSize: 2000 });
  // Standardize pixels with statistics of the training set only (one mean and std overall).
  const stats = fitStandardize(digits.train.tree.x, { axis: [0, 1] });
  const standardize = (d: typeof digits.train) => d.map((b) => ({ x: applyStandardize(stats, b.x), y: b.y }));
  const [train, test] = [standardize(digits.train), standardize(digits.test)];
  console.log(`loaded ${train.size} training and ${test.size} test digits in ${((performance.now() - t0) / 1000).toFixed(2)}s`);

  const [initKey, runKey] = splitList(key(0));
  const { params } = model.init(initKey!, [-1, 784]);
  console.log(nn.summary(params).table);

  const start = performance.now();
  const { state, history } = await fit({ params, opt: optimizer.init(params) } as State, train, {
    epochs,
    batchSize,
    key: runKey!,
    step: (s, b) => step(s, b),
    evalStep: (s, b) => evaluate(s.params, b),
    validation: test,
  });
  const seconds = (performance.now() - start) / 1000;

  const testMetrics = evaluate(state.params, { x: test.tree.x, y: test.tree.y });
  const accuracy = Number(testMetrics.accuracy.item());
  console.log(`test accuracy ${(accuracy * 100).toFixed(2)}% after ${epochs} epochs (${(seconds / epochs).toFixed(2)}s per epoch)`);

  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, 'mnist-mlp.safetensors');
  await saveCheckpoint(checkpoint, { params: state.params, optState: state.opt, step: epochs * Math.ceil(train.size / batchSize), key: runKey! });
  const plot = join(outDir, 'mnist-mlp-history.svg');
  writeFileSync(plot, historyToSvg(history, { title: 'MNIST MLP 784-64-64-10' }));
  console.log(`saved checkpoint ${checkpoint} and plot ${plot}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
