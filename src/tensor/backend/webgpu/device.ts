/// <reference types="@webgpu/types" />
/**
 * The WebGPU device and tensor storage. A webgpu Tensor stores a `GpuStorage`: one GPUBuffer
 * that nothing writes after the kernel that produced it. Buffers come from and go back to the
 * memory module's pool (./memory.ts: recycling, accounting, the memory budget); a tensor gives
 * its buffer back when disposed, when donated to a jitted program, when a FinalizationRegistry
 * sees it collected, or when a sweep under memory pressure finds it collected.
 *
 * Devices come and go: `closeWebGPU()`, or a lost device (`device.lost`). Each device is a
 * generation; everything tied to one (buffers, the pool, pipelines, compiled programs' buffers)
 * belongs to its generation. When a device goes, the generation advances: tensors of the old one
 * refuse to be used with a clear error, and caches rebuild on the next device.
 */
import { storageOf, wrapStorage, type Tensor } from '../../core';
import type { DType } from '../../dtype';
import { opError } from '../../shape';
import { checkNumber, checkOptions } from '../../validate';
import { allocate, findCollector, recycle, resetMemory, setCollector, setWebGPUMemoryBudget, track, untrack, type Owner, type Tracked } from './memory';

export { liveBufferCount, setWebGPUMemoryBudget, webgpuMemory, type WebGPUMemory } from './memory';

export const USAGE = { MAP_READ: 0x01, COPY_SRC: 0x04, COPY_DST: 0x08, STORAGE: 0x80, INDIRECT: 0x100 } as const;
export const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

export interface GpuContext {
  readonly device: GPUDevice;
  /** Storage buffers one shader may bind (fusion keeps clusters under it). */
  readonly maxStorageBuffers: number;
}

let context: GpuContext | null = null;
let pending: Promise<boolean> | null = null;
/** Dawn for Node lives only while its GPU object is referenced: keep it with the device. */
let gpuObject: GPU | null = null;
export const gpuEntry = (): GPU | null => gpuObject;
/** Advances at every closeWebGPU(): a device opened by an earlier initWebGPU() is unwanted. */
let openings = 0;
/** Advances whenever a device goes away; what was made for an older generation is stale. */
let generation = 0;

/** The current device generation (caches and compiled programs key their GPU objects by it). */
export function deviceGeneration(): number {
  return generation;
}

/**
 * The adapter request of WebGPU's `requestAdapter` (GPURequestAdapterOptions), declared here so
 * the published types need no ambient WebGPU declarations.
 */
export interface AdapterOptions {
  readonly powerPreference?: 'low-power' | 'high-performance';
  readonly forceFallbackAdapter?: boolean;
}

export interface InitOptions {
  /** Passed to requestAdapter (e.g. `{ powerPreference: 'high-performance' }`). */
  readonly adapter?: AdapterOptions;
  /** Node only: flags for Dawn's `create(...)` (e.g. `['backend=vulkan']`). */
  readonly dawnFlags?: readonly string[];
  /** The memory budget in bytes (default 256 MiB; see `setWebGPUMemoryBudget`). */
  readonly memoryBudget?: number;
}

async function findGpu(options: InitOptions): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  // Node: the `webgpu` package (Dawn). The specifier is a variable so browser bundlers skip it.
  const name = 'webgpu';
  try {
    const mod = (await import(/* @vite-ignore */ name)) as { create(flags: string[]): GPU };
    return mod.create([...(options.dawnFlags ?? [])]);
  } catch {
    return undefined;
  }
}

/**
 * Open a WebGPU device: `navigator.gpu` in browsers, the `webgpu` package (Dawn) in Node.
 * Resolves to false when no adapter exists. Safe to call repeatedly, and again after
 * `closeWebGPU()` or a lost device (`webgpuAvailable()` turns false when the device is lost).
 * @example if (await initWebGPU({ memoryBudget: 512 * 2 ** 20 })) x = toDevice(x, 'webgpu');
 */
export function initWebGPU(options: InitOptions = {}): Promise<boolean> {
  checkOptions('initWebGPU', options, ['adapter', 'dawnFlags', 'memoryBudget']);
  if (options.memoryBudget !== undefined) setWebGPUMemoryBudget(checkNumber('initWebGPU', 'memoryBudget', options.memoryBudget, { above: 0, allowNonFinite: true }));
  if (context) return Promise.resolve(true);
  if (pending) return pending;
  const opening = openings;
  pending = (async () => {
    const found = await findGpu(options);
    const adapter = await found?.requestAdapter(options.adapter);
    if (!adapter) return false;
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    });
    setCollector(await findCollector());
    // closeWebGPU() ran while this device was being opened: it must not appear afterwards.
    if (opening !== openings) {
      device.destroy();
      return false;
    }
    gpuObject = found!;
    context = { device, maxStorageBuffers: limits.maxStorageBuffersPerShaderStage };
    void device.lost.then(() => forgetDevice(device));
    return true;
  })();
  return pending;
}

