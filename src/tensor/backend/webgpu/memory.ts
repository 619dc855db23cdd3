/**
 * GPU memory of the WebGPU backend: buffers are recycled by size class, counted, and kept under
 * a budget without asking users to dispose or to wrap loops in a `tidy`.
 *
 * Why a budget is needed: GPU memory is invisible to the JS garbage collector. A tensor of 64 MB
 * on the GPU is a small JS object, so V8 sees no reason to collect it, and the
 * FinalizationRegistry that frees its buffer runs only after a collection and only when the event
 * loop turns. An eager loop can therefore pile up GPU buffers long after their tensors became
 * unreachable.
 *
 * The mechanism:
 * - Every buffer a tensor or a program gives back goes to a pool by size class (sizes rounded up
 *   to a quarter of a power of two), and allocations take from the pool first.
 * - `liveBytes` (buffers in use) and `pooledBytes` (buffers waiting in the pool) are counted.
 * - When an allocation would take the total past the budget (`setWebGPUMemoryBudget`, default
 *   256 MiB), the backend reclaims: it sweeps the WeakRefs it keeps to its tensors and takes back
 *   the buffers of those already collected; if that is not enough it forces a garbage collection
 *   where the runtime allows it (Node: `gc` obtained at `initWebGPU` through
 *   `v8.setFlagsFromString('--expose-gc')`) and sweeps again; then it trims the pool. If the
 *   reachable tensors alone exceed the budget, the allocation proceeds anyway (the budget is a
 *   target, not a hard limit), and the next forced collection waits until the total has grown by
 *   half again, so a large working set does not cause a collection per allocation.
 *
 * What bounds and what does not: a WeakRef keeps its target alive until the current synchronous
 * job ends, and finalizers run only between jobs. So a loop that awaits something each step (its
 * loss, as every real training loop does) stays within the budget: each step's garbage is
 * reclaimable by the next. A fully synchronous loop (no await) cannot give anything back until it
 * yields: its buffers pile up beyond the budget for as long as it runs, and are reclaimed at the
 * first allocation after it yields. Use `jit` (its intermediates are planned buffers), `dispose`,
 * or an `await` per step there. In browsers no collection can be forced: the sweep takes back what
 * the browser's collector has already found, and the rest waits for it.
 */

import { checkNumber } from '../../validate';

/** What owns a buffer and can give it back (a tensor's storage). */
export interface Owner {
  release(): void;
}

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST

/** The default budget: 256 MiB of buffers in use or pooled. */
export const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;

let budget = DEFAULT_MEMORY_BUDGET;
let liveCount = 0;
let liveBytes = 0;
let pooledBytes = 0;
let pooledCount = 0;
let peakBytes = 0;
let forcedCollections = 0;
/** The total above which the next forced collection may run (hysteresis). */
let nextCollectAt = 0;
/** Bytes allocated in the current job (null between jobs: the next allocation starts one). */
let jobBytes: number | null = null;
/** Whether the last collection's survivors were mostly this job's (kept alive until it ends). */
let retryAfterJob = false;
/** Free buffers by size class. */
const pool = new Map<number, GPUBuffer[]>();
/** WeakRefs to the tensors that own buffers, swept under pressure. */
const tracked = new Set<Tracked>();
/** A forced garbage collection, where the runtime offers one. */
let collect: (() => void) | undefined;

export interface Tracked {
  readonly ref: WeakRef<object>;
  readonly owner: Owner;
}

/** Sizes rounded up to a quarter of a power of two (at most 25% unused), 256 bytes at least. */
export function sizeClass(bytes: number, maxBufferSize: number): number {
  if (bytes <= 256) return 256;
  const quarter = 2 ** (31 - Math.clz32(bytes - 1) - 2);
  const size = Math.ceil(bytes / quarter) * quarter;
  return size <= maxBufferSize ? size : Math.ceil(bytes / 4) * 4;
}

const total = (): number => liveBytes + pooledBytes;

/**
 * A storage buffer of at least `bytes` bytes, from the pool when one of its class is free. Other
 * usages (indirect dispatch counts) are rare and small: made fresh, counted, never pooled.
 */
export function allocate(device: GPUDevice, bytes: number, usage: number = STORAGE_USAGE): GPUBuffer {
  if (usage !== STORAGE_USAGE) {
    const special = device.createBuffer({ size: Math.max(4, Math.ceil(bytes / 4) * 4), usage });
    liveCount++;
    liveBytes += special.size;
    return special;
  }
  if (jobBytes === null) enterJob();
  const size = sizeClass(Math.max(4, bytes), device.limits.maxBufferSize);
  jobBytes! += size;
  let buffer = takePooled(size);
  if (!buffer && total() + size > budget) {
    // Tensors in use are over the budget: take back the unreachable ones (into the pool).
    if (liveBytes + size > budget) reclaim(size);
    buffer = takePooled(size);
    // Pooled buffers of other classes make room for a new one.
    if (!buffer) trimPool(budget - size);
  }
  buffer ??= device.createBuffer({ size, usage: STORAGE_USAGE });
  liveCount++;
  liveBytes += buffer.size;
  peakBytes = Math.max(peakBytes, total());
  return buffer;
}

/** Give a buffer back: it waits in the pool for the next allocation of its class. */
export function recycle(buffer: GPUBuffer): void {
  liveCount--;
  liveBytes -= buffer.size;
  if (buffer.usage !== STORAGE_USAGE) {
    buffer.destroy();
    return;
  }
  const free = pool.get(buffer.size);
  if (free) free.push(buffer);
  else pool.set(buffer.size, [buffer]);
  pooledBytes += buffer.size;
  pooledCount++;
  if (total() > budget) trimPool(budget);
}

