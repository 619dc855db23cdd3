// asTensor and describe (argument coercion and error wording) stay internal: src/tensor/index.ts
// exports them to the other areas, the package root does not.
export { tensor, scalar, full, zeros, ones, zerosLike, onesLike, fullLike, arange, linspace, eye, resultTypeOf } from './create';
export type { TensorLike, NestedArray, TensorOptions, TypedArray } from './create';
export { astype, broadcastTo } from './broadcast';
export * from './elementwise';
export * from './activations';
export * from './reduce';
export * from './shape';
export * from './slice';
export * from './join';
export * from './indexing';
export * from './linalg';
export * from './einsum';
export * from './conv';
export * from './dynamic';
export * from './sort';
export * from './cumulative';
export * from './diagonal';
export * from './tiling';
export * from './at';
