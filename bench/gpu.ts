/**
 * tensorlaw's WebGPU backend against jax-js's WebGPU backend on the same adapter, in one
 * process (both through the `webgpu` package, Dawn for Node):
 *
 *   1. float32 matmul [n,n] x [n,n], GFLOP/s, n = 256..4096: tensorlaw eager and jitted, jax-js
 *      eager and jitted. `reps` products are queued back to back and then fenced (tensorlaw:
 *      queue.onSubmittedWorkDone; jax-js: blockUntilReady), so the figure is the GPU's rate with
 *      the submission cost included and the read back left out; one extra column times a single
 *      product followed by reading the whole result back.
 *   2. jitted MLP 784-64-64-10 Adam step (batch 128 and 1024), ms per step, synced every step.
 *   3. jitted step of a small pre-norm causal transformer (embedding, 2 blocks, 4 heads, GELU
 *      MLP, LayerNorm, linear head, cross-entropy, Adam), ms per step, synced every step.
 *
 * Every matmul is checked against float64 on sampled entries. Medians of timed runs after
 * warm-up. A software adapter (SwiftShader, llvmpipe) is refused unless --allow-software:
 *
 *   npm run bench:gpu                     # a real GPU
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx bench/gpu.ts --allow-software --quick
 *
 * Options: --quick (small sizes, for a smoke test), --allow-software, --only matmul,mlp,transformer
 */
import { cpus } from 'node:os';
import { create, globals } from 'webgpu';
import * as jax from '@jax-js/jax';
import * as T from '../src';
import * as tree from '../src/tree';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import * as random from '../src/random';
import { gpu } from '../src/tensor/backend/webgpu/device';
import { labels, median, mlpInit, rng, uniformF32, type MlpInit } from './compare/common';
import { mlpParams, mlpStep, opt as mlpOpt } from './compare/ours';

const { numpy: np } = jax;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null;
const enabled = (s: string): boolean => !only || only.has(s);

// Both libraries find WebGPU as a browser would: globals and navigator.gpu from Dawn.
Object.assign(globalThis, globals);
const dawn = create([]);
const nav = (globalThis as { navigator?: object }).navigator;
if (nav) Object.defineProperty(nav, 'gpu', { value: dawn, configurable: true });
else Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn, userAgent: `Node.js/${process.version}`, hardwareConcurrency: cpus().length }, configurable: true });

