/**
 * One out-of-range contract for gather and scatter on every backend (issue 12, item 7), JAX's
 * default `mode='fill'`: an index in [-n, n) picks i mod n, any other reads NaN (floats), the
 * int32 minimum (int32) or true (bool); scatterAdd drops out-of-range updates. CPU eager, CPU
 * jit, WebGPU eager and WebGPU jit all equal a JS reference, and softmaxCrossEntropy with a label
 * past the last class is NaN everywhere.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit } from '../src/grad';
import * as nn from '../src/nn';
import { toDevice } from '../src/tensor/backend/webgpu';
import { exact } from '../laws/approx';
import { webgpuOrWarn } from './webgpu.helpers';

const SEED = 7007;
const FILL = { float32: NaN, int32: -2147483648, bool: 1 } as const;

/** takeAlongAxis over the last axis of a [rows, n] tensor, by the contract, in plain JS. */
function reference(x: T.Tensor, idx: readonly (readonly number[])[]): number[][] {
  const n = x.shape[1]!;
  const rows = x.toArray() as (number | boolean)[][];
  return idx.map((r, i) => r.map((k) => (k >= -n && k < n ? Number(rows[i]![k < 0 ? k + n : k]) : FILL[x.dtype as keyof typeof FILL])));
}

const caseArb = fc.record({
  dtype: fc.constantFrom<'float32' | 'int32' | 'bool'>('float32', 'int32', 'bool'),
  rows: fc.integer({ min: 1, max: 3 }),
  n: fc.integer({ min: 1, max: 4 }),
  k: fc.integer({ min: 1, max: 4 }),
}).chain((c) => fc.record({
  c: fc.constant(c),
  values: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: c.rows * c.n, maxLength: c.rows * c.n }),
  idx: fc.array(fc.array(fc.integer({ min: -2 * c.n - 1, max: 2 * c.n }), { minLength: c.k, maxLength: c.k }), { minLength: c.rows, maxLength: c.rows }),
}));
const make = ({ c, values }: { c: { dtype: 'float32' | 'int32' | 'bool'; rows: number; n: number }; values: number[] }) =>
  T.tensor(values.map((v) => (c.dtype === 'bool' ? (v > 0 ? 1 : 0) : v)), { shape: [c.rows, c.n], dtype: c.dtype });
const pick = (x: T.Tensor, idx: T.Tensor) => T.takeAlongAxis(x, idx, -1);
const asRows = (t: T.Tensor, data: ArrayLike<number>) => Array.from({ length: t.shape[0]! }, (_, i) => Array.from(data).slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));

describe(`out-of-range indices fill, as in JAX (fast-check seed ${SEED})`, () => {
  it('takeAlongAxis and take equal the reference, eagerly and under jit (CPU)', () => {
    fc.assert(fc.property(caseArb, (cs) => {
      const x = make(cs);
      const idx = T.tensor(cs.idx, { dtype: 'int32' });
      const want = reference(x, cs.idx);
      for (const y of [pick(x, idx), jit(pick)(x, idx) as T.Tensor]) {
        expect(exact.equals(asRows(y, y.dataSync()), want)).toBe(true);
      }
      // take over axis 1 with the first row's indices: every row picks the same columns.
      const taken = T.take(x, cs.idx[0]!, { axis: 1 });
      expect(exact.equals(asRows(taken, taken.dataSync()), reference(x, cs.idx.map(() => cs.idx[0]!)))).toBe(true);
    }), { seed: SEED, numRuns: 150 });
  });

  it('scatterAdd drops out-of-range updates; the gradient of a filled element is 0', () => {
    const base = T.zeros([4]);
    const idx = T.tensor([0, 4, -1, -5, 9, 1], { dtype: 'int32' });
    const y = T.bind1('scatterAdd', [base, idx, T.ones([6])], { axis: 0 });
    expect(y.toArray()).toEqual([1, 1, 0, 1]);
    expect(jit((b: T.Tensor, i: T.Tensor, u: T.Tensor) => T.bind1('scatterAdd', [b, i, u], { axis: 0 }))(base, idx, T.ones([6])).toArray()).toEqual([1, 1, 0, 1]);
    const g = grad((w: T.Tensor) => T.sum(T.where(T.isNan(T.take(w, [0, 3, 7])), 0, T.take(w, [0, 3, 7]))))(T.tensor([1, 2, 3]));
    expect(g.toArray()).toEqual([1, 0, 0]);
  });

  it('softmaxCrossEntropy and nll with a label past the last class give NaN (not -0, not a throw)', () => {
    const logits = T.tensor([[1, 2, 3], [0, 0, 0]]);
    const labels = T.tensor([5, 1], { dtype: 'int32' });
    const losses = nn.softmaxCrossEntropy(logits, labels, { reduction: 'none' });
    expect(Number.isNaN(losses.toArray()[0])).toBe(true);
    expect(losses.toArray()[1]).toBeCloseTo(Math.log(3), 6);
    expect(Number.isNaN(nn.softmaxCrossEntropy(logits, labels).item() as number)).toBe(true);
    expect(Number.isNaN(jit((l: T.Tensor, y: T.Tensor) => nn.softmaxCrossEntropy(l, y))(logits, labels).item() as number)).toBe(true);
    expect(Number.isNaN(nn.nll(T.logSoftmax(logits), labels).item() as number)).toBe(true);
  });
});

const available = await webgpuOrWarn('indexing contract on webgpu');

describe.skipIf(!available)('webgpu follows the same contract', () => {
  it('takeAlongAxis eager and jitted equal the reference; scatterAdd drops; the loss is NaN', async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (cs) => {
      const x = toDevice(make(cs), 'webgpu');
      const idx = toDevice(T.tensor(cs.idx, { dtype: 'int32' }), 'webgpu');
      const want = reference(make(cs), cs.idx);
      for (const y of [pick(x, idx), jit(pick)(x, idx) as T.Tensor]) expect(exact.equals(asRows(y, await y.data()), want)).toBe(true);
    }), { seed: SEED, numRuns: 25 });
    const gpu = <X extends T.Tensor>(t: X) => toDevice(t, 'webgpu');
    const y = T.bind1('scatterAdd', [gpu(T.zeros([4])), gpu(T.tensor([0, 4, -1, -5, 9, 1], { dtype: 'int32' })), gpu(T.ones([6]))], { axis: 0 });
    expect(Array.from(await y.data())).toEqual([1, 1, 0, 1]);
    const loss = nn.softmaxCrossEntropy(gpu(T.tensor([[1, 2, 3]])), gpu(T.tensor([5], { dtype: 'int32' })));
    expect(Number.isNaN((await loss.data())[0]!)).toBe(true);
  });
});
