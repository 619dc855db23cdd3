/**
 * The law predicates of every area, for users to run against their own functions, rules and
 * backends. The transformation laws and `checkGrads` are exported at the top level; each other
 * area's laws live in a namespace, so their names never clash.
 *
 *   import { checkGrads, pushforwardPullbackDuality, treeLaws } from 'tensorlaw/laws';
 *   checkGrads(myLoss, [params, batch], { order: 2 });
 */
export * from './grad';
export * from './checkGrads';
export * from './programs';
export * from './gradPrims';
export * as gradUtil from './gradUtil';
export * as treeLaws from './tree';
export * as tensorLaws from './tensor';
export * as randomLaws from './random';
export * as optimLaws from './optim';
export * as ioLaws from './io';
export * as dataLaws from './data';
export * as nnLaws from './nn';
export * as jitLaws from './jit';
export * as pipelineLaws from './pipeline';
export * as trainingLaws from './training';
