/** Moving data between the host and WebGPU buffers. */
import { cpuData, type Tensor } from '../../core';
import { arrayFor, type TypedArray } from '../../dtype';
import { bufferOf, bytesFor, checkDtype, createBuffer, gpu, USAGE, wrapBuffer } from './device';

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

export async function read(t: Tensor): Promise<TypedArray> {
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
  const data = cpuData(t);
  if (t.dtype === 'bool') return Uint32Array.from(data as Uint8Array);
  return data as Float32Array | Int32Array;
}

/** queue.writeBuffer of host bits (ordered before every later submit). */
export function writeBits(buffer: GPUBuffer, bits: Float32Array | Int32Array | Uint32Array): void {
  gpu().device.queue.writeBuffer(buffer, 0, bits as unknown as ArrayBufferView<ArrayBuffer>, 0, bits.length);
}

/** Upload a CPU tensor (synchronous: queue.writeBuffer is ordered before later submits). */
export function upload(t: Tensor): Tensor {
  const bits = hostBits(t, 'toDevice');
  const buffer = createBuffer(bytesFor(bits.length));
  if (bits.length > 0) writeBits(buffer, bits);
  return wrapBuffer(t.shape, t.dtype, buffer);
}

