/**
 * The pieces jit's WebGPU lowering (src/grad/jit/webgpu.ts) builds programs from: kernel plans,
 * WGSL generation, buffers and tensor storage. Not part of the public API.
 */
export { planFor } from './kernels';
export { foldSteps, monoid, type FoldSource } from './reduce';
export { dispatch, dotIndex, encodeSteps, input, output, perElement, pipelineCount, unravel, type Binding, type Step } from './plan';
export { elementExpr } from './elementwise';
export { Emit, literal, load, storageType, store } from './wgsl';
export { bufferOf, bytesFor, checkDtype, createBuffer, destroyBuffer, gpu, releaseOnCollect, forgetOnCollect, takeDonated, wrapBuffer, type Releasable } from './device';
export { hostBits, writeBits } from './index';
