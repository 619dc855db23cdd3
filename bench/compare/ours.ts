/** tensorlaw (this library) as a contender: eager CPU kernels, and jit for whole steps. */
import * as T from '../../src';
import { adam, applyUpdates } from '../../src/optim';
import { Dataset } from '../../src/data';
import { foldIn, key } from '../../src/random';
import { fastest, matmulShapes, uniformF32, type CnnInit, type Contender, type MlpInit, type Mnist } from './common';

type Params = { w: T.Tensor; b: T.Tensor }[];

function params(init: MlpInit): Params {
  return init.w.map((w, i) => ({
    w: T.tensor(w, { shape: [init.sizes[i]!, init.sizes[i + 1]!] }),
    b: T.tensor(init.b[i]!, { shape: [init.sizes[i + 1]!] }),
  }));
}

function forward(ps: Params, x: T.Tensor): T.Tensor {
  let h = x;
  ps.forEach((layer, i) => {
    h = T.add(T.matmul(h, layer.w), layer.b);
    if (i < ps.length - 1) h = T.relu(h);
  });
  return h;
}

const xent = (logits: T.Tensor, y: T.Tensor) => T.neg(T.mean(T.takeAlongAxis(T.logSoftmax(logits), T.expandDims(y, -1), -1)));
export const mlpLoss = (ps: Params, x: T.Tensor, y: T.Tensor) => xent(forward(ps, x), y);
export const opt = adam(1e-3);

/** The whole training step; jitted below. */
export function mlpStep(ps: Params, state: unknown, x: T.Tensor, y: T.Tensor) {
  const [l, g] = T.valueAndGrad(mlpLoss)(ps, x, y);
  const [updates, next] = opt.update(g, state as never, ps);
  return [applyUpdates(ps, updates) as Params, next, l] as const;
}

export { params as mlpParams };

type Cnn = { w1: T.Tensor; w2: T.Tensor; w3: T.Tensor; b3: T.Tensor };

export function cnnLoss(p: Cnn, x: T.Tensor, y: T.Tensor): T.Tensor {
  let h = T.relu(T.conv2d(x, p.w1, { padding: 'same' }));
  h = T.maxPool2d(h, { kernelSize: 2 });
  h = T.relu(T.conv2d(h, p.w2, { padding: 'same' }));
  const feat = T.mean(h, { axis: [2, 3] });
  return xent(T.add(T.matmul(feat, p.w3), p.b3), y);
}

export const ours: Contender = {
  name: 'tensorlaw',
  async activate() {},
  async matmul(spec, a, b) {
    const shapes = matmulShapes(spec);
    const ta = T.tensor(a, { shape: shapes.a }), tb = T.tensor(b, { shape: shapes.b });
    const B = (): T.Tensor => (spec.freshB ? T.tensor(b, { shape: shapes.b }) : tb);
    const f = (x: T.Tensor, y: T.Tensor) => T.matmul(spec.transA ? T.transpose(x) : x, spec.transB ? T.transpose(y) : y);
    // Eager materializes a transpose; jit hands it to the kernel as an operand flag.
    const jf = T.jit(f);
    return fastest([() => void f(ta, B()), () => void jf(ta, B())]);
  },
  async mlpSteps(init, xs, ys, batch, steps) {
    // The old parameters and state are never read again: donate them so outputs reuse their buffers.
    const jstep = T.jit(mlpStep, { donateArgnums: [0, 1] });
    let ps = params(init);
    let state: unknown = opt.init(ps);
    const x = T.tensor(xs, { shape: [batch, 784] }), y = T.tensor(ys, { shape: [batch], dtype: 'int32' });
    return () => {
      for (let i = 0; i < steps; i++) [ps, state] = jstep(ps, state, x, y);
    };
  },
  async mlpStepsEager(init, xs, ys, batch, steps) {
    let ps = params(init);
    let state: unknown = opt.init(ps);
    const x = T.tensor(xs, { shape: [batch, 784] }), y = T.tensor(ys, { shape: [batch], dtype: 'int32' });
    return () => {
      for (let i = 0; i < steps; i++) [ps, state] = mlpStep(ps, state, x, y);
    };
  },
  async smallAdds(calls) {
    const a = T.tensor(uniformF32(64, 7)), b = T.tensor(uniformF32(64, 8));
    return () => {
      for (let i = 0; i < calls; i++) T.add(a, b);
    };
  },
  async mnistEpoch(init, data: Mnist, batch) {
    // The old parameters and state are never read again: donate them so outputs reuse their
    // buffers; nor is the batch (as jax-js consumes its arguments): its storage goes to the next one.
    const jstep = T.jit(mlpStep, { donateArgnums: [0, 1, 2, 3] });
    let ps = params(init);
    let state: unknown = opt.init(ps);
    let loss: T.Tensor | undefined;
    const ds = Dataset.fromTensors({ x: T.tensor(data.x, { shape: [data.n, 784] }), y: T.tensor(data.y, { shape: [data.n], dtype: 'int32' }) });
    const root = key(0);
    let epoch = 0;
    return {
      run: () => {
        for (const b of ds.shuffle(foldIn(root, epoch++)).batch(batch)) [ps, state, loss] = jstep(ps, state, b.x, b.y);
        loss!.item();
      },
      lastLoss: async () => Number(loss!.item()),
    };
  },
  async cnnGrad(init: CnnInit, xs, ys, batch) {
    const p: Cnn = {
      w1: T.tensor(init.w1, { shape: [8, 1, 3, 3] }),
      w2: T.tensor(init.w2, { shape: [16, 8, 3, 3] }),
      w3: T.tensor(init.w3, { shape: [16, 10] }),
      b3: T.tensor(init.b3, { shape: [10] }),
    };
    const x = T.tensor(xs, { shape: [batch, 1, 28, 28] }), y = T.tensor(ys, { shape: [batch], dtype: 'int32' });
    const f = T.jit(T.valueAndGrad(cnnLoss));
    return () => void f(p, x, y);
  },
};
