/**
 * The law predicates of every area, for users to run against their own functions, rules and
 * backends. Every predicate returns `true` or a reason string, and every numerical one takes an
 * `Approx` (the tolerance object, with a default that suits the law). The transformation laws,
 * `checkGrads` and the tolerance tools are exported at the top level; each other area's laws
 * live in a namespace, so their names never clash. Nothing here needs fast-check: the
 * arbitraries and `lawProperty` are in `tensorlaw/laws/arbitraries`.
 *
 *   import { approx, checkGrads, pushforwardPullbackDuality, treeLaws } from 'tensorlaw/laws';
 *   checkGrads(myLoss, [params, batch], { order: 2 });
 *   pushforwardPullbackDuality(myLayer, [params, x], 7, approx({ rtol: 1e-6 })); // true or why not
 */
export * from './approx';
export * from './result';
export * from './grad';
export * from './vmap';
export * from './checkGrads';
export * from './programs';
export * as gradUtil from './gradUtil';
export * as treeLaws from './tree';
export * as tensorLaws from './tensor';
export * as randomLaws from './random';
export * as optimLaws from './optim';
export * as ioLaws from './io';
export * as dataLaws from './data';
export * as nnLaws from './nn';
export * as jitLaws from './jit';
export * as onnxLaws from './onnx';
export * as storageLaws from './storage';
export * as loraLaws from './lora';
export * as pipelineLaws from './pipeline';
export * as trainingLaws from './training';
export * as linalgLaws from './linalg';
