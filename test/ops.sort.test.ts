/**
 * sort, argsort and topK against a reference (JS's stable Array.sort over (value, index) in
 * NumPy's total order: NaN last, -0 equal to +0), on drawn tensors with many ties, on every
 * axis and in both directions; their derivatives route the cotangent to where each value came
 * from; the WebGPU bitonic network gives the same permutation as the CPU.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit, vmap } from '../src/grad';
import { dispose, toDevice } from '../src/tensor/backend/webgpu';
import { webgpuOrWarn } from './webgpu.helpers';

const SEED = 4242;

/** The reference permutation of one row: stable, NaN last (first when descending), -0 == +0. */
function referenceOrder(row: readonly number[], descending: boolean): number[] {
  const rank = (v: number) => (Number.isNaN(v) ? Infinity : v);
  return row.map((_, i) => i).sort((i, j) => {
    const a = row[i]!, b = row[j]!;
    const an = Number.isNaN(a), bn = Number.isNaN(b);
    if (an !== bn) return (an ? 1 : -1) * (descending ? -1 : 1);
    const d = an ? 0 : (rank(a) - rank(b)) * (descending ? -1 : 1);
    return d !== 0 && !Number.isNaN(d) ? Math.sign(d) : i - j;
  });
}

/** The reference argsort of a tensor along an axis, via its rows. */
function referenceArgsort(x: T.Tensor, axis: number, descending: boolean): number[] {
  const data = Array.from(x.dataSync());
  const n = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = data.length / (n * inner || 1);
  const out = new Array<number>(data.length);
  for (let o = 0; o < outer; o++) for (let r = 0; r < inner; r++) {
    const at = (j: number) => (o * n + j) * inner + r;
    referenceOrder(Array.from({ length: n }, (_, j) => data[at(j)]!), descending).forEach((src, j) => (out[at(j)] = src));
  }
  return out;
}

const tieValues = [NaN, -Infinity, -1, -0, 0, 0.5, 1, Infinity];
const caseArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) => fc.record({
  shape: fc.constant(shape),
  values: fc.array(fc.constantFrom(...tieValues), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
  axis: fc.integer({ min: 0, max: shape.length - 1 }),
  descending: fc.boolean(),
  dtype: fc.constantFrom<T.DType>('float32', 'float64', 'int32'),
}));

const build = (c: { shape: number[]; values: number[]; dtype: T.DType }) =>
  T.tensor(c.dtype === 'int32' ? c.values.map((v) => (Number.isFinite(v) ? Math.round(v * 2) : Number.isNaN(v) ? 7 : Math.sign(v) * 9)) : c.values, { shape: c.shape, dtype: c.dtype });

