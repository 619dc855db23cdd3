/**
 * Helpers shared by the transformation laws: a seeded generator for random directions, and
 * arithmetic over pytrees of tensors done in plain JS (float64), outside every transformation,
 * so the laws never depend on the operations they check.
 */
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import { flatten, unflatten } from '../src/tree';

/** A small seeded generator (mulberry32) for directions and values; the same seed, the same numbers. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  sign(): number {
    return this.next() < 0.5 ? -1 : 1;
  }
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** A tensor of the given shape and dtype filled by `value(i)`. */
export function fill(shape: readonly number[], dtype: T.DType, value: (i: number) => number): Tensor {
  return T.tensor(Array.from({ length: sizeOf(shape) }, (_, i) => value(i)), { shape, dtype });
}

/** Standard-normal tensor. */
export function randn(rng: Rng, shape: readonly number[], dtype: T.DType = 'float64'): Tensor {
  return fill(shape, dtype, () => rng.normal());
}

/** Uniform tensor in [lo, hi). */
export function uniform(rng: Rng, shape: readonly number[], lo: number, hi: number, dtype: T.DType = 'float64'): Tensor {
  return fill(shape, dtype, () => rng.uniform(lo, hi));
}

/** The tensors of a tree (numbers and other leaves are skipped). */
export function tensorLeaves(tree: unknown): Tensor[] {
  return flatten(tree)[0].filter((l): l is Tensor => l instanceof Tensor);
}

/** A tree like `tree` with random normal float leaves and zero integer/bool leaves (no tangent space). */
export function randomLike(tree: unknown, rng: Rng): any {
  const [leaves, def] = flatten(tree);
  return unflatten(def, leaves.map((l) => {
    if (!(l instanceof Tensor)) return l;
    return T.isFloat(l.dtype) ? randn(rng, l.shape, l.dtype) : T.zerosLike(l);
  }));
}

/** Leafwise a*x + b*y (float leaves only; others taken from x). */
export function axpby(a: number, x: unknown, b: number, y: unknown): any {
  const [xs, def] = flatten(x);
  const ys = flatten(y)[0];
  return unflatten(def, xs.map((l, i) => {
    if (!(l instanceof Tensor) || !T.isFloat(l.dtype)) return l;
    const u = l.dataSync();
    const v = (ys[i] as Tensor).dataSync();
    return T.tensor(Float64Array.from(u, (ui, k) => a * ui + b * v[k]!), { shape: l.shape, dtype: l.dtype });
  }));
}

/** The inner product of two trees of tensors of equal structure (float leaves; in float64). */
export function vdot(x: unknown, y: unknown): number {
  const xs = tensorLeaves(x);
  const ys = tensorLeaves(y);
  if (xs.length !== ys.length) throw new Error(`vdot: trees have ${xs.length} and ${ys.length} tensor leaves`);
  let s = 0;
  xs.forEach((a, i) => {
    if (!T.isFloat(a.dtype)) return;
    const u = a.dataSync();
    const v = ys[i]!.dataSync();
    for (let k = 0; k < u.length; k++) s += u[k]! * v[k]!;
  });
  return s;
}

/** The largest absolute value over the float leaves of a tree (0 for an empty tree). */
export function maxAbs(tree: unknown): number {
  let m = 0;
  for (const t of tensorLeaves(tree)) for (const v of t.dataSync()) m = Math.max(m, Math.abs(v));
  return m;
}

/** |a - b| <= atol + rtol * max(|a|, |b|). */
export function closeNumbers(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

export interface Tolerance {
  readonly rtol?: number;
  readonly atol?: number;
}

/**
 * Two trees agree: equal structure, equal leaf shapes and dtypes, and values within
 * `atol + rtol * scale` where scale is the largest magnitude in either tree (a tolerance
 * relative to the size of the whole result, so cancellation in one element does not fail it).
 */
export function treeClose(x: unknown, y: unknown, tol: Tolerance = {}): boolean {
  return treeMismatch(x, y, tol) === undefined;
}

/** Why two trees differ (undefined when they agree); used for readable counterexamples. */
export function treeMismatch(x: unknown, y: unknown, tol: Tolerance = {}): string | undefined {
  const rtol = tol.rtol ?? 1e-6;
  const atol = tol.atol ?? 1e-9;
  const [xs, dx] = flatten(x);
  const [ys, dy] = flatten(y);
  if (!dx.equals(dy)) return `structures differ: ${dx} vs ${dy}`;
  const scale = Math.max(maxAbs(x), maxAbs(y));
  for (let i = 0; i < xs.length; i++) {
    const a = xs[i], b = ys[i];
    if (!(a instanceof Tensor) || !(b instanceof Tensor)) {
      if (!Object.is(a, b)) return `leaf ${i}: ${String(a)} vs ${String(b)}`;
      continue;
    }
    if (a.dtype !== b.dtype || !T.shapeEqual(a.shape, b.shape)) return `leaf ${i}: ${T.fmtAval(a)} vs ${T.fmtAval(b)}`;
    const u = a.dataSync(), v = b.dataSync();
    for (let k = 0; k < u.length; k++) {
      const p = u[k]!, q = v[k]!;
      if (Number.isNaN(p) !== Number.isNaN(q)) return `leaf ${i} element ${k}: ${p} vs ${q}`;
      if (Number.isNaN(p)) continue;
      if (!Number.isFinite(p) || !Number.isFinite(q)) {
        if (p !== q) return `leaf ${i} element ${k}: ${p} vs ${q}`;
        continue;
      }
      if (Math.abs(p - q) > atol + rtol * scale) return `leaf ${i} element ${k}: ${p} vs ${q} (tolerance ${atol + rtol * scale})`;
    }
  }
  return undefined;
}

/** Every float leaf is finite (laws are stated on finite values). */
export function allFinite(tree: unknown): boolean {
  return tensorLeaves(tree).every((t) => !T.isFloat(t.dtype) || t.dataSync().every((v) => Number.isFinite(v)));
}

/** Every leaf is all zeros. */
export function allZero(tree: unknown): boolean {
  return tensorLeaves(tree).every((t) => t.dataSync().every((v) => v === 0));
}

/** Same structure, shapes and dtypes (the values may differ). */
export function sameAvals(x: unknown, y: unknown): boolean {
  const [xs, dx] = flatten(x);
  const [ys, dy] = flatten(y);
  if (!dx.equals(dy)) return false;
  return xs.every((a, i) => {
    const b = ys[i];
    if (a instanceof Tensor && b instanceof Tensor) return a.dtype === b.dtype && T.shapeEqual(a.shape, b.shape);
    return !(a instanceof Tensor) && !(b instanceof Tensor);
  });
}
