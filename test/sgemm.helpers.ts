/**
 * Shared by the float32 GEMM tests and their child processes: seeded operands and a float64
 * reference that reads either operand transposed.
 */
import { rng } from './ops.helpers';

/** A uniform float32 array in [-1, 1) from a seed. */
export function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/**
 * The first element of `got` that misses the float64 triple loop (sums in k order), as a message,
 * or null. Tolerance: float32 rounding of each partial sum, relative to sum |a*b|.
 */
export function mismatch(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, got: Float32Array, transA = false, transB = false): string | null {
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, mag = 0;
        for (let p = 0; p < k; p++) {
          const x = a[bi * m * k + (transA ? p * m + i : i * k + p)]!;
          const y = b[bi * k * n + (transB ? j * k + p : p * n + j)]!;
          s += x * y;
          mag += Math.abs(x * y);
        }
        const at = bi * m * n + i * n + j;
        if (!(Math.abs(got[at]! - s) <= 4e-7 * (k + 2) * mag + 1e-30)) {
          return `[${batch},${m},${k},${n}]${transA ? ' transA' : ''}${transB ? ' transB' : ''} at ${at}: ${got[at]} vs ${s}`;
        }
      }
    }
  }
  return null;
}

/** Shapes with every edge: odd sizes, k = 1, m or n = 1, tiles exactly full, batches. */
export const EDGE_SHAPES: readonly (readonly [number, number, number, number])[] = [
  [1, 1, 1, 1], [1, 1, 5, 1], [1, 3, 1, 2], [1, 4, 8, 8], [1, 5, 7, 9], [1, 8, 8, 16], [1, 1, 33, 17],
  [1, 17, 33, 1], [1, 13, 300, 11], [3, 6, 10, 7], [2, 33, 65, 40], [1, 64, 64, 64], [1, 70, 513, 37],
  [4, 9, 3, 13], [1, 3, 257, 5],
];
