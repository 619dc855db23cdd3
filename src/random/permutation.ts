/**
 * Permutations. There is no sort primitive, and permutations are rarely traced, so they are
 * drawn eagerly: the key's stream (offset 0) is read with dataSync and drives a Fisher–Yates
 * shuffle. The key must therefore be concrete; the tensor being shuffled may be traced.
 */
import * as T from '../tensor';
import { fmtAval, Tensor } from '../tensor';
import { checkKey, randomError, SAMPLE_OFFSET } from './key';

/** The concrete value of a key, or a clear error when a transformation traces it. */
function concreteKey(op: string, key: Tensor): Tensor {
  checkKey(op, key);
  const k = key instanceof T.Tracer ? key.concreteValue() : key;
  if (!k) {
    randomError(op, `needs a concrete key: it shuffles eagerly (Fisher–Yates on the key's bits), so it cannot take a key traced by a transformation (got a traced ${fmtAval(key)}); draw the permutation outside the transformation and pass it in`);
  }
  if (k.ndim !== 1) randomError(op, `takes a single key of shape [2], got ${fmtAval(k)}; map over a batch of keys eagerly`);
  return k;
}

/**
 * Fisher–Yates: for i = n-1 down to 1, swap i with j = floor(u * (i + 1)), where u is a 53-bit
 * uniform from two words of the stream (word t and word n - 1 + t), as in the float64 uniform.
 */
function shuffledIndices(key: Tensor, n: number): Int32Array {
  const m = Math.max(n - 1, 0);
  const w = T.bind1('randomBits', [key], { shape: [2 * m], offset: SAMPLE_OFFSET }).dataSync() as Int32Array;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1, t = 0; i >= 1; i--, t++) {
    const u = ((w[t]! >>> 5) * 2 ** 26 + (w[m + t]! >>> 6)) * 2 ** -53;
    const j = Math.floor(u * (i + 1));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return perm;
}

export interface ShuffleOptions {
  /** The axis to permute (default 0). */
  readonly axis?: number;
}

/**
 * A random permutation of 0..n-1 (int32 [n]), or of a tensor's slices along `axis`. The key
 * must be concrete (not traced by vmap or jit); the tensor may be traced.
 * @example const order = permutation(key(0), 10);          // int32 [10]
 * @example const rows = permutation(k, x);                 // x with its rows shuffled
 */
export function permutation(key: Tensor, n: number | Tensor, options: ShuffleOptions = {}): Tensor {
  T.checkOptions('permutation', options, ['axis']);
  if (n instanceof Tensor) return shuffle(key, n, options);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) randomError('permutation', `n must be a non-negative integer (or a Tensor to shuffle), got ${String(n)}`);
  return T.tensor(shuffledIndices(concreteKey('permutation', key), n), { shape: [n] });
}

/**
 * `x` with its slices along `axis` in a random order (take with a permutation).
 * @example const shuffled = shuffle(key(0), T.arange(5));
 * @example const cols = shuffle(k, x, { axis: 1 });
 */
export function shuffle(key: Tensor, x: Tensor, options: ShuffleOptions = {}): Tensor {
  T.checkOptions('shuffle', options, ['axis']);
  const k = concreteKey('shuffle', key);
  if (!(x instanceof Tensor) || x.ndim === 0) randomError('shuffle', `x must be a tensor with at least one axis, got ${x instanceof Tensor ? fmtAval(x) : T.describe(x)}`);
  const axis = T.normalizeAxis('shuffle', options.axis ?? 0, x.ndim);
  const perm = T.tensor(shuffledIndices(k, x.shape[axis]!), { shape: [x.shape[axis]!] });
  return T.take(x, perm, { axis });
}
