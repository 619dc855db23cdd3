/**
 * Single-threaded vs worker-threaded float32 GEMM (the Wasm kernel called directly), interleaved
 * in one process, to place the crossover: `npx tsx bench/threads.ts [m x k x n ...]`. Columns:
 * one thread; threads forced on at every size; the default configuration (threads from
 * THREAD_MIN_FLOPS, backing off after stalls). Median ms, ratios vs one thread (> 1: faster),
 * and the load average. A shape may end in `:tA` (A arrives transposed, [k, m], as in a weight
 * gradient x^T dy) or `:tB`.
 */
import { loadavg } from 'node:os';
import { createSgemm, DEFAULT_CONFIG, suggestedThreads } from '../src/tensor/backend/cpu/wasm/sgemm';
import { randomF32, row } from './measure';

const workers = Math.max(1, suggestedThreads());
// threadMinFlops 0: the threaded kernel threads every size, so the table shows where it pays.
const one = createSgemm({ ...DEFAULT_CONFIG, workers: 0 })!;
const multi = createSgemm({ ...DEFAULT_CONFIG, workers, threadMinFlops: 0 })!;
const auto = createSgemm({ ...DEFAULT_CONFIG, workers })!;
const warm = new Float32Array(64 * 64);
// Workers start in the background; keep calling (the event loop is not needed) until they are up.
const t0 = Date.now();
while (!(multi.threadsReady() && auto.threadsReady()) && Date.now() - t0 < 5000) {
  multi(warm, warm, 1, 64, 64, 64, warm.slice());
  auto(new Float32Array(256 * 256), new Float32Array(256 * 256), 1, 256, 256, 256, new Float32Array(256 * 256));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const shapes = process.argv.slice(2).length ? process.argv.slice(2) : [32, 48, 64, 96, 128, 192, 256, 512, 1024].map((n) => `${n}x${n}x${n}`);
console.log(`float32 GEMM, 1 thread vs 1 + ${workers} workers (ready: ${multi.threadsReady()}), load ${load()}`);
const W = [16, 10, 10, 10, 8, 10, 8];
console.log(row(['m x k x n', '1 thr ms', 'thr ms', 'GF thr', 'ratio', 'auto ms', 'ratio'], W));
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
for (const shape of shapes) {
  const [dims, layout = ''] = shape.split(':');
  const [m, k, n] = dims!.split('x').map(Number) as [number, number, number];
  const tA = layout === 'tA', tB = layout === 'tB';
  const a = randomF32(m * k), b = randomF32(k * n), out = new Float32Array(m * n);
  const flops = 2 * m * n * k;
  const reps = Math.max(1, Math.round(3e7 / flops));
  const t1: number[] = [], t2: number[] = [], t3: number[] = [];
  for (let r = 0; r < 3; r++) for (const f of [one, multi, auto]) f(a, b, 1, m, k, n, out, tA, tB);
  for (let r = 0; r < 15; r++) {
    for (const [f, ts] of [[one, t1], [multi, t2], [auto, t3]] as const) {
      // The other kernel's worker polls for 0.2 ms after its last job: let it go to sleep first,
      // or two workers and this thread share the 2 cores.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      const t = performance.now();
      for (let i = 0; i < reps; i++) f(a, b, 1, m, k, n, out, tA, tB);
      ts.push((performance.now() - t) / reps);
    }
  }
  const m1 = median(t1), m2 = median(t2), m3 = median(t3);
  console.log(row([shape, m1.toFixed(4), m2.toFixed(4), (flops / m2 / 1e6).toFixed(1), `${(m1 / m2).toFixed(2)}x`, m3.toFixed(4), `${(m1 / m3).toFixed(2)}x`], W));
}
console.log(`load ${load()}`);
multi.close();
auto.close();
