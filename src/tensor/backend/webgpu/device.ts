/// <reference types="@webgpu/types" />
/**
 * The WebGPU device, buffers and tensor storage. A webgpu Tensor stores a `GpuStorage`: one
 * GPUBuffer that nothing writes after the kernel that produced it. Buffers are released by
 * `dispose`, by donation to a jitted program, or by a FinalizationRegistry backstop when the
 * tensor is garbage collected; `liveBufferCount` counts what this module created and not yet
 * released (leak tests watch it).
 */
import { storageOf, wrapStorage, type Tensor } from '../../core';
import type { DType } from '../../dtype';
import { opError } from '../../shape';

export const USAGE = { MAP_READ: 0x01, COPY_SRC: 0x04, COPY_DST: 0x08, STORAGE: 0x80 } as const;
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

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

export interface InitOptions {
  /** Passed to requestAdapter (e.g. `{ powerPreference: 'high-performance' }`). */
  readonly adapter?: GPURequestAdapterOptions;
  /** Node only: flags for Dawn's `create(...)` (e.g. `['backend=vulkan']`). */
  readonly dawnFlags?: readonly string[];
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
 * Resolves to false when no adapter exists. Safe to call repeatedly.
 * @example if (await initWebGPU()) x = toDevice(x, 'webgpu');
 */
export function initWebGPU(options: InitOptions = {}): Promise<boolean> {
  if (context) return Promise.resolve(true);
  pending ??= (async () => {
    const found = await findGpu(options);
    gpuObject = found ?? null;
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
    context = { device, maxStorageBuffers: limits.maxStorageBuffersPerShaderStage };
    device.lost.then(() => {
      if (context?.device === device) context = null;
      pending = null;
    });
    return true;
  })();
  return pending;
}

/**
 * Close the device (Node keeps running while Dawn is alive; call this before exiting).
 * Tensors and compiled programs on the device become unusable.
 */
export function closeWebGPU(): void {
  context?.device.destroy();
  context = null;
  pending = null;
  gpuObject = null;
}

/** Whether `initWebGPU` has opened a device. */
export function webgpuAvailable(): boolean {
  return context !== null;
}

export function gpu(): GpuContext {
  if (!context) throw new Error('webgpu: no device is open; call `await initWebGPU()` first (it resolves to false when no adapter exists)');
  return context;
}

// ---------------------------------------------------------------------------------------------
// Buffers

let live = 0;

/** Bytes of `n` elements; every supported dtype takes 4 bytes (bool as u32 0/1). */
export function bytesFor(n: number): number {
  return Math.max(4, n * 4);
}

export function createBuffer(bytes: number, usage: number = STORAGE_USAGE): GPUBuffer {
  live++;
  return gpu().device.createBuffer({ size: Math.max(4, Math.ceil(bytes / 4) * 4), usage });
}

export function destroyBuffer(buffer: GPUBuffer): void {
  live--;
  buffer.destroy();
}

/** GPU buffers created by this backend and not yet released (tensors, programs' pools). */
export function liveBufferCount(): number {
  return live;
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

export class GpuStorage implements Releasable {
  state: StorageState = 'live';
  constructor(public buffer: GPUBuffer) {}
  release(): void {
    if (this.state !== 'live') return;
    this.state = 'disposed';
    destroyBuffer(this.buffer);
  }
}

/** Make a webgpu tensor owning `buffer` (released when disposed or collected). */
export function wrapBuffer(shape: readonly number[], dtype: DType, buffer: GPUBuffer): Tensor {
  const storage = new GpuStorage(buffer);
  const t = wrapStorage(shape, dtype, 'webgpu', storage);
  releaseOnCollect(t, storage);
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
  return s.buffer;
}

/** Hand a donated tensor's buffer to a new tensor; the donated tensor becomes invalid. */
export function takeDonated(t: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const s = gpuStorageOf(t);
  const buffer = bufferOf(t, 'donate');
  s.state = 'donated';
  forgetOnCollect(s);
  return wrapBuffer(shape, dtype, buffer);
}

/** Free a tensor's GPU buffer now; later uses of the tensor throw. No-op for CPU tensors. */
export function dispose(t: Tensor): void {
  const s = t.device === 'webgpu' ? storageOf(t) : undefined;
  if (s instanceof GpuStorage) {
    s.release();
    forgetOnCollect(s);
  }
}

export function checkDtype(op: string, dtype: DType): void {
  if (dtype === 'float64') opError(op, 'float64 is not supported on the webgpu backend; cast to float32 first');
}
