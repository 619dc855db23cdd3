/**
 * Float32 batched matmul on the Wasm SIMD kernel (sgemmModule.ts): copy the operands into Wasm
 * memory (one memcpy each), pack what needs packing, describe the product in the task block,
 * run its tasks on this thread or shared with worker threads, copy C out.
 *
 * Measured choices (Node 20 on a 2-core AMD EPYC; bench/sgemmVariants.ts compares configurations
 * in CPU time, bench/threads.ts threads, bench/matmulPeers.ts against TF.js):
 * - tile 4x8, kc 256, 32-panel A blocks: the largest register tile V8 compiles without spills;
 * - every operand is read in place (A through one pointer per row of a panel, A^T and B
 *   directly) unless packing pays (see `packs`); packed A panels are 4x4 transposes of its rows;
 * - worker threads from THREAD_MIN_FLOPS, in pieces claimed dynamically (threads.ts).
 */
import { MR, NR, TASK, relaxedSimdSupported, sgemmModuleBytes } from './sgemmModule';
import { createPool, poolSizeFor, threadsAvailable, type GemmPool } from './threads';

type PackFn = (src: number, dst: number, a: number, b: number, ldBytes: number) => void;
type TaskFn = (taskAt: number, t: number) => void;
type CompactFn = (src: number, dst: number, srcStride: number, dstStride: number, rowBytes: number, rows: number) => void;

/** Blocking, threads and instruction set of one compiled kernel. */
export interface SgemmConfig {
  /** k block: one B panel of kc x NR floats stays in L1 across the A panels. */
  readonly kc: number;
  /** A block: mcPanels * MR rows x kc stays in L2 across the B panels. */
  readonly mcPanels: number;
  /** Worker threads to add for large products (0: single-threaded). */
  readonly workers: number;
  /** Products (2 m n k flops over the batch) below this run on the calling thread alone. */
  readonly threadMinFlops: number;
  /** How long (ms) an idle worker polls for the next job before it sleeps. */
  readonly spinMs: number;
  /** Relaxed-SIMD fused multiply-add: 'auto' uses it where the runtime validates it. */
  readonly fused: boolean | 'auto';
  /**
   * Pack the operands that can also be read in place — B, and A when it arrives transposed —
   * ('auto': where reuse pays for it, see `packs`); tests and benchmarks force either.
   */
  readonly pack: 'auto' | 'always' | 'never';
  /** Wasm memory (floats) one group of batch items may take; larger batches run in groups. */
  readonly groupFloats: number;
}

/**
 * The crossover: products of fewer flops run on the calling thread. bench/threads.ts with both
 * cores free (2 threads of FP-bound code ran at 1.97x) gave, threads vs one thread: 128^3 0.78x,
 * 256^3 1.22x, 512^3 1.90x, 1024^3 1.52x. Below ~200^3 (about 0.35 ms on one core) the hand-off,
 * the slower copies into shared memory and the operands crossing between the cores' caches
 * cost more than the second core gives.
 */
export const THREAD_MIN_FLOPS = 2 * 192 ** 3;

/**
 * Whether an operand that can be read in place (A, B, A^T) is packed instead, given its size,
 * the byte distance between its rows and how many panels of the other operand reuse each of its
 * panels. CPU time of in-place vs packed (bench/sgemmVariants.ts): equal or better in place up to 64K floats,
 * for few reuses (a matrix-vector product only pays for packing) and for rows under 4 KiB apart up
 * to 32 reuses; rows 4 KiB or more apart (n >= 1024) put every row of a k block on its own page
 * and in the same L1 sets: from 8 reuses packed is 1.2-1.6x faster. For A read by rows, in place
 * was 2-10% faster from 32x64x64 to 256^3 and [128,784]x[784,64], even at 512^3, and 1.6x slower
 * at 1024^3 (rows 4 KiB apart).
 */
function packs(mode: SgemmConfig['pack'], floats: number, rowBytes: number, reuse: number): boolean {
  if (mode !== 'auto') return mode === 'always';
  return floats > 64 * 1024 && (reuse > 32 || (rowBytes >= 4096 && reuse >= 8));
}

export const DEFAULT_CONFIG: SgemmConfig = {
  kc: 256, mcPanels: 32, workers: poolSizeFor(), threadMinFlops: THREAD_MIN_FLOPS, spinMs: 0.2, fused: 'auto', pack: 'auto', groupFloats: 32 * 1024 * 1024,
};

