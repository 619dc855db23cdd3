/**
 * Per-example gradients with `vmap(grad(loss))`, and DP-SGD built on them: each example's
 * gradient is clipped to a maximum L2 norm (over all parameters together), the clipped gradients
 * are summed, Gaussian noise of scale noise * clip is added, and the result is averaged. A small
 * MLP (784-32-10, tanh) learns the digits this way. One batch is checked against an explicit
 * loop of `grad` calls, one example at a time.
 *
 *   npx tsx examples/per-example-grads/main.ts
 *   npx tsx examples/per-example-grads/main.ts --steps 20 --batch 32 --clip 1 --noise 1.1
 *
 * (The noise and clip give no stated privacy guarantee here: a real DP-SGD also samples batches
 * by Poisson sampling and tracks the privacy budget with an accountant.)
 */
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as tree from '../../src/tree';
import * as random from '../../src/random';
import { applyStandardize, fitStandardize } from '../../src/data';
import { loadMnist } from '../../src/data/node';
import { numberArg } from '../common/args';

const steps = numberArg('steps', 400);
const batchSize = numberArg('batch', 64);
const clipNorm = numberArg('clip', 1);
const noiseMultiplier = numberArg('noise', 1.1);
const learningRate = numberArg('lr', 0.2);
const trainSize = numberArg('train', 8000);
const testSize = numberArg('test', 2000);

const model = nn.sequential(nn.linear(32), nn.activation(nn.tanh), nn.linear(10));
type Params = ReturnType<typeof model.init>['params'];

/** The loss of ONE example: x [784], y [] (int32). vmap supplies the batch axis. */
const exampleLoss = (params: Params, x: T.Tensor, y: T.Tensor) => nn.softmaxCrossEntropy(model.apply(params, T.reshape(x, [1, -1])), T.reshape(y, [1]));

/** Gradients of every example in a batch: a params-shaped tree whose leaves have a leading batch axis. */
const perExampleGrads = T.vmap(T.grad(exampleLoss), { inAxes: [null, 0, 0] });

/** The L2 norm of each example's whole gradient (all leaves together): [batch]. */
const perExampleNorms = (grads: Params): T.Tensor =>
  T.sqrt(tree.reduce((acc: T.Tensor, g: T.Tensor) => T.add(acc, T.sum(T.square(g), { axis: g.shape.slice(1).map((_, i) => i + 1) })), grads, T.zeros([batchSize])));

/** Clip each example's gradient to clipNorm, sum, add N(0, (noise * clip)^2) noise, average. */
function privatize(grads: Params, k: T.Tensor): Params {
  const scale = T.minimum(1, T.div(clipNorm, T.maximum(perExampleNorms(grads), 1e-12)));
  const leaves = tree.leaves(grads);
  const keys = random.splitList(k, leaves.length);
  let i = 0;
  return tree.map((g: T.Tensor) => {
    const clipped = T.mul(g, T.reshape(scale, [-1, ...g.shape.slice(1).map(() => 1)]));
    const noise = T.mul(random.normal(keys[i++], g.shape.slice(1)), noiseMultiplier * clipNorm);
    return T.div(T.add(T.sum(clipped, { axis: 0 }), noise), g.shape[0]);
  }, grads);
}

const optimizer = optim.sgd(learningRate);
type State = { params: Params; opt: optim.SgdState };
type StepMetrics = { meanNorm: T.Tensor; clipped: T.Tensor };

const step = T.jit((state: State, x: T.Tensor, y: T.Tensor, k: T.Tensor): [State, StepMetrics] => {
  const grads = perExampleGrads(state.params, x, y);
  const norms = perExampleNorms(grads);
  const [updates, opt] = optimizer.update(privatize(grads, k), state.opt, state.params);
  const params = optim.applyUpdates(state.params, updates);
  return [{ params, opt }, { meanNorm: T.mean(norms), clipped: T.mean(T.astype(T.greater(norms, clipNorm), 'float32')) }];
});

