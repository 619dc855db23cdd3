/**
 * jax-js 0.1.25 as a contender, on its 'wasm' device (generated Wasm kernels). In Node 20 there
 * is no global Web `Worker`, so jax-js runs its Wasm kernels on the calling thread only.
 * jax-js arrays are reference counted: every function consumes its arguments, so an array used
 * twice is passed as `x.ref` first.
 */
import { blockUntilReady, defaultDevice, init, jit, lax, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import { fastest, gatherBatch, matmulShapes, permutation, rng, uniformF32, type CnnInit, type Contender, type MlpInit } from './common';

export async function initJaxjs(): Promise<string> {
  // Only the CPU-side devices exist in Node (webgpu/webgl probe browser globals).
  const available = await init('wasm', 'cpu');
  defaultDevice(available.includes('wasm') ? 'wasm' : 'cpu');
  const hasWorker = typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined';
  return `jax-js: devices [${available.join(', ')}], using '${defaultDevice()}' (${hasWorker ? 'worker threads available' : 'no global Worker in this runtime: single-threaded'})`;
}

type Layer = { w: np.Array; b: np.Array };
type P = Layer[];
type AdamState = { m: P; v: P };

function params(init: MlpInit): P {
  return init.w.map((w, i) => ({ w: np.array(w, { shape: [init.sizes[i]!, init.sizes[i + 1]!] }), b: np.array(init.b[i]!) }));
}
const zerosLike = (p: P): P => p.map((l) => ({ w: np.zeros(l.w.shape), b: np.zeros(l.b.shape) }));

function mlpLoss(p: P, x: np.Array, y: np.Array): np.Array {
  let h = x;
  p.forEach((l, i) => {
    h = np.matmul(h, l.w).add(l.b);
    if (i < p.length - 1) h = nn.relu(h);
  });
  const batch = h.shape[0]!;
  return np.sum(nn.logSoftmax(h).mul(nn.oneHot(y, 10))).mul(-1 / batch);
}

const B1 = 0.9, B2 = 0.999, EPS = 1e-8, LR = 1e-3;

/** Value and grad, then Adam (bias corrections c1 = 1/(1-b1^t), c2 = 1/(1-b2^t) passed in). */
function adamStep(p: P, s: AdamState, x: np.Array, y: np.Array, c1: np.Array, c2: np.Array): [P, AdamState, np.Array] {
  const [loss, g] = valueAndGrad(mlpLoss)(tree.ref(p), x, y);
  const m = tree.map((mi: np.Array, gi: np.Array) => mi.mul(B1).add(gi.mul(1 - B1)), s.m, tree.ref(g)) as P;
  const v = tree.map((vi: np.Array, gi: np.Array) => vi.mul(B2).add(gi.ref.mul(gi).mul(1 - B2)), s.v, g) as P;
  const next = tree.map(
    (pi: np.Array, mi: np.Array, vi: np.Array) => pi.sub(mi.mul(c1.ref).mul(LR).div(np.sqrt(vi.mul(c2.ref)).add(EPS))),
    p, tree.ref(m), tree.ref(v),
  ) as P;
  c1.dispose();
  c2.dispose();
  return [next, { m, v }, loss];
}

export function cnnLoss(p: { w1: np.Array; w2: np.Array; w3: np.Array; b3: np.Array }, x: np.Array, y: np.Array): np.Array {
  let h = nn.relu(lax.conv(x, p.w1, [1, 1], 'SAME'));
  const [n, c, hh, ww] = h.shape as [number, number, number, number];
  h = np.max(h.reshape([n, c, hh / 2, 2, ww / 2, 2]), [3, 5]);
  h = nn.relu(lax.conv(h, p.w2, [1, 1], 'SAME'));
  const feat = np.mean(h, [2, 3]);
  const logits = np.matmul(feat, p.w3).add(p.b3);
  return np.sum(nn.logSoftmax(logits).mul(nn.oneHot(y, 10))).mul(-1 / n);
}

class Trainer {
  p: P;
  s: AdamState;
  t = 0;
  readonly step: typeof adamStep;
  constructor(init: MlpInit, options: { eager?: boolean } = {}) {
    this.step = options.eager ? adamStep : jit(adamStep);
    this.p = params(init);
    this.s = { m: zerosLike(this.p), v: zerosLike(this.p) };
  }
  /** One step; consumes x and y; returns the loss (owned by the caller). */
  run(x: np.Array, y: np.Array): np.Array {
    this.t++;
    const c1 = np.array(new Float32Array([1 / (1 - B1 ** this.t)]), { shape: [] });
    const c2 = np.array(new Float32Array([1 / (1 - B2 ** this.t)]), { shape: [] });
    const [p, s, loss] = this.step(this.p, this.s, x, y, c1, c2);
    this.p = p;
    this.s = s;
    return loss;
  }
}

/** `steps` steps of a trainer on one fixed batch, each synchronized. */
async function mlpSteps(tr: Trainer, xs: Float32Array, ys: Int32Array, batch: number, steps: number): Promise<() => Promise<void>> {
  const x = np.array(xs, { shape: [batch, 784] }), y = np.array(ys, { shape: [batch], dtype: np.int32 });
  return async () => {
    for (let i = 0; i < steps; i++) {
      // Wait for every step: jax-js queues work lazily, and a long unsynchronized chain of
      // steps gets slower per step (about 2 ms per step synced, 44 ms unsynced over 250).
      const loss = tr.run(x.ref, y.ref);
      await blockUntilReady(loss);
      loss.dispose();
    }
    await blockUntilReady(tr.p);
  };
}

export const jaxjs: Contender = {
  name: 'jax-js',
  async activate() {},
  async matmul(spec, a, b) {
    const shapes = matmulShapes(spec);
    const ta = np.array(a, { shape: shapes.a }), tb = np.array(b, { shape: shapes.b });
    // A fresh B is consumed by the call; the kept one is passed as a new reference.
    const B = (): np.Array => (spec.freshB ? np.array(b, { shape: shapes.b }) : tb.ref);
    const f = (x: np.Array, y: np.Array) => np.matmul(spec.transA ? x.transpose() : x, spec.transB ? y.transpose() : y);
    const jm = jit(f);
    // Each at its fastest: keep whichever of jit / plain matmul is quicker here.
    return fastest([async () => (await blockUntilReady(jm(ta.ref, B()))).dispose(), async () => (await blockUntilReady(f(ta.ref, B()))).dispose()]);
  },
  mlpSteps: (init, xs, ys, batch, steps) => mlpSteps(new Trainer(init), xs, ys, batch, steps),
  mlpStepsEager: (init, xs, ys, batch, steps) => mlpSteps(new Trainer(init, { eager: true }), xs, ys, batch, steps),
  async smallAdds(calls) {
    const a = np.array(uniformF32(64, 7)), b = np.array(uniformF32(64, 8));
    return async () => {
      let last: np.Array | undefined;
      for (let i = 0; i < calls; i++) {
        last?.dispose();
        last = a.ref.add(b.ref);
      }
      await blockUntilReady(last!);
      last!.dispose();
    };
  },
  async mnistEpoch(init, data, batch) {
    const tr = new Trainer(init);
    const r = rng(1234);
    let last = NaN;
    return {
      run: async () => {
        const idx = permutation(data.n, r);
        for (let s = 0; s + batch <= data.n; s += batch) {
          const bt = gatherBatch(data, idx, s, batch);
          const loss = tr.run(np.array(bt.x, { shape: [batch, 784] }), np.array(bt.y, { shape: [batch], dtype: np.int32 }));
          // Synchronize every step (see mlpSteps): jax-js at its fastest here.
          if (s + 2 * batch > data.n) last = (await loss.data())[0]!;
          else {
            await blockUntilReady(loss);
            loss.dispose();
          }
        }
      },
      lastLoss: async () => last,
    };
  },
  async cnnGrad(init: CnnInit, xs, ys, batch) {
    const p = {
      w1: np.array(init.w1, { shape: [8, 1, 3, 3] }),
      w2: np.array(init.w2, { shape: [16, 8, 3, 3] }),
      w3: np.array(init.w3, { shape: [16, 10] }),
      b3: np.array(init.b3),
    };
    const x = np.array(xs, { shape: [batch, 1, 28, 28] }), y = np.array(ys, { shape: [batch], dtype: np.int32 });
    const f = jit(valueAndGrad(cnnLoss));
    return async () => {
      const out = f(tree.ref(p), x.ref, y.ref);
      await blockUntilReady(out);
      tree.dispose(out);
    };
  },
};
