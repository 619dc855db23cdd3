/**
 * Helpers shared by the transformation laws: a seeded generator for random directions, and
 * arithmetic over pytrees of tensors done in plain JS (float64), outside every transformation,
 * so the laws never depend on the operations they check. Comparisons live in ./approx.
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

/** sum(|x_i * y_i|) over float leaves: the scale of an inner product, for tolerances that survive cancellation. */
export function absDot(x: unknown, y: unknown): number {
  const xs = tensorLeaves(x), ys = tensorLeaves(y);
  let s = 0;
  xs.forEach((a, i) => {
    if (!T.isFloat(a.dtype)) return;
    const u = a.dataSync(), v = ys[i]!.dataSync();
    for (let k = 0; k < u.length; k++) s += Math.abs(u[k]! * v[k]!);
  });
  return s;
}
