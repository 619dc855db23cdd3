/**
 * Configurations of the Wasm float32 GEMM against each other, single-threaded, in CPU time of
 * this process (robust to other processes sharing the cores), interleaved, 21 rounds:
 *   VARIANTS='{"inplace":{"pack":"never"},"packed":{"pack":"always"}}' TRANS=a \
 *     npx tsx bench/sgemmVariants.ts 784x128x64 1024x256x64
 * VARIANTS maps names to SgemmConfig overrides (default: in place vs packed operands); TRANS=a,b
 * passes A and/or B transposed. Prints median and best GFLOP/s per variant and shape.
 */
import { createSgemm, DEFAULT_CONFIG, type SgemmConfig } from '../src/tensor/backend/cpu/wasm/sgemm';
import { randomF32 } from './measure';

const variants: Record<string, Partial<SgemmConfig>> = JSON.parse(process.env.VARIANTS ?? '{"inplace":{"pack":"never"},"packed":{"pack":"always"}}');
const kernels = Object.entries(variants).map(([name, v]) => ({ name, f: createSgemm({ ...DEFAULT_CONFIG, workers: 0, ...v })! }));
const trans = (process.env.TRANS ?? '').split(',');
const ta = trans.includes('a'), tb = trans.includes('b');
const shapes = (process.argv.length > 2 ? process.argv.slice(2) : ['128x128x128', '1024x1024x1024']).map((s) => s.split('x').map(Number) as [number, number, number]);
for (const [m, k, n] of shapes) {
  const a = randomF32(m * k), b = randomF32(k * n), out = new Float32Array(m * n);
  const flops = 2 * m * n * k, reps = Math.max(1, Math.round(2e7 / flops));
  const gflops = kernels.map(() => [] as number[]);
  for (const { f } of kernels) for (let i = 0; i < 3 * reps; i++) f(a, b, 1, m, k, n, out, ta, tb);
  for (let r = 0; r < 21; r++) {
    kernels.forEach(({ f }, j) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < reps; i++) f(a, b, 1, m, k, n, out, ta, tb);
      const cu = process.cpuUsage(c0);
      gflops[j]!.push((flops * reps) / (cu.user + cu.system) / 1e3);
    });
  }
  const cells = kernels.map(({ name }, j) => {
    const s = gflops[j]!.sort((x, y) => x - y);
    return `${name} ${s[10]!.toFixed(1)} (best ${s[20]!.toFixed(1)})`;
  });
  console.log(`${m}x${k}x${n}${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}: ${cells.join(' | ')}`);
}
