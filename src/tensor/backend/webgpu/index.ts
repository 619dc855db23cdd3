/**
 * The WebGPU backend: every primitive as a generated WGSL kernel with the CPU backend's
 * semantics. Eager ops encode and submit one plan and return at once (queue order keeps them
 * correct); reading is asynchronous (`await x.data()`).
 *
 * @example
 *   if (await initWebGPU()) {
 *     const x = toDevice(tensor([[1, 2], [3, 4]]), 'webgpu');
 *     console.log(await matmul(x, x).data());
 *   }
 */
import { fromStorage, registerBackend, Tensor, Tracer, type Backend, type Device } from '../../core';
import { arrayFor, type TypedArray } from '../../dtype';
import type { Aval } from '../../aval';
import type { Prim } from '../../primitives';
import { opError, sizeOf } from '../../shape';
import { bufferOf, bytesFor, checkDtype, createBuffer, destroyBuffer, gpu, USAGE, wrapBuffer } from './device';
import { planFor } from './kernels';
import { encodeSteps } from './plan';

export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose } from './device';
export type { InitOptions } from './device';

/** Run one primitive on webgpu tensors: one plan, one submit; the result is ready in queue order. */
function run(prim: Prim, inputs: readonly Tensor[], params: any, out: Aval): Tensor {
  for (const x of inputs) checkDtype(prim, x.dtype);
  checkDtype(prim, out.dtype);
  const buffers = inputs.map((x) => bufferOf(x, prim));
  const y = createBuffer(bytesFor(sizeOf(out.shape)));
  const plan = planFor(prim, inputs, params, out);
  if (plan.steps.length > 0) {
    const temps = plan.temps.map((bytes) => createBuffer(bytes));
    const { device } = gpu();
    const encoder = device.createCommandEncoder();
    encodeSteps(encoder, plan.steps, [...buffers, y, ...temps]);
    device.queue.submit([encoder.finish()]);
    temps.forEach(destroyBuffer); // released once the submitted work is done
  }
  return wrapBuffer(out.shape, out.dtype, y);
}

/** Copy `bytes` of a buffer back to the CPU. */
export async function readBuffer(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const { device } = gpu();
  const staging = device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

async function read(t: Tensor): Promise<TypedArray> {
  const buffer = bufferOf(t, 'data');
  const n = t.size;
  if (n === 0) return arrayFor(t.dtype, 0);
  const bytes = await readBuffer(buffer, n * 4);
  if (t.dtype === 'int32') return new Int32Array(bytes);
  if (t.dtype === 'bool') return Uint8Array.from(new Uint32Array(bytes), (v) => (v ? 1 : 0));
  return new Float32Array(bytes);
}

/** The data of a CPU tensor as the 4-byte elements a webgpu buffer holds. */
export function hostBits(t: Tensor, op: string): Float32Array | Int32Array | Uint32Array {
  checkDtype(op, t.dtype);
  const data = t._cpu;
  if (t.dtype === 'bool') return Uint32Array.from(data as Uint8Array);
  return data as Float32Array | Int32Array;
}

/** queue.writeBuffer of host bits (ordered before every later submit). */
export function writeBits(buffer: GPUBuffer, bits: Float32Array | Int32Array | Uint32Array): void {
  gpu().device.queue.writeBuffer(buffer, 0, bits as unknown as ArrayBufferView<ArrayBuffer>, 0, bits.length);
}

/** Upload a CPU tensor (synchronous: queue.writeBuffer is ordered before later submits). */
function upload(t: Tensor): Tensor {
  const bits = hostBits(t, 'toDevice');
  const buffer = createBuffer(bytesFor(bits.length));
  if (bits.length > 0) writeBits(buffer, bits);
  return wrapBuffer(t.shape, t.dtype, buffer);
}

export const webgpuBackend: Backend = { name: 'webgpu', run, read, adopt: upload };
registerBackend(webgpuBackend);

/**
 * Move a tensor between devices. Uploading is synchronous; downloading must wait for the GPU,
 * so `toDevice(x, 'cpu')` returns a promise (`await` works for both).
 * @example const g = toDevice(tensor([1, 2, 3]), 'webgpu');
 * @example const c = await toDevice(g, 'cpu');
 */
export function toDevice(x: Tensor, device: 'webgpu'): Tensor;
export function toDevice(x: Tensor, device: 'cpu'): Promise<Tensor>;
export function toDevice(x: Tensor, device: Device): Tensor | Promise<Tensor>;
export function toDevice(x: Tensor, device: Device): Tensor | Promise<Tensor> {
  if (x instanceof Tracer) opError('toDevice', 'cannot move a traced value between devices inside a transformation; move the arguments before calling it');
  if (device === 'webgpu') {
    if (x.device === 'webgpu') {
      bufferOf(x, 'toDevice');
      return x;
    }
    return upload(x);
  }
  if (x.device === 'cpu') return Promise.resolve(x);
  return read(x).then((data) => fromStorage(x.shape, x.dtype, data));
}

/** @internal Building blocks for jit's WebGPU lowering. */
export * as webgpuInternals from './internals';
