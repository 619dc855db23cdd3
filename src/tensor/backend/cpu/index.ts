/**
 * The CPU backend: typed-array kernels (./kernels.ts) for eager evaluation, and the jit lowering
 * (./jit/) that compiles fused programs into generated JS and Wasm SIMD loops.
 */
import { fromStorage, registerBackend, storageOf, type Backend } from '../../core';
import { arrayFor, type TypedArray } from '../../dtype';
import { sizeOf } from '../../shape';
import { cpuKernel } from './kernels';
import { lowerCpu } from './jit/lower';

export { cpuKernels, cpuKernel, type Kernel } from './kernels';

export const cpuBackend: Backend = {
  name: 'cpu',
  run(prim, inputs, params, out) {
    const y = arrayFor(out.dtype, sizeOf(out.shape));
    cpuKernel(prim)(inputs.map((t) => ({ data: storageOf(t) as TypedArray, shape: t.shape, dtype: t.dtype })), params, out, y);
    return fromStorage(out.shape, out.dtype, y);
  },
  lower: lowerCpu,
};

registerBackend(cpuBackend);
