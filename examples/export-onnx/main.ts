/**
 * Deployment on ONNX Runtime: train a small conv net with batch norm on real digits, export its
 * eval-mode forward pass to ONNX (parameters and batch statistics as named initializers, a
 * dynamic batch), load the file in ONNX Runtime and check it against tensorlaw on the whole test
 * set at a batch size it was not traced with. Then the whole jitted Adam training step (forward,
 * backward, update) is exported too and run for a few steps in ONNX Runtime, next to ours.
 *
 *   npx tsx examples/export-onnx/main.ts
 *   npx tsx examples/export-onnx/main.ts --steps 30 --train 500 --test 200 --out out/
 *
 * Outputs: out/export-onnx.onnx (load it with onnxruntime in Node, Python, C++, the browser...).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as random from '../../src/random';
import { leaves } from '../../src/tree';
import { loadMnist } from '../../src/data/node';
import { toOnnx, type OnnxModel } from '../../src/onnx';
import { numberArg, stringArg } from '../common/args';

const steps = numberArg('steps', 150);
const batchSize = numberArg('batch', 32);
const trainSize = numberArg('train', 3000);
const testSize = numberArg('test', 1000);
const outDir = stringArg('out', 'out');

const model = nn.sequential(
  // No conv bias in front of batch norm: it would cancel, and with a zero true gradient Adam's
  // steps on it would only follow rounding noise.
  nn.conv2d(8, 3, { padding: 1, bias: false }), nn.batchNorm(), nn.activation(nn.relu), nn.maxPool2d(2), // [n, 8, 14, 14]
  nn.conv2d(16, 3, { padding: 1 }), nn.activation(nn.relu), nn.maxPool2d(2), //               [n, 16, 7, 7]
  nn.flatten(), nn.linear(10),
);
const init = model.init(random.key(0), [-1, 1, 28, 28]);
type Params = typeof init.params;
type Stats = typeof init.state;
const optimizer = optim.adam(2e-3);
type Opt = optim.AdamState;

/** One Adam step; batch norm runs in train mode and returns its updated running statistics. */
const step = (params: Params, stats: Stats, opt: Opt, x: T.Tensor, y: T.Tensor) => {
  const loss = (p: Params): [loss: T.Tensor, stats: Stats] => {
    const { y: logits, state } = model.apply(p, x, { train: true, state: stats });
    return [nn.softmaxCrossEntropy(logits, y), state];
  };
  const [[value, nextStats], grads] = T.valueAndGrad(loss, { hasAux: true })(params);
  const [updates, nextOpt] = optimizer.update(grads, opt, params);
  return { params: optim.applyUpdates(params, updates), stats: nextStats, opt: nextOpt, loss: value };
};

/** What gets deployed: logits in eval mode (batch norm uses its running statistics). */
const predict = (params: Params, stats: Stats, images: T.Tensor) => model.apply(params, images, { train: false, state: stats }).y;

/** The largest absolute difference between two lists of tensors (trees' leaves). */
const maxAbsDiff = (xs: readonly T.Tensor[], ys: readonly T.Tensor[]) => Math.max(...xs.map((x, i) => Number(T.max(T.abs(T.sub(x, ys[i]))).item())));

/** Run an exported model in ONNX Runtime on f's arguments and rebuild f's output tree. */
async function runOnnx<R>(session: ort.InferenceSession, exported: OnnxModel<R>, args: readonly unknown[]): Promise<R> {
  const feeds = exported.feeds(args, (type, data, dims) => ortTensor(type, data, dims));
  return exported.outputTree(await session.run(feeds));
}

/** An ONNX Runtime tensor of tensorlaw's data (same element types; the arrays are shared, not copied). */
function ortTensor(type: T.DType, data: T.TypedArray, dims: readonly number[]): ort.Tensor {
  if (data instanceof Float32Array) return new ort.Tensor('float32', data, dims);
  if (data instanceof Float64Array) return new ort.Tensor('float64', data, dims);
  if (data instanceof Int32Array) return new ort.Tensor('int32', data, dims);
  if (type === 'bool' && data instanceof Uint8Array) return new ort.Tensor('bool', data, dims);
  throw new Error(`no ONNX Runtime tensor for ${type} data in a ${data.constructor.name}`);
}

