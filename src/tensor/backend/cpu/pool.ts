/**
 * Reuse of CPU storage. A fresh typed array of a few hundred KiB costs more than the kernel that
 * fills it: its pages fault in and are zeroed on first touch, and the garbage collector frees it
 * later. This pool, keyed by dtype and length, hands back arrays that provably no tensor can read
 * any more, so eager kernels, a jitted program's outputs and a dataset's batches land in memory
 * that is already mapped (and often in cache).
 *
 * The release point is donation: after a jitted call, a donated argument is dead (using it
 * throws), so its storage returns unless an output or a live argument still views it. Only
 * storage allocated here (one tensor per array) ever returns, never storage that another tensor
 * may view (`sharedStorage`: jit constants, outputs aliasing an argument or each other). There is
 * no release point for tensors that merely become unreachable: a FinalizationRegistry would keep
 * every registered array alive until its callback, which never runs inside a synchronous loop.
 *
 *   const y = allocateStorage('float32', n);   // zeroed; possibly a donated tensor's old storage
 */
import type { DType, TypedArray } from '../../dtype';
import { arrayFor } from '../../dtype';
import { cpuData, type Tensor } from '../../core';

/** Below this many elements a fresh array is cheap (no page faults worth avoiding): not pooled. */
export const POOL_MIN_ELEMENTS = 4096;
/** The pool holds at most this many bytes; further releases are left to the garbage collector. */
export const POOL_MAX_BYTES = 64 * 1024 * 1024;

/** Arrays that more than one tensor may view: never reused (jit's lowering adds to it). */
export const sharedStorage = new WeakSet<object>();

/** Arrays allocated here and handed out to one tensor (until released). */
const owned = new WeakSet<TypedArray>();
const free = new Map<string, TypedArray[]>();
let held = 0;

/** Counters for tests and benchmarks: arrays handed out again, and released into the pool. */
export const poolStats = { reused: 0, released: 0 };

const keyOf = (dtype: DType, n: number): string => `${dtype}:${n}`;

/**
 * An array of `n` elements of `dtype`: a pooled one when one is free (zeroed unless `zeroed` is
 * false, for callers that overwrite every element), else `fresh()` (default: a zeroed array).
 */
export function allocateStorage(dtype: DType, n: number, options: { zeroed?: boolean; fresh?: () => TypedArray } = {}): TypedArray {
  if (n < POOL_MIN_ELEMENTS) return options.fresh ? options.fresh() : arrayFor(dtype, n);
  const reused = free.get(keyOf(dtype, n))?.pop();
  if (reused) {
    held -= reused.byteLength;
    poolStats.reused++;
    if (options.zeroed !== false) reused.fill(0);
    owned.add(reused);
    return reused;
  }
  const a = options.fresh ? options.fresh() : arrayFor(dtype, n);
  owned.add(a);
  return a;
}

function release(s: TypedArray, dtype: DType): void {
  if (!owned.has(s) || sharedStorage.has(s)) return;
  owned.delete(s);
  if (held + s.byteLength > POOL_MAX_BYTES) return;
  const key = keyOf(dtype, s.length);
  const list = free.get(key);
  if (list) list.push(s);
  else free.set(key, [s]);
  held += s.byteLength;
  poolStats.released++;
}

/**
 * After a jitted call, before its donated arguments are marked dead: the storage of each donated
 * CPU argument returns to the pool unless an output or a live (not donated) argument still views
 * it. An output that took a donated argument's storage is that storage's one live viewer now.
 */
export function afterJitCall(args: readonly Tensor[], donate: readonly boolean[], outs: readonly Tensor[]): void {
  if (!donate.some(Boolean)) return;
  const live = new Set<object>();
  for (const o of outs) if (o.device === 'cpu') live.add(cpuData(o));
  args.forEach((a, i) => {
    if (!donate[i] && a.device === 'cpu') live.add(cpuData(a));
  });
  args.forEach((a, i) => {
    if (donate[i] && a.device === 'cpu' && !live.has(cpuData(a))) release(cpuData(a), a.dtype);
  });
}
