import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { grad, makeJaxpr, evalJaxpr, vmap } from '../src/grad';
import * as R from '../src/random';
import { erfinv } from '../src/random/erfinv';
import { threefry2x32 } from '../src/tensor/backend/cpu/threefry';
import { sameValue } from '../laws/approx';

const k0 = R.key(0);
const words = (k: Tensor): number[] => Array.from(k.dataSync());
/** The threefry block (offset, block) of key k as int32 words: the reference for the scheme. */
const block = (k: Tensor, offset: number, b: number): number[] => {
  const [a, c] = words(k);
  return threefry2x32(a!, c!, offset, b).map((w) => w | 0);
};

describe('key', () => {
  it('splits the seed into high and low words like JAX', () => {
    expect(words(R.key(0))).toEqual([0, 0]);
    expect(words(R.key(42))).toEqual([0, 42]);
    expect(words(R.key(2 ** 32))).toEqual([1, 0]);
    expect(words(R.key(2 ** 32 + 5))).toEqual([1, 5]);
    expect(words(R.key(-1))).toEqual([-1, -1]);
    expect(words(R.key(Number.MAX_SAFE_INTEGER))).toEqual([2 ** 21 - 1, -1]);
    expect(words(R.key(Number.MIN_SAFE_INTEGER))).toEqual([-(2 ** 21), 1]);
    expect(R.key(3).dtype).toBe('int32');
    expect(R.key(3).shape).toEqual([2]);
  });
  it('rejects seeds that are not safe integers', () => {
    for (const bad of [1.5, NaN, Infinity, 2 ** 53, '1' as unknown as number]) expect(() => R.key(bad)).toThrow(/^key: seed must be a safe integer/);
  });
});

describe('counter scheme', () => {
  it('split child j is block (1, j)', () => {
    const k = R.key(123);
    const s = R.split(k, 3);
    expect(s.shape).toEqual([3, 2]);
    expect(s.toArray()).toEqual([0, 1, 2].map((j) => block(k, 1, j)));
  });
  it('foldIn(k, d) is block (2 + d, 0)', () => {
    const k = R.key(9);
    expect(words(R.foldIn(k, 0))).toEqual(block(k, 2, 0));
    expect(words(R.foldIn(k, 1000))).toEqual(block(k, 1002, 0));
    expect(words(R.foldIn(k, R.MAX_FOLD_IN_DATA))).toEqual(block(k, 2 ** 32 - 1, 0));
  });
  it('sampling reads offset 0: uniform float32 is the top 24 bits of each word', () => {
    const k = R.key(5);
    const expected = [...block(k, 0, 0), ...block(k, 0, 1), ...block(k, 0, 2)].slice(0, 5).map((w) => (w >>> 8) * 2 ** -24);
    expect(Array.from(R.uniform(k, [5]).dataSync())).toEqual(expected);
    expect(Array.from(R.bits(k, [5]).dataSync())).toEqual([...block(k, 0, 0), ...block(k, 0, 1), ...block(k, 0, 2)].slice(0, 5));
  });
  it('float64 uniform joins 27 + 26 bits of words i and size + i', () => {
    const k = R.key(5);
    const w = Array.from(R.bits(k, [6]).dataSync());
    const expected = [0, 1, 2].map((i) => ((w[i]! >>> 5) * 2 ** 26 + (w[3 + i]! >>> 6)) * 2 ** -53);
    const u = R.uniform(k, [3], { dtype: 'float64' });
    expect(u.dtype).toBe('float64');
    expect(Array.from(u.dataSync())).toEqual(expected);
    // More than float32's 24 bits of resolution.
    expect(expected.some((v) => !Number.isInteger(v * 2 ** 24))).toBe(true);
  });
  it('regression: the numbers for key(0) do not change', () => {
    expect(Array.from(R.uniform(k0, [3]).dataSync())).toEqual([0.4184570908546448, 0.6004990339279175, 0.21629542112350464]);
    expect(words(R.split(k0, 1))).toEqual([1351547692, -1059176654]);
    expect(words(R.foldIn(k0, 5))).toEqual([645374554, 1993301756]);
  });
});

