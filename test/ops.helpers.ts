/** Shared helpers for the op tests: nested-array closeness and a seeded random source. */
import { expect } from 'vitest';
import { tensor, type Tensor } from '../src/tensor';

/** Assert nested arrays (or numbers) agree elementwise within an absolute+relative tolerance. */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-5): void {
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (Array.isArray(e)) {
      expect(Array.isArray(a), `${path} should be an array`).toBe(true);
      expect((a as unknown[]).length, `${path} length`).toBe(e.length);
      e.forEach((v, i) => walk((a as unknown[])[i], v, `${path}[${i}]`));
      return;
    }
    const x = Number(a), y = Number(e);
    if (Number.isNaN(y)) return void expect(Number.isNaN(x), `${path}: ${x} should be NaN`).toBe(true);
    if (!Number.isFinite(y)) return void expect(x, path).toBe(y);
    expect(Math.abs(x - y) <= tol * (1 + Math.abs(y)), `${path}: ${x} vs ${y}`).toBe(true);
  };
  walk(actual instanceof Object && 'toArray' in (actual as object) ? (actual as Tensor).toArray() : actual, e2a(expected), '');
}

function e2a(e: unknown): unknown {
  return e instanceof Object && 'toArray' in (e as object) ? (e as Tensor).toArray() : e;
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
