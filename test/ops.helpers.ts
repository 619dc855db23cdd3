/** Shared helpers for the op tests: closeness of tensors and nested arrays, and a seeded random source. */
import { expect } from 'vitest';
import { Tensor, tensor } from '../src/tensor';
import { approx } from '../laws/approx';

/** Nested arrays of numbers from tensors (bools as 0/1), arrays and numbers, so they compare as pytrees. */
function plain(x: unknown): unknown {
  if (x instanceof Tensor) return plain(x.toArray());
  if (Array.isArray(x)) return x.map(plain);
  return typeof x === 'boolean' ? Number(x) : x;
}

/**
 * Assert tensors, nested arrays or numbers agree elementwise within `tol`, relative and absolute
 * (the laws' Approx; a failure names the index, both values and the tolerance).
 */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-5): void {
  expect(approx({ rtol: tol, atol: tol }).equals(plain(actual), plain(expected))).toBe(true);
}

/** Deterministic pseudo-random numbers (mulberry32) so the tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float64 tensor of the shape filled with uniform values in [-1, 1) from `rand`. */
export function randomTensor(shape: number[], rand: () => number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rand() * 2 - 1;
  return tensor(data, { shape });
}
