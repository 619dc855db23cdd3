/**
 * Worker threads that run the GEMM module on the same shared Wasm memory (Node only), so a
 * large product can split its B panels across cores while staying a synchronous call: the
 * caller computes its own share, then blocks on Atomics.wait until the workers are done.
 *
 * Workers are unref'd (they never keep the process alive) and start in the background; until
 * every one has reported ready, callers just run single-threaded.
 */

/** Control words (Int32Array on a SharedArrayBuffer). */
const READY = 0; // workers that have compiled their instance
const SEQ = 1; // job counter; bumping it starts a job
const DONE = 2; // workers finished with the current job
const PARAMS = 4; // per-worker gemm arguments
const NPARAMS = 10;

// Plain JS (an eval worker is CommonJS): instantiate, report ready, then loop on jobs forever.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, index } = workerData;
const c = new Int32Array(ctrl);
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
Atomics.add(c, ${READY}, 1);
let seq = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seq);
  seq = Atomics.load(c, ${SEQ});
  const p = ${PARAMS} + index * ${NPARAMS};
  if (c[p + 6] > c[p + 5]) gemm(c[p], c[p + 1], c[p + 2], c[p + 3], c[p + 4], c[p + 5], c[p + 6], c[p + 7], c[p + 8], c[p + 9]);
  Atomics.add(c, ${DONE}, 1);
  Atomics.notify(c, ${DONE});
}
`;

export interface GemmPool {
  /** Number of workers (the caller's thread comes on top). */
  readonly size: number;
  ready(): boolean;
  /** Start one gemm call per worker; each entry is the 10 gemm arguments. */
  start(jobs: readonly (readonly number[])[]): void;
  /** Block until every worker finished; throws (and retires the pool) after timeoutMs. */
  wait(timeoutMs: number): void;
  /** Terminate the workers. */
  close(): void;
}

interface WorkerThreads {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => { unref(): void; terminate(): unknown; on(ev: string, f: (e: unknown) => void): void };
}

/** node:worker_threads when running on Node with shared memory, else null (browsers, Deno...). */
function workerThreads(): WorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof SharedArrayBuffer === 'undefined' || typeof proc?.getBuiltinModule !== 'function') return null;
  try {
    return (proc.getBuiltinModule('node:worker_threads') as WorkerThreads | undefined) ?? null;
  } catch {
    return null;
  }
}

/** How many workers to add to the calling thread, from the cores available (0 = no pool). */
export function poolSizeFor(): number {
  if (!workerThreads()) return 0;
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process!.getBuiltinModule!('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] };
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(0, Math.min(cores, 8) - 1);
}

export function createPool(module: WebAssembly.Module, memory: WebAssembly.Memory, size: number): GemmPool | null {
  const wt = workerThreads();
  if (!wt || size < 1) return null;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (PARAMS + size * NPARAMS)));
  let broken = false;
  const workers: { terminate(): unknown }[] = [];
  try {
    for (let index = 0; index < size; index++) {
      const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctrl: ctrl.buffer, index } });
      workers.push(w);
      w.unref();
      // A worker that fails never reports ready (or never finishes); either way stop using the pool.
      w.on('error', () => { broken = true; });
    }
  } catch {
    for (const w of workers) void w.terminate();
    return null;
  }
  return {
    size,
    ready: () => !broken && Atomics.load(ctrl, READY) === size,
    start(jobs) {
      jobs.forEach((args, i) => ctrl.set(args, PARAMS + i * NPARAMS));
      Atomics.store(ctrl, DONE, 0);
      Atomics.add(ctrl, SEQ, 1);
      Atomics.notify(ctrl, SEQ);
    },
    wait(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const done = Atomics.load(ctrl, DONE);
        if (done >= size) return;
        if (performance.now() > deadline) {
          broken = true;
          throw new Error(`matmul: worker threads did not finish within ${timeoutMs} ms`);
        }
        Atomics.wait(ctrl, DONE, done, 100);
      }
    },
    close() {
      broken = true;
      for (const w of workers) void w.terminate();
    },
  };
}
