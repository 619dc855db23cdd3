/**
 * Shared pieces of the cross-library comparison (bench/compare.ts): the contender interface,
 * seeded data so every library sees the same numbers, and interleaved timing.
 */

/** A prepared piece of work: run it once (to completion) per call. */
export type Runner = () => void | Promise<void>;

/** MLP weights as plain arrays: w [in, out] row-major, b [out]. */
export interface MlpInit {
  readonly sizes: readonly number[];
  readonly w: readonly Float32Array[];
  readonly b: readonly Float32Array[];
}

/** The small CNN's weights (NCHW/OIHW layout; libraries transpose to their own). */
export interface CnnInit {
  /** [8, 1, 3, 3] */
  readonly w1: Float32Array;
  /** [16, 8, 3, 3] */
  readonly w2: Float32Array;
  /** [16, 10] */
  readonly w3: Float32Array;
  /** [10] */
  readonly b3: Float32Array;
}

export interface Mnist {
  /** [n, 784] in [0, 1] */
  readonly x: Float32Array;
  /** [n] labels 0..9 */
  readonly y: Int32Array;
  readonly n: number;
}

/**
 * One float32 matmul C = A B, A [m, k], B [k, n]. With transA the operand given holds A^T
 * ([k, m]), with transB it holds B^T ([n, k]): the backward pass of a dense layer multiplies such
 * transposed operands. With freshB, B is a new tensor each call (no packing cached across calls).
 */
export interface MatmulSpec {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly freshB?: boolean;
}

/** Row label: the logical product, which operand arrives transposed, whether B is fresh. */
export function matmulLabel(s: MatmulSpec): string {
  const square = s.m === s.k && s.k === s.n && !s.transA && !s.transB;
  const base = square ? `matmul n=${s.n}` : `matmul [${s.m},${s.k}]x[${s.k},${s.n}]${s.transA ? ' A^T' : ''}${s.transB ? ' B^T' : ''}`;
  return s.freshB ? `${base} fresh B` : base;
}

/** The stored shapes of A and B for a spec (transposed operands are stored transposed). */
export function matmulShapes(s: MatmulSpec): { a: [number, number]; b: [number, number] } {
  return { a: s.transA ? [s.k, s.m] : [s.m, s.k], b: s.transB ? [s.n, s.k] : [s.k, s.n] };
}

/** Each library at its best: time every way of doing the same work (twice, after a warm-up run) and keep the quickest. */
export async function fastest(ways: readonly Runner[]): Promise<Runner> {
  let best = ways[0]!, bestMs = Infinity;
  for (const way of ways) {
    await way();
    let ms = Infinity;
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      await way();
      ms = Math.min(ms, performance.now() - t);
    }
    if (ms < bestMs) [best, bestMs] = [way, ms];
  }
  return best;
}

/** One library (or one backend of one): each method prepares the work and returns a runner. */
export interface Contender {
  readonly name: string;
  /** Make this contender current (TF.js switches its global backend); called before each block of runs. */
  activate(): Promise<void>;
  /** One float32 matmul (operands stored as `matmulShapes(spec)` says), forced to completion. */
  matmul(spec: MatmulSpec, a: Float32Array, b: Float32Array): Promise<Runner>;
  /** `steps` MLP training steps (value and grad, Adam 1e-3) on one fixed batch, then sync. */
  mlpSteps(init: MlpInit, x: Float32Array, y: Int32Array, batch: number, steps: number): Promise<Runner>;
  /** The same steps run eagerly (op by op, no whole-step compilation), then sync. */
  mlpStepsEager(init: MlpInit, x: Float32Array, y: Int32Array, batch: number, steps: number): Promise<Runner>;
  /** `calls` eager adds of two 64-element float32 vectors (small-op dispatch), then sync. */
  smallAdds(calls: number): Promise<Runner>;
  /** One epoch over `data`: shuffle, batches of `batch`, a training step each, sync at the end. */
  mnistEpoch(init: MlpInit, data: Mnist, batch: number): Promise<{ run: Runner; lastLoss(): Promise<number> }>;
  /** Loss and gradients w.r.t. all CNN weights for one batch, forced to completion. */
  cnnGrad(init: CnnInit, x: Float32Array, y: Int32Array, batch: number): Promise<Runner>;
  /** Free what this contender keeps (worker pools...). */
  dispose?(): void;
}