describe('split, splitList, foldIn', () => {
  it('batched keys split along a new axis before the key axis', () => {
    const ks = R.split(k0, 3);
    const s = R.split(ks, 4);
    expect(s.shape).toEqual([3, 4, 2]);
    expect(T.take(s, 1, { axis: 0 }).toArray()).toEqual(R.split(T.take(ks, 1, { axis: 0 }), 4).toArray());
    expect(R.foldIn(ks, 3).shape).toEqual([3, 2]);
  });
  it('splitList gives the rows of split', () => {
    const list = R.splitList(k0, 3);
    expect(list).toHaveLength(3);
    expect(T.stack(list).toArray()).toEqual(R.split(k0, 3).toArray());
    expect(list[0]!.shape).toEqual([2]);
  });
  it('validates n and data', () => {
    expect(() => R.split(k0, 0)).toThrow(/^split: n must be a positive integer, got 0/);
    expect(() => R.split(k0, 1.5)).toThrow(/^split: n must be a positive integer/);
    expect(() => R.splitList(k0, -1)).toThrow(/^splitList: n must be a positive integer/);
    expect(() => R.foldIn(k0, -1)).toThrow(/^foldIn: data must be an integer in \[0, 4294967293\], got -1/);
    expect(() => R.foldIn(k0, 0.5)).toThrow(/^foldIn: data must be an integer/);
    expect(() => R.foldIn(k0, R.MAX_FOLD_IN_DATA + 1)).toThrow(/^foldIn: data must be an integer/);
  });
});

describe('key validation names the function', () => {
  const bad: [string, unknown][] = [
    ['float key', T.zeros([2])],
    ['wrong last axis', T.zeros([3], 'int32')],
    ['0-d', T.scalar(1, 'int32')],
    ['number', 7],
  ];
  const fns: [string, (k: any) => unknown][] = [
    ['split', (k) => R.split(k)],
    ['splitList', (k) => R.splitList(k)],
    ['foldIn', (k) => R.foldIn(k, 1)],
    ['bits', (k) => R.bits(k, [2])],
    ['uniform', (k) => R.uniform(k, [2])],
    ['normal', (k) => R.normal(k, [2])],
    ['gumbel', (k) => R.gumbel(k, [2])],
    ['truncatedNormal', (k) => R.truncatedNormal(k, -1, 1, [2])],
    ['bernoulli', (k) => R.bernoulli(k, 0.5, [2])],
    ['categorical', (k) => R.categorical(k, T.zeros([3]))],
    ['randint', (k) => R.randint(k, [2], 0, 3)],
    ['permutation', (k) => R.permutation(k, 3)],
    ['shuffle', (k) => R.shuffle(k, T.zeros([3]))],
  ];
  for (const [name, f] of fns) {
    it(name, () => {
      for (const [, k] of bad) expect(() => f(k)).toThrow(new RegExp(`^${name}: key must be an int32 tensor of shape \\[2\\] \\(or \\[\\.\\.\\., 2\\]\\)`));
    });
  }
});

