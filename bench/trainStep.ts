/**
 * Time per training step of the MLP 784-64-64-10 (softmax cross-entropy, Adam): eager
 * execution against the jitted step, in one process. Run: npx tsx bench/trainStep.ts
 */
import * as T from '../src';
import { adam, applyUpdates } from '../src/optim';
import { key, normal, splitList } from '../src/random';
import { measure, row } from './measure';

type Params = { w: T.Tensor; b: T.Tensor }[];

function initMlp(sizes: number[]): Params {
  const keys = splitList(key(0), sizes.length);
  return sizes.slice(1).map((out, i) => ({ w: T.mul(normal(keys[i]!, [sizes[i]!, out]), Math.sqrt(2 / sizes[i]!)), b: T.zeros([out]) }));
}

function forward(params: Params, x: T.Tensor): T.Tensor {
  let h = x;
  params.forEach((layer, i) => {
    h = T.add(T.matmul(h, layer.w), layer.b);
    if (i < params.length - 1) h = T.relu(h);
  });
  return h;
}

const loss = (params: Params, x: T.Tensor, y: T.Tensor) => T.neg(T.mean(T.takeAlongAxis(T.logSoftmax(forward(params, x)), T.expandDims(y, -1), -1)));
const opt = adam(1e-3);

function step(params: Params, state: unknown, x: T.Tensor, y: T.Tensor) {
  const [l, g] = T.valueAndGrad(loss)(params, x, y);
  const [updates, next] = opt.update(g, state as never, params);
  return [applyUpdates(params, updates) as Params, next, l] as const;
}

export function trainStepTable(): string[] {
  const lines = [row(['MLP 784-64-64-10 step', 'eager ms', 'jit ms', 'speedup'], [24, 10, 10, 8])];
  for (const batch of [32, 128]) {
    const params = initMlp([784, 64, 64, 10]);
    const state = opt.init(params);
    const x = normal(key(1), [batch, 784]);
    const y = T.astype(T.mul(T.sigmoid(normal(key(2), [batch])), 9.99), 'int32');
    const jstep = T.jit(step);
    const eager = measure(() => void step(params, state, x, y), { budgetMs: 1500 });
    const jitted = measure(() => void jstep(params, state, x, y), { budgetMs: 1500, warmup: 3 });
    lines.push(row([`batch ${batch}`, eager.ms.toFixed(3), jitted.ms.toFixed(3), `${(eager.ms / jitted.ms).toFixed(1)}x`], [24, 10, 10, 8]));
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(trainStepTable().join('\n'));
