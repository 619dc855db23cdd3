/**
 * Matrices for the linear-algebra laws, built so each decomposition is well-conditioned and
 * smooth where it is evaluated: positive definite, with well-separated eigenvalues or singular
 * values, with clear pivots, or simply nonsingular. Builders take a seeded `Rng` (the same seed,
 * the same matrix); `matrixArb` draws shapes and seeds with fast-check.
 *
 *   fc.assert(lawProperty(matrixArb('spd'), (a) => linalgLaws.choleskyReconstructs(a)), { seed });
 */
import fc from 'fast-check';
import * as T from '../../src/tensor';
import type { Tensor } from '../../src/tensor';
import { Rng } from '../gradUtil';

export type Matrix = number[][];

/**
 * - general: entries uniform in [-1, 1];
 * - wellConditioned: general plus ±2 on the diagonal (full rank, nonsingular when square);
 * - spd: M Mᵀ + I (square);
 * - symmetric: Q diag(w) Qᵀ with eigenvalues at least 0.5 apart (square);
 * - spectrum: U diag(s) Vᵀ with singular values >= 0.5, at least 0.5 apart;
 * - pivoted: rows of a column diagonally dominant matrix, shuffled (partial pivoting has wide margins).
 */
export type MatrixKind = 'general' | 'wellConditioned' | 'spd' | 'symmetric' | 'spectrum' | 'pivoted';

const filled = (m: number, n: number, f: (i: number, j: number) => number): Matrix => Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j)));
const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (a: Matrix): Matrix => a[0]!.map((_, j) => a.map((row) => row[j]!));

/** A random orthogonal n x n matrix: a product of n Householder reflections of random vectors. */
export function orthogonal(rng: Rng, n: number): Matrix {
  let q = filled(n, n, (i, j) => (i === j ? 1 : 0));
  for (let k = 0; k < n; k++) {
    const v = Array.from({ length: n }, () => rng.uniform(-1, 1));
    const vv = v.reduce((s, x) => s + x * x, 0);
    q = q.map((row) => {
      const dot = row.reduce((s, x, j) => s + x * v[j]!, 0);
      return row.map((x, j) => x - (2 * dot * v[j]!) / vv);
    });
  }
  return q;
}

/** k increasing values from `lo`, consecutive ones 0.5 to 1 apart. */
const spread = (rng: Rng, k: number, lo: number): number[] => Array.from({ length: k }, (_, i) => lo + i + rng.uniform(0, 0.5));

/** One m x n matrix of the kind (square kinds use m). */
export function randomMatrix(kind: MatrixKind, rng: Rng, m: number, n: number): Matrix {
  switch (kind) {
    case 'general': return filled(m, n, () => rng.uniform(-1, 1));
    case 'wellConditioned': return filled(m, n, (i, j) => rng.uniform(-1, 1) + (i === j ? rng.sign() * 2 : 0));
    case 'spd': {
      const a = filled(m, m, () => rng.uniform(-1, 1));
      return matmul(a, transpose(a)).map((row, i) => row.map((x, j) => x + (i === j ? 1 : 0)));
    }
    case 'symmetric': {
      const q = orthogonal(rng, m);
      const w = spread(rng, m, -1.5);
      return matmul(q.map((row) => row.map((x, j) => x * w[j]!)), transpose(q));
    }
    case 'spectrum': {
      const k = Math.min(m, n);
      const s = spread(rng, k, 0.5);
      const u = orthogonal(rng, m), v = orthogonal(rng, n);
      return matmul(u.map((row) => row.slice(0, k).map((x, j) => x * s[j]!)), transpose(v.map((row) => row.slice(0, k))));
    }
    case 'pivoted': {
      const d = filled(m, n, (i, j) => (i === j ? rng.sign() * rng.uniform(2, 3) : rng.uniform(-0.5, 0.5)));
      for (let i = m - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [d[i], d[j]] = [d[j]!, d[i]!];
      }
      return d;
    }
  }
}

/** The flat values of a batch of `count` matrices of the kind. */
export const matrixValues = (kind: MatrixKind, m: number, n: number) => (rng: Rng, count: number): number[] =>
  Array.from({ length: count / (m * n) }, () => randomMatrix(kind, rng, m, n).flat()).flat();

/** A tensor [...batch, m, n] of matrices of the kind, from a seed. */
export function matrixTensor(kind: MatrixKind, seed: number, shape: readonly number[], dtype: T.DType = 'float64'): Tensor {
  const [m, n] = shape.slice(-2) as [number, number];
  const count = shape.reduce((a, b) => a * b, 1);
  return T.tensor(matrixValues(kind, m, n)(new Rng(seed), count), { shape, dtype });
}

export interface MatrixArbOptions {
  /** Square matrices (always for spd and symmetric). */
  readonly square?: boolean;
  /** Largest matrix dimension (default 4). */
  readonly maxDim?: number;
  /** Largest number of leading batch axes (default 1, each of size 1 or 2). */
  readonly maxBatchAxes?: number;
  readonly dtype?: T.DType;
}

/** Tensors [...batch, m, n] of matrices of the kind. */
export function matrixArb(kind: MatrixKind, options: MatrixArbOptions = {}): fc.Arbitrary<Tensor> {
  const square = options.square || kind === 'spd' || kind === 'symmetric';
  const dim = fc.integer({ min: 1, max: options.maxDim ?? 4 });
  return fc.tuple(fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: options.maxBatchAxes ?? 1 }), dim, dim, fc.nat())
    .map(([batch, m, n, seed]) => matrixTensor(kind, seed, [...batch, m, square ? m : n], options.dtype));
}
