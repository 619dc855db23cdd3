import { describe, expect, it } from 'vitest';
import { arange, oneHot, reshape, scalar, take, takeAlongAxis, tensor, zeros } from '../src/tensor';

const m = reshape(arange(6), [2, 3]); // [[0, 1, 2], [3, 4, 5]]
const idx = (v: number[] | number[][]) => tensor(v, { dtype: 'int32' });

describe('take', () => {
  it('flattens without an axis', () => {
    expect(take(m, [5, 0, -1]).toArray()).toEqual([5, 0, 5]);
    expect(take(m, 4).item()).toBe(4);
    expect(take(m, 4).shape).toEqual([]);
    expect(take(m, [[0, 1], [2, 3]]).toArray()).toEqual([[0, 1], [2, 3]]);
  });

  it('replaces the axis by the indices shape', () => {
    expect(take(m, [2, 0], { axis: 1 }).toArray()).toEqual([[2, 0], [5, 3]]);
    expect(take(m, [1], { axis: 0 }).toArray()).toEqual([[3, 4, 5]]);
    expect(take(m, 1, { axis: -1 }).toArray()).toEqual([1, 4]);
    expect(take(m, idx([[0, 2], [1, 1]]), { axis: 1 }).shape).toEqual([2, 2, 2]);
    expect(take(m, idx([[0, 2], [1, 1]]), { axis: 1 }).toArray()[1]).toEqual([[3, 5], [4, 4]]);
    expect(take(reshape(arange(24), [2, 3, 4]), [3, 0], { axis: -1 }).toArray()[1][2]).toEqual([23, 20]);
  });

  it('handles empty index lists and keeps dtype', () => {
    expect(take(m, [], { axis: 1 }).shape).toEqual([2, 0]);
    expect(take(zeros([0, 3]), [1, 2], { axis: 1 }).shape).toEqual([0, 2]);
    expect(take(tensor([true, false]), [1, 0]).toArray()).toEqual([false, true]);
  });

  it('rejects non-integer indices; out-of-range ones read the fill value (test/indexing.contract.test.ts)', () => {
    expect(() => take(m, tensor([0.5]))).toThrow(/take.*int32.*float32\[1\]/);
    expect(() => take(m, [1.5])).toThrow(/take.*integers/);
    expect(take(m, [3], { axis: 1 }).toArray()).toEqual([[-2147483648], [-2147483648]]);
    expect(() => take(m, [0], { axis: 2 })).toThrow(/take.*axis 2.*rank 2/);
  });
});

describe('takeAlongAxis', () => {
  it('picks per row and per column', () => {
    expect(takeAlongAxis(m, [[2], [0]], 1).toArray()).toEqual([[2], [3]]);
    expect(takeAlongAxis(m, [[1, 0, 1]], 0).toArray()).toEqual([[3, 1, 5]]);
    expect(takeAlongAxis(m, [[0, 0], [2, -1]], -1).toArray()).toEqual([[0, 0], [5, 5]]);
  });

  it('broadcasts indices and x against each other off the axis', () => {
    expect(takeAlongAxis(m, [[2, 1]], 1).toArray()).toEqual([[2, 1], [5, 4]]);
    const col = reshape(tensor([10, 20, 30]), [1, 3]);
    expect(takeAlongAxis(col, idx([[0, 0, 0], [0, 0, 0]]), 0).toArray()).toEqual([[10, 20, 30], [10, 20, 30]]);
  });

  it('flattens with axis null', () => {
    expect(takeAlongAxis(m, [5, 1], null).toArray()).toEqual([5, 1]);
  });

  it('errors on rank mismatch and bad broadcasting', () => {
    expect(() => takeAlongAxis(m, [1], 1)).toThrow(/takeAlongAxis.*rank.*int32\[2, 3\].*int32\[1\]/);
    expect(() => takeAlongAxis(m, idx([[0], [0], [0]]), 1)).toThrow(/takeAlongAxis.*cannot be broadcast/);
  });
});

describe('oneHot', () => {
  it('encodes along a new last axis, out-of-range gives zeros', () => {
    expect(oneHot([0, 2, 3, -1], 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    expect(oneHot([0, 1], 2).dtype).toBe('float32');
    expect(oneHot(idx([[1], [0]]), 2, { dtype: 'int32' }).toArray()).toEqual([[[0, 1]], [[1, 0]]]);
    expect(oneHot(scalar(1, 'int32'), 2).toArray()).toEqual([0, 1]);
    expect(oneHot([], 4).shape).toEqual([0, 4]);
    expect(oneHot([1], 3, { dtype: 'bool' }).toArray()).toEqual([[false, true, false]]);
  });

  it('rejects float indices and bad class counts', () => {
    expect(() => oneHot(tensor([1]), 3)).toThrow(/oneHot.*int32.*float32\[1\]/);
    expect(() => oneHot([1], -1)).toThrow(/oneHot.*numClasses/);
  });
});
