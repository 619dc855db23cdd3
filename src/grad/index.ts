/** Transformations: forward and reverse differentiation, batching, staging. */
export { jvp, linearize, vjp, grad, valueAndGrad, linearTranspose } from './api';
export type { AuxOptions, GradOptions } from './api';
export { vmap } from './vmapApi';
export type { VmapOptions, AxisSpec } from './vmapApi';
export { jacfwd, jacrev, hessian } from './jacobians';
export type { JacobianOptions } from './jacobians';
export { makeJaxpr, evalShape, ShapeDtype } from './stagingApi';
export { Jaxpr, evalJaxpr, printJaxpr } from '../tensor';
import './higher/impl';
export { customJvp, customVjp } from './custom';
export type { Cotangents } from './custom';
export { jit, DEFAULT_JIT_CACHE_SIZE } from './jit/jit';
export type { JitOptions, JitStats, Jitted } from './jit/jit';
export { cond, switchCase, switchCase as switch, scan, whileLoop, fori } from './control';
export type { ScanOptions, Traced, TracedArgs } from './control';
export { checkpoint } from './checkpoint';
export type { CheckpointOptions } from './checkpoint';
