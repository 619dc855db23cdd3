/**
 * Worker threads that run the GEMM module's `task` on the same shared Wasm memory, so a large
 * product is shared across cores while staying a synchronous call.
 *
 * A job is a count of tasks described in Wasm memory (the task block). The caller opens it and
 * then claims and runs tasks itself like any worker: a worker that is asleep, slow to wake or
 * descheduled by other load simply takes fewer tasks, so a job never waits for a thread that
 * has not started. Only a task already claimed is waited for.
 *
 * Node: node:worker_threads, unref'd so they never keep the process alive. Browsers: Web
 * Workers, only where the page is cross-origin isolated (shared memory needs it); elsewhere no
 * pool, and products run on the calling thread. Workers start in the background and join the
 * jobs opened after they are up.
 */

/** Control words (Int32Array on a SharedArrayBuffer). */
const READY = 0; // workers that have compiled their instance
const WAKE = 1; // job counter: bumping it announces a job
const NEXT = 2; // claim counter: -remaining tasks while the job is open, >= 0 once all are claimed
const DONE = 3; // tasks of the current job finished
const SPIN = 4; // how long (µs) an idle worker polls for the next job before sleeping
const POLLING = 5; // workers polling right now (they will join a job within a microsecond)
const CTRL_WORDS = 6;

const BACKOFF_MAX = 1024;
const BACKOFF_DECAY_MS = 200;
/**
 * Stalls back off only when STALLS_TO_BACK_OFF of them come within STALL_WINDOW_MS. A single one
 * is the OS lending the worker's core to another thread for a moment (V8's compiler and GC
 * helpers do it on a 2-core machine: about one job in 300 in a loop of 256^3 products), and
 * backing off for 200-400 ms after it lost the 1.5x of threads on every job in between.
 * Busy cores stall nearly every job, so they still back off within a few jobs.
 */
const STALLS_TO_BACK_OFF = 3;
const STALL_WINDOW_MS = 100;

/**
 * Plain JS shared by both worker kinds: instantiate, report ready, then serve jobs forever.
 * After a job a worker polls for the next one for SPIN µs before sleeping, since products
 * often come in runs (the layers of a step) and waking a sleeping thread costs ~10-50 µs.
 * Tasks are claimed by incrementing NEXT: -n..-1 name tasks n-1..0; anything >= 0 means none left.
 */
const WORKER_SOURCE = `
const serve = ({ module, memory, ctrl, taskAt }) => {
  const c = new Int32Array(ctrl);
  const task = new WebAssembly.Instance(module, { env: { memory } }).exports.task;
  Atomics.add(c, ${READY}, 1);
  let seen = Atomics.load(c, ${WAKE});
  for (;;) {
    const t0 = performance.now(), spinMs = Atomics.load(c, ${SPIN}) / 1000;
    Atomics.add(c, ${POLLING}, 1);
    while (Atomics.load(c, ${WAKE}) === seen && performance.now() - t0 < spinMs) {}
    Atomics.sub(c, ${POLLING}, 1);
    Atomics.wait(c, ${WAKE}, seen);
    seen = Atomics.load(c, ${WAKE});
    for (let v; (v = Atomics.add(c, ${NEXT}, 1)) < 0;) {
      task(taskAt, -v - 1);
      Atomics.add(c, ${DONE}, 1);
      Atomics.notify(c, ${DONE});
    }
  }
};
if (typeof require === 'function') serve(require('node:worker_threads').workerData);
else self.onmessage = (e) => serve(e.data);
`;

export interface GemmPool {
  /** Number of workers (the caller's thread comes on top). */
  readonly size: number;
  /** Whether every worker is up (jobs opened before then run with fewer threads). */
  ready(): boolean;
  /** False once a worker failed or a job timed out: then the pool must not be used. */
  alive(): boolean;
  /**
   * How much larger than usual a product must be to be worth sharing now: 1 normally, more
   * after stalls — jobs that cost more than running alone: this thread ran no task (a worker
   * took its core), or it sat waiting on a worker that was descheduled holding a task. They mean
   * the cores are busy with other processes. It halves every BACKOFF_DECAY_MS without a stall;
   * isolated stalls are ignored (see STALLS_TO_BACK_OFF). A polling worker that ran no task (it
   * had no core during the job) costs nothing, since this thread ran them all: it only stops the
   * workers polling for a while, to leave the core to whoever has it.
   */
  backoff(): number;
  /**
   * Run tasks 0..count-1 of the task block at `taskAt`, on the workers and on this thread
   * (`runHere` runs one task here). Throws, and retires the pool, if a claimed task does not
   * finish within timeoutMs.
   */
  run(count: number, runHere: (t: number) => void, timeoutMs: number): void;
  /** Terminate the workers. */
  close(): void;
}

interface WorkerHandle {
  terminate(): unknown;
}

type Spawn = (data: Record<string, unknown>) => WorkerHandle;

interface NodeWorkerThreads {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => WorkerHandle & { unref(): void; on(ev: string, f: (e: unknown) => void): void };
}

type Global = {
  process?: { getBuiltinModule?: (id: string) => unknown };
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => WorkerHandle & { postMessage(data: unknown): void; onerror: ((e: unknown) => void) | null };
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string };
};
const g = globalThis as Global;

interface Platform {
  readonly spawn: (onError: () => void) => Spawn;
  readonly cores: number;
}

let detected: Platform | null | undefined;

