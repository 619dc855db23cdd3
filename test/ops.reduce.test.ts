import { describe, expect, it } from 'vitest';
import {
  all, any, argmax, argmin, cumsum, logsumexp, logSoftmax, max, mean, min, prod, scalar, softmax, std, sum, tensor,
  variance, zeros,
} from '../src/tensor';
import { expectClose } from './ops.helpers';

const m = tensor([[1, 2, 3], [4, 5, 6]]);

describe('sum, prod, max, min, mean', () => {
  it('reduce everything by default', () => {
    expect(sum(m).item()).toBe(21);
    expect(sum(m).shape).toEqual([]);
    expect(prod(m).item()).toBe(720);
    expect(max(m).item()).toBe(6);
    expect(min(m).item()).toBe(1);
    expect(mean(m).item()).toBe(3.5);
  });

  it('reduce over one axis, negative axes and several axes', () => {
    expect(sum(m, { axis: 0 }).toArray()).toEqual([5, 7, 9]);
    expect(sum(m, { axis: -1 }).toArray()).toEqual([6, 15]);
    expect(max(m, { axis: 1 }).toArray()).toEqual([3, 6]);
    expect(min(m, { axis: -2 }).toArray()).toEqual([1, 2, 3]);
    expect(prod(m, { axis: 1 }).toArray()).toEqual([6, 120]);
    expect(mean(m, { axis: 0 }).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(sum(m, { axis: [0, -1] }).item()).toBe(21);
    expect(sum(m, { axis: [] }).toArray()).toEqual(m.toArray());
  });

  it('keepdims keeps size-1 axes that broadcast back', () => {
    expect(sum(m, { axis: 1, keepdims: true }).toArray()).toEqual([[6], [15]]);
    expect(max(m, { keepdims: true }).shape).toEqual([1, 1]);
    expect(mean(m, { axis: -2, keepdims: true }).shape).toEqual([1, 3]);
  });

  it('handles empty tensors with numpy identities', () => {
    expect(sum(zeros([0])).item()).toBe(0);
    expect(prod(zeros([0])).item()).toBe(1);
    expect(sum(zeros([2, 0]), { axis: 1 }).toArray()).toEqual([0, 0]);
    expect(sum(zeros([2, 0]), { axis: 0 }).shape).toEqual([0]);
    expect(Number.isNaN(mean(zeros([0])).item())).toBe(true);
    expect(() => max(zeros([0]))).toThrow(/max.*zero-size.*\[0\]/);
    expect(() => min(zeros([2, 0]), { axis: 1 })).toThrow(/min.*\[2, 0\]/);
    expect(max(zeros([2, 0]), { axis: 0 }).shape).toEqual([0]);
  });

  it('reduces 0-d tensors to themselves', () => {
    expect(sum(scalar(3)).item()).toBe(3);
    expect(max(scalar(3)).shape).toEqual([]);
  });

  it('bool sums count and int sums stay int32', () => {
    const b = tensor([[true, false, true], [true, true, true]]);
    expect(sum(b).item()).toBe(5);
    expect(sum(b).dtype).toBe('int32');
    expect(sum(b, { axis: 1 }).toArray()).toEqual([2, 3]);
    expect(sum(tensor([1, 2], { dtype: 'int32' })).dtype).toBe('int32');
    expect(mean(tensor([1, 2], { dtype: 'int32' })).dtype).toBe('float32');
    expect(mean(tensor([1, 2], { dtype: 'int32' })).item()).toBe(1.5);
    expect(sum(tensor([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('propagates NaN in max and min', () => {
    expect(Number.isNaN(max(tensor([1, NaN, 3])).item())).toBe(true);
    expect(Number.isNaN(min(tensor([NaN, 1])).item())).toBe(true);
  });

  it('rejects bad axes, naming the op and rank', () => {
    expect(() => sum(m, { axis: 2 })).toThrow(/sum.*axis 2.*rank 2/);
    expect(() => sum(m, { axis: [0, -2] })).toThrow(/sum.*repeated axis/);
    expect(() => mean(scalar(1), { axis: 0 })).toThrow(/mean.*0-d/);
  });
});

describe('variance and std', () => {
  it('population and sample (ddof)', () => {
    const x = tensor([1, 2, 3, 4]);
    expect(variance(x).item()).toBeCloseTo(1.25, 6);
    expect(variance(x, { ddof: 1 }).item()).toBeCloseTo(5 / 3, 6);
    expect(std(x).item()).toBeCloseTo(Math.sqrt(1.25), 6);
    expectClose(variance(m, { axis: 1 }), [2 / 3, 2 / 3]);
    expect(variance(m, { axis: 0, keepdims: true }).toArray()).toEqual([[2.25, 2.25, 2.25]]);
  });

  it('stays accurate far from zero (two-pass)', () => {
    const x = tensor([1e8 + 1, 1e8 + 2, 1e8 + 3], { dtype: 'float64' });
    expect(variance(x).item()).toBeCloseTo(2 / 3, 9);
  });
});

describe('all and any', () => {
  it('reduce truthiness, including over empty axes', () => {
    expect(all(tensor([1, 2, 0])).item()).toBe(false);
    expect(any(tensor([0, 0, 3])).item()).toBe(true);
    expect(all(tensor([[true, false], [true, true]]), { axis: 1 }).toArray()).toEqual([false, true]);
    expect(any(tensor([[true, false], [false, false]]), { axis: -1, keepdims: true }).toArray()).toEqual([[true], [false]]);
    expect(all(zeros([0])).item()).toBe(true);
    expect(any(zeros([0])).item()).toBe(false);
    expect(all(zeros([2, 0]), { axis: 1 }).toArray()).toEqual([true, true]);
    expect(all(zeros([0])).dtype).toBe('bool');
  });
});

describe('argmax and argmin', () => {
  it('give the first extreme, flattened or along an axis', () => {
    const x = tensor([[1, 9, 9], [7, 2, 7]]);
    expect(argmax(x).item()).toBe(1);
    expect(argmax(x).dtype).toBe('int32');
    expect(argmin(x).item()).toBe(0);
    expect(argmax(x, { axis: 1 }).toArray()).toEqual([1, 0]);
    expect(argmin(x, { axis: -2 }).toArray()).toEqual([0, 1, 1]);
    expect(argmax(x, { axis: 1, keepdims: true }).toArray()).toEqual([[1], [0]]);
    expect(argmax(x, { keepdims: true }).toArray()).toEqual([[1]]);
  });

  it('errors over an empty axis', () => {
    expect(() => argmax(zeros([0]))).toThrow(/argmax.*empty/);
  });
});

describe('cumsum', () => {
  it('runs along an axis, reversed, flattened', () => {
    expect(cumsum(m, { axis: 1 }).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(cumsum(m, { axis: 0 }).toArray()).toEqual([[1, 2, 3], [5, 7, 9]]);
    expect(cumsum(m, { axis: -1, reverse: true }).toArray()).toEqual([[6, 5, 3], [15, 11, 6]]);
    expect(cumsum(m).toArray()).toEqual([1, 3, 6, 10, 15, 21]);
    expect(cumsum(tensor([true, true, false])).toArray()).toEqual([1, 2, 2]);
    expect(cumsum(zeros([0])).shape).toEqual([0]);
  });
});

describe('logsumexp, softmax, logSoftmax', () => {
  it('match closed forms', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(logsumexp(x).item()).toBeCloseTo(lse, 12);
    expectClose(softmax(x), [1, 2, 3].map((v) => Math.exp(v - lse)), 1e-12);
    expectClose(logSoftmax(x), [1, 2, 3].map((v) => v - lse), 1e-12);
    expect(sum(softmax(m, { axis: 0 }), { axis: 0 }).toArray().every((v: number) => Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(logsumexp(m, { axis: 1, keepdims: true }).shape).toEqual([2, 1]);
    expect(logsumexp(m, { axis: -1 }).shape).toEqual([2]);
  });

  it('stay finite and correct for inputs of +-1000', () => {
    const x = tensor([[1000, 1000, -1000], [-1000, -1000, -1000]]);
    expectClose(logsumexp(x, { axis: 1 }), [1000 + Math.LN2, -1000 + Math.log(3)]);
    expectClose(softmax(x), [[0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]);
    // float32 spacing near 1000 is 6e-5, so the shifted log-probabilities carry that much error.
    expectClose(logSoftmax(x), [[-Math.LN2, -Math.LN2, -2000 - Math.LN2], [-Math.log(3), -Math.log(3), -Math.log(3)]], 1e-4);
    for (const y of [logsumexp(x), softmax(x), logSoftmax(x)]) expect([...y.dataSync()].every(Number.isFinite)).toBe(true);
  });

  it('handle rows of -inf and +inf without NaN where the answer is defined', () => {
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([Infinity, 0])).item()).toBe(Infinity);
  });

  it('promote ints to float32', () => {
    expect(softmax(tensor([1, 1], { dtype: 'int32' })).toArray()).toEqual([0.5, 0.5]);
    expect(logsumexp(tensor([0, 0], { dtype: 'int32' })).dtype).toBe('float32');
  });
});