/** The device is gone: advance the generation and drop what belonged to it. */
function forgetDevice(device: GPUDevice): void {
  if (context?.device !== device) return;
  context = null;
  pending = null;
  generation++;
  resetMemory();
}

/**
 * Close the device (Node keeps running while Dawn is alive; call this before exiting). Tensors
 * on the device become unusable (using one throws); compiled programs and caches rebuild on the
 * next device `initWebGPU()` opens.
 * @example closeWebGPU(); await initWebGPU();
 */
export function closeWebGPU(): void {
  const device = context?.device;
  if (device) {
    forgetDevice(device);
    device.destroy();
  }
  pending = null;
  gpuObject = null;
  openings++;
}

/** Whether `initWebGPU` has opened a device (false again after `closeWebGPU()` or a device loss). */
export function webgpuAvailable(): boolean {
  return context !== null;
}

export function gpu(): GpuContext {
  if (!context) throw new Error('webgpu: no device is open (none yet, or it was closed or lost); call `await initWebGPU()` first (it resolves to false when no adapter exists)');
  return context;
}

// ---------------------------------------------------------------------------------------------
// Buffers

/** Bytes of `n` elements; every supported dtype takes 4 bytes (bool as u32 0/1). */
export function bytesFor(n: number): number {
  return Math.max(4, n * 4);
}

/** A storage buffer of at least `bytes` bytes on the current device (pooled, counted, budgeted). */
export function createBuffer(bytes: number, usage: number = STORAGE_USAGE): GPUBuffer {
  return allocate(gpu().device, bytes, usage);
}

/** Give a buffer of the current device back (to the pool); later submits may reuse it. */
export function destroyBuffer(buffer: GPUBuffer): void {
  recycle(buffer);
}

/** Something that owns GPU buffers and can give them back (a tensor's storage, a program). */
export interface Releasable {
  release(): void;
}

const registry = new FinalizationRegistry<Releasable>((r) => r.release());

/** Release `owner`'s buffers when `holder` is garbage collected (unless released before). */
export function releaseOnCollect(holder: object, owner: Releasable): void {
  registry.register(holder, owner, owner);
}

export function forgetOnCollect(owner: Releasable): void {
  registry.unregister(owner);
}

// ---------------------------------------------------------------------------------------------
// Tensor storage

export type StorageState = 'live' | 'disposed' | 'donated';

export class GpuStorage implements Releasable, Owner {
  state: StorageState = 'live';
  /** The device generation the buffer belongs to. */
  readonly generation = generation;
  tracked: Tracked | undefined;
  constructor(public buffer: GPUBuffer) {}
  release(): void {
    if (this.state !== 'live') return;
    this.state = 'disposed';
    forgetOnCollect(this);
    if (this.tracked) untrack(this.tracked);
    // A closed or lost device took its buffers with it.
    if (this.generation === generation) destroyBuffer(this.buffer);
  }
}

/** Make a webgpu tensor owning `buffer` (given back when disposed or collected). */
export function wrapBuffer(shape: readonly number[], dtype: DType, buffer: GPUBuffer): Tensor {
  const storage = new GpuStorage(buffer);
  const t = wrapStorage(shape, dtype, 'webgpu', storage);
  releaseOnCollect(t, storage);
  storage.tracked = track(t, storage);
  return t;
}

export function gpuStorageOf(t: Tensor): GpuStorage {
  return storageOf(t) as GpuStorage;
}

/** The buffer of a webgpu tensor, with a clear error when the tensor can no longer be used. */
export function bufferOf(t: Tensor, op: string): GPUBuffer {
  const s = gpuStorageOf(t);
  if (s.state === 'donated') opError(op, 'this tensor was donated to a jitted function and can no longer be used (its buffer now holds one of the function\'s outputs)');
  if (s.state === 'disposed') opError(op, 'this tensor was disposed and can no longer be used');
  if (s.generation !== generation) opError(op, 'this tensor lives on a WebGPU device that was closed or lost; tensors do not survive their device (keep a CPU copy, e.g. `await toDevice(x, \'cpu\')`, to move to the next one)');
  return s.buffer;
}

/** Hand a donated tensor's buffer to a new tensor; the donated tensor becomes invalid. */
export function takeDonated(t: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const s = gpuStorageOf(t);
  const buffer = bufferOf(t, 'donate');
  s.state = 'donated';
  forgetOnCollect(s);
  if (s.tracked) untrack(s.tracked);
  return wrapBuffer(shape, dtype, buffer);
}

/** Free a tensor's GPU buffer now; later uses of the tensor throw. No-op for CPU tensors. */
export function dispose(t: Tensor): void {
  const s = t.device === 'webgpu' ? storageOf(t) : undefined;
  if (s instanceof GpuStorage) s.release();
}

export function checkDtype(op: string, dtype: DType): void {
  if (dtype === 'float64') opError(op, 'float64 is not supported on the webgpu backend; cast to float32 first');
}
