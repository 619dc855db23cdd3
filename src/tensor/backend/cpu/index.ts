/**
 * The CPU backend: typed-array kernels (./kernels.ts) for eager evaluation, and the jit lowering
 * (./jit/) that compiles fused programs into generated JS and Wasm SIMD loops.
 */
import { fromStorage, registerBackend, storageOf, type Backend } from '../../core';
import type { TypedArray } from '../../dtype';
import { sizeOf } from '../../shape';
import { cpuKernel } from './kernels';
import { lowerCpu } from './jit/lower';
import { allocateStorage } from './pool';

export { cpuKernels, cpuKernel, type Kernel } from './kernels';
export { afterJitCall, allocateStorage, poolStats } from './pool';

export const cpuBackend: Backend = {
  name: 'cpu',
  run(prim, inputs, params, out) {
    // Large results land in reused storage when the pool has some (./pool.ts).
    const y = allocateStorage(out.dtype, sizeOf(out.shape));
    cpuKernel(prim)(inputs.map((t) => ({ data: storageOf(t) as TypedArray, shape: t.shape, dtype: t.dtype })), params, out, y);
    return fromStorage(out.shape, out.dtype, y);
  },
  lower: lowerCpu,
};

registerBackend(cpuBackend);
