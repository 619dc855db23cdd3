/**
 * fast-check arbitraries for the laws, and `lawProperty`, which turns a law predicate into a
 * property whose failure message is the law's reason. This entry needs fast-check (an optional
 * peer dependency: `npm install --save-dev fast-check`); `tensorlaw/laws` itself does not.
 *
 *   import { lawProperty, programArb } from 'tensorlaw/laws/arbitraries';
 *   fc.assert(lawProperty(programArb(), fc.nat(), (p, s) => jitMatchesEager(runProgram(p), p.sample(s))), { seed: 1 });
 */
export * from './property';
export * from './programs';
export * from '../gradPrims';
export * from './tree';
export * from './optim';
export * from './random';
export * from './data';
export * from './io';
export * from './linalg';
