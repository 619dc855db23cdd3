/**
 * Float32 matmul and conv throughput of the CPU backend (`npm run bench`).
 * Baseline: a naive i-j-p triple loop in plain JS, in this process. Ours: the public `dot`
 * primitive (Wasm SIMD kernel, packing and copies included) and conv2d as patches (im2col) + dot.
 */
import * as T from '../src/tensor';
import { measure, randomF32, row } from './measure';

function naiveMatmul(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
      out[i * n + j] = s;
    }
  }
}

const gflops = (flops: number, ms: number): number => flops / ms / 1e6;

console.log(`float32 matmul [n,n] x [n,n], median GFLOP/s (node ${process.version}, ${T.getBackend('cpu').name} backend)`);
const W = [6, 12, 12, 9];
console.log(row(['n', 'naive JS', 'T dot', 'speedup'], W));
for (const n of [128, 256, 512, 1024]) {
  const a = randomF32(n * n), b = randomF32(n * n), out = new Float32Array(n * n);
  // The naive loop at 1024 takes seconds; its JIT is warm from the smaller sizes by then.
  const big = n >= 1024;
  const naive = measure(() => naiveMatmul(a, b, n, out), { warmup: big ? 0 : 1, minRuns: big ? 1 : 3, budgetMs: big ? 0 : 1500 });
  const ta = T.tensor(a, { shape: [1, n, n] }), tb = T.tensor(b, { shape: [1, n, n] });
  const ours = measure(() => T.bind1('dot', [ta, tb], {}), { warmup: 3, minRuns: 7, budgetMs: 2000 });
  const flops = 2 * n ** 3;
  console.log(row([n, gflops(flops, naive.ms).toFixed(2), gflops(flops, ours.ms).toFixed(2), `${(naive.ms / ours.ms).toFixed(1)}x`], W));
}

/** One conv layer as im2col: patches [b,c,kh,kw,oh,ow] -> [b, c*kh*kw, oh*ow], then dot with the filters. */
function conv(x: T.Tensor, w: T.Tensor): T.Tensor {
  const [b, c, h, wd] = x.shape as [number, number, number, number];
  const [f, , kh, kw] = w.shape as [number, number, number, number];
  const p: T.PatchesParams = { kernel: [kh, kw], stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], padValue: 0 };
  const cols = T.reshape(T.bind1('patches', [x], p), [b, c * kh * kw, h * wd]);
  const filt = T.broadcastTo(T.reshape(w, [1, f, c * kh * kw]), [b, f, c * kh * kw]);
  return T.bind1('dot', [filt, cols], {});
}

console.log('\nconv2d 3x3 pad 1 as patches + dot (MNIST-sized), median');
const CW = [28, 10, 12, 10];
console.log(row(['layer', 'ms', 'images/s', 'GFLOP/s'], CW));
const layers: [string, number[], number[]][] = [
  ['[32,1,28,28] * 8 filters', [32, 1, 28, 28], [8, 1, 3, 3]],
  ['[32,8,14,14] * 16 filters', [32, 8, 14, 14], [16, 8, 3, 3]],
];
for (const [name, xs, ws] of layers) {
  const x = T.tensor(randomF32(xs.reduce((s, d) => s * d)), { shape: xs });
  const w = T.tensor(randomF32(ws.reduce((s, d) => s * d)), { shape: ws });
  const t = measure(() => conv(x, w), { warmup: 3, minRuns: 10, budgetMs: 1000 });
  const flops = 2 * xs[0]! * ws[0]! * ws[1]! * 9 * xs[2]! * xs[3]!;
  console.log(row([name, t.ms.toFixed(3), Math.round((xs[0]! / t.ms) * 1000), gflops(flops, t.ms).toFixed(2)], CW));
}