export interface SgemmFn {
  /** out[bi] = A[bi] B[bi]; with transA `a` holds A^T ([k, m] per batch), with transB `b` holds B^T ([n, k]). */
  (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA?: boolean, transB?: boolean): void;
  /** Whether every worker thread is up (they start in the background on the first large product). */
  threadsReady(): boolean;
  /** Whether this kernel uses relaxed SIMD's fused multiply-add. */
  readonly fused: boolean;
  /** Stop the worker threads, if any (the kernel keeps working single-threaded). */
  close(): void;
}

const align16 = (x: number): number => (x + 15) & ~15;

/**
 * Where everything of one group of `g` batch items lives in Wasm memory (offsets in floats):
 * the task block, raw A and raw B (memcpys of the inputs, each followed by zeroed slack that
 * the last panel may read), packed A, packed B, C.
 */
function plan(g: number, m: number, k: number, n: number, transA: boolean, transB: boolean, pack: SgemmConfig['pack']) {
  const mPanels = Math.ceil(m / MR), nPanels = Math.ceil(n / NR);
  const ldc = nPanels * NR;
  const packA = packs(pack, m * k, transA ? 4 * m : 4 * k, nPanels), packB = transB || packs(pack, k * n, 4 * n, mPanels);
  const rawA = 32, rawALen = g * m * k, slackA = MR * k + 16;
  const rawB = align16(rawA + rawALen + slackA), rawBLen = g * k * n, slackB = NR * k + 16;
  const aItem = packA ? mPanels * MR * k : 0, bItem = packB ? nPanels * NR * k : 0;
  const pa = align16(rawB + rawBLen + slackB), pb = align16(pa + g * aItem), pc = align16(pb + g * bItem);
  const cItem = mPanels * MR * ldc;
  return { mPanels, nPanels, ldc, packA, packB, rawA, rawALen, slackA, rawB, rawBLen, slackB, aItem, bItem, pa, pb, pc, cItem, end: pc + g * cItem };
}

/**
 * Whether one [m,k] x [k,n] product fits the Wasm heap. Addresses are i32 arguments, so stay
 * under 2 GiB; bigger products (16k x 16k and up) take the JS path.
 */
export function sgemmFits(m: number, k: number, n: number): boolean {
  return plan(1, m, k, n, false, true, 'always').end * 4 < 2 ** 31 && plan(1, m, k, n, true, false, 'always').end * 4 < 2 ** 31;
}

/** One compiled module on its own memory, with views that follow the memory's growth. */
interface Engine {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly task: TaskFn;
  readonly compact: CompactFn;
  readonly packA: PackFn;
  readonly packAT: PackFn;
  readonly packB: PackFn;
  readonly packBT: PackFn;
  f32: Float32Array;
  i32: Int32Array;
}

/** Instantiate `bytes` on a fresh memory (shared: with a 4 GiB maximum, as workers need). */
function engine(bytes: Uint8Array<ArrayBuffer>, shared: boolean): Engine {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
  const module = new WebAssembly.Module(bytes);
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  return {
    module, memory,
    task: ex.task as TaskFn, compact: ex.compact as CompactFn,
    packA: ex.packA as PackFn, packAT: ex.packAT as PackFn, packB: ex.packB as PackFn, packBT: ex.packBT as PackFn,
    f32: new Float32Array(memory.buffer), i32: new Int32Array(memory.buffer),
  };
}

/** Grow `e`'s memory to hold `floats`; growing replaces the buffer, so refresh the views. */
function ensure(e: Engine, floats: number): void {
  const need = floats * 4 - e.memory.buffer.byteLength;
  if (need > 0) e.memory.grow(Math.ceil(need / 65536));
  if (e.f32.buffer !== e.memory.buffer) {
    e.f32 = new Float32Array(e.memory.buffer);
    e.i32 = new Int32Array(e.memory.buffer);
  }
}

/**
 * Compile a kernel; null when this runtime has no WebAssembly or no SIMD (then callers use JS).
 * Products run on a plain memory; those large enough for threads on a second, shared one
 * (created on first use), because copies into and out of shared memory are slower (V8 copies
 * shared buffers element-wise: 7.5 vs 9.3 GB/s in, 9.4 vs 14 out), 10% of a 64^3 product.
 */
