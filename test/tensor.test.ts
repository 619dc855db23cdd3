import { describe, expect, it } from 'vitest';
import {
  arange, eye, full, fullLike, linspace, ones, onesLike, scalar, tensor, zeros, zerosLike, type Tensor,
} from '../src/tensor';

describe('creating tensors', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('keeps typed-array dtypes and honours { shape, dtype }', () => {
    expect(tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype).toBe('int32');
    expect(tensor(new Float64Array([1.5])).dtype).toBe('float64');
    expect(tensor([1.7, -1.7], { dtype: 'int32' }).toArray()).toEqual([1, -1]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([0, 2], { dtype: 'bool' }).toArray()).toEqual([false, true]);
  });

  it('rejects ragged arrays, bad shapes and unknown dtypes', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor.*ragged.*\[1\].*\[1\].*\[2\]/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor.*3 values.*\[2, 2\]/);
    expect(() => tensor([1], { dtype: 'float16' as never })).toThrow(/tensor: dtype must be one of .*got "float16"/);
    expect(() => tensor(['a'] as never)).toThrow(/tensor.*numbers or booleans/);
  });

  it('constant constructors', () => {
    expect(zeros([2]).toArray()).toEqual([0, 0]);
    expect(ones([2], 'int32').dtype).toBe('int32');
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(full([1], true).dtype).toBe('bool');
    expect(scalar(2.5).item()).toBe(2.5);
    expect(scalar(2, 'int32').dtype).toBe('int32');
    const x = tensor([[1, 2]], { dtype: 'float64' });
    expect(zerosLike(x).dtype).toBe('float64');
    expect(onesLike(x, 'int32').toArray()).toEqual([[1, 1]]);
    expect(fullLike(x, 3).toArray()).toEqual([[3, 3]]);
    expect(zeros([0, 3]).size).toBe(0);
    expect(() => zeros([-1])).toThrow(/zeros: shape must be .*non-negative integers, got \[-1\]/);
  });

  it('arange, linspace and eye follow numpy', () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(4).dtype).toBe('int32');
    expect(arange(2, 10, 3).toArray()).toEqual([2, 5, 8]);
    expect(arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
    expect(arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0, 1, 0.25).dtype).toBe('float32');
    expect(arange(5, 2).shape).toEqual([0]);
    expect(() => arange(0, 1, 0)).toThrow(/arange.*step/);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(0, 1, 4, { endpoint: false }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3, { k: 1 }).toArray()).toEqual([[0, 1, 0], [0, 0, 1]]);
  });
});

describe('reading tensors', () => {
  it('toArray, item and dataSync', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(scalar(5).toArray()).toBe(5);
    expect(tensor([true]).item()).toBe(true);
    expect(t.dataSync()).toBeInstanceOf(Float32Array);
    expect([...t.dataSync()]).toEqual([1, 2, 3, 4]);
    expect(() => t.item()).toThrow(/item.*one element.*\[2, 2\]/);
  });

  it('reads return copies, so tensors stay immutable', async () => {
    const t = tensor([1, 2, 3]);
    t.dataSync()[0] = 99;
    (await t.data())[1] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(() => (t.shape as number[]).push(1)).toThrow();
  });

  it('does not keep the caller-owned source array', () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 42;
    expect(t.toArray()).toEqual([1, 2]);
  });

  it('prints values, shape and dtype, eliding long axes', () => {
    expect(String(tensor([[1, 2], [3, 4]], { dtype: 'int32' }))).toBe('Tensor([[1, 2],\n [3, 4]], shape=[2, 2], dtype=int32)');
    expect(String(tensor([1.5, 2]))).toBe('Tensor([1.5, 2.], shape=[2], dtype=float32)');
    expect(String(arange(10))).toContain('...');
    expect(String(tensor([true]))).toContain('true');
  });
});

describe('chaining methods', () => {
  const x = tensor([[1, -2], [3, -4]]);

  it('forward to the free functions', () => {
    expect(x.abs().sum().item()).toBe(10);
    expect(x.add(1).mul(2).toArray()).toEqual([[4, -2], [8, -6]]);
    expect(x.relu().max({ axis: 1 }).toArray()).toEqual([1, 3]);
    expect(x.transpose().reshape([4]).toArray()).toEqual([1, 3, -2, -4]);
    expect(x.matmul(x).toArray()).toEqual([[-5, 6], [-9, 10]]);
    expect(x.dot(tensor([1, 1])).toArray()).toEqual([-1, -1]);
    expect(x.ravel().outer(tensor([1, 0])).shape).toEqual([4, 2]);
    expect(x.slice([{ step: -1 }]).toArray()).toEqual([[3, -4], [1, -2]]);
    expect(x.flip(1).toArray()).toEqual([[-2, 1], [-4, 3]]);
    expect(x.pad([[0, 0], [1, 0]]).toArray()).toEqual([[0, 1, -2], [0, 3, -4]]);
    expect(x.split(2).map((t: Tensor) => t.shape)).toEqual([[1, 2], [1, 2]]);
    expect(x.take([3]).toArray()).toEqual([-4]);
    expect(x.takeAlongAxis([[1], [0]], 1).toArray()).toEqual([[-2], [3]]);
    expect(tensor([1, 0], { dtype: 'int32' }).oneHot(2).toArray()).toEqual([[0, 1], [1, 0]]);
    expect(x.moveaxis(0, 1).toArray()).toEqual(x.transpose().toArray());
    expect(x.floor().ceil().sign().toArray()).toEqual([[1, -1], [1, -1]]);
    expect(x.softplus().shape).toEqual([2, 2]);
    expect(x.stopGradient().toArray()).toEqual(x.toArray());
    expect(x.astype('int32').dtype).toBe('int32');
  });

  it('covers convolution and pooling', () => {
    const img = ones([1, 1, 4, 4]);
    expect(img.conv2d(ones([2, 1, 3, 3])).shape).toEqual([1, 2, 2, 2]);
    expect(img.maxPool2d({ kernelSize: 2 }).shape).toEqual([1, 1, 2, 2]);
    expect(img.avgPool2d({ kernelSize: 2 }).toArray()).toEqual([[[[1, 1], [1, 1]]]]);
  });

  it('leave the receiver unchanged', () => {
    const before = x.toArray();
    x.add(1);
    x.slice([{ step: -1 }]);
    x.pad(1);
    expect(x.toArray()).toEqual(before);
  });
});
