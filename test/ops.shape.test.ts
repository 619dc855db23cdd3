import { describe, expect, it } from 'vitest';
import {
  arange, broadcastTo, concatenate, expandDims, flip, moveaxis, pad, ravel, reshape, scalar, slice, split, squeeze,
  stack, tensor, transpose, zeros,
} from '../src/tensor';

const m = reshape(arange(6), [2, 3]); // [[0, 1, 2], [3, 4, 5]]

describe('reshape, transpose and friends', () => {
  it('reshape infers one -1 and keeps row-major order', () => {
    expect(reshape(arange(6), [3, -1]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(reshape(scalar(7), [1, 1]).toArray()).toEqual([[7]]);
    expect(reshape(tensor([7]), []).item()).toBe(7);
    expect(reshape(zeros([2, 0]), [0, 5]).shape).toEqual([0, 5]);
    expect(() => reshape(m, [4, 2])).toThrow(/reshape.*\[2, 3\].*\[4, 2\]/);
    expect(() => reshape(m, [-1, -1])).toThrow(/reshape.*at most one -1/);
    expect(() => reshape(m, [4, -1])).toThrow(/reshape.*\[2, 3\].*\[4, -1\]/);
  });

  it('transpose reverses by default and accepts negative axes', () => {
    expect(transpose(m).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const x = reshape(arange(24), [2, 3, 4]);
    expect(transpose(x, [1, -1, 0]).shape).toEqual([3, 4, 2]);
    expect(transpose(x, [1, 2, 0]).toArray()[2][3][1]).toBe(x.toArray()[1][2][3]);
    expect(transpose(scalar(1)).shape).toEqual([]);
    expect(() => transpose(x, [0, 0, 1])).toThrow(/transpose.*permutation.*\[2, 3, 4\]/);
  });

  it('moveaxis, expandDims, squeeze, ravel', () => {
    const x = zeros([2, 3, 4]);
    expect(moveaxis(x, 0, -1).shape).toEqual([3, 4, 2]);
    expect(moveaxis(x, [0, 1], [-1, -2]).shape).toEqual([4, 3, 2]);
    expect(moveaxis(m, 0, 1).toArray()).toEqual(transpose(m).toArray());
    expect(expandDims(m, 0).shape).toEqual([1, 2, 3]);
    expect(expandDims(m, -1).shape).toEqual([2, 3, 1]);
    expect(expandDims(m, [0, 2]).shape).toEqual([1, 2, 1, 3]);
    expect(expandDims(scalar(1), 0).shape).toEqual([1]);
    expect(squeeze(zeros([1, 2, 1])).shape).toEqual([2]);
    expect(squeeze(zeros([1, 2, 1]), -1).shape).toEqual([1, 2]);
    expect(() => squeeze(zeros([1, 2]), 1)).toThrow(/squeeze.*axis 1 of size 2/);
    expect(ravel(m).toArray()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('broadcastTo adds leading axes and stretches size-1 axes', () => {
    expect(broadcastTo(tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(broadcastTo(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(broadcastTo(scalar(5), [2]).toArray()).toEqual([5, 5]);
    expect(broadcastTo(zeros([1]), [0]).shape).toEqual([0]);
    expect(() => broadcastTo(zeros([3]), [2, 4])).toThrow(/broadcastTo.*\[3\].*\[2, 4\]/);
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow(/broadcastTo.*lower-rank/);
  });
});

/** CPython's slice semantics on a JS array: an independent reference for slice(). */
function pySlice<T>(xs: T[], start?: number, stop?: number, step = 1): T[] {
  const n = xs.length;
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number): number =>
    v === undefined ? dflt : v < 0 ? Math.max(v + n, lo) : Math.min(v, hi);
  const out: T[] = [];
  if (step > 0) {
    for (let i = norm(start, 0, 0, n); i < norm(stop, n, 0, n); i += step) out.push(xs[i]!);
  } else {
    for (let i = norm(start, n - 1, -1, n - 1); i > norm(stop, -1, -1, n - 1); i += step) out.push(xs[i]!);
  }
  return out;
}

describe('slice', () => {
  it('follows Python slicing on every start/stop/step combination', () => {
    const bounds = [undefined, -7, -3, -1, 0, 1, 2, 4, 7];
    for (const n of [0, 1, 4]) {
      const xs = Array.from({ length: n }, (_, i) => i);
      const x = arange(n);
      for (const start of bounds) for (const stop of bounds) for (const step of [1, 2, 3, -1, -2]) {
        const got = slice(x, [{ start, stop, step }]);
        expect(got.toArray(), `[${start}:${stop}:${step}] of ${n}`).toEqual(pySlice(xs, start, stop, step));
      }
    }
  });

  it('takes several axes, null entries and missing trailing entries as whole axes', () => {
    expect(slice(m, [{ start: 1 }, { step: -1 }]).toArray()).toEqual([[5, 4, 3]]);
    expect(slice(m, [null, { start: -2 }]).toArray()).toEqual([[1, 2], [4, 5]]);
    expect(slice(m, [{ stop: 1 }]).toArray()).toEqual([[0, 1, 2]]);
    expect(slice(m, [{ step: -1 }, { start: 2, stop: 0, step: -2 }]).toArray()).toEqual([[5], [2]]);
    expect(slice(m, []).toArray()).toEqual(m.toArray());
    expect(slice(m, [{ start: 5 }]).shape).toEqual([0, 3]);
    expect(slice(scalar(3), []).item()).toBe(3);
  });

  it('keeps dtype and is available as a method', () => {
    const b = tensor([true, false, true]);
    expect(b.slice([{ step: 2 }]).toArray()).toEqual([true, true]);
    expect(b.slice([{ step: 2 }]).dtype).toBe('bool');
  });

  it('rejects zero steps, fractional bounds and too many ranges', () => {
    expect(() => slice(m, [null, { step: 0 }])).toThrow(/slice.*step of axis 1.*zero/);
    expect(() => slice(m, [{ start: 0.5 }])).toThrow(/slice.*start of axis 0.*integer/);
    expect(() => slice(m, [null, null, null])).toThrow(/slice.*3 ranges.*rank 2.*\[2, 3\]/);
  });
});

describe('flip', () => {
  it('reverses all axes or the given ones', () => {
    expect(flip(m).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(flip(m, 0).toArray()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(flip(m, -1).toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(flip(m, [0, 1]).toArray()).toEqual(flip(m).toArray());
    expect(flip(scalar(1)).item()).toBe(1);
    expect(flip(zeros([0, 2]), 0).shape).toEqual([0, 2]);
    expect(() => flip(m, 2)).toThrow(/flip.*axis 2.*rank 2/);
  });
});

describe('pad', () => {
  it('accepts the numpy pad_width forms', () => {
    expect(pad(tensor([1, 2]), 1).toArray()).toEqual([0, 1, 2, 0]);
    expect(pad(tensor([1, 2]), [1, 2], { value: 9 }).toArray()).toEqual([9, 1, 2, 9, 9]);
    expect(pad(tensor([[1]]), [[0, 1], [2, 0]]).toArray()).toEqual([[0, 0, 1], [0, 0, 0]]);
    expect(pad(tensor([[1]]), [1, 0]).toArray()).toEqual([[0, 0], [0, 1]]);
    expect(pad(tensor([[1]]), [[1, 0]]).toArray()).toEqual([[0, 0], [0, 1]]);
    expect(pad(zeros([0]), 2).shape).toEqual([4]);
    expect(pad(tensor([1], { dtype: 'int32' }), 1, { value: -1 }).toArray()).toEqual([-1, 1, -1]);
  });

  it('rejects negative or malformed widths', () => {
    expect(() => pad(m, -1)).toThrow(/pad.*non-negative.*\[2, 3\]/);
    expect(() => pad(m, [[1, 1], [1, 1], [1, 1]])).toThrow(/pad.*3 \[lo, hi\] pairs.*rank 2/);
    expect(() => pad(m, [1, 2, 3] as never)).toThrow(/pad.*pad width/);
  });
});

describe('concatenate, stack, split', () => {
  it('concatenate joins along an axis and promotes dtypes', () => {
    expect(concatenate([m, m]).shape).toEqual([4, 3]);
    expect(concatenate([m, tensor([[9], [9]])], -1).toArray()).toEqual([[0, 1, 2, 9], [3, 4, 5, 9]]);
    expect(concatenate([zeros([0, 3]), m]).toArray()).toEqual(m.toArray());
    const mixed = concatenate([tensor([1], { dtype: 'int32' }), tensor([0.5])]);
    expect(mixed.dtype).toBe('float32');
    expect(mixed.toArray()).toEqual([1, 0.5]);
    expect(concatenate([m]).toArray()).toEqual(m.toArray());
  });

  it('concatenate errors name the shapes', () => {
    expect(() => concatenate([zeros([2, 3]), zeros([2, 4])])).toThrow(/concatenate.*float32\[2, 3\].*float32\[2, 4\]/);
    expect(() => concatenate([zeros([2]), zeros([2, 1])], 0)).toThrow(/concatenate.*rank/);
    expect(() => concatenate([])).toThrow(/concatenate.*at least one/);
    expect(() => concatenate([scalar(1), scalar(2)])).toThrow(/concatenate.*0-d/);
  });

  it('stack adds a new axis anywhere', () => {
    const a = tensor([1, 2]), b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([a, b], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([scalar(1), scalar(2)]).toArray()).toEqual([1, 2]);
    expect(() => stack([a, tensor([1, 2, 3])])).toThrow(/stack.*\[2\].*\[3\]/);
    expect(() => stack([a, b], 2)).toThrow(/stack.*axis 2/);
  });

  it('split by sections or by split points', () => {
    expect(split(arange(6), 3).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(split(arange(6), [1, 4]).map((t) => t.toArray())).toEqual([[0], [1, 2, 3], [4, 5]]);
    expect(split(arange(5), [-2, 10]).map((t) => t.toArray())).toEqual([[0, 1, 2], [3, 4], []]);
    expect(split(arange(5), [3, 1]).map((t) => t.toArray())).toEqual([[0, 1, 2], [], [1, 2, 3, 4]]);
    expect(split(m, 3, -1).map((t) => t.toArray())).toEqual([[[0], [3]], [[1], [4]], [[2], [5]]]);
    expect(split(zeros([0, 2]), 2, 1).map((t) => t.shape)).toEqual([[0, 1], [0, 1]]);
    expect(concatenate(split(m, [1], 1), 1).toArray()).toEqual(m.toArray());
  });

  it('split errors', () => {
    expect(() => split(arange(5), 2)).toThrow(/split.*size 5.*\[5\].*2 equal sections/);
    expect(() => split(arange(5), 0)).toThrow(/split: the number of sections must be an integer >= 1, got 0/);
    expect(() => split(scalar(1), 1)).toThrow(/split.*0-d/);
  });
});
