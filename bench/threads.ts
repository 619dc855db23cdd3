/**
 * Single-threaded vs worker-threaded float32 GEMM (the Wasm kernel called directly), to decide
 * whether threads should be on by default. Run with `npx tsx bench/threads.ts`.
 */
import { createSgemm, DEFAULT_CONFIG, suggestedThreads } from '../src/tensor/backend/cpu/wasm/sgemm';
import { measure, randomF32, row } from './measure';

const workers = Math.max(1, suggestedThreads());
const one = createSgemm({ ...DEFAULT_CONFIG, workers: 0 })!;
const multi = createSgemm({ ...DEFAULT_CONFIG, workers })!;
// Workers start in the background; spin (the event loop is not needed) until they are up.
const t0 = Date.now();
while (!multi.threadsReady() && Date.now() - t0 < 5000) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);

console.log(`float32 GEMM GFLOP/s, 1 thread vs 1 + ${workers} workers (ready: ${multi.threadsReady()})`);
const W = [6, 10, 10, 8];
console.log(row(['n', '1 thread', 'threads', 'ratio'], W));
for (const n of [256, 512, 1024]) {
  const a = randomF32(n * n), b = randomF32(n * n), out = new Float32Array(n * n);
  const t1 = measure(() => one(a, b, 1, n, n, n, out), { warmup: 3, minRuns: 7 });
  const t2 = measure(() => multi(a, b, 1, n, n, n, out), { warmup: 3, minRuns: 7 });
  const g = (ms: number): string => ((2 * n ** 3) / ms / 1e6).toFixed(1);
  console.log(row([n, g(t1.ms), g(t2.ms), `${(t1.ms / t2.ms).toFixed(2)}x`], W));
}
multi.close();