describe(`sort, argsort and topK (seed ${SEED})`, () => {
  it('argsort is the stable permutation in the total order, both directions, on every axis', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const x = build(c);
      const idx = T.argsort(x, { axis: c.axis, descending: c.descending });
      expect(idx.dtype).toBe('int32');
      expect(Array.from(idx.dataSync())).toEqual(referenceArgsort(x, c.axis, c.descending));
      expect(Array.from(jit((t: T.Tensor) => T.argsort(t, { axis: c.axis, descending: c.descending }))(x).dataSync())).toEqual(Array.from(idx.dataSync()));
      // sort is argsort gathered; descending is ascending reversed except that ties keep index order.
      const sorted = Array.from(T.sort(x, { axis: c.axis, descending: c.descending }).dataSync());
      expect(sorted).toEqual(Array.from(T.takeAlongAxis(x, idx, c.axis).dataSync()));
    }), { seed: SEED, numRuns: 60 });
  });

  it('long rows (the radix path) in every dtype and both directions match the reference', () => {
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 64, max: 300 }), descending: fc.boolean(),
      dtype: fc.constantFrom<T.DType>('float32', 'float64', 'int32', 'bool'), seed: fc.nat(1000),
    });
    fc.assert(fc.property(arb, ({ rows, n, descending, dtype, seed }) => {
      const pool = [...tieValues, 1e-30, -1e-30, 3.5e38, -3.5e38, 1e300, -2.5, 7, 2 ** 31 - 1, -(2 ** 31)];
      const values = Array.from({ length: rows * n }, (_, i) => pool[(i * 7 + seed * 13 + ((i * i) % 5)) % pool.length]!);
      const cast = dtype === 'int32' ? values.map((v) => (Number.isFinite(v) ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v))) : 0)) : dtype === 'bool' ? values.map((v) => (v > 0 ? 1 : 0)) : values;
      const x = T.tensor(cast, { shape: [n, rows], dtype });
      expect(Array.from(T.argsort(x, { axis: 0, descending }).dataSync())).toEqual(referenceArgsort(x, 0, descending));
    }), { seed: SEED, numRuns: 24 });
  });

  it('matches NumPy/JAX on the documented examples', () => {
    expect(T.argsort(T.tensor([1, 3, 5, 4, 2, 1], { dtype: 'int32' })).toArray()).toEqual([0, 5, 4, 1, 3, 2]);
    expect(T.argsort(T.tensor([[2, 1, 3], [6, 4, 3]]), 1).toArray()).toEqual([[1, 0, 2], [2, 1, 0]]);
    expect(T.sort(T.tensor([3, NaN, -Infinity, 1, -0, 0])).toArray()).toEqual([-Infinity, -0, 0, 1, 3, NaN]);
    expect(T.sort(T.tensor([3, NaN, 1]), { descending: true }).toArray()).toEqual([NaN, 3, 1]);
    expect(T.argsort(T.tensor([1, 1, 0, 1]), { descending: true }).toArray()).toEqual([0, 1, 3, 2]);
    expect(T.sort(T.tensor([[3, 1], [2, 4]]), null).toArray()).toEqual([1, 2, 3, 4]);
    expect(T.sort(T.tensor([[3, 1], [2, 4]]), 0).toArray()).toEqual([[2, 1], [3, 4]]);
    expect(T.sort(T.tensor([true, false, true])).toArray()).toEqual([false, true, true]);
    expect(T.sort(T.scalar(2)).shape).toEqual([]);
    expect(T.tensor([3, 1, 2]).sort().toArray()).toEqual([1, 2, 3]);
    expect(T.tensor([3, 1, 2]).argsort({ descending: true }).toArray()).toEqual([0, 2, 1]);
  });

  it('topK gives the k largest, largest first, ties by index, NaN as the largest (lax.top_k)', () => {
    const [values, indices] = T.topK(T.tensor([1, 4, 2, 4, NaN, 0]), 3);
    expect(values.toArray()).toEqual([NaN, 4, 4]);
    expect(indices.toArray()).toEqual([4, 1, 3]);
    const [v2, i2] = T.topK(T.tensor([[1, 9, 3], [7, 2, 8]]), 2);
    expect(v2.toArray()).toEqual([[9, 3], [8, 7]]);
    expect(i2.toArray()).toEqual([[1, 2], [2, 0]]);
    const [v3] = T.topK(T.tensor([[1, 9], [7, 2]]), 1, { axis: 0 });
    expect(v3.toArray()).toEqual([[7, 9]]);
    expect(T.topK(T.tensor([1, 2]), 0)[0].shape).toEqual([0]);
    expect(() => T.topK(T.tensor([1, 2]), 3)).toThrow(/topK: k must be an integer in \[0, 2\], got 3/);
    expect(() => T.topK(T.scalar(1), 1)).toThrow(/topK: expects a tensor with at least one axis/);
  });

  it('gradients flow back to where each sorted value came from (ties included)', () => {
    const x = T.tensor([3, 1, 2, 1], { dtype: 'float64' });
    const w = T.tensor([1, 10, 100, 1000], { dtype: 'float64' });
    // sort -> [1(1), 1(3), 2(2), 3(0)]: position j's weight goes to its source index.
    expect(grad((t: T.Tensor) => T.sum(T.mul(T.sort(t), w)))(x).toArray()).toEqual([1000, 1, 100, 10]);
    expect(grad((t: T.Tensor) => T.sum(T.topK(t, 2)[0]))(x).toArray()).toEqual([1, 0, 1, 0]);
  });

  it('vmap of sort over a batch axis equals sorting each example', () => {
    const xs = T.tensor([[3, 1, 2], [0, -1, 5]]);
    expect((vmap((t: T.Tensor) => T.sort(t, { descending: true }))(xs) as T.Tensor).toArray()).toEqual([[3, 2, 1], [5, 0, -1]]);
    expect((vmap((t: T.Tensor) => T.argsort(t), { inAxes: [1] })(T.transpose(xs)) as T.Tensor).toArray()).toEqual([[1, 2, 0], [1, 0, 2]]);
  });

  it('rejects bad arguments with the function name', () => {
    expect(() => T.sort(T.tensor([1]), { axis: 0, reverse: true } as never)).toThrow(/sort: unknown option "reverse"/);
    expect(() => T.argsort(T.tensor([1]), 2)).toThrow(/argsort: axis 2 is out of range/);
    expect(() => T.sort(T.tensor([1]), { descending: 1 } as never)).toThrow(/sort: descending must be a boolean/);
  });
});

const gpu = await webgpuOrWarn('argsort on webgpu');

describe.skipIf(!gpu)('argsort on WebGPU: the bitonic network gives the CPU permutation', () => {
  it('on drawn tensors with ties, NaN and both directions, and rows past 2^k', async () => {
    const cases = fc.sample(caseArb, { seed: SEED, numRuns: 6 });
    const long = { shape: [2, 37], values: Array.from({ length: 74 }, (_, i) => tieValues[(i * 5) % tieValues.length]!), axis: 1, descending: false, dtype: 'float32' as T.DType };
    for (const c of [...cases, long, { ...long, descending: true }]) {
      const x = build({ ...c, dtype: c.dtype === 'float64' ? 'float32' : c.dtype });
      const onGpu = toDevice(x, 'webgpu');
      const got = T.argsort(onGpu, { axis: c.axis, descending: c.descending });
      expect(Array.from(await got.data())).toEqual(referenceArgsort(x, c.axis, c.descending));
      [onGpu, got].forEach(dispose);
    }
  });
});
