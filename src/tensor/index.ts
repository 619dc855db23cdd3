/** The tensor layer: dtypes, shapes, the Tensor, the primitive set, backends and operations. */
import './backend/cpu';
import './methods';

export { cpuKernels, allocateStorage, poolStats } from './backend/cpu';
export { matmulKernel } from './backend/cpu/matmul';
/**
 * Worker threads for large float32 matmuls, on by default (one per further core where threads
 * can share memory): `setCpuThreads(0)` turns them off, `suggestedCpuThreads()` is the default.
 */
export { setSgemmThreads as setCpuThreads, suggestedThreads as suggestedCpuThreads } from './backend/cpu/wasm/sgemm';
export { initWebGPU, closeWebGPU, webgpuAvailable, liveBufferCount, dispose, toDevice, setWebGPUMemoryBudget, webgpuMemory, clearWebGPUCaches, setWebGPUCacheLimits, webgpuCacheSizes } from './backend/webgpu';
export type { AdapterOptions, InitOptions, WebGPUMemory, WebGPUCacheLimits } from './backend/webgpu';
export type { Kernel } from './backend/cpu';
export { erf as erfScalar } from './backend/cpu/special';

export { Tensor, Tracer, Trace, bind, bind1, evalPrimitive, installHigherOrderImpl, withMainTrace, withDynamicTrace, isMainActive, markDonated, isDonated, checkLive, setDebugNans, debugNansEnabled, transformationStack, fromStorage, wrapStorage, storageOf, cpuData, registerBackend, getBackend } from './core';
export type { Backend, Device, MainTrace, TensorMethods } from './core';
export type { DType, TypedArray } from './dtype';
export { arrayFor, isFloat, promoteTypes, resultType } from './dtype';
export type { Aval } from './aval';
export { fmtAval } from './aval';
export { abstractEval } from './shapeRules';
export { registerUserPrimitive, findUserPrimitive } from './userPrimitives';
export type { CpuArray, UserPrimitive } from './userPrimitives';
export * from './primitives';
export { OpError, opError, broadcastShapes, sizeOf, stridesOf, shapeEqual, normalizeAxis, normalizeAxes, contiguousStrides } from './shape';
export type { Shape } from './shape';
export { axisOrOptions, checkBoolean, checkDType, checkFunction, checkNumber, checkOneOf, checkOptions, checkShape, describeValue, dtypeOrOptions, isPlainObject, optionKeys } from './validate';
export type { NumberRules } from './validate';
export * from './ops';
export { asTensor, describe } from './ops/create';
export * as laxLinalg from './ops/laxLinalg';
export { clampedStart, resolveRange } from './ops/ranges';
export type { ResolvedRange } from './ops/ranges';
export { Var, Lit, Jaxpr, ClosedJaxpr, closedJaxprsIn, evalJaxpr, evalClosed, printJaxpr } from './jaxpr';
export { HIGHER_ORDER_PRIMS, isHigherOrder, customVjpForwardError } from './higherOrder';
export type { CheckpointParams, CheckpointPolicy, CondParams, CustomJvpParams, CustomVjpLinearParams, CustomVjpParams, HigherOrderParams, HigherOrderPrim, JitCallParams, JitCounters, ScanParams, WhileParams } from './higherOrder';
export type { Atom, Eqn } from './jaxpr';
export { clusterWrites, inPlaceReads } from './program';
export type { BufferPlan, BufferSpec, Cluster, ClusterInput, Executable, Lowering, LoweringInput, PlannedStep, Planner, PlanOptions, Slot, Step } from './program';
