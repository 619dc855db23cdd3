import { describe, expect, it } from 'vitest';
import { arange, avgPool2d, conv2d, maxPool2d, reshape, tensor, zeros, type Tensor } from '../src/tensor';
import { expectClose, randomTensor, rng } from './ops.helpers';

type Pads = [[number, number], [number, number]];
interface Geometry {
  stride?: [number, number];
  pads?: Pads;
  dilation?: [number, number];
  groups?: number;
}

/** Direct convolution by loops (PyTorch's definition): the reference for conv2d. */
function naiveConv(x: Tensor, w: Tensor, g: Geometry = {}): number[][][][] {
  const [n, c, h, wd] = x.shape as number[];
  const [o, cg, kh, kw] = w.shape as number[];
  const [sy, sx] = g.stride ?? [1, 1];
  const [[top, bottom], [left, right]] = g.pads ?? [[0, 0], [0, 0]];
  const [dy, dx] = g.dilation ?? [1, 1];
  const groups = g.groups ?? 1;
  const X = x.toArray(), W = w.toArray();
  const oh = Math.floor((h! + top + bottom - dy * (kh! - 1) - 1) / sy) + 1;
  const ow = Math.floor((wd! + left + right - dx * (kw! - 1) - 1) / sx) + 1;
  const out: number[][][][] = [];
  for (let b = 0; b < n!; b++) {
    out.push([]);
    for (let oc = 0; oc < o!; oc++) {
      const grp = Math.floor(oc / (o! / groups));
      out[b]!.push([]);
      for (let y = 0; y < oh; y++) {
        out[b]![oc]!.push([]);
        for (let xx = 0; xx < ow; xx++) {
          let s = 0;
          for (let ic = 0; ic < cg!; ic++) for (let ky = 0; ky < kh!; ky++) for (let kx = 0; kx < kw!; kx++) {
            const iy = y * sy + ky * dy - top, ix = xx * sx + kx * dx - left;
            if (iy >= 0 && iy < h! && ix >= 0 && ix < wd!) s += X[b][grp * cg! + ic][iy][ix] * W[oc][ic][ky][kx];
          }
          out[b]![oc]![y]!.push(s);
        }
      }
    }
  }
  void c;
  return out;
}

/** Direct pooling by loops; `reduce` folds the real pixels of a window, `pads` count as given. */
function naivePool(x: Tensor, k: [number, number], s: [number, number], pads: Pads, reduce: (vals: number[], windowSize: number) => number): number[][][][] {
  const [n, c, h, w] = x.shape as number[];
  const X = x.toArray();
  const oh = Math.floor((h! + pads[0][0] + pads[0][1] - k[0]) / s[0]) + 1;
  const ow = Math.floor((w! + pads[1][0] + pads[1][1] - k[1]) / s[1]) + 1;
  return Array.from({ length: n! }, (_, b) => Array.from({ length: c! }, (_, ch) => Array.from({ length: oh }, (_, y) => Array.from({ length: ow }, (_, xx) => {
    const vals: number[] = [];
    for (let ky = 0; ky < k[0]; ky++) for (let kx = 0; kx < k[1]; kx++) {
      const iy = y * s[0] + ky - pads[0][0], ix = xx * s[1] + kx - pads[1][0];
      if (iy >= 0 && iy < h! && ix >= 0 && ix < w!) vals.push(X[b][ch][iy][ix]);
    }
    return reduce(vals, k[0] * k[1]);
  }))));
}

