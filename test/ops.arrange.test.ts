/**
 * Values of the cumulative ops (against sequential loops; cumprod's gradient exact at zeros,
 * cummax's ties split like maximum), triangles and diagonals (NumPy's examples and identities
 * such as trace(A) = sum(diag(A)) and tril + triu = A + diag(diag(A))), and tile, repeat, roll
 * and meshgrid against NumPy's documented results.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit } from '../src/grad';
import { expectClose } from './ops.helpers';

const f64 = (xs: T.NestedArray) => T.tensor(xs, { dtype: 'float64' });

describe('cumprod, cummax, cummin', () => {
  it('match sequential loops along every axis, forward and reversed (fast-check)', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) => fc.tuple(
      fc.constant(shape), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
      fc.integer({ min: 0, max: shape.length - 1 }), fc.boolean()));
    fc.assert(fc.property(arb, ([shape, vals, axis, reverse]) => {
      const x = T.tensor(vals, { shape, dtype: 'float64' });
      const n = shape[axis]!, inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      for (const [op, fold] of [[T.cumprod, (a: number, b: number) => a * b], [T.cummax, Math.max], [T.cummin, Math.min]] as const) {
        const want = vals.slice();
        for (let o = 0; o < vals.length / (n * inner); o++) for (let r = 0; r < inner; r++) {
          const at = (j: number) => (o * n + j) * inner + r;
          const order = Array.from({ length: n }, (_, j) => (reverse ? n - 1 - j : j));
          order.slice(1).forEach((j, k) => (want[at(j)] = fold(want[at(order[k]!)]!, vals[at(j)]!)));
        }
        expect(Array.from(op(x, { axis, reverse }).dataSync())).toEqual(want);
      }
    }), { seed: 31, numRuns: 60 });
  });

  it('follow cumsum conventions: flattened without an axis, positional axis, bool handling', () => {
    expect(T.cumprod(T.tensor([[1, 2], [3, 4]])).toArray()).toEqual([1, 2, 6, 24]);
    expect(T.cumprod(T.tensor([[1, 2], [3, 4]]), 0).toArray()).toEqual([[1, 2], [3, 8]]);
    expect(T.cummax(T.tensor([1, 3, 2, 5]), { reverse: true }).toArray()).toEqual([5, 5, 5, 5]);
    expect(T.cummin(T.tensor([3, 1, 2, 0])).toArray()).toEqual([3, 1, 1, 0]);
    expect(T.cumprod(T.tensor([true, true, false])).dtype).toBe('int32');
    expect(T.cummax(T.tensor([false, true, false])).toArray()).toEqual([false, true, true]);
    expect(T.cummax(T.tensor([1, NaN, 3])).toArray()).toEqual([1, NaN, NaN]);
    expect(T.cummin(T.tensor([5, -2147483648, 7], { dtype: 'int32' })).toArray()).toEqual([5, -2147483648, -2147483648]);
    expect(T.tensor([2, 3]).cumprod().toArray()).toEqual([2, 6]);
    expect(() => T.cumprod(T.tensor([1]), { axes: 0 } as never)).toThrow(/cumprod: unknown option "axes"/);
  });

  it("cumprod's gradient is exact at zeros (no division by the input)", () => {
    // d/dx_j sum_i prod_{k<=i} x_k at x = [2, 0, 3]: x_1 = 0 kills every term but the ones it ends.
    const g = grad((x: T.Tensor) => T.sum(T.cumprod(x)))(f64([2, 0, 3])).toArray() as number[];
    expect(g).toEqual([1, 2 + 2 * 3, 0]);
    const g2 = grad((x: T.Tensor) => T.sum(T.cumprod(x)))(f64([0, 0, 5])).toArray() as number[];
    expect(g2).toEqual([1, 0, 0]);
  });

  it("cummax's gradient goes to the running maximum, ties split evenly like maximum", () => {
    expect(grad((x: T.Tensor) => T.sum(T.cummax(x)))(f64([1, 3, 2, 5])).toArray()).toEqual([1, 2, 0, 1]);
    expect(grad((x: T.Tensor) => T.sum(T.cummax(x)))(f64([2, 2])).toArray()).toEqual([1.5, 0.5]);
  });
});

describe('tril, triu, diag, diagonal, trace', () => {
  const a = T.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
  it("match NumPy's examples", () => {
    expect(T.tril(a, { k: -1 }).toArray()).toEqual([[0, 0, 0], [4, 0, 0], [7, 8, 0], [10, 11, 12]]);
    expect(T.triu(a, { k: -1 }).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [0, 8, 9], [0, 0, 12]]);
    expect(T.diagonal(a).toArray()).toEqual([1, 5, 9]);
    expect(T.diagonal(a, { offset: 1 }).toArray()).toEqual([2, 6]);
    expect(T.diagonal(a, { offset: -2 }).toArray()).toEqual([7, 11]);
    expect(T.diagonal(a, { offset: 5 }).shape).toEqual([0]);
    const b = T.reshape(T.arange(8), [2, 2, 2]);
    expect(T.diagonal(b, { axis1: 0, axis2: 1 }).toArray()).toEqual([[0, 6], [1, 7]]);
    expect(T.diagonal(b, { axis1: -2, axis2: -1 }).toArray()).toEqual([[0, 3], [4, 7]]);
    expect(T.trace(T.eye(3)).item()).toBe(3);
    expect(T.trace(b, { axis1: 1, axis2: 2 }).toArray()).toEqual([3, 11]);
    expect(T.diag(T.tensor([1, 2])).toArray()).toEqual([[1, 0], [0, 2]]);
    expect(T.diag(T.tensor([1, 2]), { k: 1 }).toArray()).toEqual([[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
    expect(T.diag(T.tensor([1, 2]), { k: -1 }).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [0, 2, 0]]);
    expect(T.diag(a, { k: 1 }).toArray()).toEqual([2, 6]);
    expect(T.diag(T.tensor([true, true])).toArray()).toEqual([[true, false], [false, true]]);
    expect(a.diagonal().toArray()).toEqual([1, 5, 9]);
    expect(a.trace({ offset: 1 }).item()).toBe(8);
  });

  it('satisfy tril(A, k) + triu(A, k + 1) = A and trace(A) = sum(diag(A)) on batches (fast-check)', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: -5, max: 5 }), fc.nat(1000));
    fc.assert(fc.property(arb, ([b, n, m, k, seed]) => {
      const x = T.tensor(Array.from({ length: b * n * m }, (_, i) => ((i * 7 + seed) % 13) - 6), { shape: [b, n, m] });
      expect(T.add(T.tril(x, { k }), T.triu(x, { k: k + 1 })).toArray()).toEqual(x.toArray());
      expect(T.trace(x, { offset: k, axis1: 1, axis2: 2 }).toArray()).toEqual(T.sum(T.diagonal(x, { offset: k, axis1: 1, axis2: 2 }), { axis: -1 }).toArray());
      const d = T.diagonal(x, { offset: k, axis1: 1, axis2: 2 }).toArray() as number[][];
      d.forEach((row, bi) => row.forEach((v, i) => expect(v).toBe((x.toArray() as number[][][])[bi]![i + Math.max(0, -k)]![i + Math.max(0, k)])));
    }), { seed: 8, numRuns: 40 });
  });

  it('reject what NumPy rejects', () => {
    expect(() => T.tril(T.tensor([1, 2]))).toThrow(/tril: expects a matrix or a batch of matrices/);
    expect(() => T.diagonal(a, { axis1: 1, axis2: -1 })).toThrow(/diagonal: axis1 and axis2 must differ/);
    expect(() => T.diag(T.zeros([2, 2, 2]))).toThrow(/diag: expects a 1-D or 2-D tensor/);
    expect(() => T.triu(a, { k: 0.5 })).toThrow(/triu: k must be an integer/);
  });
});

describe('tile, repeat, roll, meshgrid', () => {
  it("match NumPy's examples", () => {
    const x = T.tensor([0, 1, 2]);
    expect(T.tile(x, 2).toArray()).toEqual([0, 1, 2, 0, 1, 2]);
    expect(T.tile(x, [2, 2]).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]]);
    expect(T.tile(x, [2, 1, 2]).shape).toEqual([2, 1, 6]);
    expect(T.tile(T.tensor([[1, 2], [3, 4]]), 2).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(T.repeat(T.scalar(3), 4).toArray()).toEqual([3, 3, 3, 3]);
    const y = T.tensor([[1, 2], [3, 4]]);
    expect(T.repeat(y, 2).toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(T.repeat(y, 3, 1).toArray()).toEqual([[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]]);
    expect(T.repeat(y, [1, 2], { axis: 0 }).toArray()).toEqual([[1, 2], [3, 4], [3, 4]]);
    expect(T.repeat(y, [0, 2], 1).toArray()).toEqual([[2, 2], [4, 4]]);
    expect(y.repeat(2, 0).toArray()).toEqual([[1, 2], [1, 2], [3, 4], [3, 4]]);
    const z = T.arange(10);
    expect(T.roll(z, 2).toArray()).toEqual([8, 9, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(T.roll(z, -2).toArray()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const z2 = T.reshape(z, [2, 5]);
    expect(T.roll(z2, 1).toArray()).toEqual([[9, 0, 1, 2, 3], [4, 5, 6, 7, 8]]);
    expect(T.roll(z2, 1, 0).toArray()).toEqual([[5, 6, 7, 8, 9], [0, 1, 2, 3, 4]]);
    expect(T.roll(z2, -1, { axis: 1 }).toArray()).toEqual([[1, 2, 3, 4, 0], [6, 7, 8, 9, 5]]);
    expect(T.roll(z2, [1, 1], [1, 0]).toArray()).toEqual([[9, 5, 6, 7, 8], [4, 0, 1, 2, 3]]);
    const [xv, yv] = T.meshgrid(T.tensor([0, 0.5, 1]), T.tensor([0, 1]));
    expect(xv!.toArray()).toEqual([[0, 0.5, 1], [0, 0.5, 1]]);
    expect(yv!.toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
    const [xi, yi] = T.meshgrid(T.tensor([0, 0.5, 1]), T.tensor([0, 1]), { indexing: 'ij' });
    expect(xi!.shape).toEqual([3, 2]);
    expect(yi!.toArray()).toEqual([[0, 1], [0, 1], [0, 1]]);
    const [xs, ys] = T.meshgrid(T.tensor([0, 1, 2]), T.tensor([5, 6]), { sparse: true });
    expect([xs!.shape, ys!.shape]).toEqual([[1, 3], [2, 1]]);
    expect(T.meshgrid(T.tensor([1, 2]), T.tensor([3]), T.tensor([4, 5, 6])).map((t) => t.shape)).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  });

  it('roll by a traced shift equals roll by the number, and jit does not retrace per shift', () => {
    const z = T.reshape(T.arange(12), [3, 4]);
    let traces = 0;
    const rolled = jit((x: T.Tensor, s: T.Tensor) => {
      traces++;
      return T.roll(x, s, 1);
    });
    for (const s of [-9, -1, 0, 3, 4, 11]) expect(rolled(z, T.scalar(s, 'int32')).toArray()).toEqual(T.roll(z, s, 1).toArray());
    expect(traces).toBe(1);
  });

  it('reject bad counts and shapes', () => {
    expect(() => T.tile(T.tensor([1]), -1)).toThrow(/tile: reps must be a non-negative integer/);
    expect(() => T.repeat(T.tensor([1, 2]), [1, 2, 3])).toThrow(/repeat: got 3 repeat counts for an axis of size 2/);
    expect(() => T.roll(T.tensor([1, 2]), [1, 2])).toThrow(/roll: several shifts need as many axes/);
    expect(() => T.roll(T.tensor([1, 2]), T.scalar(1.5))).toThrow(/roll: shift must be an integer or an int32 scalar tensor/);
    expect(() => T.meshgrid(T.tensor([1]), { indexing: 'xyz' } as never)).toThrow(/meshgrid: indexing must be one of "xy", "ij"/);
    expectClose(T.tile(T.tensor([1.5]), []), [1.5]);
  });
});