describe('shapes and dtypes', () => {
  const ks = R.split(k0, 4);
  it('float samplers: float32 by default, float64 on request, key batch first', () => {
    for (const f of [R.uniform, R.normal, R.gumbel]) {
      expect(f(k0, [2, 3]).shape).toEqual([2, 3]);
      expect(f(k0, [2, 3]).dtype).toBe('float32');
      expect(f(k0, [2], { dtype: 'float64' }).dtype).toBe('float64');
      expect(f(ks, [2, 3]).shape).toEqual([4, 2, 3]);
      expect(f(k0).shape).toEqual([]);
      expect(f(k0, [0, 3]).shape).toEqual([0, 3]);
    }
  });
  it('truncatedNormal takes its shape from the bounds by default', () => {
    expect(R.truncatedNormal(k0, -1, 1).shape).toEqual([]);
    expect(R.truncatedNormal(k0, T.tensor([-1, -2, 0]), 1).shape).toEqual([3]);
    expect(R.truncatedNormal(k0, -1, 1, [2, 5], { dtype: 'float64' }).dtype).toBe('float64');
    expect(R.truncatedNormal(ks, -1, 1, [5]).shape).toEqual([4, 5]);
  });
  it('bernoulli gives bool of p shape by default', () => {
    const b = R.bernoulli(k0, T.tensor([0.1, 0.9]));
    expect(b.dtype).toBe('bool');
    expect(b.shape).toEqual([2]);
    expect(R.bernoulli(k0).shape).toEqual([]);
    expect(R.bernoulli(k0, 0.5, [3, 2]).shape).toEqual([3, 2]);
    expect(R.bernoulli(ks, 0.5, [3]).shape).toEqual([4, 3]);
  });
  it('categorical drops the category axis', () => {
    const logits = T.zeros([2, 5]);
    expect(R.categorical(k0, logits).shape).toEqual([2]);
    expect(R.categorical(k0, logits).dtype).toBe('int32');
    expect(R.categorical(k0, logits, { axis: 0 }).shape).toEqual([5]);
    expect(R.categorical(k0, logits, { shape: [7, 2] }).shape).toEqual([7, 2]);
    expect(R.categorical(ks, logits).shape).toEqual([4, 2]);
    const c = R.categorical(k0, logits, { axis: 0, shape: [100, 5] }).dataSync();
    expect(c.every((v) => v === 0 || v === 1)).toBe(true);
  });
  it('randint, permutation and shuffle', () => {
    expect(R.randint(k0, [3, 2], 0, 5).shape).toEqual([3, 2]);
    expect(R.randint(k0, [3], 0, 5).dtype).toBe('int32');
    expect(R.randint(ks, [3], 0, 5).shape).toEqual([4, 3]);
    expect(R.permutation(k0, 6).shape).toEqual([6]);
    expect(R.permutation(k0, 0).shape).toEqual([0]);
    const x = T.reshape(T.arange(12), [3, 4]);
    expect(R.shuffle(k0, x).shape).toEqual([3, 4]);
    expect(R.permutation(k0, x).toArray()).toEqual(R.shuffle(k0, x).toArray());
    const cols = R.shuffle(k0, x, { axis: 1 });
    expect(cols.shape).toEqual([3, 4]);
    expect(T.take(cols, 0, { axis: 0 }).toArray().slice().sort((a: number, b: number) => a - b)).toEqual([0, 1, 2, 3]);
  });
});