async function main(): Promise<void> {
  const [train, test] = await Promise.all([loadMnist({ split: 'train', size: trainSize, flatten: false }), loadMnist({ split: 'test', size: testSize, flatten: false })]);
  const jitted = T.jit(step);
  let state = { params: init.params, stats: init.state, opt: optimizer.init(init.params) };
  const start = performance.now();
  const batches = train.batch(batchSize, { dropRemainder: true });
  for (let s = 0; s < steps; s++) {
    const b = batches.at(s % batches.length);
    const { loss, ...next } = jitted(state.params, state.stats, state.opt, b.x, b.y);
    state = next;
    if ((s + 1) % Math.max(1, Math.floor(steps / 5)) === 0) console.log(`step ${String(s + 1).padStart(4)}  loss ${Number(loss.item()).toFixed(4)}`);
  }
  console.log(`trained ${steps} steps of batch ${batchSize} in ${((performance.now() - start) / 1000).toFixed(1)}s`);

  // Export the forward pass at the training batch size; the batch axis stays symbolic.
  const example = train.take(batchSize).tree.x;
  const exported = toOnnx(predict, [state.params, state.stats, example], {
    parameterArgnums: [0, 1],
    argNames: ['params', 'stats', 'images'],
    outputNames: ['logits'],
    dynamicBatch: true,
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'export-onnx.onnx');
  writeFileSync(`${file}.tmp`, exported.bytes);
  renameSync(`${file}.tmp`, file); // never leave a half-written model behind
  const session = await ort.InferenceSession.create(file);
  console.log(`exported ${file} (${(exported.bytes.length / 1024).toFixed(1)} KB): inputs ${JSON.stringify(exported.inputs.map((v) => `${v.name}[${v.shape.join(',')}]`))}, outputs ${JSON.stringify(exported.outputs.map((v) => `${v.name}[${v.shape.join(',')}]`))}`);
  console.log(`  ${exported.parameters.length} initializers: ${exported.parameters.slice(0, 4).join(', ')}, ...`);

  // The whole test set as one batch: a size the model was not traced with.
  const images = test.tree.x;
  const ours = predict(state.params, state.stats, images);
  const theirs = await runOnnx(session, exported, [state.params, state.stats, images]);
  const accuracy = (logits: T.Tensor) => Number(nn.accuracy(logits, test.tree.y).item()) * 100;
  const agree = T.sum(T.astype(T.equal(T.argmax(ours, { axis: 1 }), T.argmax(theirs, { axis: 1 })), 'int32')).item();
  console.log(`ONNX Runtime on ${images.shape[0]} test digits: max abs difference ${maxAbsDiff([theirs], [ours]).toExponential(2)} in the logits`);
  console.log(`test accuracy ${accuracy(ours).toFixed(2)}% (tensorlaw) and ${accuracy(theirs).toFixed(2)}% (ONNX Runtime); predictions agree on ${agree} of ${images.shape[0]}`);

  // A whole training step exported and run in ONNX Runtime, side by side with ours.
  const trainStep = toOnnx(step, [state.params, state.stats, state.opt, example, train.take(batchSize).tree.y], { argNames: ['params', 'stats', 'opt', 'x', 'y'] });
  const stepSession = await ort.InferenceSession.create(trainStep.bytes);
  let a = state;
  let b = state;
  let worst = 0;
  for (let s = 0; s < 3; s++) {
    const batch = batches.at(s);
    const { loss: la, ...na } = jitted(a.params, a.stats, a.opt, batch.x, batch.y);
    const { loss: lb, ...nb } = await runOnnx(stepSession, trainStep, [b.params, b.stats, b.opt, batch.x, batch.y]);
    console.log(`training step in ONNX Runtime ${s + 1}: loss ${Number(lb.item()).toFixed(6)} (tensorlaw ${Number(la.item()).toFixed(6)})`);
    a = na;
    b = nb;
    worst = Math.max(worst, maxAbsDiff(leaves(b.params), leaves(a.params)));
  }
  console.log(`after 3 exported training steps: max abs parameter difference ${worst.toExponential(2)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
