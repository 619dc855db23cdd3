/**
 * x.at[index] against NumPy/JAX: get on NumPy's basic and advanced indexing examples; updates
 * against a reference that applies each update element in order at the positions get reads
 * (so duplicates add, multiply and combine, and set keeps the last), on drawn indices with
 * negative steps, ellipses and repeated index-array entries; immutability; traced integer
 * indices under jit (no retrace), vmap (batched starts) and grad; JAX's out-of-range rules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit, vmap } from '../src/grad';
import { doesNotMutateInputs } from '../laws/tensor';
import type { Index, IndexEntry } from '../src/tensor';

const x3 = T.reshape(T.arange(24), [2, 3, 4]);
const nested = x3.toArray() as number[][][];

describe('x.at[index].get()', () => {
  it('follows basic indexing: integers drop axes, slices keep them, ... fills', () => {
    expect(x3.at[0].get().toArray()).toEqual(nested[0]);
    expect(x3.at[-1].get().toArray()).toEqual(nested[1]);
    expect(x3.at['0, 1'].get().toArray()).toEqual(nested[0]![1]);
    expect(x3.at[':, 1'].get().toArray()).toEqual(nested.map((m) => m[1]));
    expect(x3.at['..., -1'].get().toArray()).toEqual(nested.map((m) => m.map((r) => r[3])));
    expect(x3.at['1:, ::-1, ::2'].get().toArray()).toEqual([nested[1]!.slice().reverse().map((r) => [r[0], r[2]])]);
    expect(x3.at([1, { start: 1, stop: 3 }, 2]).get().toArray()).toEqual([nested[1]![1]![2], nested[1]![2]![2]]);
    expect(x3.at[1].get().shape).toEqual([3, 4]);
    expect(x3.at['0, 1, 2'].get().shape).toEqual([]);
  });

  it('follows advanced indexing with one index array (NumPy placement rules)', () => {
    expect(x3.at([[0, 1, 0]]).get().shape).toEqual([3, 3, 4]);
    expect(x3.at([{}, [2, 0]]).get().toArray()).toEqual(nested.map((m) => [m[2], m[0]]));
    // Integer and array adjacent: the array's axis stays in place; separated by a slice: it goes first.
    expect(x3.at([{}, 0, [1, 2]]).get().toArray()).toEqual(nested.map((m) => [m[0]![1], m[0]![2]]));
    expect(x3.at([0, {}, [1, 2]]).get().toArray()).toEqual([1, 2].map((j) => nested[0]!.map((r) => r[j])));
    expect(x3.at([0, {}, [1, 2]]).get().shape).toEqual([2, 3]);
    const idx = T.tensor([[1, 0], [0, 1]], { dtype: 'int32' });
    expect(x3.at(idx).get().shape).toEqual([2, 2, 3, 4]);
    expect(x3.at([{}, {}, T.tensor([-1], { dtype: 'int32' })]).get().toArray()).toEqual(nested.map((m) => m.map((r) => [r[3]])));
  });

  it('takes traced integer indices (negative from the end, clamped like JAX) without retracing', () => {
    let traces = 0;
    const row = jit((x: T.Tensor, i: T.Tensor) => {
      traces++;
      return x.at([i, 1]).get();
    });
    for (const i of [0, 1, -1, -2]) expect(row(x3, T.scalar(i, 'int32')).toArray()).toEqual(nested.at(i)![1]);
    expect(row(x3, T.scalar(7, 'int32')).toArray()).toEqual(nested[1]![1]); // clamped
    expect(traces).toBe(1);
  });

  it('explains what it cannot read', () => {
    expect(() => x3.at[5].get()).toThrow(/at.get: index 5 is out of bounds for axis 0 of size 2/);
    expect(() => x3.at['1:x'].get()).toThrow(/at.get: cannot read index "1:x"/);
    expect(() => x3.at['0, 0, 0, 0'].get()).toThrow(/too many indices \(4\)/);
    expect(() => x3.at([[0], [1]]).get()).toThrow(/one index array at a time/);
    expect(() => x3.at(T.tensor([true, false])).get()).toThrow(/boolean masks are not supported/);
    expect(() => x3.at[{ start: 1 } as never].get()).toThrow(/use the call form/);
    expect(() => x3.at([{ begin: 1 } as never]).get()).toThrow(/a slice has keys start, stop and step/);
  });
});

/** Flat positions in x of the elements get() reads, in get()'s order. */
const positions = (shape: number[], index: Index): number[] =>
  Array.from(T.reshape(T.arange(shape.reduce((a, b) => a * b, 1)), shape).at(index).get().dataSync());

