/**
 * dynamicSlice and dynamicUpdateSlice (JAX's lax.dynamic_slice / dynamic_update_slice): values
 * with negative and out-of-range starts (wrapped, then clamped), starts as a 1-D int32 tensor,
 * one compiled program for every start under jit, and the argument checks. Their derivative,
 * transpose and batching rules are checked with every primitive's in test/grad.laws.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { grad, jit } from '../src/grad';

const x = T.reshape(T.arange(20), [4, 5]);

describe('dynamicSlice', () => {
  it('reads the window, wrapping negative starts and clamping the window into range', () => {
    expect(T.dynamicSlice(x, [1, 2], [2, 2]).toArray()).toEqual([[7, 8], [12, 13]]);
    expect(T.dynamicSlice(x, [-1, 0], [1, 5]).toArray()).toEqual([[15, 16, 17, 18, 19]]);
    expect(T.dynamicSlice(x, [3, 4], [2, 2]).toArray()).toEqual([[13, 14], [18, 19]]);
    expect(T.dynamicSlice(x, [-9, -9], [1, 1]).toArray()).toEqual([[0]]);
    expect(T.dynamicSlice(x, T.tensor([2, 1], { dtype: 'int32' }), [1, 3]).toArray()).toEqual([[11, 12, 13]]);
    expect(T.dynamicSlice(x, [0, 0], [0, 5]).shape).toEqual([0, 5]);
  });

  it('compiles once for every start', () => {
    let traces = 0;
    const window = jit((a: T.Tensor, i: T.Tensor) => {
      traces++;
      return T.dynamicSlice(a, [i, T.scalar(1, 'int32')], [2, 3]);
    });
    for (const i of [0, 1, 2, 3, -1, 10]) expect(window(x, T.scalar(i, 'int32')).toArray()).toEqual(T.dynamicSlice(x, [i, 1], [2, 3]).toArray());
    expect(traces).toBe(1);
  });

  it('checks its arguments', () => {
    expect(() => T.dynamicSlice(x, [0], [1, 1])).toThrow(/dynamicSlice: expects 2 start indices \(one per axis\), got 1/);
    expect(() => T.dynamicSlice(x, [0, 0], [5, 1])).toThrow(/dynamicSlice: sizes must be one integer in \[0, size\] per axis/);
    expect(() => T.dynamicSlice(x, [0, T.scalar(1)], [1, 1])).toThrow(/dynamicSlice: start index 1 must be an integer or an int32 scalar tensor, got float32\[\]/);
    expect(() => T.dynamicSlice(x, [0.5, 0], [1, 1])).toThrow(/dynamicSlice: start index 0 must be an integer/);
    expect(() => T.dynamicSlice(x, T.tensor([[0, 0]], { dtype: 'int32' }), [1, 1])).toThrow(/must be 1-D int32/);
  });
});

describe('dynamicUpdateSlice', () => {
  it('writes the update where dynamicSlice would read, leaving x untouched', () => {
    const u = T.tensor([[-1, -2], [-3, -4]], { dtype: 'int32' });
    const y = T.dynamicUpdateSlice(x, u, [3, -1]);
    expect(y.toArray()).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, -1, -2], [15, 16, 17, -3, -4]]);
    expect(T.dynamicSlice(y, [3, -1], [2, 2]).toArray()).toEqual(u.toArray());
    expect(x.at[2].get().toArray()).toEqual([10, 11, 12, 13, 14]);
    expect(T.dynamicUpdateSlice(T.zeros([5]), T.ones([2]), [1]).toArray()).toEqual([0, 1, 1, 0, 0]);
    expect(T.dynamicUpdateSlice(T.scalar(1), 7, []).item()).toBe(7);
  });

  it('differentiates in both the operand and the update', () => {
    const a = T.tensor([1, 2, 3, 4], { dtype: 'float64' });
    const u = T.tensor([10, 20], { dtype: 'float64' });
    const w = T.tensor([1, 2, 3, 4], { dtype: 'float64' });
    const f = (p: T.Tensor, q: T.Tensor) => T.sum(T.mul(T.dynamicUpdateSlice(p, q, [T.scalar(5, 'int32')]), w));
    const [ga, gu] = grad(f, { argnums: [0, 1] })(a, u) as T.Tensor[];
    expect(ga!.toArray()).toEqual([1, 2, 0, 0]);
    expect(gu!.toArray()).toEqual([3, 4]);
  });

  it('checks its arguments', () => {
    expect(() => T.dynamicUpdateSlice(x, T.zeros([5, 1], 'int32'), [0, 0])).toThrow(/dynamicUpdateSlice: the update must have the operand's dtype and rank and fit inside it/);
    expect(() => T.dynamicUpdateSlice(T.zeros([2]), 7, [0])).toThrow(/the update must have the operand's dtype and rank/);
    expect(() => T.dynamicUpdateSlice(x, T.zeros([1, 1]), [0, 0])).toThrow(/got float32\[1, 1\] for int32\[4, 5\]/);
  });
});
