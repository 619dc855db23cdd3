/**
 * Keys and raw bits. A key is an int32 tensor of shape [2] holding two uint32 words as int32 bit
 * patterns; a batch of keys has shape [..., 2]. Every function here is built from the
 * `randomBits` primitive, so keys work under vmap, grad (as constants) and jit.
 *
 * Counter scheme. `randomBits(key, { shape, offset })` hashes counter (offset, block) with
 * threefry-2x32, two words per block. The offset separates the uses of one key so they never
 * share a counter:
 *
 *   offset 0          sampling (every sampler, permutation)
 *   offset 1          split: child key j is block j, i.e. counter (1, j)
 *   offset 2 + data   foldIn(key, data): block 0, i.e. counter (2 + data, 0), data in [0, 2^32 - 3]
 *
 * Sampling never leaves offset 0 and splitting never leaves offset 1, so for data >= 0 no two of
 * them collide, and distinct data give distinct counters.
 */
import * as T from '../tensor';
import { fmtAval, Tensor } from '../tensor';

/** Offsets of the counter space; see the scheme above. */
export const SAMPLE_OFFSET = 0;
export const SPLIT_OFFSET = 1;
export const FOLD_IN_OFFSET = 2;
/**
 * The largest `data` foldIn accepts (2^32 - 3): 2 + data must stay a uint32.
 * @example foldIn(k, step % (MAX_FOLD_IN_DATA + 1));
 * @example if (id > MAX_FOLD_IN_DATA) k = foldIn(foldIn(k, Math.floor(id / 2 ** 31)), id % 2 ** 31);
 */
export const MAX_FOLD_IN_DATA = 2 ** 32 - 1 - FOLD_IN_OFFSET;

/** Error from a random function, named like the tensor errors: `uniform: ...`. */
export function randomError(op: string, message: string): never {
  throw new T.OpError(op, message);
}

/** Check that `key` is an int32 tensor of shape [2] or [..., 2]; returns the batch shape. */
export function checkKey(op: string, key: unknown): number[] {
  const ok = key instanceof Tensor && key.dtype === 'int32' && key.ndim >= 1 && key.shape[key.ndim - 1] === 2;
  if (!ok) {
    const got = key instanceof Tensor ? fmtAval(key) : T.describe(key);
    randomError(op, `key must be an int32 tensor of shape [2] (or [..., 2]), got ${got}; make one with key(seed)`);
  }
  return (key as Tensor).shape.slice(0, -1);
}

/** Check a shape argument: an array of non-negative integers. */
export function checkShape(op: string, shape: unknown): number[] {
  return T.checkShape(op, shape).slice();
}

/**
 * A key from an integer seed. Like JAX, the seed is read as a 64-bit two's-complement integer
 * and split into its high and low 32-bit words, so key(0) is [0, 0] and key(42) is [0, 42].
 * @example const k = key(0);
 * @example const [k1, k2] = splitList(key(42));
 */
export function key(seed: number): Tensor {
  if (!Number.isSafeInteger(seed)) randomError('key', `seed must be a safe integer (|seed| <= 2^53 - 1), got ${T.describeValue(seed)}`);
  const hi = Math.floor(seed / 2 ** 32);
  const lo = seed - hi * 2 ** 32;
  return T.tensor(new Int32Array([hi | 0, lo | 0]), { shape: [2] });
}

/**
 * `n` new keys from one: shape [n, 2] (or [..., n, 2] for a batch of keys). The children are
 * counters (1, 0..n-1) of the parent, disjoint from anything the parent samples.
 * @example const keys = split(key(0), 3);                  // [3, 2]
 * @example const xs = vmap((k: Tensor) => normal(k, [4]))(keys); // [3, 4]
 */
export function split(key: Tensor, n = 2): Tensor {
  checkKey('split', key);
  if (!Number.isInteger(n) || n < 1) randomError('split', `n must be a positive integer, got ${String(n)}`);
  return T.bind1('randomBits', [key], { shape: [n, 2], offset: SPLIT_OFFSET });
}

/**
 * A tuple of N values of type T when N is a literal (up to 64), `T[]` otherwise, so
 * `splitList(k, 3)` destructures into three keys without non-null assertions.
 * @example const keys: TupleOf<Tensor, 3> = splitList(key(0), 3);
 */
export type TupleOf<T, N extends number, Acc extends T[] = []> =
  number extends N ? T[] : Acc['length'] extends N ? Acc : Acc['length'] extends 64 ? T[] : TupleOf<T, N, [...Acc, T]>;

/**
 * `split` as a JS array of `n` keys, for destructuring (each [2], or [..., 2] for a batch); a
 * tuple type for a literal `n`.
 * @example const [paramsKey, dropoutKey] = splitList(key(0));
 * @example const ks = splitList(key(1), 4);
 */
export function splitList<N extends number = 2>(key: Tensor, n?: N): TupleOf<Tensor, N>;
export function splitList(key: Tensor, n = 2): Tensor[] {
  checkKey('splitList', key);
  if (!Number.isInteger(n) || n < 1) randomError('splitList', `n must be a positive integer, got ${String(n)}`);
  const keys = T.bind1('randomBits', [key], { shape: [n, 2], offset: SPLIT_OFFSET });
  return T.split(keys, n, -2).map((k) => T.squeeze(k, -2));
}

/**
 * A new key that mixes an integer into `key` (counter (2 + data, 0)); distinct data give
 * independent keys, e.g. one per training step or per layer.
 * @example const stepKey = foldIn(key(0), step);
 * @example const k = foldIn(foldIn(key(0), epoch), batch);
 */
export function foldIn(key: Tensor, data: number): Tensor {
  checkKey('foldIn', key);
  if (!Number.isInteger(data) || data < 0 || data > MAX_FOLD_IN_DATA) {
    randomError('foldIn', `data must be an integer in [0, ${MAX_FOLD_IN_DATA}], got ${String(data)}`);
  }
  return T.bind1('randomBits', [key], { shape: [2], offset: FOLD_IN_OFFSET + data });
}

/**
 * Uniform random 32-bit words as int32 bit patterns, shape [...keyBatch, ...shape]: the raw
 * stream every sampler draws from (counter offset 0).
 * @example const b = bits(key(0), [4]);            // int32 [4]
 * @example const perKey = bits(split(key(0), 3), [4]); // int32 [3, 4]
 */
export function bits(key: Tensor, shape: readonly number[] = []): Tensor {
  checkKey('bits', key);
  return T.bind1('randomBits', [key], { shape: checkShape('bits', shape), offset: SAMPLE_OFFSET });
}

/**
 * `count` independent words per element, each of shape [...keyBatch, ...shape]: word w of
 * element i is stream word w * size + i, so one call to randomBits serves them all.
 */
export function words(key: Tensor, shape: readonly number[], count: number): Tensor[] {
  const batch = key.shape.slice(0, -1);
  const size = shape.reduce((a, b) => a * b, 1);
  const raw = T.bind1('randomBits', [key], { shape: [count * size], offset: SAMPLE_OFFSET });
  const parts = count === 1 ? [raw] : T.split(raw, count, -1);
  return parts.map((p) => T.reshape(p, [...batch, ...shape]));
}

/** Logical right shift of int32 bit patterns. */
export function srl(x: Tensor, shift: number): Tensor {
  return T.bind1('shiftRightLogical', [x], { shift });
}
