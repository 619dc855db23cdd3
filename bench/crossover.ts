/**
 * Where the Wasm float32 path starts to beat the JS kernel (it pays for packing and copies).
 * Prints µs per call of each path over a range of small shapes; used to set WASM_MIN_FLOPS.
 */
import { matmulKernel, type MatmulPath } from '../src/tensor/backend/cpu/matmul';

function timeUs(path: MatmulPath, m: number, k: number, n: number): number {
  const a = Float32Array.from({ length: m * k }, () => Math.random());
  const b = Float32Array.from({ length: k * n }, () => Math.random());
  const out = new Float32Array(m * n);
  const reps = Math.max(20, Math.min(20000, Math.floor(2e7 / (m * n * k))));
  for (let i = 0; i < reps; i++) matmulKernel(a, b, 1, m, k, n, out, path);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) matmulKernel(a, b, 1, m, k, n, out, path);
    times.push(((performance.now() - t) * 1000) / reps);
  }
  return times.sort((x, y) => x - y)[2]!;
}

const shapes: [number, number, number][] = [
  [4, 4, 4], [8, 8, 8], [12, 12, 12], [16, 16, 16], [20, 20, 20], [24, 24, 24], [32, 32, 32], [48, 48, 48], [64, 64, 64],
  [8, 9, 784], [16, 72, 196], [1, 784, 128], [32, 784, 128], [32, 128, 10],
];
console.log('m x k x n'.padEnd(16), 'js µs'.padStart(10), 'wasm µs'.padStart(10), 'js/wasm'.padStart(8));
for (const [m, k, n] of shapes) {
  const js = timeUs('js', m, k, n), wasm = timeUs('wasm', m, k, n);
  console.log(`${m}x${k}x${n}`.padEnd(16), js.toFixed(2).padStart(10), wasm.toFixed(2).padStart(10), (js / wasm).toFixed(2).padStart(8));
}