export function createSgemm(cfg: SgemmConfig = DEFAULT_CONFIG): SgemmFn | null {
  const threads = cfg.workers > 0 && threadsAvailable();
  let fused = cfg.fused === 'auto' ? relaxedSimdSupported() : cfg.fused;
  let plain: Engine;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    let bytes = sgemmModuleBytes({ shared: false, fused });
    if (fused && !WebAssembly.validate(bytes)) {
      fused = false;
      bytes = sgemmModuleBytes({ shared: false, fused });
    }
    if (!WebAssembly.validate(bytes)) return null;
    plain = engine(bytes, false);
  } catch {
    return null;
  }
  // The shared engine and its workers, made on the first product large enough (null: unavailable).
  let shared: { e: Engine; pool: GemmPool } | null | undefined;
  const livePool = (): { e: Engine; pool: GemmPool } | null => {
    if (shared === undefined) {
      shared = null;
      try {
        const e = engine(sgemmModuleBytes({ shared: true, fused }), true);
        const pool = createPool(e.module, e.memory, cfg.workers, 0, cfg.spinMs);
        if (pool) shared = { e, pool };
      } catch {
        shared = null;
      }
    }
    return shared?.pool.alive() ? shared : null;
  };

  /** Items [b0, b0 + g) of the batch: copy in, pack, run the tasks, copy out. */
  const group = (a: Float32Array, b: Float32Array, b0: number, g: number, m: number, k: number, n: number, out: Float32Array, transA: boolean, transB: boolean): void => {
    const L = plan(g, m, k, n, transA, transB, cfg.pack);
    const flops = 2 * g * m * n * k;
    let s = threads && flops >= cfg.threadMinFlops ? livePool() : null;
    if (s && flops < cfg.threadMinFlops * s.pool.backoff()) s = null;
    const e = s ? s.e : plain;
    ensure(e, L.end);
    const h = e.f32;
    h.set(g * m * k === a.length ? a : a.subarray(b0 * m * k, (b0 + g) * m * k), L.rawA);
    h.fill(0, L.rawA + L.rawALen, L.rawA + L.rawALen + L.slackA);
    h.set(g * k * n === b.length ? b : b.subarray(b0 * k * n, (b0 + g) * k * n), L.rawB);
    h.fill(0, L.rawB + L.rawBLen, L.rawB + L.rawBLen + L.slackB);
    for (let i = 0; i < g; i++) {
      // Whole panels throughout: the last one reads past the matrix into the next item or the slack.
      if (transA && L.packA) e.packAT(4 * (L.rawA + i * m * k), 4 * (L.pa + i * L.aItem), k, L.mPanels, 4 * m);
      else if (L.packA) e.packA(4 * (L.rawA + i * m * k), 4 * (L.pa + i * L.aItem), L.mPanels, k, 4 * k);
      if (transB) e.packBT(4 * (L.rawB + i * k * n), 4 * (L.pb + i * L.bItem), L.nPanels, k, 4 * k);
      else if (L.packB) e.packB(4 * (L.rawB + i * k * n), 4 * (L.pb + i * L.bItem), k, L.nPanels, 4 * n);
    }
    const p = s?.pool;
    // Threaded: about four pieces per thread; else one per item. Every piece reads all of the
    // operand it does not split, so split the larger one (rows of A when m >= n), unless it
    // has too few panels to make the pieces.
    const want = p ? Math.max(1, Math.ceil((4 * (p.size + 1)) / g)) : 1;
    const splitRows = !p || (m >= n ? L.mPanels >= want || L.mPanels >= L.nPanels : L.nPanels < want && L.mPanels > L.nPanels);
    const panels = splitRows ? L.mPanels : L.nPanels;
    const chunk = Math.ceil(panels / Math.min(want, panels));
    const perItem = Math.ceil(panels / chunk);
    const t = e.i32;
    t[TASK.pa] = 4 * (L.packA ? L.pa : L.rawA);
    t[TASK.aItem] = 4 * (L.packA ? L.aItem : m * k);
    t[TASK.pb] = 4 * (L.packB ? L.pb : L.rawB);
    t[TASK.bItem] = 4 * (L.packB ? L.bItem : k * n);
    t[TASK.pc] = 4 * L.pc;
    t[TASK.cItem] = 4 * L.cItem;
    t[TASK.k] = k;
    t[TASK.kcBlock] = cfg.kc;
    t[TASK.mcPanels] = cfg.mcPanels;
    t[TASK.mPanels] = L.mPanels;
    t[TASK.nPanels] = L.nPanels;
    t[TASK.ldc] = 4 * L.ldc;
    // A packed; or in place: A^T ([k, m]) steps a row per k, row-major A one float per k.
    const aRows = !L.packA && !transA;
    t[TASK.aStep] = 4 * (L.packA ? MR : transA ? m : 1);
    t[TASK.aPanel] = 4 * (L.packA || aRows ? MR * k : MR);
    t[TASK.aRows] = aRows ? 1 : 0;
    t[TASK.aRow] = 4 * k;
    t[TASK.bStep] = 4 * (L.packB ? NR : n);
    t[TASK.bPanel] = 4 * (L.packB ? NR * k : NR);
    t[TASK.splitRows] = splitRows ? 1 : 0;
    t[TASK.chunk] = chunk;
    t[TASK.perItem] = perItem;
    const count = g * perItem;
    // Generous: a worker that takes longer than 1 GFLOP/s plus 10 s has died or hung.
    if (p) p.run(count, (t) => e.task(0, t), 10_000 + flops / 1e6);
    else for (let t = 0; t < count; t++) e.task(0, t);
    // C rows are ldc apart and padded to whole panels: squeeze the batch into [g, m, n] first.
    if (L.ldc !== n || (g > 1 && L.mPanels * MR !== m)) {
      for (let i = 0; i < g; i++) e.compact(4 * (L.pc + i * L.cItem), 4 * (L.pc + i * m * n), 4 * L.ldc, 4 * n, 4 * n, m);
    }
    out.set(h.subarray(L.pc, L.pc + g * m * n), b0 * m * n);
  };

  const run = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA = false, transB = false): void => {
    if (k === 0) {
      out.fill(0, 0, batch * m * n);
      return;
    }
    const g = batch === 1 ? 1 : Math.max(1, Math.min(batch, Math.floor(cfg.groupFloats / plan(1, m, k, n, transA, transB, cfg.pack).end)));
    for (let b0 = 0; b0 < batch; b0 += g) group(a, b, b0, Math.min(g, batch - b0), m, k, n, out, transA, transB);
  };
  return Object.assign(run, {
    fused,
    threadsReady: () => (threads && livePool()?.pool.ready()) ?? false,
    close: () => {
      shared?.pool.close();
      shared = null;
    },
  });
}

