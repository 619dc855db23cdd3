/**
 * Splittable counter-based random numbers in JAX's style: explicit keys (int32 [2]), `split` and
 * `foldIn` to derive new ones, and samplers that are pure functions of (key, shape, options).
 * The same key gives the same numbers every time, on every backend. See key.ts for the counter
 * scheme that keeps sampling, splitting and folding apart.
 */
export { key, split, splitList, foldIn, bits, MAX_FOLD_IN_DATA, type TupleOf } from './key';
export { uniform, normal, gumbel, truncatedNormal, bernoulli, categorical, randint, exponential } from './samplers';
export { gamma, loggamma, beta, dirichlet } from './gamma';
export { poisson } from './poisson';
export type { PoissonOptions } from './poisson';
export { multivariateNormal } from './multivariate';
export { choice } from './choice';
export type { ChoiceOptions } from './choice';
export type { FloatDType, FloatOptions, UniformOptions, CategoricalOptions } from './samplers';
export { permutation, shuffle } from './permutation';
export type { ShuffleOptions } from './permutation';
