/**
 * Float32 batched matmul on the Wasm SIMD kernel: copy the operands into Wasm memory, pack them
 * into zero-padded tiles, run the blocked loop nest, copy the valid part of C out.
 */
import { MR, NR, sgemmModuleBytes } from './sgemmModule';
import { createPool, poolSizeFor, type GemmPool } from './threads';

type GemmFn = (pa: number, pb: number, pc: number, mPanels: number, nPanels: number, jpStart: number, jpEnd: number, k: number, kcBlock: number, mcPanels: number) => void;
type PackBFn = (src: number, dst: number, k: number, nPanels: number, ldbBytes: number) => void;
type PackRowsFn = (src: number, dst: number, panels: number, k: number, ldBytes: number) => void;

/** Blocking of one compiled kernel (the defaults are the tuned ones for 4x8 tiles). */
export interface SgemmConfig {
  readonly mr: number;
  readonly nr: number;
  /** k block: one B panel of kc x nr floats stays in L1 across the A panels. */
  readonly kc: number;
  /** A block: mcPanels * mr rows x kc stays in L2 across the B panels. */
  readonly mcPanels: number;
  /** Worker threads to add for large products (0: single-threaded). */
  readonly workers: number;
}

/** Threads pay off only when each gets milliseconds of work (wake-up costs tens of µs). */
export const THREAD_MIN_FLOPS = 256 * 256 * 256;

/**
 * Single-threaded by default: on the 2-core machine this was tuned on, a worker gained nothing
 * measurable under other load (bench/threads.ts); opt in with setSgemmThreads.
 */
export const DEFAULT_CONFIG: SgemmConfig = { mr: MR, nr: NR, kc: 256, mcPanels: 32, workers: 0 };

export interface SgemmFn {
  /** out[bi] = A[bi] B[bi]; with transA `a` holds A^T ([k, m] per batch), with transB `b` holds B^T ([n, k]). */
  (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA?: boolean, transB?: boolean): void;
  /** Whether large products now run on the worker threads (they start in the background). */
  threadsReady(): boolean;
  /** Stop the worker threads, if any (the kernel keeps working single-threaded). */
  close(): void;
}

/** Pack A[m, k] (at aOff) into mr-row panels [k][mr] at h[dst]; rows past m are zero. */
function packA(a: Float32Array, aOff: number, m: number, k: number, mr: number, h: Float32Array, dst: number): void {
  for (let i0 = 0; i0 < m; i0 += mr, dst += mr * k) {
    const rows = Math.min(mr, m - i0);
    if (mr === 4 && rows === 4) {
      // The common case, unrolled: four source rows interleaved into one panel.
      const r0 = aOff + i0 * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      for (let p = 0, d = dst; p < k; p++, d += 4) {
        h[d] = a[r0 + p]!; h[d + 1] = a[r1 + p]!; h[d + 2] = a[r2 + p]!; h[d + 3] = a[r3 + p]!;
      }
      continue;
    }
    for (let r = 0; r < mr; r++) {
      const src = aOff + (i0 + r) * k;
      if (r < rows) for (let p = 0, d = dst + r; p < k; p++, d += mr) h[d] = a[src + p]!;
      else for (let p = 0, d = dst + r; p < k; p++, d += mr) h[d] = 0;
    }
  }
}

/** JS fallback of packB for any width: rows of h[src] (ld apart) to w-column panels [k][w] at h[dst]. */
function packColumns(h: Float32Array, src: number, ld: number, k: number, panels: number, w: number, dst: number): void {
  for (let jp = 0; jp < panels; jp++) {
    for (let p = 0; p < k; p++) for (let c = 0; c < w; c++) h[dst++] = h[src + p * ld + jp * w + c]!;
  }
}

/** Copy B[k, n] (at bOff) to h[dst] with rows padded by zeros to ldb columns. */
function copyB(b: Float32Array, bOff: number, k: number, n: number, ldb: number, h: Float32Array, dst: number): void {
  if (ldb === n) {
    h.set(b.subarray(bOff, bOff + k * n), dst);
    return;
  }
  for (let p = 0; p < k; p++, dst += ldb) {
    const src = bOff + p * n;
    // subarray + set is a memcpy but costs an allocation; short rows copy faster by hand.
    if (n >= 64) h.set(b.subarray(src, src + n), dst);
    else for (let j = 0; j < n; j++) h[dst + j] = b[src + j]!;
    for (let j = n; j < ldb; j++) h[dst + j] = 0;
  }
}

/** Sizes in floats of the Wasm heap regions: packed A | packed B | C | raw B (rows padded to ldc) | raw A. */
function layout(m: number, k: number, n: number, mr: number, nr: number) {
  const mPanels = Math.ceil(m / mr), nPanels = Math.ceil(n / nr);
  const ldc = nPanels * nr;
  return { mPanels, nPanels, ldc, aLen: mPanels * mr * k, bLen: ldc * k, cLen: mPanels * mr * ldc };
}

/**
 * Whether one [m,k] x [k,n] product fits the Wasm heap. Addresses are i32 arguments, so stay
 * under 2 GiB; bigger products (16k x 16k and up) take the JS path.
 */
export function sgemmFits(m: number, k: number, n: number): boolean {
  const { aLen, bLen, cLen } = layout(m, k, n, MR, NR);
  return (2 * aLen + 2 * bLen + cLen) * 4 < 2 ** 31;
}

