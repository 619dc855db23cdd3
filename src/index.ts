/**
 * tensorlaw: immutable tensors and composable transformations. The package root is the user
 * API: tensors and operations, devices, and the transformations. The tracing core's extension
 * points (bind, tracers, interpreters, jaxprs, definePrimitive) are in 'tensorlaw/extend'.
 * @example
 *   import { grad, jit, sum, square, tensor } from 'tensorlaw';
 *   jit(grad((x) => sum(square(x))))(tensor([1, 2, 3]));   // [2, 4, 6]
 */
import './tensor';

export * from './tensor/ops';
export { Tensor, OpError, broadcastShapes, promoteTypes, resultType, isFloat, isDonated, setDebugNans, debugNansEnabled } from './tensor';
export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose, toDevice, setCpuThreads, suggestedCpuThreads } from './tensor';
export { setWebGPUMemoryBudget, webgpuMemory, clearWebGPUCaches, setWebGPUCacheLimits, webgpuCacheSizes } from './tensor';
export type { DType, Device, Shape, AdapterOptions, InitOptions, TensorMethods, WebGPUMemory, WebGPUCacheLimits } from './tensor';
export * from './grad';
export * as linalg from './linalg';
// The pytree stopGradient (src/grad) takes precedence over the tensor-only one of './tensor/ops'.
export { stopGradient } from './grad';
