/** Transformations: forward and reverse differentiation, batching, staging. */
export { jvp, linearize, vjp, grad, valueAndGrad, linearTranspose } from './api';
export type { GradOptions } from './api';
export type { AuxOptions, WithAuxOption } from './aux';
export type { Argnums, AsTensors, GradientOf, Jacobian, JacobianInput, ScalarOutput, ShapeDtypeLike, ShapeDtypes, TensorTree, WithAux } from './types';
export { vmap } from './vmapApi';
export type { VmapOptions, AxisSpec } from './vmapApi';
export { jacfwd, jacrev, hessian } from './jacobians';
export type { JacobianOptions, JacrevOptions } from './jacobians';
export { makeJaxpr, evalShape, ShapeDtype } from './stagingApi';
export { Jaxpr, evalJaxpr, printJaxpr } from '../tensor';
export { customJvp, customVjp } from './custom';
export { jit } from './jit/jit';
export type { JitOptions, JitStats, Jitted } from './jit/jit';
export { cond, scan, fori } from './control';
export { stopGradient } from './stopGradient';
export type { ScanOptions } from './control';
