/**
 * The float32 matmul kernel with transposed operands (MatmulLayout): checks every layout against
 * a float64 reference over edge shapes, then times "transpose, then matmul" against the kernel
 * reading the transposed operand directly, on the shapes of the MLP step's backward pass.
 *
 *   npx tsx bench/matmulLayouts.ts
 */
import { matmulKernel, type MatmulLayout, type MatmulPath } from '../src/tensor/backend/cpu/matmul';
import { transposeKernel } from '../src/tensor/backend/cpu/movement';
import { measure, randomF32, row } from './measure';

function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, l: MatmulLayout): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = l.transA ? a[bi * m * k + p * m + i]! : a[bi * m * k + i * k + p]!;
          const y = l.transB ? b[bi * k * n + j * k + p]! : b[bi * k * n + p * n + j]!;
          s += x * y;
        }
        out[bi * m * n + i * n + j] = s;
      }
    }
  }
  return out;
}

const layouts: MatmulLayout[] = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];
const shapes: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 3, 5, 2], [1, 4, 4, 8], [1, 5, 7, 9], [2, 9, 13, 17], [1, 17, 33, 1], [1, 1, 33, 17], [3, 33, 65, 40], [1, 70, 513, 37], [1, 128, 784, 64],
];
let checked = 0;
for (const path of ['wasm', 'js'] as MatmulPath[]) {
  for (const l of layouts) {
    for (const [batch, m, k, n] of shapes) {
      const a = randomF32(batch * m * k), b = randomF32(batch * k * n), out = new Float32Array(batch * m * n);
      matmulKernel(a, b, batch, m, k, n, out, path, l);
      const ref = reference(a, b, batch, m, k, n, l);
      for (let i = 0; i < out.length; i++) {
        if (!(Math.abs(out[i]! - ref[i]!) <= 1e-6 * (k + 2) * 4)) throw new Error(`${path} ${JSON.stringify(l)} [${batch},${m},${k},${n}] at ${i}: ${out[i]} vs ${ref[i]}`);
      }
      checked++;
    }
  }
}
console.log(`all layouts match the reference (${checked} cases)\n`);

console.log('transposed operand: materialized transpose + matmul vs the kernel reading it directly, median µs');
const W = [34, 12, 10, 8];
console.log(row(['product (which operand is transposed)', 'transpose+mm', 'direct', 'speedup'], W));
const cases: [string, number, number, number, MatmulLayout][] = [
  ['dW1 = x^T dy  [784,128]x[128,64]', 784, 128, 64, { transA: true }],
  ['dW2 = h^T dy  [64,128]x[128,64]', 64, 128, 64, { transA: true }],
  ['dh = dy W^T   [128,64]x[64,64]', 128, 64, 64, { transB: true }],
  ['dh = dy W^T   [128,10]x[10,64]', 128, 10, 64, { transB: true }],
  ['1024 A^T B', 1024, 1024, 1024, { transA: true }],
];
for (const [name, m, k, n, l] of cases) {
  const a = randomF32(m * k), b = randomF32(k * n), out = new Float32Array(m * n);
  const tmpA = new Float32Array(m * k), tmpB = new Float32Array(k * n);
  const viaTranspose = measure(() => {
    if (l.transA) transposeKernel(a, [k, m], { perm: [1, 0] }, tmpA);
    if (l.transB) transposeKernel(b, [n, k], { perm: [1, 0] }, tmpB);
    matmulKernel(l.transA ? tmpA : a, l.transB ? tmpB : b, 1, m, k, n, out);
  }, { warmup: 5, minRuns: 20, budgetMs: 600 });
  const direct = measure(() => matmulKernel(a, b, 1, m, k, n, out, 'auto', l), { warmup: 5, minRuns: 20, budgetMs: 600 });
  console.log(row([name, (viaTranspose.ms * 1000).toFixed(0), (direct.ms * 1000).toFixed(0), `${(viaTranspose.ms / direct.ms).toFixed(2)}x`], W));
}