function takePooled(size: number): GPUBuffer | undefined {
  const buffer = pool.get(size)?.pop();
  if (buffer) {
    pooledBytes -= size;
    pooledCount--;
  }
  return buffer;
}

/** Destroy pooled buffers, largest first, until the total is at most `target`. */
function trimPool(target: number): void {
  const sizes = [...pool.keys()].sort((a, b) => b - a);
  for (const size of sizes) {
    const free = pool.get(size)!;
    while (free.length > 0 && total() > target) {
      free.pop()!.destroy();
      pooledBytes -= size;
      pooledCount--;
    }
    if (free.length === 0) pool.delete(size);
  }
}

/** Take back the buffers of tensors just collected (their WeakRefs are empty). */
function sweep(): void {
  for (const t of tracked) {
    if (t.ref.deref() === undefined) {
      tracked.delete(t);
      t.owner.release();
    }
  }
}

/**
 * Make room for `size` more bytes: force a collection (when allowed) and sweep right after it.
 * Sweep only then: `deref()` keeps a live target alive until the job ends, so a sweep at any
 * other time would shield every tensor it looked at from the next collection in this job (what
 * the runtime collects on its own comes back through the FinalizationRegistry between jobs).
 */
function reclaim(size: number): void {
  if (!collect || liveBytes + size <= nextCollectAt) return;
  collect();
  forcedCollections++;
  sweep();
  // Still over: what survived is either a large working set, and the next collection waits until
  // it grows by half again (no collection per allocation), or mostly this job's own tensors,
  // which no collection can take before the job ends: then the first pressure after it may
  // collect again.
  const after = liveBytes + size;
  nextCollectAt = after > budget ? after * 1.5 : 0;
  retryAfterJob = after > budget && jobBytes! > after / 2;
}

/**
 * Note the start of a job (a macrotask with its microtasks): WeakRefs made in it keep their
 * targets until it ends, so what it allocated is only collectable afterwards. A timer marks the
 * end (unref'd on Node, so it never keeps a process alive).
 */
function enterJob(): void {
  jobBytes = 0;
  const timer = setTimeout(() => {
    jobBytes = null;
    if (retryAfterJob) nextCollectAt = 0;
    retryAfterJob = false;
  }, 0) as { unref?: () => void };
  timer.unref?.();
}

/** Follow `holder` (a tensor) so that a sweep can take back `owner`'s buffers once it is collected. */
export function track(holder: object, owner: Owner): Tracked {
  const t: Tracked = { ref: new WeakRef(holder), owner };
  tracked.add(t);
  return t;
}

export function untrack(t: Tracked): void {
  tracked.delete(t);
}

/** Forget everything about a device that is gone (closed or lost): its buffers went with it. */
export function resetMemory(): void {
  pool.clear();
  tracked.clear();
  liveCount = liveBytes = pooledBytes = pooledCount = peakBytes = nextCollectAt = 0;
  retryAfterJob = false;
}

/** Destroy every pooled buffer (the memory goes back to the device). */
export function emptyPool(): void {
  trimPool(liveBytes);
}

/** Install the forced collection (initWebGPU does, on Node). */
export function setCollector(gc: (() => void) | undefined): void {
  collect = gc;
}

/**
 * Set the WebGPU memory budget in bytes (default 256 MiB; `Infinity` for none): when buffers in
 * use plus pooled ones would exceed it, unreachable tensors' buffers are reclaimed first (see
 * the module comment for what a synchronous loop does).
 * @example setWebGPUMemoryBudget(64 * 2 ** 20);
 */
export function setWebGPUMemoryBudget(bytes: number): void {
  budget = checkNumber('setWebGPUMemoryBudget', 'the budget (bytes)', bytes, { above: 0, allowNonFinite: true });
  nextCollectAt = 0;
  if (total() > budget) trimPool(budget);
}

/** What the WebGPU backend holds now. */
export interface WebGPUMemory {
  /** Buffers in use by tensors and compiled programs (`liveBufferCount()`). */
  readonly liveBuffers: number;
  readonly liveBytes: number;
  /** Free buffers kept for reuse. */
  readonly pooledBuffers: number;
  readonly pooledBytes: number;
  /** The most bytes (in use plus pooled) held at once since the device opened. */
  readonly peakBytes: number;
  readonly budget: number;
  /** Garbage collections forced to stay within the budget. */
  readonly forcedCollections: number;
}

/**
 * The WebGPU backend's memory: buffers in use and pooled, the peak, the budget.
 * @example const { liveBytes, budget } = webgpuMemory();
 */
export function webgpuMemory(): WebGPUMemory {
  return { liveBuffers: liveCount, liveBytes, pooledBuffers: pooledCount, pooledBytes, peakBytes, budget, forcedCollections };
}

/** GPU buffers created by this backend and in use (tensors, programs), not counting the pool. */
export function liveBufferCount(): number {
  return liveCount;
}

/**
 * A forced garbage collection on Node, or undefined (browsers): `gc` when exposed, else obtained
 * by turning on --expose-gc and reading it from a fresh context. Module names are variables so
 * browser bundlers leave them alone.
 */
export async function findCollector(): Promise<(() => void) | undefined> {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return undefined;
  try {
    const [v8name, vmname] = ['node:v8', 'node:vm'];
    const v8 = (await import(/* @vite-ignore */ v8name)) as { setFlagsFromString(flags: string): void };
    const vm = (await import(/* @vite-ignore */ vmname)) as { runInNewContext(code: string): unknown };
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
