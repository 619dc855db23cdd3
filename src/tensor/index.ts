/** The tensor layer: dtypes, shapes, the Tensor, the primitive set, backends and operations. */
import './backend/cpu';
import './methods';

export { cpuKernels } from './backend/cpu';
export { matmulKernel } from './backend/cpu/matmul';
/**
 * Worker threads for large float32 matmuls, on by default (one per further core where threads
 * can share memory): `setCpuThreads(0)` turns them off, `suggestedCpuThreads()` is the default.
 */
export { setSgemmThreads as setCpuThreads, suggestedThreads as suggestedCpuThreads } from './backend/cpu/wasm/sgemm';
export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose, toDevice, webgpuInternals } from './backend/webgpu';
export type { InitOptions } from './backend/webgpu';
export type { Kernel } from './backend/cpu';
export { erf as erfScalar } from './backend/cpu/special';

export { Tensor, Tracer, Trace, bind, bind1, evalPrimitive, registerImpl, higherOrderImpl, withMainTrace, withDynamicTrace, isMainActive, markDonated, isDonated, checkLive, setDebugNans, debugNansEnabled, transformationStack, fromStorage, registerBackend, getBackend } from './core';
export type { Backend, Device, MainTrace } from './core';
export type { DType, TypedArray } from './dtype';
export { arrayFor, isFloat, promoteTypes, resultType } from './dtype';
export type { Aval } from './aval';
export { fmtAval } from './aval';
export { abstractEval } from './shapeRules';
export * from './primitives';
export { OpError, broadcastShapes, sizeOf, stridesOf, shapeEqual, normalizeAxis, normalizeAxes } from './shape';
export type { Shape } from './shape';
export * from './ops';