let cached: SgemmFn | null | undefined;
let workers = DEFAULT_CONFIG.workers;

/** The default kernel, compiled on first use. */
function instance(): SgemmFn | null {
  if (cached === undefined) cached = createSgemm({ ...DEFAULT_CONFIG, workers });
  return cached;
}

/**
 * Use `n` worker threads besides the caller for float32 products of at least THREAD_MIN_FLOPS
 * (default: `suggestedThreads()`, one per further core, where threads are available). 0 runs
 * every product on the calling thread. Results do not depend on the count, bit for bit.
 * @example setCpuThreads(0)                      // single-threaded
 * @example setCpuThreads(suggestedCpuThreads())  // the default
 */
export function setSgemmThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`setCpuThreads: expected a whole number of threads >= 0, got ${String(n)}`);
  workers = n;
  cached?.close();
  cached = undefined;
}

/**
 * The default worker count: one per core beyond the calling thread (at most 7), 0 where workers
 * cannot share memory (older Node, a browser page that is not cross-origin isolated).
 * @example suggestedCpuThreads() // 1 on a 2-core machine
 */
export const suggestedThreads = poolSizeFor;

export function sgemmAvailable(): boolean {
  return instance() !== null;
}

/**
 * out[bi] = a[bi] @ b[bi] for float32 operands; requires sgemmAvailable(). With transA, `a`
 * holds each A transposed ([k, m]); with transB, `b` holds each B transposed ([n, k]): either
 * layout is read at the same cost, so a transpose feeding a matmul need not be materialized.
 */
export function sgemmWasm(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA = false, transB = false): void {
  instance()!(a, b, batch, m, k, n, out, transA, transB);
}