const evaluate = T.jit((params: Params, x: T.Tensor, y: T.Tensor) => {
  const logits = model.apply(params, x);
  return { loss: nn.softmaxCrossEntropy(logits, y), accuracy: nn.accuracy(logits, y) };
});

const fmt = (xs: ArrayLike<number>) => Array.from(xs, (v) => v.toFixed(3)).join(' ');

async function main(): Promise<void> {
  const [trainDigits, testDigits] = await Promise.all([loadMnist({ split: 'train', size: trainSize }), loadMnist({ split: 'test', size: testSize })]);
  const digits = { train: trainDigits, test: testDigits };
  const stats = fitStandardize(digits.train.tree.x, { axis: [0, 1] });
  const train = digits.train.map((b) => ({ x: applyStandardize(stats, b.x), y: b.y }));
  const test = digits.test.map((b) => ({ x: applyStandardize(stats, b.x), y: b.y }));
  const [initKey, runKey] = random.splitList(random.key(0));
  const { params } = model.init(initKey, [-1, 784]);

  // Check one batch: vmap(grad) against a loop of grad calls, one example at a time.
  const first = train.take(batchSize).tree;
  const vmapped = perExampleGrads(params, first.x, first.y);
  const examples = Array.from({ length: batchSize }, (_, i) => T.grad(exampleLoss)(params, T.take(first.x, i, { axis: 0 }), T.take(first.y, i, { axis: 0 })));
  const looped = tree.map((...gs: T.Tensor[]) => T.stack(gs), examples[0], ...examples.slice(1));
  const maxDiff = Math.max(...tree.leaves(tree.map((a: T.Tensor, b: T.Tensor) => Number(T.max(T.abs(T.sub(a, b))).item()), vmapped, looped)));
  const norms = perExampleNorms(vmapped).dataSync();
  console.log(`per-example gradient norms of the first batch (first 8 of ${batchSize}): ${fmt(norms.slice(0, 8))}`);
  console.log(`  min ${Math.min(...norms).toFixed(3)}, max ${Math.max(...norms).toFixed(3)}; ${norms.filter((n) => n > clipNorm).length} of ${batchSize} above the clip norm ${clipNorm}`);
  console.log(`vmap(grad) vs a loop of grad: max abs difference ${maxDiff.toExponential(2)} over ${tree.leaves(params).length} parameter tensors`);

  const before = evaluate(params, test.tree.x, test.tree.y);
  console.log(`before training: test accuracy ${(Number(before.accuracy.item()) * 100).toFixed(2)}%`);
  console.log(`DP-SGD: ${steps} steps, batch ${batchSize}, clip ${clipNorm}, noise multiplier ${noiseMultiplier}, lr ${learningRate}`);

  const start = performance.now();
  let state: State = { params, opt: optimizer.init(params) };
  const batchesPerEpoch = Math.floor(train.size / batchSize);
  let epochData = train;
  for (let s = 0; s < steps; s++) {
    const epoch = Math.floor(s / batchesPerEpoch);
    if (s % batchesPerEpoch === 0) epochData = train.shuffle(random.foldIn(runKey, epoch));
    const b = epochData.batch(batchSize, { dropRemainder: true }).at(s % batchesPerEpoch);
    const [next, m] = step(state, b.x, b.y, random.foldIn(runKey, 1_000_000 + s));
    state = next;
    if ((s + 1) % Math.max(1, Math.floor(steps / 8)) === 0 || s === steps - 1) {
      const e = evaluate(state.params, test.tree.x, test.tree.y);
      console.log(`step ${String(s + 1).padStart(4)}  mean grad norm ${Number(m.meanNorm.item()).toFixed(3)}  clipped ${(Number(m.clipped.item()) * 100).toFixed(0).padStart(3)}%  test loss ${Number(e.loss.item()).toFixed(4)}  test accuracy ${(Number(e.accuracy.item()) * 100).toFixed(2)}%`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const after = evaluate(state.params, test.tree.x, test.tree.y);
  console.log(`test accuracy ${(Number(after.accuracy.item()) * 100).toFixed(2)}% after ${steps} DP-SGD steps (${((seconds * 1000) / steps).toFixed(1)} ms per step)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
