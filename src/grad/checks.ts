/**
 * Argument checks at the top of the public transformations: the function, the option keys, and
 * for jvp the tangents' structure against the primals'. Each is one line in the transformation
 * it guards, so the checks stay out of the way of the code that does the work.
 */
import { checkFunction, checkOptions, describeValue, opError } from '../tensor';
import { matchStructure, structure } from '../tree';

/**
 * `f` must be a function and `options` a plain object whose keys are all in `keys`.
 *
 *   checkTransform('grad', f, options, gradKeys);
 */
export function checkTransform(fn: string, f: unknown, options: object | undefined, keys: readonly string[]): void {
  checkFunction(fn, f);
  checkOptions(fn, options as Record<string, unknown> | undefined, keys);
}

/**
 * jvp's primals and tangents: arrays with one entry per argument, the tangents shaped like the
 * primals (a mismatch names the argument and the key path, e.g. `[0].b`).
 *
 *   checkTangents('jvp', [params], [tangents]);
 */
export function checkTangents(fn: string, primals: unknown, tangents: unknown): void {
  if (!Array.isArray(primals)) opError(fn, `primals must be an array with one entry per argument of the function, got ${describeValue(primals)}`);
  if (!Array.isArray(tangents)) opError(fn, `tangents must be an array with one entry per primal, got ${describeValue(tangents)}`);
  matchStructure(structure(primals), tangents, { operation: fn, exact: true, names: ['the primal tree', 'the tangent tree'] });
}