describe('values', () => {
  it('uniform never returns 1 (or maxval), even for ranges that round', () => {
    const u = R.uniform(k0, [100_000]).dataSync();
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    // 2^-20 above 1 holds only 8 float32 values, so u * range + 1 often rounds up to maxval.
    const hi = 1 + 2 ** -20;
    const v = R.uniform(k0, [10_000], { minval: 1, maxval: hi }).dataSync();
    expect(v.every((x) => x >= 1 && x < hi)).toBe(true);
    expect(new Set(v).size).toBeGreaterThan(4);
    const w = R.uniform(k0, [10_000], { minval: -3, maxval: 2, dtype: 'float64' }).dataSync();
    expect(w.every((x) => x >= -3 && x < 2)).toBe(true);
  });
  it('uniform bounds may be tensors that broadcast', () => {
    const u = R.uniform(k0, [1000, 2], { minval: T.tensor([0, 10]), maxval: T.tensor([1, 20]) }).toArray() as number[][];
    expect(u.every(([a, b]) => a! >= 0 && a! < 1 && b! >= 10 && b! < 20)).toBe(true);
  });
  it('normal is finite even at the extreme uniform', () => {
    expect(R.normal(k0, [100_000]).dataSync().every(Number.isFinite)).toBe(true);
    expect(R.gumbel(k0, [100_000]).dataSync().every(Number.isFinite)).toBe(true);
  });
  it('bernoulli with p = 0 and p = 1 is constant', () => {
    expect(R.bernoulli(k0, 0, [1000]).dataSync().every((v) => v === 0)).toBe(true);
    expect(R.bernoulli(k0, 1, [1000]).dataSync().every((v) => v === 1)).toBe(true);
  });
  it('categorical never picks a category of probability 0', () => {
    const c = R.categorical(k0, T.tensor([0, -Infinity, 1, -Infinity]), { shape: [2000] }).dataSync();
    expect(c.every((v) => v === 0 || v === 2)).toBe(true);
  });
  it('randint handles the widest int32 range and tensor bounds', () => {
    const x = R.randint(k0, [1000], -(2 ** 31), 2 ** 31).dataSync();
    expect(x.some((v) => v < 0) && x.some((v) => v > 0)).toBe(true);
    const y = R.randint(k0, [500, 2], T.tensor([0, 5], { dtype: 'int32' }), T.tensor([3, 5], { dtype: 'int32' })).toArray() as number[][];
    expect(y.every(([a, b]) => a! >= 0 && a! < 3 && b === 5)).toBe(true);
  });
  it('truncatedNormal has the truncated mean and stays in bounds at infinite or far bounds', () => {
    const phi = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const z = Array.from(R.truncatedNormal(k0, -1, 2, [20_000], { dtype: 'float64' }).dataSync());
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    expect(mean).toBeCloseTo((phi(-1) - phi(2)) / (0.9772498680518208 - 0.15865525393145707), 1);
    const open = R.truncatedNormal(k0, -Infinity, Infinity, [10_000]).dataSync();
    expect(open.every(Number.isFinite)).toBe(true);
    const far = R.truncatedNormal(k0, 4, 5, [1000]).dataSync();
    expect(far.every((v) => v >= 4 && v <= 5)).toBe(true);
  });
  it('erfinv inverts erf (float32 approximation, float64 refined)', () => {
    const xs = [-0.999, -0.9, -0.5, -0.1, 0, 0.1, 0.5, 0.9, 0.999, 0.999999];
    const y64 = erfinv(T.tensor(xs, { dtype: 'float64' }));
    T.erf(y64).dataSync().forEach((v, i) => expect(Math.abs(v - xs[i]!)).toBeLessThan(1e-13));
    const y32 = erfinv(T.tensor(xs.slice(0, -1)));
    Array.from(y32.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(y64.dataSync()[i]!, 5));
    expect(Array.from(erfinv(T.tensor([-1, 1])).dataSync())).toEqual([-Infinity, Infinity]);
    // Deep float64 tails, where erf saturates: checked through 1 - erf, i.e. erfc.
    const tails = [1e-8, 1e-12, 1e-15, 2 ** -53];
    const yt = erfinv(T.tensor(tails.map((t) => 1 - t), { dtype: 'float64' }));
    expect(yt.dataSync()[3]).toBeCloseTo(5.8636, 3);
    const xt = tails.map((t) => 1 - t);
    T.erf(yt).dataSync().forEach((v, i) => expect(Math.abs(v - xt[i]!)).toBeLessThanOrEqual(2 ** -53));
    expect(Array.from(yt.dataSync())).toEqual(Array.from(yt.dataSync()).sort((a, b) => a - b));
  });
  it('permutation of a tensor keeps its rows', () => {
    const x = T.reshape(T.arange(10), [5, 2]);
    const rows = (R.shuffle(R.key(3), x).toArray() as number[][]).map(([a, b]) => [a, b]);
    expect(rows.map(([a]) => a).sort((a, b) => a! - b!)).toEqual([0, 2, 4, 6, 8]);
    expect(rows.every(([a, b]) => b === a! + 1)).toBe(true);
  });
});

