/**
 * Float32 matmul shapes of interest, ours (public T.matmul, or jit where an operand arrives
 * transposed) vs TF.js wasm (XNNPACK), interleaved in one process:
 *   npx tsx bench/matmulPeers.ts [--rounds 7] [--only sq,fresh,skinny] [--threads 0]
 * Prints median wall ms per call and the ratio (theirs / ours, > 1 means ours is faster), and the
 * ratio of process CPU time per call, which other processes on the machine barely disturb: with
 * `--threads 0` (ours single-threaded, like TF.js here) it compares the kernels themselves.
 */
import { loadavg } from 'node:os';
import * as T from '../src';
import { initTfjs } from './compare/tfjs';
import * as tf from '@tensorflow/tfjs';
import { median, uniformF32 } from './compare/common';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 7) || 7;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1]!.split(',')) : null;
if (args.includes('--threads')) T.setCpuThreads(Number(args[args.indexOf('--threads') + 1]));
await initTfjs();
await tf.setBackend('wasm');

interface Case { name: string; group: string; m: number; k: number; n: number; ta?: boolean; tb?: boolean; fresh?: boolean }
const cases: Case[] = [];
for (const n of [64, 128, 256, 512, 1024]) cases.push({ name: `n=${n}`, group: 'sq', m: n, k: n, n });
for (const n of [64, 128, 256, 512, 1024]) cases.push({ name: `n=${n} fresh B`, group: 'fresh', m: n, k: n, n, fresh: true });
for (const bt of [32, 128]) {
  cases.push({ name: `[${bt},784]x[784,64]`, group: 'skinny', m: bt, k: 784, n: 64 });
  cases.push({ name: `[${bt},64]x[64,784]^T..dx`, group: 'skinny', m: bt, k: 64, n: 784, tb: true });
  cases.push({ name: `[784,${bt}]^T x[${bt},64] dW`, group: 'skinny', m: 784, k: bt, n: 64, ta: true });
  cases.push({ name: `[${bt},64]x[64,64]`, group: 'skinny', m: bt, k: 64, n: 64 });
  cases.push({ name: `[64,${bt}]^Tx[${bt},64] dW2`, group: 'skinny', m: 64, k: bt, n: 64, ta: true });
}
cases.push({ name: '[64,32]x[32,784]', group: 'skinny', m: 64, k: 32, n: 784 });

function oursRun(c: Case): () => void {
  const a = uniformF32(c.m * c.k, 1), b = uniformF32(c.k * c.n, 2);
  const ta = T.tensor(a, { shape: c.ta ? [c.k, c.m] : [c.m, c.k] });
  const tb = T.tensor(b, { shape: c.tb ? [c.n, c.k] : [c.k, c.n] });
  const A = c.ta ? T.transpose(ta) : ta;
  if (c.fresh) return () => void T.matmul(A, T.tensor(b, { shape: [c.k, c.n] }));
  if (c.ta || c.tb) {
    // Eager transposes materialize; jit fuses them into the operand flags, which is what a training step sees.
    const f = T.jit((x: T.Tensor, y: T.Tensor) => T.matmul(c.ta ? T.transpose(x) : x, c.tb ? T.transpose(y) : y));
    return () => void f(ta, tb);
  }
  return () => void T.matmul(A, tb);
}

function tfRun(c: Case): () => void {
  const a = uniformF32(c.m * c.k, 1), b = uniformF32(c.k * c.n, 2);
  const ta = tf.tensor2d(a, c.ta ? [c.k, c.m] : [c.m, c.k]);
  const tb = tf.tensor2d(b, c.tb ? [c.n, c.k] : [c.k, c.n]);
  return () => {
    const bb = c.fresh ? tf.tensor2d(b, [c.k, c.n]) : tb;
    const y = tf.matMul(ta, bb, c.ta, c.tb);
    y.dataSync();
    y.dispose();
    if (c.fresh) bb.dispose();
  };
}

/** Time `reps` calls into `wall` (each) and `cpu` (the block's CPU time per call). */
function timeBlock(f: () => void, reps: number, wall: number[], cpu: number[]): void {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    wall.push(performance.now() - t);
  }
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000 / reps);
}

console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('case'.padEnd(28), 'ours ms'.padStart(9), 'tfjs ms'.padStart(9), 'GF ours'.padStart(8), 'ratio'.padStart(7), 'cpu ratio'.padStart(10));
for (const c of cases) {
  if (only && !only.has(c.group)) continue;
  const o = oursRun(c), t = tfRun(c);
  for (let i = 0; i < 3; i++) { o(); t(); }
  let t0 = performance.now(); o(); const one = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.round(40 / one));
  const os: number[] = [], ts: number[] = [], oc: number[] = [], tc: number[] = [];
  for (let r = 0; r < rounds; r++) { timeBlock(o, reps, os, oc); timeBlock(t, reps, ts, tc); }
  const mo = median(os), mt = median(ts);
  console.log(c.name.padEnd(28), mo.toFixed(4).padStart(9), mt.toFixed(4).padStart(9), ((2 * c.m * c.n * c.k) / mo / 1e6).toFixed(1).padStart(8), `${(mt / mo).toFixed(2)}x`.padStart(7), `${(median(tc) / median(oc)).toFixed(2)}x`.padStart(10));
}
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(0);