/** How to start workers here, with how many cores; null without shared memory or workers. */
function platform(): Platform | null {
  if (detected === undefined) detected = detect();
  return detected;
}

function detect(): Platform | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return null;
  if (typeof g.process?.getBuiltinModule === 'function') {
    try {
      const wt = g.process.getBuiltinModule('node:worker_threads') as NodeWorkerThreads | undefined;
      const os = g.process.getBuiltinModule('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
      if (!wt || !os) return null;
      return {
        cores: os.availableParallelism?.() ?? os.cpus().length,
        spawn: (onError) => (workerData) => {
          const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData });
          w.unref();
          w.on('error', onError);
          return w;
        },
      };
    } catch {
      return null;
    }
  }
  // A browser page may share memory with workers only when cross-origin isolated.
  if (g.crossOriginIsolated === true && g.Worker && g.Blob && g.URL) {
    const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    return {
      cores: g.navigator?.hardwareConcurrency ?? 1,
      spawn: (onError) => (data) => {
        const w = new g.Worker!(url);
        w.onerror = onError;
        w.postMessage(data);
        return w;
      },
    };
  }
  return null;
}

/** Whether worker threads can share Wasm memory here (Node, or a cross-origin isolated page). */
export function threadsAvailable(): boolean {
  return platform() !== null;
}

/** How many workers to add to the calling thread, from the cores available (0 = no pool). */
export function poolSizeFor(): number {
  const p = platform();
  return p ? Math.max(0, Math.min(p.cores, 8) - 1) : 0;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
let canBlock: boolean | undefined;
function blockingWaitAllowed(): boolean {
  if (canBlock === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      canBlock = true;
    } catch {
      canBlock = false;
    }
  }
  return canBlock;
}

export function createPool(module: WebAssembly.Module, memory: WebAssembly.Memory, size: number, taskAt: number, spinMs: number): GemmPool | null {
  const p = platform();
  if (!p || size < 1) return null;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_WORDS));
  let broken = false;
  const spawn = p.spawn(() => { broken = true; });
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < size; i++) workers.push(spawn({ module, memory, ctrl: ctrl.buffer, taskAt }));
  } catch {
    for (const w of workers) void w.terminate();
    return null;
  }
  const block = blockingWaitAllowed();
  const spinUs = Math.round(spinMs * 1000);
  Atomics.store(ctrl, SPIN, spinUs);
  let stalls = 0, lastStall = 0;
  // Recent stalls not yet acted on: how many, and when the first of them happened.
  let recent = 0, recentSince = 0;
  // When a polling worker last ran no task of a job.
  let noShowAt = -Infinity;
  const backoff = (): number => (stalls === 0 ? 1 : Math.max(1, stalls / 2 ** Math.floor((performance.now() - lastStall) / BACKOFF_DECAY_MS)));
  return {
    size,
    ready: () => !broken && Atomics.load(ctrl, READY) === size,
    alive: () => !broken,
    backoff,
    run(count, runHere, timeoutMs) {
      const start = performance.now();
      // A polling worker should take its share; a sleeping one may wake too late for a short job.
      const hot = Atomics.load(ctrl, POLLING) > 0;
      // The previous job is complete (every task done), so no worker holds a claim on it.
      Atomics.store(ctrl, DONE, 0);
      Atomics.store(ctrl, NEXT, -count);
      Atomics.add(ctrl, WAKE, 1);
      // Waking a sleeping worker is a futex call that costs this thread 20-30 µs (measured in the
      // 2-core sandbox): skip it when every worker is polling. One that stops polling after the
      // load below finds WAKE already changed in its Atomics.wait (the atomics are seq-cst).
      if (Atomics.load(ctrl, POLLING) < size) Atomics.notify(ctrl, WAKE);
      let here = 0;
      for (let v; (v = Atomics.add(ctrl, NEXT, 1)) < 0; here++) runHere(-v - 1);
      const ranOut = performance.now();
      const deadline = ranOut + timeoutMs;
      for (let i = 0; ; i++) {
        const done = Atomics.load(ctrl, DONE);
        if (done + here >= count) {
          // A stall: this thread ran no task (a worker took its core), or it waited far longer
          // than the one piece balanced pieces leave (a worker was descheduled holding one).
          const now = performance.now();
          if (hot && here === count) noShowAt = now;
          if (here === 0 || now - ranOut > 0.02 + 0.5 * (ranOut - start)) {
            if (recent === 0 || now - recentSince > STALL_WINDOW_MS) [recent, recentSince] = [0, now];
            if (++recent >= STALLS_TO_BACK_OFF) {
              stalls = Math.min(BACKOFF_MAX, Math.max(4, 4 * backoff()));
              lastStall = now;
              recent = 0;
            }
          }
          // Polling for the next job only helps when the worker has a core to itself.
          Atomics.store(ctrl, SPIN, backoff() > 1 || now - noShowAt < BACKOFF_DECAY_MS ? 0 : spinUs);
          return;
        }
        // A worker is finishing its last task: poll (it is usually a few microseconds), then sleep.
        if (i < 1000) continue;
        if (broken || performance.now() > deadline) {
          broken = true;
          throw new Error(`matmul: worker threads did not finish within ${timeoutMs} ms`);
        }
        if (block) Atomics.wait(ctrl, DONE, done, 1);
      }
    },
    close() {
      broken = true;
      for (const w of workers) void w.terminate();
    },
  };
}