const log = (s = ''): void => console.log(s);
const fmtRow = (cells: string[], w: number[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' ');

/** Median ms per call of `body` (which finishes its own work), after warm-up runs. */
async function timeMs(body: () => Promise<unknown>, runs: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await body();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await body();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

const fence = (): Promise<undefined> => gpu().device.queue.onSubmittedWorkDone();

/** max |c - a b| / max |a b| over sampled entries, in float64. */
function sampledError(n: number, a: Float32Array, b: Float32Array, c: ArrayLike<number>): number {
  const r = rng(n);
  let err = 0, scale = 0;
  for (let s = 0; s < 64; s++) {
    const i = Math.floor(r() * n), j = Math.floor(r() * n);
    let ref = 0;
    for (let k = 0; k < n; k++) ref += a[i * n + k]! * b[k * n + j]!;
    err = Math.max(err, Math.abs(c[i * n + j]! - ref));
    scale = Math.max(scale, Math.abs(ref));
  }
  return err / scale;
}

async function matmuls(): Promise<void> {
  const sizes = quick ? [64, 130] : [256, 1024, 2048, 4096];
  const W = [10, 12, 12, 12, 12, 14, 10];
  log('1. float32 matmul [n,n] x [n,n], GFLOP/s (queued products, then a fence; higher is better)');
  log(fmtRow(['n', 'ours eager', 'ours jit', 'jax eager', 'jax jit', 'ours+readback', 'max err'], W));
  for (const n of sizes) {
    const flop = 2 * n ** 3;
    const reps = Math.max(2, Math.min(50, Math.round(2e11 / flop)));
    const runs = quick ? 3 : 7;
    const a = uniformF32(n * n, 1), b = uniformF32(n * n, 2);
    const ta = T.toDevice(T.tensor(a, { shape: [n, n] }), 'webgpu'), tb = T.toDevice(T.tensor(b, { shape: [n, n] }), 'webgpu');
    const jm = T.jit((x: T.Tensor, y: T.Tensor) => T.matmul(x, y));
    const ours = (f: (x: T.Tensor, y: T.Tensor) => T.Tensor) => async () => {
      for (let i = 0; i < reps; i++) T.dispose(f(ta, tb));
      await fence();
    };
    const ja = np.array(a, { shape: [n, n], device: 'webgpu' }), jb = np.array(b, { shape: [n, n], device: 'webgpu' });
    const jjm = jax.jit((x: jax.Array, y: jax.Array) => np.matmul(x, y));
    const theirs = (f: (x: jax.Array, y: jax.Array) => jax.Array) => async () => {
      const outs: jax.Array[] = [];
      for (let i = 0; i < reps; i++) outs.push(f(ja.ref, jb.ref));
      await jax.blockUntilReady(outs);
      for (const o of outs) o.dispose();
    };
    const err = Math.max(
      sampledError(n, a, b, await T.matmul(ta, tb).data()),
      sampledError(n, a, b, await jm(ta, tb).data()),
      sampledError(n, a, b, await np.matmul(ja.ref, jb.ref).data()),
      sampledError(n, a, b, await jjm(ja.ref, jb.ref).data()),
    );
    const gflops = (ms: number, per = reps) => {
      const v = (flop * per) / (ms * 1e6);
      return v.toFixed(v < 100 ? 1 : 0);
    };
    const cells = [String(n)];
    cells.push(gflops(await timeMs(ours(T.matmul), runs, 2)));
    cells.push(gflops(await timeMs(ours(jm), runs, 2)));
    cells.push(gflops(await timeMs(theirs(np.matmul), runs, 2)));
    cells.push(gflops(await timeMs(theirs(jjm), runs, 2)));
    cells.push(gflops(await timeMs(async () => void (await T.matmul(ta, tb).data()), runs, 2), 1));
    cells.push(err.toExponential(1));
    log(fmtRow(cells, W));
    if (!(err < 1e-3)) throw new Error(`matmul n=${n}: sampled relative error ${err} (expected < 1e-3)`);
    T.dispose(ta);
    T.dispose(tb);
    ja.dispose();
    jb.dispose();
  }
  log();
}

// ---------------------------------------------------------------------------------------------
// Adam on a jax-js pytree (JAX's update rule; bias corrections passed in as scalars)

const B1 = 0.9, B2 = 0.999, EPS = 1e-8, LR = 1e-3;

/** A jax-js parameter pytree (jax-js's own tree type is not exported). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type P = any;

function jaxAdamStep(loss: (p: P, x: jax.Array, y: jax.Array) => jax.Array) {
  return jax.jit((p: P, m: P, v: P, x: jax.Array, y: jax.Array, c1: jax.Array, c2: jax.Array) => {
    const [l, g] = jax.valueAndGrad(loss)(jax.tree.ref(p), x, y);
    const m2 = jax.tree.map((mi: jax.Array, gi: jax.Array) => mi.mul(B1).add(gi.mul(1 - B1)), m, jax.tree.ref(g)) as P;
    const v2 = jax.tree.map((vi: jax.Array, gi: jax.Array) => vi.mul(B2).add(gi.ref.mul(gi).mul(1 - B2)), v, g) as P;
    const p2 = jax.tree.map((pi: jax.Array, mi: jax.Array, vi: jax.Array) => pi.sub(mi.mul(c1.ref).mul(LR).div(np.sqrt(vi.mul(c2.ref)).add(EPS))), p, jax.tree.ref(m2), jax.tree.ref(v2)) as P;
    c1.dispose();
    c2.dispose();
    return [p2, m2, v2, l] as const;
  });
}

/** A runner of one jax-js training step (synced), from its loss and initial parameters. */
function jaxTrainer(loss: (p: P, x: jax.Array, y: jax.Array) => jax.Array, p0: P, x: jax.Array, y: jax.Array): () => Promise<number> {
  const step = jaxAdamStep(loss);
  const zeros = (p: P) => jax.tree.map((a: jax.Array) => np.zeros(a.shape, { device: 'webgpu' }), jax.tree.ref(p)) as P;
  let [p, m, v] = [p0, zeros(p0), zeros(p0)];
  let t = 0;
  return async () => {
    t++;
    const c1 = np.array(new Float32Array([1 / (1 - B1 ** t)]), { shape: [], device: 'webgpu' });
    const c2 = np.array(new Float32Array([1 / (1 - B2 ** t)]), { shape: [], device: 'webgpu' });
    const [p2, m2, v2, l] = step(p, m, v, x.ref, y.ref, c1, c2);
    [p, m, v] = [p2, m2, v2];
    return (await l.data())[0]!;
  };
}

const jaxF32 = (data: Float32Array, shape: number[]) => np.array(data, { shape, device: 'webgpu' });
const toGpu = <X>(t: X): X => tree.map((v: T.Tensor) => T.toDevice(v, 'webgpu'), t);

/** A runner of one tensorlaw training step (jitted, state donated, synced on the loss). */
function oursTrainer<S>(step: (s: S, x: T.Tensor, y: T.Tensor) => readonly [S, T.Tensor], s0: S, x: T.Tensor, y: T.Tensor): () => Promise<number> {
  const jstep = T.jit(step, { donateArgnums: 0 });
  let s = s0;
  return async () => {
    const [next, l] = jstep(s, x, y);
    s = next;
    return (await l.data())[0]!;
  };
}

async function compareSteps(label: string, ours: () => Promise<number>, theirs: () => Promise<number>, W: number[]): Promise<void> {
  const runs = quick ? 3 : 20;
  // First losses agree when both compute the same function from the same start.
  const [lo, lt] = [await ours(), await theirs()];
  const [a, b] = [await timeMs(ours, runs, 3), await timeMs(theirs, runs, 3)];
  log(fmtRow([label, a.toFixed(2), b.toFixed(2), `${(b / a).toFixed(2)}x`, `${lo.toFixed(4)} / ${lt.toFixed(4)}`], W));
}

async function mlp(): Promise<void> {
  const W = [24, 10, 10, 10, 22];
  log('2. MLP 784-64-64-10 training step (value+grad, Adam 1e-3), jitted, synced every step, ms (lower is better)');
  log(fmtRow(['', 'ours', 'jax-js', 'ours vs', 'first loss ours/jax'], W));
  const init: MlpInit = mlpInit([784, 64, 64, 10]);
  for (const batch of quick ? [16] : [128, 1024]) {
    const xs = uniformF32(batch * 784, 3, 0, 1), ys = labels(batch, 4);
    const ps = toGpu(mlpParams(init));
    type S = { ps: typeof ps; state: unknown };
    const step = (s: S, x: T.Tensor, y: T.Tensor) => {
      const [p, state, l] = mlpStep(s.ps, s.state, x, y);
      return [{ ps: p, state }, l] as const;
    };
    const ours = oursTrainer(step, { ps, state: toGpu(mlpOpt.init(ps)) }, T.toDevice(T.tensor(xs, { shape: [batch, 784] }), 'webgpu'), T.toDevice(T.tensor(ys, { dtype: 'int32' }), 'webgpu'));
    const p0: { w: jax.Array; b: jax.Array }[] = init.w.map((w, i) => ({ w: jaxF32(w, [init.sizes[i]!, init.sizes[i + 1]!]), b: jaxF32(init.b[i]!, [init.sizes[i + 1]!]) }));
    const loss = (p: typeof p0, x: jax.Array, y: jax.Array) => {
      let h = x;
      p.forEach((l, i) => {
        h = np.matmul(h, l.w).add(l.b);
        if (i < p.length - 1) h = jax.nn.relu(h);
      });
      return np.sum(jax.nn.logSoftmax(h).mul(jax.nn.oneHot(y, 10))).mul(-1 / batch);
    };
    const theirs = jaxTrainer(loss, p0, jaxF32(xs, [batch, 784]), np.array(ys, { shape: [batch], dtype: np.int32, device: 'webgpu' }));
    await compareSteps(`batch ${batch}`, ours, theirs, W);
  }
  log();
}

// ---------------------------------------------------------------------------------------------
// The transformer: the same architecture and the same initial weights in both libraries.

interface TransformerConfig { vocab: number; seq: number; dim: number; heads: number; blocks: number; batch: number }

async function transformer(): Promise<void> {
  const W = [24, 10, 10, 10, 22];
  log('3. causal transformer training step (pre-norm blocks, 4 heads, GELU MLP x4, Adam 1e-3), jitted, synced every step, ms');
  log(fmtRow(['', 'ours', 'jax-js', 'ours vs', 'first loss ours/jax'], W));
  const configs: TransformerConfig[] = quick
    ? [{ vocab: 27, seq: 9, dim: 16, heads: 4, blocks: 1, batch: 4 }]
    : [{ vocab: 27, seq: 9, dim: 48, heads: 4, blocks: 2, batch: 64 }, { vocab: 64, seq: 64, dim: 128, heads: 4, blocks: 2, batch: 32 }];
  for (const c of configs) {
    const { vocab, seq, dim, heads, blocks, batch } = c;
    const emb = nn.embedding(vocab, dim, { init: nn.initializers.normal(0.02) });
    const pos = nn.embedding(seq, dim, { init: nn.initializers.normal(0.02) });
    const block = nn.transformerBlock({ dim, numHeads: heads, causal: true });
    const norm = nn.layerNorm(dim);
    const head = nn.linear(vocab);
    const [kt, kp, kh, ...kb] = random.splitList(random.key(0), 3 + blocks);
    const params = {
      tokens: emb.init(kt!, [-1, seq]).params,
      positions: pos.init(kp!, [seq]).params,
      blocks: kb.map((k) => block.init(k, [-1, seq, dim]).params),
      norm: norm.init(kh!, [-1, seq, dim]).params,
      head: head.init(kh!, [-1, seq, dim]).params,
    };
    type Params = typeof params;
    const loss = (p: Params, x: T.Tensor, y: T.Tensor) => {
      let h = T.add(emb.apply(p.tokens, x), pos.apply(p.positions, T.arange(seq)));
      for (const bp of p.blocks) h = block.apply(bp, h);
      return T.mean(nn.softmaxCrossEntropy(head.apply(p.head, norm.apply(p.norm, h)), y, { reduction: 'none' }));
    };
    const opt = optim.adam(1e-3);
    type S = { p: Params; o: ReturnType<typeof opt.init> };
    const step = (s: S, x: T.Tensor, y: T.Tensor) => {
      const [l, g] = T.valueAndGrad(loss)(s.p, x, y);
      const [u, o] = opt.update(g, s.o, s.p);
      return [{ p: optim.applyUpdates(s.p, u) as Params, o }, l] as const;
    };
    const r = rng(5);
    const xs = Int32Array.from({ length: batch * seq }, () => Math.floor(r() * vocab));
    const ys = Int32Array.from({ length: batch * seq }, () => Math.floor(r() * vocab));
    const pg = toGpu(params);
    const ours = oursTrainer(step, { p: pg, o: toGpu(opt.init(pg)) }, T.toDevice(T.tensor(xs, { shape: [batch, seq], dtype: 'int32' }), 'webgpu'), T.toDevice(T.tensor(ys, { shape: [batch, seq], dtype: 'int32' }), 'webgpu'));

    // jax-js, from the same weights. tensorlaw's linear weights are [out, in] (PyTorch's layout).
    const f32 = async (t: T.Tensor, transpose = false) => {
      const v = transpose ? T.transpose(t) : t;
      return jaxF32((await v.data()) as Float32Array, [...v.shape]);
    };
    const lin = async (l: { weight: T.Tensor; bias?: T.Tensor }) => ({ w: await f32(l.weight, true), b: await f32(l.bias!) });
    const ln = async (l: { weight: T.Tensor; bias: T.Tensor }) => ({ g: await f32(l.weight), b: await f32(l.bias) });
    const jp = {
      tokens: await f32(params.tokens.weight),
      positions: await f32(params.positions.weight),
      blocks: await Promise.all(params.blocks.map(async (bp) => ({
        ln1: await ln(bp.ln1), q: await lin(bp.attn.query), k: await lin(bp.attn.key), v: await lin(bp.attn.value), o: await lin(bp.attn.out),
        ln2: await ln(bp.ln2), fc1: await lin(bp.mlp.fc1), fc2: await lin(bp.mlp.fc2),
      }))),
      norm: await ln(params.norm),
      head: await lin(params.head),
    };
    type JP = typeof jp;
    type Lin = { w: jax.Array; b: jax.Array };
    const dense = (l: Lin, x: jax.Array) => np.matmul(x, l.w).add(l.b);
    const layerNorm = (l: { g: jax.Array; b: jax.Array }, x: jax.Array) => jax.nn.standardize(x, -1, { epsilon: 1e-5 }).mul(l.g).add(l.b);
    const hd = dim / heads;
    const causalBias = Float32Array.from({ length: seq * seq }, (_, i) => (i % seq <= Math.floor(i / seq) ? 0 : -1e9));
    const jloss = (p: JP, x: jax.Array, y: jax.Array) => {
      let h = np.matmul(jax.nn.oneHot(x, vocab), p.tokens).add(p.positions);
      for (const bp of p.blocks) {
        const a = layerNorm(bp.ln1, h.ref);
        // By hand: jax-js's dotProductAttention uses einsum, which needs Node 22's iterator helpers.
        const split = (t: jax.Array) => np.transpose(t.reshape([batch, seq, heads, hd]), [0, 2, 1, 3]);
        const q = split(dense(bp.q, a.ref)), k = split(dense(bp.k, a.ref)), v = split(dense(bp.v, a));
        const scores = np.matmul(q, np.transpose(k, [0, 1, 3, 2])).mul(1 / Math.sqrt(hd)).add(np.array(causalBias, { shape: [seq, seq], device: 'webgpu' }));
        const att = np.transpose(np.matmul(jax.nn.softmax(scores), v), [0, 2, 1, 3]);
        h = h.add(dense(bp.o, att.reshape([batch, seq, dim])));
        h = h.ref.add(dense(bp.fc2, jax.nn.gelu(dense(bp.fc1, layerNorm(bp.ln2, h)), { approximate: false })));
      }
      const logits = dense(p.head, layerNorm(p.norm, h));
      return np.sum(jax.nn.logSoftmax(logits).mul(jax.nn.oneHot(y, vocab))).mul(-1 / (batch * seq));
    };
    const theirs = jaxTrainer(jloss, jp, np.array(xs, { shape: [batch, seq], dtype: np.int32, device: 'webgpu' }), np.array(ys, { shape: [batch, seq], dtype: np.int32, device: 'webgpu' }));
    await compareSteps(`b${batch} s${seq} d${dim} x${blocks}`, ours, theirs, W);
  }
  log();
}

async function main(): Promise<void> {
  const adapter = await dawn.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('bench/gpu: no WebGPU adapter (the webgpu package found no Vulkan/Metal/D3D device)');
  const info = adapter.info;
  const desc = `${info.vendor} | ${info.architecture} | ${info.device} | ${info.description}`;
  log(`adapter: ${desc}`);
  if (/swiftshader|llvmpipe|lavapipe|software/i.test(desc) && !args.includes('--allow-software')) {
    throw new Error(`bench/gpu: the adapter is a software renderer (${desc}); pass --allow-software to measure it anyway`);
  }
  if (!(await T.initWebGPU({ adapter: { powerPreference: 'high-performance' } }))) throw new Error('bench/gpu: tensorlaw found no WebGPU adapter');
  const ready = await jax.init('webgpu');
  if (!ready.includes('webgpu')) throw new Error('bench/gpu: jax-js could not open its webgpu device');
  log(`node ${process.version}; tensorlaw and jax-js ${'0.1.25'} each on their own device of this adapter\n`);
  if (enabled('matmul')) await matmuls();
  if (enabled('mlp')) await mlp();
  if (enabled('transformer')) await transformer();
  T.closeWebGPU();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
