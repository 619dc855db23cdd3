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
import type { Aval } from '../../aval';
import { opError, sizeOf } from '../../shape';
import { bufferOf, bytesFor, checkDtype, createBuffer, destroyBuffer, gpu, wrapBuffer } from './device';
import { planFor } from './kernels';
import { lowerWebGPU } from './lower';
import { encodeSteps } from './plan';
import { read, upload } from './transfer';

export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose, setWebGPUMemoryBudget, webgpuMemory } from './device';
export type { AdapterOptions, InitOptions, WebGPUMemory } from './device';
export { clearWebGPUCaches, setWebGPUCacheLimits, webgpuCacheSizes } from './caches';
export type { WebGPUCacheLimits } from './caches';

/** Run one primitive on webgpu tensors: one plan, one submit; the result is ready in queue order. */
function run(prim: string, inputs: readonly Tensor[], params: any, out: Aval): Tensor {
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

export const webgpuBackend: Backend = { name: 'webgpu', run, read, adopt: upload, lower: lowerWebGPU };
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