describe('argument errors', () => {
  it('dtype and shape', () => {
    expect(() => R.uniform(k0, [2], { dtype: 'int32' as any })).toThrow(/^uniform: dtype must be 'float32' or 'float64', got "int32"/);
    expect(() => R.normal(k0, [2], { dtype: 'float16' as any })).toThrow(/^normal: dtype must be/);
    expect(() => R.uniform(k0, [-1])).toThrow(/^uniform: shape must be an array of non-negative integers, got \[-1\]/);
    expect(() => R.gumbel(k0, 3 as any)).toThrow(/^gumbel: shape must be an array/);
    expect(() => R.bits(k0, [1.5])).toThrow(/^bits: shape must be/);
  });
  it('bounds and parameters', () => {
    expect(() => R.uniform(k0, [2], { minval: 2, maxval: 1 })).toThrow(/^uniform: minval must not exceed maxval, got minval 2 and maxval 1/);
    expect(() => R.uniform(k0, [2], { minval: NaN })).toThrow(/^uniform: minval must not exceed maxval|^uniform: minval must not be NaN/);
    expect(() => R.uniform(k0, [2], { minval: T.zeros([3]) })).toThrow(/^uniform: minval of shape \[3\] does not broadcast to shape \[2\]/);
    expect(() => R.truncatedNormal(k0, 1, 1, [2])).toThrow(/^truncatedNormal: lower must be below upper, got lower 1 and upper 1/);
    expect(() => R.bernoulli(k0, 1.5)).toThrow(/^bernoulli: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => R.bernoulli(k0, T.tensor([1], { dtype: 'int32' }))).toThrow(/^bernoulli: p must be a float tensor/);
    expect(() => R.categorical(k0, T.tensor([1, 2], { dtype: 'int32' }))).toThrow(/^categorical: logits must be a float tensor/);
    expect(() => R.categorical(k0, T.scalar(1))).toThrow(/^categorical: logits must be a float tensor with a category axis/);
    expect(() => R.categorical(k0, T.zeros([2, 0]))).toThrow(/^categorical: the category axis 1 of float32\[2, 0\] is empty/);
    expect(() => R.categorical(k0, T.zeros([2, 3]), { shape: [3] })).toThrow(/^categorical: logits batch shape \[2\] \(all axes but 1\) does not broadcast to shape \[3\]/);
    expect(() => R.categorical(k0, T.zeros([2, 3]), { axis: 2 })).toThrow(/^categorical:/);
    expect(() => R.randint(k0, [2], 0.5, 3)).toThrow(/^randint: minval must be an integer in the int32 range, got 0.5/);
    expect(() => R.randint(k0, [2], 0, 2 ** 40)).toThrow(/^randint: maxval must be an integer in the int32 range/);
    expect(() => R.randint(k0, [2], 3, 3)).toThrow(/^randint: minval must be below maxval, got minval 3 and maxval 3/);
    expect(() => R.randint(k0, [2], T.zeros([2]), 3)).toThrow(/^randint: minval must be an int32 tensor or an integer/);
    expect(() => R.permutation(k0, -1)).toThrow(/^permutation: n must be a non-negative integer/);
    expect(() => R.permutation(R.split(k0, 2), 3)).toThrow(/^permutation: takes a single key of shape \[2\]/);
    expect(() => R.shuffle(k0, T.scalar(1))).toThrow(/^shuffle: x must be a tensor with at least one axis/);
  });
  it('permutation needs a concrete key', () => {
    expect(() => vmap((k: Tensor) => R.permutation(k, 3))(R.split(k0, 2))).toThrow(/^permutation: needs a concrete key/);
  });
});

describe('transformations', () => {
  it('grad treats samples as constants and differentiates through bounds', () => {
    const z = R.normal(k0, [3]);
    const g = grad((x: Tensor) => T.sum(T.mul(x, R.normal(k0, [3]))))(T.ones([3]));
    expect(sameValue.equals(g, z)).toBe(true);
    const u = R.uniform(k0, [4]);
    const [dlo, dhi] = grad((lo: Tensor, hi: Tensor) => T.sum(R.uniform(k0, [4], { minval: lo, maxval: hi })), { argnums: [0, 1] })(T.scalar(0), T.scalar(1)) as Tensor[];
    expect(dhi!.item()).toBeCloseTo(T.sum(u).item() as number, 5);
    expect(dlo!.item()).toBeCloseTo(4 - (T.sum(u).item() as number), 5);
  });
  it('samplers stage into a jaxpr that replays the same numbers', () => {
    const f = (k: Tensor) => R.normal(k, [5]);
    const jaxpr = makeJaxpr(f)(k0);
    const [out] = evalJaxpr(jaxpr, [...jaxpr.consts, k0]);
    expect(sameValue.equals(out!, f(k0))).toBe(true);
    expect(jaxpr.toString()).toContain('randomBits');
  });
  it('shuffle works on a traced tensor with a concrete key', () => {
    const x = T.reshape(T.arange(6), [3, 2]);
    const y = vmap((row: Tensor) => R.shuffle(k0, row))(x);
    expect(y.toArray()).toEqual((x.toArray() as number[][]).map((r) => R.shuffle(k0, T.tensor(r)).toArray()));
  });
});
