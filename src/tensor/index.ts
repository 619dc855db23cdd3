/** The tensor layer: dtypes, shapes, the Tensor, the primitive set, backends and operations. */
import './backend/cpu';
import './methods';

export { cpuKernels } from './backend/cpu';
export { matmulKernel } from './backend/cpu/matmul';
/**
 * Opt-in worker threads for large float32 matmuls (Node): `setCpuThreads(suggestedCpuThreads())`.
 * Off by default: on a busy 2-core machine they did not pay; on an idle one they gave ~1.7x at
 * n = 256-512 (bench/threads.ts). Products below 256^3 always stay single-threaded.
 */
export { setSgemmThreads as setCpuThreads, suggestedThreads as suggestedCpuThreads } from './backend/cpu/wasm/sgemm';
export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose, toDevice, setWebGPUMemoryBudget, webgpuMemory, clearWebGPUCaches, setWebGPUCacheLimits, webgpuCacheSizes } from './backend/webgpu';
export type { InitOptions, WebGPUMemory, WebGPUCacheLimits } from './backend/webgpu';
export type { Kernel } from './backend/cpu';
export { erf as erfScalar } from './backend/cpu/special';

export { Tensor, Tracer, Trace, bind, bind1, evalPrimitive, registerImpl, higherOrderImpl, withMainTrace, withDynamicTrace, isMainActive, markDonated, isDonated, checkLive, setDebugNans, debugNansEnabled, transformationStack, fromStorage, wrapStorage, storageOf, cpuData, registerBackend, getBackend } from './core';
export type { Backend, Device, MainTrace } from './core';
export type { DType, TypedArray } from './dtype';
export { arrayFor, isFloat, promoteTypes, resultType } from './dtype';
export type { Aval } from './aval';
export { fmtAval } from './aval';
export { abstractEval } from './shapeRules';
export { registerUserPrimitive, findUserPrimitive } from './userPrimitives';
export type { CpuArray, UserPrimitive } from './userPrimitives';
export * from './primitives';
export { OpError, broadcastShapes, sizeOf, stridesOf, shapeEqual, normalizeAxis, normalizeAxes, contiguousStrides } from './shape';
export type { Shape } from './shape';
export { axisOrOptions, checkDType, checkFunction, checkNumber, checkOneOf, checkOptions, checkShape, describeValue, isPlainObject } from './validate';
export type { NumberRules } from './validate';
export * from './ops';
export { asTensor, describe } from './ops/create';
export { Var, Lit, Jaxpr, evalJaxpr, printJaxpr } from './jaxpr';
export type { Atom, Eqn } from './jaxpr';
export { clusterWrites, inPlaceReads } from './program';
export type { BufferPlan, BufferSpec, Cluster, ClusterInput, Executable, Lowering, LoweringInput, PlannedStep, Planner, PlanOptions, Slot, Step } from './program';