/** The update applied element by element, in order, at those positions (NumPy/JAX semantics). */
function reference(x: T.Tensor, index: Index, kind: 'set' | 'add' | 'mul' | 'min' | 'max', v: number[]): number[] {
  const out = Array.from(x.dataSync());
  const pos = positions(x.shape.slice(), index);
  const fold = { set: (_a: number, b: number) => b, add: (a: number, b: number) => a + b, mul: (a: number, b: number) => a * b, min: Math.min, max: Math.max }[kind];
  pos.forEach((p, i) => (out[p] = fold(out[p]!, v[i]!)));
  return out;
}

const entryArb = (n: number): fc.Arbitrary<IndexEntry> => fc.oneof(
  fc.integer({ min: -n, max: n - 1 }),
  fc.record({ start: fc.option(fc.integer({ min: -n - 1, max: n + 1 }), { nil: undefined }), stop: fc.option(fc.integer({ min: -n - 1, max: n + 1 }), { nil: undefined }), step: fc.constantFrom(1, 2, -1, -2) }),
);

const caseArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) => fc.record({
  shape: fc.constant(shape),
  entries: fc.tuple(...shape.map(entryArb)).chain((es) => fc.integer({ min: 0, max: shape.length }).map((k) => es.slice(0, k))),
  arrayAxis: fc.integer({ min: -1, max: shape.length - 1 }),
  array: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 5 }),
  kind: fc.constantFrom<'set' | 'add' | 'mul' | 'min' | 'max'>('set', 'add', 'mul', 'min', 'max'),
  seed: fc.nat(1000),
}));

