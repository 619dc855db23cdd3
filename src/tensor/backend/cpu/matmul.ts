/**
 * Batched matrix multiply [...b, m, k] x [...b, k, n] on contiguous row-major typed arrays.
 * Large float32 problems go to the Wasm SIMD kernel; the rest run a JS kernel that accumulates
 * in float64 (exact reference for float64) or with int32 wraparound (int32).
 */
import type { TypedArray } from '../../dtype';
import { sgemmAvailable, sgemmFits, sgemmWasm } from './wasm/sgemm';

/**
 * Below this many multiply-adds per matrix the JS kernel is used. bench/crossover.ts shows the
 * Wasm path (packing and copies included) already ahead at 4x4x4 (1.5x) and 10x ahead from
 * 32^3, so only trivially small products stay in JS.
 */
export const WASM_MIN_FLOPS = 4 * 4 * 4;

/** Where to run: 'auto' (default), or force one path (tests and benchmarks). */
export type MatmulPath = 'auto' | 'js' | 'wasm';

/** Operand layouts: `transA` means `a` holds each A as A^T ([k, m]); `transB`, `b` holds B^T ([n, k]). */
export interface MatmulLayout {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/**
 * out[bi] = A[bi] B[bi], [m, k] x [k, n] per batch. With a layout, either operand may arrive
 * transposed: the Wasm path packs it directly (no transposed copy); the JS paths transpose first.
 */
export function matmulKernel(a: TypedArray, b: TypedArray, batch: number, m: number, k: number, n: number, out: TypedArray, path: MatmulPath = 'auto', layout: MatmulLayout = {}): void {
  if (k === 0 || m === 0 || n === 0) {
    out.fill(0);
    return;
  }
  const transA = layout.transA ?? false, transB = layout.transB ?? false;
  const wasm = path === 'wasm' || (path === 'auto' && m * n * k >= WASM_MIN_FLOPS && sgemmFits(m, k, n));
  if (out instanceof Float32Array && wasm && sgemmAvailable()) {
    sgemmWasm(a as Float32Array, b as Float32Array, batch, m, k, n, out, transA, transB);
    return;
  }
  if (transA) a = transposeBatched(a, batch, k, m);
  if (transB) b = transposeBatched(b, batch, n, k);
  if (out instanceof Int32Array) {
    matmulInt32(a as Int32Array, b as Int32Array, batch, m, k, n, out);
  } else {
    matmulFloat(a, b, batch, m, k, n, out);
  }
}

/** Each [rows, cols] matrix of a batch, transposed into a fresh array of the same type. */
function transposeBatched(x: TypedArray, batch: number, rows: number, cols: number): TypedArray {
  const out = new (x.constructor as new (n: number) => TypedArray)(x.length);
  for (let bi = 0, off = 0; bi < batch; bi++, off += rows * cols) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[off + c * rows + r] = x[off + r * cols + c]!;
  }
  return out;
}

/**
 * i-k-j order over blocks of 4 rows: each B row is read once per 4 output rows and the inner
 * loop streams contiguous rows of B and of the float64 accumulators.
 */
function matmulFloat(a: TypedArray, b: TypedArray, batch: number, m: number, k: number, n: number, out: TypedArray): void {
  const acc = new Float64Array(4 * n);
  const c0 = acc.subarray(0, n), c1 = acc.subarray(n, 2 * n), c2 = acc.subarray(2 * n, 3 * n), c3 = acc.subarray(3 * n);
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * m * k, bOff = bi * k * n, oOff = bi * m * n;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      acc.fill(0);
      const r0 = aOff + i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      for (let p = 0; p < k; p++) {
        const x0 = a[r0 + p]!, x1 = a[r1 + p]!, x2 = a[r2 + p]!, x3 = a[r3 + p]!;
        const row = bOff + p * n;
        for (let j = 0; j < n; j++) {
          const y = b[row + j]!;
          c0[j] += x0 * y;
          c1[j] += x1 * y;
          c2[j] += x2 * y;
          c3[j] += x3 * y;
        }
      }
      out.set(acc, oOff + i * n);
    }
    for (; i < m; i++) {
      c0.fill(0);
      const r0 = aOff + i * k;
      for (let p = 0; p < k; p++) {
        const x0 = a[r0 + p]!;
        const row = bOff + p * n;
        for (let j = 0; j < n; j++) c0[j] += x0 * b[row + j]!;
      }
      out.set(c0, oOff + i * n);
    }
  }
}

/** int32: Math.imul and Int32Array stores wrap exactly like 32-bit integer arithmetic. */
function matmulInt32(a: Int32Array, b: Int32Array, batch: number, m: number, k: number, n: number, out: Int32Array): void {
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * m * k, bOff = bi * k * n, oOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      const c = out.subarray(oOff + i * n, oOff + (i + 1) * n);
      c.fill(0);
      for (let p = 0; p < k; p++) {
        const x = a[aOff + i * k + p]!;
        const row = bOff + p * n;
        for (let j = 0; j < n; j++) c[j] = (c[j]! + Math.imul(x, b[row + j]!)) | 0;
      }
    }
  }
}