describe('conv2d', () => {
  const rand = rng(2026);
  const x = randomTensor([2, 4, 7, 6], rand);

  it('matches direct convolution (valid, default options)', () => {
    const w = randomTensor([3, 4, 3, 2], rand);
    const y = conv2d(x, w);
    expect(y.shape).toEqual([2, 3, 5, 5]);
    expectClose(y, naiveConv(x, w), 1e-12);
  });

  it('matches with stride, asymmetric padding and dilation', () => {
    const w = randomTensor([5, 4, 3, 3], rand);
    const g: Geometry = { stride: [2, 1], pads: [[1, 2], [0, 3]], dilation: [1, 2] };
    const y = conv2d(x, w, { stride: [2, 1], padding: [[1, 2], [0, 3]], dilation: [1, 2] });
    expectClose(y, naiveConv(x, w, g), 1e-12);
    expectClose(conv2d(x, w, { stride: 2, padding: 1 }), naiveConv(x, w, { stride: [2, 2], pads: [[1, 1], [1, 1]] }), 1e-12);
    expectClose(conv2d(x, w, { padding: [2, 0] }), naiveConv(x, w, { pads: [[2, 2], [0, 0]] }), 1e-12);
  });

  it("'same' keeps the size, with the odd pixel at the bottom/right", () => {
    const w = randomTensor([2, 4, 2, 3], rand);
    const y = conv2d(x, w, { padding: 'same' });
    expect(y.shape).toEqual([2, 2, 7, 6]);
    expectClose(y, naiveConv(x, w, { pads: [[0, 1], [1, 1]] }), 1e-12);
    const yd = conv2d(x, w, { padding: 'same', dilation: 2 });
    expect(yd.shape).toEqual([2, 2, 7, 6]);
    expectClose(yd, naiveConv(x, w, { pads: [[1, 1], [2, 2]], dilation: [2, 2] }), 1e-12);
    // With a stride the output is ceil(size / stride), as in TensorFlow.
    expect(conv2d(x, w, { padding: 'same', stride: 2 }).shape).toEqual([2, 2, 4, 3]);
  });

  it('matches with groups, including depthwise', () => {
    const w = randomTensor([6, 2, 3, 3], rand);
    expectClose(conv2d(x, w, { groups: 2, padding: 1 }), naiveConv(x, w, { groups: 2, pads: [[1, 1], [1, 1]] }), 1e-12);
    const dw = randomTensor([4, 1, 3, 3], rand);
    expectClose(conv2d(x, dw, { groups: 4 }), naiveConv(x, dw, { groups: 4 }), 1e-12);
  });

  it('is exact on a small hand example and works as a method', () => {
    const img = reshape(arange(9, undefined, 1, 'float32'), [1, 1, 3, 3]);
    const w = tensor([[[[1, 0], [0, -1]]]]);
    expect(conv2d(img, w).toArray()).toEqual([[[[-4, -4], [-4, -4]]]]);
    expect(img.conv2d(w, { padding: 1 }).shape).toEqual([1, 1, 4, 4]);
  });

  it('promotes dtypes and handles an empty batch', () => {
    const i = reshape(arange(9), [1, 1, 3, 3]);
    expect(conv2d(i, tensor([[[[1]]]], { dtype: 'int32' })).dtype).toBe('int32');
    expect(conv2d(i, tensor([[[[0.5]]]])).dtype).toBe('float32');
    expect(conv2d(zeros([0, 1, 3, 3]), zeros([2, 1, 2, 2])).shape).toEqual([0, 2, 2, 2]);
  });

  it('explains channel, group, rank and size errors', () => {
    expect(() => conv2d(x, zeros([3, 5, 3, 3]))).toThrow(/conv2d.*float64\[3, 5, 3, 3\].*5 input channels.*float64\[2, 4, 7, 6\].*4/);
    expect(() => conv2d(x, zeros([3, 2, 3, 3]), { groups: 2 })).toThrow(/conv2d.*groups 2.*output channels \(3/);
    expect(() => conv2d(x, zeros([4, 1, 3, 3]), { groups: 3 })).toThrow(/conv2d.*groups 3.*input channels \(4/);
    expect(() => conv2d(zeros([4, 7, 6]), zeros([1, 4, 3, 3]))).toThrow(/conv2d.*NCHW.*\[4, 7, 6\]/);
    expect(() => conv2d(x, zeros([1, 4, 9, 3]))).toThrow(/conv2d.*kernel \[9, 3\].*does not fit/);
    expect(() => conv2d(x, zeros([1, 4, 3, 3]), { stride: 0 })).toThrow(/conv2d.*stride/);
    expect(() => conv2d(x, zeros([1, 4, 3, 3]), { padding: -1 })).toThrow(/conv2d.*padding/);
    expect(() => conv2d(x, zeros([1, 4, 3, 3]), { padding: 'full' as never })).toThrow(/conv2d.*padding/);
  });
});

describe('maxPool2d and avgPool2d', () => {
  const rand = rng(99);
  const x = randomTensor([2, 3, 7, 6], rand);
  const maxOf = (v: number[]): number => Math.max(...v);
  const meanOf = (v: number[], k: number): number => v.reduce((a, b) => a + b, 0) / k;
  const meanReal = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

  it('maxPool2d matches direct pooling', () => {
    expectClose(maxPool2d(x, { kernelSize: 2 }), naivePool(x, [2, 2], [2, 2], [[0, 0], [0, 0]], maxOf), 1e-12);
    expectClose(maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), naivePool(x, [3, 3], [2, 2], [[1, 1], [1, 1]], maxOf), 1e-12);
    expectClose(maxPool2d(x, { kernelSize: [3, 2], stride: [1, 2], padding: [[0, 1], [1, 0]] }), naivePool(x, [3, 2], [1, 2], [[0, 1], [1, 0]], maxOf), 1e-12);
  });

  it('maxPool2d never picks the padding, even for negative ints', () => {
    const neg = tensor(new Int32Array([-5, -6, -7, -8]), { shape: [1, 1, 2, 2] });
    expect(maxPool2d(neg, { kernelSize: 2, stride: 1, padding: 1 }).toArray()).toEqual([[[[-5, -5, -6], [-5, -5, -6], [-7, -7, -8]]]]);
    expect(maxPool2d(tensor([[[[-3]]]]), { kernelSize: 2, stride: 1, padding: 1 }).toArray()).toEqual([[[[-3, -3], [-3, -3]]]]);
  });

  it('avgPool2d counts padding by default and can count real pixels only', () => {
    expectClose(avgPool2d(x, { kernelSize: 2 }), naivePool(x, [2, 2], [2, 2], [[0, 0], [0, 0]], meanOf), 1e-12);
    const opts = { kernelSize: 3, stride: 2, padding: 1 } as const;
    expectClose(avgPool2d(x, opts), naivePool(x, [3, 3], [2, 2], [[1, 1], [1, 1]], meanOf), 1e-12);
    expectClose(avgPool2d(x, { ...opts, countIncludePad: false }), naivePool(x, [3, 3], [2, 2], [[1, 1], [1, 1]], meanReal), 1e-12);
    const asym = { kernelSize: [2, 3], stride: 1, padding: [[1, 0], [0, 1]] } as const;
    expectClose(avgPool2d(x, { ...asym, countIncludePad: false }), naivePool(x, [2, 3], [1, 1], [[1, 0], [0, 1]], meanReal), 1e-12);
  });

  it('avgPool2d of ones without padding counts is exactly one', () => {
    const ones = tensor(new Float32Array(16).fill(1), { shape: [1, 1, 4, 4] });
    const y = avgPool2d(ones, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false });
    expect([...y.dataSync()].every((v) => v === 1)).toBe(true);
    expect(avgPool2d(reshape(arange(4), [1, 1, 2, 2]), { kernelSize: 2 }).toArray()).toEqual([[[[1.5]]]]);
    expect(avgPool2d(x.astype('float32'), { kernelSize: 2 }).dtype).toBe('float32');
    expect(avgPool2d(x, { kernelSize: 2 }).dtype).toBe('float64');
  });

  it('pooling errors', () => {
    expect(() => maxPool2d(zeros([3, 4]), { kernelSize: 2 })).toThrow(/maxPool2d.*NCHW.*\[3, 4\]/);
    expect(() => maxPool2d(x, { kernelSize: 2, padding: 2 })).toThrow(/maxPool2d.*padding 2.*half.*\[2, 2\]/);
    expect(() => avgPool2d(x, { kernelSize: 8 })).toThrow(/avgPool2d.*kernel \[8, 8\].*does not fit/);
    expect(() => avgPool2d(x, { kernelSize: 0 })).toThrow(/avgPool2d.*kernelSize/);
    expect(() => maxPool2d(x, {} as never)).toThrow(/maxPool2d.*kernelSize/);
  });
});
