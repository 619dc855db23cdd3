/**
 * Selecting parameters by their key path (`keyPathToString`: '[0].weight', '.encoder.layers[2].bias'),
 * so masks, freezing and penalties can name leaves the way checkpoints and summaries print them.
 */
import { describeValue, isFloat, opError, Tensor } from '../tensor';
import { keyPathToString, mapWithPath } from '../tree';

/**
 * Which leaves a path pattern selects: a RegExp tested against the path string, a glob string
 * matched against the whole path (`*` stands for any run of characters), or a predicate.
 *
 *   const weights: PathPattern = '*.weight';
 *   const firstLayer: PathPattern = /^\[0\]\./;
 */
export type PathPattern = RegExp | string | ((path: string, leaf: Tensor) => boolean);

/** The predicate of a pattern over (path string, leaf). */
export function pathMatcher(pattern: PathPattern, fn = 'pathMask'): (path: string, leaf: Tensor) => boolean {
  if (typeof pattern === 'function') return pattern;
  if (pattern instanceof RegExp) return (path) => new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(path);
  if (typeof pattern === 'string') {
    const glob = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return (path) => glob.test(path);
  }
  return opError(fn, `a path pattern is a RegExp, a glob string or a function (path, leaf) => boolean, got ${describeValue(pattern)}`);
}

/**
 * A mask (for `masked`, `freeze`, `addDecayedWeights`, ...) that is true at the float tensor
 * leaves whose key path matches `pattern`.
 *
 *   chain(adam(1e-3), freeze(pathMask('[0].*')));              // freeze the first layer
 *   addDecayedWeights(1e-4, pathMask(/\.weight$/));            // decay weights, not biases
 */
export function pathMask(pattern: PathPattern): (tree: unknown) => unknown {
  const matches = pathMatcher(pattern);
  return (tree) => mapWithPath((path, leaf: unknown) => leaf instanceof Tensor && isFloat(leaf.dtype) && matches(keyPathToString(path), leaf), tree);
}