/** Compile a kernel; null when this runtime has no WebAssembly or no SIMD (then callers use JS). */
export function createSgemm(cfg: SgemmConfig = DEFAULT_CONFIG): SgemmFn | null {
  let memory: WebAssembly.Memory, module: WebAssembly.Module, gemm: GemmFn, packB: PackBFn;
  let packAW: PackRowsFn | undefined, packATW: PackBFn | undefined, packBTW: PackRowsFn | undefined;
  // Workers need the memory shared; it then needs a maximum (4 GiB, the wasm32 limit).
  const shared = cfg.workers > 0;
  try {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = sgemmModuleBytes(shared, cfg.mr, cfg.nr);
    if (!WebAssembly.validate(bytes)) return null;
    memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
    module = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    gemm = inst.exports.gemm as GemmFn;
    packB = inst.exports.packB as PackBFn;
    packAW = inst.exports.packA as PackRowsFn | undefined;
    packATW = inst.exports.packAT as PackBFn | undefined;
    packBTW = inst.exports.packBT as PackRowsFn | undefined;
  } catch {
    return null;
  }
  const { mr, nr } = cfg;
  let pool: GemmPool | null | undefined;
  /** The pool, once its workers are up (spawned on the first large product, used from then on). */
  const readyPool = (): GemmPool | null => {
    if (pool === undefined) pool = createPool(module, memory, cfg.workers);
    return pool?.ready() ? pool : null;
  };
  const run = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA = false, transB = false): void => {
    const { mPanels, nPanels, ldc, aLen, bLen, cLen } = layout(m, k, n, mr, nr);
    const lda = mPanels * mr;
    // Raw copies (memcpy) of the operands go after C; the packing routines read them from there.
    const aAt = 0, bAt = aLen, cAt = bAt + bLen, rawBAt = cAt + cLen, rawAAt = rawBAt + (transB ? n * k : bLen);
    const rawALen = transA ? k * lda : m * k;
    // Growing detaches earlier views, so take a fresh one per call.
    const need = (rawAAt + rawALen) * 4 - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const h = new Float32Array(memory.buffer);
    for (let bi = 0; bi < batch; bi++) {
      const aOff = bi * m * k, bOff = bi * k * n;
      if (transA) {
        // a holds A^T [k, m]: its rows, padded to whole panels, are the panels' rows.
        copyB(a, aOff, k, m, lda, h, rawAAt);
        if (packATW) packATW(rawAAt * 4, aAt * 4, k, mPanels, lda * 4);
        else packColumns(h, rawAAt, lda, k, mPanels, mr, aAt);
      } else if (packAW && m >= mr) {
        const full = Math.floor(m / mr);
        h.set(a.subarray(aOff, aOff + m * k), rawAAt);
        packAW(rawAAt * 4, aAt * 4, full, k, k * 4);
        if (full * mr < m) packA(a, aOff + full * mr * k, m - full * mr, k, mr, h, aAt + full * mr * k);
      } else packA(a, aOff, m, k, mr, h, aAt);
      if (transB) {
        // b holds B^T [n, k]: B's column panels are row panels of B^T.
        const full = packBTW ? Math.floor(n / nr) : 0;
        h.set(b.subarray(bOff, bOff + n * k), rawBAt);
        if (full > 0) packBTW!(rawBAt * 4, bAt * 4, full, k, k * 4);
        if (full * nr < n) packA(b, bOff + full * nr * k, n - full * nr, k, nr, h, bAt + full * nr * k);
      } else {
        copyB(b, bOff, k, n, ldc, h, rawBAt);
        packB(rawBAt * 4, bAt * 4, k, nPanels, ldc * 4);
      }
      h.fill(0, cAt, cAt + cLen);
      const p = shared && m * n * k >= THREAD_MIN_FLOPS ? readyPool() : null;
      if (p && nPanels >= 2 * (p.size + 1)) {
        // Split the B panels into contiguous ranges; this thread takes the first one.
        const chunk = Math.ceil(nPanels / (p.size + 1));
        const range = (t: number): number[] => [
          aAt * 4, bAt * 4, cAt * 4, mPanels, nPanels, Math.min(nPanels, t * chunk), Math.min(nPanels, (t + 1) * chunk), k, cfg.kc, cfg.mcPanels,
        ];
        p.start(Array.from({ length: p.size }, (_, w) => range(w + 1)));
        gemm(...(range(0) as Parameters<GemmFn>));
        // Generous: a worker that takes longer than 1 GFLOP/s plus 10 s has died or hung.
        p.wait(10_000 + (2 * m * n * k) / 1e6);
      } else {
        gemm(aAt * 4, bAt * 4, cAt * 4, mPanels, nPanels, 0, nPanels, k, cfg.kc, cfg.mcPanels);
      }
      const oOff = bi * m * n;
      if (ldc === n) out.set(h.subarray(cAt, cAt + m * n), oOff);
      else for (let i = 0; i < m; i++) out.set(h.subarray(cAt + i * ldc, cAt + i * ldc + n), oOff + i * n);
    }
  };
  return Object.assign(run, {
    threadsReady: () => shared && readyPool() !== null,
    close: () => {
      pool?.close();
      pool = null;
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
 * Use `n` worker threads (Node only) besides the caller for float32 products of at least
 * THREAD_MIN_FLOPS; `suggestedThreads()` is one per further core. 0 restores single-threaded.
 */
export function setSgemmThreads(n: number): void {
  workers = Math.max(0, Math.floor(n));
  cached?.close();
  cached = undefined;
}

export const suggestedThreads = poolSizeFor;

export function sgemmAvailable(): boolean {
  return instance() !== null;
}

/**
 * out[bi] = a[bi] @ b[bi] for float32 operands; requires sgemmAvailable() and k > 0. With transA,
 * `a` holds each A transposed ([k, m]); with transB, `b` holds each B transposed ([n, k]): the
 * packing reads either layout at the same cost, so a transpose feeding a matmul need not be
 * materialized.
 */
export function sgemmWasm(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, out: Float32Array, transA = false, transB = false): void {
  instance()!(a, b, batch, m, k, n, out, transA, transB);
}
