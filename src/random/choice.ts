/**
 * Random choice (JAX's jax.random.choice), traceable like every sampler: with replacement by
 * inversion of the cumulative probabilities (one word per draw), without replacement by sorting
 * random keys (Gumbel top-k with probabilities, which draws successively without replacement in
 * proportion to them; a uniformly random permutation without), so neither needs a concrete key.
 */
import * as T from '../tensor';
import { checkOptions, fmtAval, Tensor } from '../tensor';
import { bits, checkKey, checkShape, randomError } from './key';
import { gumbel, unitUniforms } from './samplers';

export interface ChoiceOptions {
  /** Draw with replacement (default true). */
  readonly replace?: boolean;
  /** Probabilities of the n candidates (1-D, non-negative; normalized here); uniform when absent. */
  readonly p?: Tensor;
  /** The axis of `a` to choose along when `a` is a tensor (default 0). */
  readonly axis?: number;
}

/**
 * Random draws from `a`: an integer n (draws from 0..n-1, int32) or a tensor (its slices along
 * `axis`). The result has `shape` in place of that axis ([...keyBatch, ...shape] for an integer).
 * @example const i = choice(key(0), 10, [3]);                                   // 3 draws from 0..9
 * @example const w = choice(k, words, [5], { replace: false, p: weights });     // 5 distinct rows
 */
export function choice(key: Tensor, a: number | Tensor, shape: readonly number[] = [], options?: ChoiceOptions): Tensor {
  checkKey('choice', key);
  const s = checkShape('choice', shape);
  const { replace = true, p, axis = 0 } = checkOptions('choice', options, ['replace', 'p', 'axis']);
  if (typeof replace !== 'boolean') randomError('choice', `replace must be a boolean, got ${String(replace)}`);
  let n: number;
  let ax = 0;
  if (typeof a === 'number') {
    if (!Number.isInteger(a) || a < 0 || a > 2 ** 31 - 1) randomError('choice', `a must be a non-negative integer or a tensor, got ${a}`);
    n = a;
  } else if (a instanceof Tensor && a.ndim > 0) {
    ax = T.normalizeAxis('choice', axis, a.ndim);
    n = a.shape[ax]!;
  } else return randomError('choice', `a must be a non-negative integer or a tensor with at least one axis, got ${a instanceof Tensor ? fmtAval(a) : T.describe(a)}`);
  if (p !== undefined && (!(p instanceof Tensor) || p.ndim !== 1 || p.shape[0] !== n || !T.isFloat(p.dtype))) {
    randomError('choice', `p must be a 1-D float tensor of ${n} probabilities, got ${p instanceof Tensor ? fmtAval(p) : T.describe(p)}`);
  }
  const count = s.reduce((x, y) => x * y, 1);
  if (n === 0 && count > 0) randomError('choice', 'cannot draw from an empty set');
  if (!replace && count > n) randomError('choice', `cannot draw ${count} samples without replacement from ${n} candidates`);
  const batch = key.shape.slice(0, -1);
  let indices: Tensor;
  if (count === 0) indices = T.zeros([...batch, ...s], 'int32');
  else if (replace) indices = withReplacement(key, n, s, p);
  else indices = T.reshape(withoutReplacement(key, n, count, p), [...batch, ...s]);
  if (typeof a === 'number') return indices;
  const picked = T.take(a, T.reshape(indices, [indices.size]), { axis: ax });
  // [..a before axis.., ...keyBatch, ...shape, ..a after axis..]
  return T.reshape(picked, [...a.shape.slice(0, ax), ...indices.shape, ...a.shape.slice(ax + 1)]);
}

/** Inversion: the number of cumulative probabilities at or below u * total (clamped to n - 1). */
function withReplacement(key: Tensor, n: number, shape: readonly number[], p: Tensor | undefined): Tensor {
  const dtype = p?.dtype === 'float64' ? 'float64' : 'float32';
  const [u] = unitUniforms(key, shape, dtype, 1);
  if (!p) return T.astype(T.minimum(T.floor(T.mul(u!, n)), n - 1), 'int32');
  const cdf = T.cumsum(T.stopGradient(p));
  const total = T.slice(cdf, [{ start: n - 1 }]);
  const below = T.lessEqual(cdf, T.expandDims(T.mul(u!, total), -1));
  return T.minimum(T.sum(T.astype(below, 'int32'), { axis: -1 }), n - 1);
}

/** The first `count` of a random order: by Gumbel-perturbed log-probabilities, or by random words. */
function withoutReplacement(key: Tensor, n: number, count: number, p: Tensor | undefined): Tensor {
  const scores = p ? T.add(T.log(T.stopGradient(p)), gumbel(key, [n], { dtype: p.dtype === 'float64' ? 'float64' : 'float32' })) : bits(key, [n]);
  return T.topK(scores, count)[1];
}
