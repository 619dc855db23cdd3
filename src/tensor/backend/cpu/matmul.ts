/** Batched matrix multiply [...b, m, k] x [...b, k, n] on typed arrays. */
import type { TypedArray } from '../../dtype';

/** out[b] = a[b] @ w[b]; i-k-j loop order so the inner loop streams rows of both w and out. */
export function matmulKernel(a: TypedArray, b: TypedArray, batch: number, m: number, k: number, n: number, out: TypedArray): void {
  const acc = new Float64Array(n);
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * m * k;
    const bOff = bi * k * n;
    const oOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[aOff + i * k + p]!;
        if (av === 0) continue;
        const row = bOff + p * n;
        for (let j = 0; j < n; j++) acc[j] += av * b[row + j]!;
      }
      for (let j = 0; j < n; j++) out[oOff + i * n + j] = acc[j]!;
    }
  }
}
