/**
 * Transfer learning with frozen features. An MLP (784-64-64 body, 5-way head) is pretrained on
 * the digits 0-4 and saved with `io.save`; the checkpoint is loaded back against a template
 * (`io.load` returns an Either), the head is replaced by a fresh one for the digits 5-9
 * (relabelled 0-4), and only the head is trained: `tree.partition` splits the parameters into
 * trainable and frozen halves before `grad`, and `tree.combine` puts them back inside the loss.
 * The frozen weights come out bit-identical to the loaded ones.
 *
 * (The other way to freeze: give the optimizer the whole tree and zero the body's updates with
 * `optim.chain(optim.adam(lr), optim.freeze({ body: true, head: false }))`, or train only the head
 * with `optim.masked`. That still computes the body's gradients; partitioning never does.)
 *
 *   npx tsx examples/fine-tune/main.ts
 *   npx tsx examples/fine-tune/main.ts --pretrain-epochs 1 --epochs 1 --train 1000 --out out/
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { either as E } from 'fp-ts';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as tree from '../../src/tree';
import { key, splitList } from '../../src/random';
import { applyStandardize, fitStandardize, type Dataset, type MnistExamples } from '../../src/data';
import { loadMnist } from '../../src/data/node';
import { fit, type Metrics } from '../../src/train';
import * as io from '../../src/io';
import { numberArg, stringArg } from '../common/args';

const pretrainEpochs = numberArg('pretrain-epochs', 5);
const epochs = numberArg('epochs', 10);
const trainSize = numberArg('train', 8000);
const testSize = numberArg('test', 2000);
const outDir = stringArg('out', 'out');

const body = nn.sequential(nn.linear(64), nn.activation(nn.relu), nn.linear(64), nn.activation(nn.relu));
const head = nn.linear(5);
type Params = { body: ReturnType<typeof body.init>['params']; head: ReturnType<typeof head.init>['params'] };
type Batch = { x: T.Tensor; y: T.Tensor };

const initParams = (k: T.Tensor): Params => {
  const [kb, kh] = splitList(k);
  return { body: body.init(kb, [-1, 784]).params, head: head.init(kh, [-1, 64]).params };
};
const logitsOf = (params: Params, x: T.Tensor) => head.apply(params.head, body.apply(params.body, x));
const accuracy = T.jit((params: Params, batch: Batch) => nn.accuracy(logitsOf(params, batch.x), batch.y));

/** The examples whose label is in [lo, lo + 5), relabelled to 0..4. */
function digitsFrom(ds: Dataset<MnistExamples>, lo: number): Dataset<MnistExamples> {
  return ds.filter(({ y }) => T.logicalAnd(T.greaterEqual(y, lo), T.less(y, lo + 5))).map((b) => ({ x: b.x, y: T.sub(b.y, lo) }));
}

/** Train with Adam for a number of epochs; returns the trained trainable part. */
async function train<P>(trainable: P, loss: (p: P, b: Batch) => T.Tensor, data: Dataset<MnistExamples>, nEpochs: number, lr: number, runKey: T.Tensor): Promise<P> {
  const optimizer = optim.adam(lr);
  type State = { params: P; opt: optim.AdamState };
  const step = T.jit((s: State, b: Batch): [State, Metrics] => {
    const [l, grads] = T.valueAndGrad(loss)(s.params, b);
    const [updates, opt] = optimizer.update(grads, s.opt, s.params);
    return [{ params: optim.applyUpdates(s.params, updates), opt }, { loss: l }];
  });
  const { state } = await fit<State, Batch>({ params: trainable, opt: optimizer.init(trainable) }, data, { epochs: nEpochs, batchSize: 32, key: runKey, step: (s, b) => step(s, b) });
  return state.params;
}

/** Whether two lists of tensors (a tree's leaves) hold the same bits. */
const sameBits = (xs: readonly T.Tensor[], ys: readonly T.Tensor[]): boolean => {
  const bytes = (t: T.Tensor) => new Uint8Array(t.dataSync().slice().buffer);
  return xs.length === ys.length && xs.every((x, i) => {
    const [p, q] = [bytes(x), bytes(ys[i])];
    return p.length === q.length && p.every((v, j) => v === q[j]);
  });
};

async function main(): Promise<void> {
  const [trainDigits, testDigits] = await Promise.all([loadMnist({ split: 'train', size: trainSize }), loadMnist({ split: 'test', size: testSize })]);
  const digits = { train: trainDigits, test: testDigits };
  const stats = fitStandardize(digits.train.tree.x, { axis: [0, 1] });
  const [train04, test04, train59, test59] = [digits.train, digits.test, digits.train, digits.test].map((d, i) =>
    digitsFrom(d.map((b) => ({ x: applyStandardize(stats, b.x), y: b.y })), i < 2 ? 0 : 5),
  );
  console.log(`digits 0-4: ${train04.size} train / ${test04.size} test; digits 5-9: ${train59.size} train / ${test59.size} test`);
  const [k0, k1, k2, k3, k4] = splitList(key(0), 5);
  const testAccuracy = (p: Params, ds: Dataset<MnistExamples>) => (Number(accuracy(p, ds.tree).item()) * 100).toFixed(2);

  // 1. Pretrain the whole network on 0-4 and save it.
  console.log(`\npretraining body + head on digits 0-4 (${pretrainEpochs} epochs)`);
  const fullLoss = (p: Params, b: Batch) => nn.softmaxCrossEntropy(logitsOf(p, b.x), b.y);
  const pretrained = await train(initParams(k0), fullLoss, train04, pretrainEpochs, 1e-3, k1);
  console.log(`pretrained accuracy on held-out 0-4: ${testAccuracy(pretrained, test04)}%`);
  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, 'fine-tune-pretrained.safetensors');
  await io.save(checkpoint, pretrained);

  // 2. Load it against a template: a fresh init says which tensors, shapes and dtypes to expect.
  const loadedOrError = await io.load(checkpoint, initParams(k2));
  if (E.isLeft(loadedOrError)) throw new Error(`cannot load ${checkpoint}: ${io.formatError(loadedOrError.left)}`);
  const loaded = loadedOrError.right;
  console.log(`loaded ${checkpoint}; round trip bit-identical: ${sameBits(tree.leaves(loaded), tree.leaves(pretrained))}`);

  // 3. A new head for 5-9; the body stays frozen.
  const params: Params = { body: loaded.body, head: head.init(k3, [-1, 64]).params };
  console.log(`new head on the pretrained body, before training: ${testAccuracy(params, test59)}% on held-out 5-9`);
  const [trainable, frozen] = tree.partition(params, { body: false, head: true });
  // Gradients flow only to `trainable`; `frozen` is a constant closed over by the loss.
  const headLoss = (t: typeof trainable, b: Batch) => fullLoss(tree.combine(t, frozen), b);
  console.log(`\ntraining the head only on digits 5-9 (${epochs} epochs, Adam lr 1e-2)`);
  const tuned: Params = tree.combine(await train(trainable, headLoss, train59, epochs, 1e-2, k4), frozen);

  console.log(`frozen body bit-identical to the loaded one: ${sameBits(tree.leaves(tuned.body), tree.leaves(loaded.body))}`);
  console.log(`head changed: ${!sameBits(tree.leaves(tuned.head), tree.leaves(params.head))}`);
  console.log(`fine-tuned head accuracy on held-out 5-9: ${testAccuracy(tuned, test59)}%`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
