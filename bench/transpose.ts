/**
 * Float32 matrix transpose: the generic strided walk (stridedCopy) against the Wasm SIMD path
 * that transposeKernel now takes for swaps of the last two axes. Checks both agree exactly on
 * ragged and batched shapes, then times the MLP step's transposes. npx tsx bench/transpose.ts
 */
import { stridedCopy, transposeKernel } from '../src/tensor/backend/cpu/movement';
import { stridesOf } from '../src/tensor/shape';
import { measure, randomF32, row } from './measure';

const generic = (x: Float32Array, shape: number[], perm: number[], out: Float32Array): void => {
  const s = stridesOf(shape);
  stridedCopy(x, 0, perm.map((a) => s[a]!), perm.map((a) => shape[a]!), out);
};

const checks: number[][] = [[32, 32], [33, 35], [5, 1030], [1030, 5], [3, 17, 64], [2, 2, 45, 39], [128, 784], [7, 7]];
for (const shape of checks) {
  const r = shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  const x = randomF32(shape.reduce((a, b) => a * b));
  const want = new Float32Array(x.length), got = new Float32Array(x.length);
  generic(x, shape, perm, want);
  transposeKernel(x, shape, { perm }, got);
  for (let i = 0; i < x.length; i++) if (got[i] !== want[i]) throw new Error(`[${shape}] differs at ${i}`);
}
console.log(`the fast path agrees with the strided walk on ${checks.length} shapes\n`);

const W = [14, 12, 10, 8];
console.log(row(['[rows, cols]', 'generic µs', 'kernel µs', 'speedup'], W));
for (const shape of [[128, 784], [32, 784], [128, 64], [64, 64], [1024, 1024]]) {
  const x = randomF32(shape[0]! * shape[1]!), out = new Float32Array(x.length);
  const g = measure(() => generic(x, shape, [1, 0], out), { warmup: 5, minRuns: 20, budgetMs: 500 });
  const k = measure(() => transposeKernel(x, shape, { perm: [1, 0] }, out), { warmup: 5, minRuns: 20, budgetMs: 500 });
  console.log(row([`[${shape}]`, (g.ms * 1000).toFixed(1), (k.ms * 1000).toFixed(1), `${(g.ms / k.ms).toFixed(1)}x`], W));
}