/** mulberry32: a tiny seeded generator, so every library gets the same inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniformF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function normalF32(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r(), v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function labels(n: number, seed: number, classes = 10): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * classes));
}

/** He-normal weights, zero biases. */
export function mlpInit(sizes: readonly number[], seed = 7): MlpInit {
  const w: Float32Array[] = [], b: Float32Array[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    w.push(normalF32(sizes[i]! * sizes[i + 1]!, seed + i, Math.sqrt(2 / sizes[i]!)));
    b.push(new Float32Array(sizes[i + 1]!));
  }
  return { sizes, w, b };
}

export function cnnInit(seed = 11): CnnInit {
  return {
    w1: normalF32(8 * 1 * 9, seed, Math.sqrt(2 / 9)),
    w2: normalF32(16 * 8 * 9, seed + 1, Math.sqrt(2 / 72)),
    w3: normalF32(16 * 10, seed + 2, Math.sqrt(1 / 16)),
    b3: new Float32Array(10),
  };
}

/** A fresh permutation of 0..n-1 (Fisher-Yates on a seeded generator). */
export function permutation(n: number, r: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Gather rows `idx[start..start+count)` of x [n, width] and y into fresh arrays. */
export function gatherBatch(data: Mnist, idx: Int32Array, start: number, count: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(count * 784), y = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const i = idx[start + r]!;
    x.set(data.x.subarray(i * 784, (i + 1) * 784), r * 784);
    y[r] = data.y[i]!;
  }
  return { x, y };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface Entry {
  readonly name: string;
  activate(): Promise<void>;
  readonly run: Runner;
}

/**
 * Per-run timings (ms) of several contenders measured in interleaved rounds (A B C A B C ...),
 * so a burst of load from other processes hits every contender alike. Each contender first runs
 * `warmup` times and for at least `warmupMs`: early in the process V8 is still tiering up every
 * library's JS and Wasm on the second core (the first row read ours at n=128 40% slower than the
 * same row repeated later); the last warmup run sets how many runs make one block of about `blockMs`.
 * Slow contenders (one run over `blockMs * rounds / 2`) take part in fewer rounds, at least
 * `minRuns` runs in all.
 */
export async function interleaved(entries: readonly Entry[], opts: { rounds?: number; warmup?: number; blockMs?: number; minRuns?: number; warmupMs?: number } = {}): Promise<Map<string, number[]>> {
  const { rounds = 5, warmup = 2, blockMs = 150, minRuns = 2, warmupMs = 100 } = opts;
  const times = new Map<string, number[]>();
  const plan = new Map<string, { reps: number; rounds: number }>();
  for (const e of entries) {
    await e.activate();
    let last = 0;
    const start = performance.now();
    for (let i = 0; i < Math.max(1, warmup) || performance.now() - start < warmupMs; i++) {
      const t = performance.now();
      await e.run();
      last = performance.now() - t;
    }
    const reps = Math.max(1, Math.round(blockMs / Math.max(last, 1e-3)));
    const slow = last > (blockMs * rounds) / 2;
    plan.set(e.name, { reps, rounds: slow ? Math.min(rounds, minRuns) : rounds });
    times.set(e.name, []);
  }
  for (let r = 0; r < rounds; r++) {
    for (const e of entries) {
      const p = plan.get(e.name)!;
      if (r >= p.rounds) continue;
      await e.activate();
      for (let i = 0; i < p.reps; i++) {
        const t = performance.now();
        await e.run();
        times.get(e.name)!.push(performance.now() - t);
      }
    }
  }
  return times;
}