describe('x.at[index] updates', () => {
  it('match the element-by-element reference on drawn indices (duplicates combine, set keeps the last)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const entries: IndexEntry[] = c.entries.slice();
      if (c.arrayAxis >= 0) {
        while (entries.length <= c.arrayAxis) entries.push({});
        entries[c.arrayAxis] = c.array.map((v) => v % c.shape[c.arrayAxis]!);
      }
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = T.tensor(Array.from({ length: n }, (_, i) => ((i * 5 + c.seed) % 11) - 5), { shape: c.shape, dtype: 'float64' });
      const count = positions(c.shape, entries).length;
      const v = Array.from({ length: count }, (_, i) => ((i * 3 + c.seed) % 7) - 3);
      const want = x.at(entries).get().shape;
      const vt = T.tensor(v, { shape: want, dtype: 'float64' });
      const got = x.at(entries)[c.kind](vt);
      expect(Array.from(got.dataSync())).toEqual(reference(x, entries, c.kind, v));
      expect(Array.from(jit((a: T.Tensor, b: T.Tensor) => a.at(entries)[c.kind](b))(x, vt).dataSync())).toEqual(Array.from(got.dataSync()));
      expect(doesNotMutateInputs((a, b) => a!.at(entries)[c.kind](b!), [x, vt])).toBe(true);
    }), { seed: 77, numRuns: 60 });
  });

  it('broadcast the value and cast it to x dtype', () => {
    const x = T.zeros([2, 3]);
    expect(x.at[0].set(5).toArray()).toEqual([[5, 5, 5], [0, 0, 0]]);
    expect(x.at[':, 1:'].add(T.tensor([1, 2])).toArray()).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(T.zeros([3], 'int32').at[1].set(2.7).toArray()).toEqual([0, 2, 0]);
    expect(T.tensor([1, 2, 3]).at[':'].max(2).toArray()).toEqual([2, 2, 3]);
    expect(T.tensor([1, 2, 3]).at[-1].min(0).toArray()).toEqual([1, 2, 0]);
    expect(T.tensor([1, 2, 3]).at['::2'].mul(10).toArray()).toEqual([10, 2, 30]);
    expect(() => x.at[0].set(T.zeros([2]))).toThrow(/broadcastTo: cannot broadcast \[2\] to \[3\]/);
  });

  it('accumulate duplicate index-array entries like JAX (set: the last one)', () => {
    const x = T.tensor([1, 1, 1, 1]);
    const idx = T.tensor([0, 2, 0, 0], { dtype: 'int32' });
    const v = T.tensor([2, 3, 4, 5]);
    expect(x.at(idx).add(v).toArray()).toEqual([12, 1, 4, 1]);
    expect(x.at(idx).mul(v).toArray()).toEqual([40, 1, 3, 1]);
    expect(x.at(idx).max(v).toArray()).toEqual([5, 1, 3, 1]);
    expect(x.at(idx).min(T.tensor([-2, 3, 4, -5])).toArray()).toEqual([-5, 1, 1, 1]);
    expect(x.at(idx).set(v).toArray()).toEqual([5, 1, 3, 1]);
  });

  it('drop updates at out-of-range traced indices and clamp them in get (JAX)', () => {
    const x = T.tensor([1, 2, 3]);
    const i = (k: number) => T.scalar(k, 'int32');
    expect(x.at(i(5)).set(9).toArray()).toEqual([1, 2, 3]);
    expect(x.at(i(-4)).add(9).toArray()).toEqual([1, 2, 3]);
    expect(x.at(i(-1)).set(9).toArray()).toEqual([1, 2, 9]);
    expect(x.at(i(5)).get().item()).toBe(3);
    const idx = T.tensor([0, 7, -1, -9], { dtype: 'int32' });
    expect(x.at(idx).add(T.tensor([10, 20, 30, 40])).toArray()).toEqual([11, 2, 33]);
    expect(x.at(idx).set(T.tensor([10, 20, 30, 40])).toArray()).toEqual([10, 2, 30]);
    expect(x.at(idx).get().toArray()).toEqual([1, 3, 3, 1]);
    expect(() => x.at([[0, 3]]).add(1)).toThrow(/index array entry 3 is not an integer in \[-3, 3\)/);
  });

  it('differentiate in x and in the value', () => {
    const x = T.tensor([1, 2, 3, 4], { dtype: 'float64' });
    const v = T.tensor([10, 20], { dtype: 'float64' });
    const w = T.tensor([1, 2, 3, 4], { dtype: 'float64' });
    const f = (a: T.Tensor, b: T.Tensor) => T.sum(T.mul(a.at['1:3'].set(b), w));
    const [gx, gv] = grad(f, { argnums: [0, 1] })(x, v) as T.Tensor[];
    expect(gx!.toArray()).toEqual([1, 0, 0, 4]);
    expect(gv!.toArray()).toEqual([2, 3]);
    const g = grad((a: T.Tensor) => T.sum(a.at([[0, 0]]).mul(T.tensor([2, 3], { dtype: 'float64' }))))(x);
    expect(g.toArray()).toEqual([6, 1, 1, 1]);
  });

  it('vmap over x, the value and a traced index (batched starts)', () => {
    const xs = T.reshape(T.arange(12, undefined, 1, 'float32'), [3, 4]);
    const is = T.tensor([0, 3, -1], { dtype: 'int32' });
    const vs = T.tensor([100, 200, 300]);
    const f = (x: T.Tensor, i: T.Tensor, v: T.Tensor) => x.at(i).set(v);
    const batched = vmap(f)(xs, is, vs) as T.Tensor;
    expect(batched.toArray()).toEqual([[100, 1, 2, 3], [4, 5, 6, 200], [8, 9, 10, 300]]);
    expect((vmap((x: T.Tensor, i: T.Tensor) => x.at(i).get())(xs, is) as T.Tensor).toArray()).toEqual([0, 7, 11]);
    expect((vmap((x: T.Tensor, i: T.Tensor) => x.at(i).add(1), { inAxes: [null, 0] })(T.zeros([2]), T.tensor([1, 0], { dtype: 'int32' })) as T.Tensor).toArray()).toEqual([[0, 1], [1, 0]]);
  });
});
