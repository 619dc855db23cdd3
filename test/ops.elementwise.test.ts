import { describe, expect, it } from 'vitest';
import {
  abs, add, atan2, ceil, clip, cos, div, elu, equal, erf, exp, expm1, floor, gelu, greater, greaterEqual, leakyRelu,
  less, lessEqual, log, log1p, logicalAnd, logicalNot, logicalOr, logSigmoid, maximum, minimum, mul, neg, notEqual,
  pow, reciprocal, relu, rsqrt, scalar, sigmoid, sign, silu, sin, softplus, sqrt, square, sub, tanh, tensor, where, zeros,
} from '../src/tensor';
import { expectClose } from './ops.helpers';
import * as T from '../src/tensor';

describe('binary arithmetic', () => {
  it('computes values', () => {
    const a = tensor([1, 2, 3]), b = tensor([4, 5, 6]);
    expect(add(a, b).toArray()).toEqual([5, 7, 9]);
    expect(sub(a, b).toArray()).toEqual([-3, -3, -3]);
    expect(mul(a, b).toArray()).toEqual([4, 10, 18]);
    expectClose(div(a, b), [0.25, 0.4, 0.5]);
    expect(pow(a, 2).toArray()).toEqual([1, 4, 9]);
    expect(maximum(a, 2).toArray()).toEqual([2, 2, 3]);
    expect(minimum(a, 2).toArray()).toEqual([1, 2, 2]);
    expectClose(atan2(tensor([1, -1]), tensor([0, 0])), [Math.PI / 2, -Math.PI / 2]);
  });

  it('broadcasts numpy-style', () => {
    const col = tensor([[1], [2]]); // [2, 1]
    const row = tensor([10, 20, 30]); // [3]
    expect(add(col, row).toArray()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(mul(tensor([[[2]]]), row).shape).toEqual([1, 1, 3]);
    expect(add(scalar(1), row).toArray()).toEqual([11, 21, 31]);
    expect(add(zeros([2, 0]), zeros([1, 1])).shape).toEqual([2, 0]);
    expect(add(zeros([0]), 1).shape).toEqual([0]);
  });

  it('handles 0-d operands', () => {
    const y = add(scalar(2), scalar(3));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(5);
    expect(y.toArray()).toBe(5);
  });

  it('promotes dtypes JAX-style (numbers are weak)', () => {
    const f32 = tensor([1, 2]);
    const i32 = tensor([1, 2], { dtype: 'int32' });
    const f64 = tensor([1, 2], { dtype: 'float64' });
    const b = tensor([true, false]);
    expect(add(f32, 2).dtype).toBe('float32');
    expect(add(i32, 2).dtype).toBe('int32');
    expect(add(i32, 2.5).dtype).toBe('float32');
    expect(add(i32, 2.5).toArray()).toEqual([3.5, 4.5]);
    expect(add(f64, 2.5).dtype).toBe('float64');
    expect(mul(f64, f32).dtype).toBe('float64');
    expect(add(i32, f32).dtype).toBe('float32');
    expect(add(b, 1).dtype).toBe('int32');
    expect(add(b, b).dtype).toBe('bool');
    expect(div(i32, 2).dtype).toBe('float32');
    expect(div(i32, 2).toArray()).toEqual([0.5, 1]);
    expect(add(2, 3).dtype).toBe('int32');
    expect(add(2, 0.5).dtype).toBe('float32');
  });

  it('keeps float64 precision', () => {
    const x = tensor([1], { dtype: 'float64' });
    expect(add(x, 1e-12).item()).toBe(1 + 1e-12);
  });

  it('propagates NaN through maximum and minimum', () => {
    expect(Number.isNaN(maximum(tensor([NaN]), 1).item())).toBe(true);
    expect(Number.isNaN(minimum(1, tensor([NaN])).item())).toBe(true);
  });

  it('names the op and both shapes when broadcasting fails', () => {
    expect(() => add(zeros([2, 3]), zeros([4, 5]))).toThrow(/add.*\[2, 3\].*\[4, 5\]/);
    expect(() => mul(zeros([3]), zeros([4]))).toThrow(/mul.*\[3\].*\[4\]/);
    expect(() => where(zeros([2]), zeros([3]), 0)).toThrow(/where.*\[2\].*\[3\]/);
  });

  it('rejects non-tensors with a hint', () => {
    expect(() => add([1, 2] as never, 1)).toThrow(/add.*JS array.*tensor\(/);
  });
});

describe('unary math', () => {
  const x = [0.5, 1, 2];
  const cases: [string, (t: ReturnType<typeof tensor>) => ReturnType<typeof tensor>, (v: number) => number][] = [
    ['neg', neg, (v) => -v], ['exp', exp, Math.exp], ['log', log, Math.log], ['log1p', log1p, Math.log1p],
    ['expm1', expm1, Math.expm1], ['sqrt', sqrt, Math.sqrt], ['rsqrt', rsqrt, (v) => 1 / Math.sqrt(v)],
    ['sin', sin, Math.sin], ['cos', cos, Math.cos], ['tanh', tanh, Math.tanh], ['abs', abs, Math.abs],
    ['square', square, (v) => v * v], ['reciprocal', reciprocal, (v) => 1 / v],
    ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v))], ['floor', floor, Math.floor], ['ceil', ceil, Math.ceil],
  ];
  for (const [name, f, ref] of cases) {
    it(`${name} matches Math`, () => {
      expectClose(f(tensor(x)), x.map(ref));
      expectClose(f(tensor(x.map((v) => -v * 0.3 + 1))), x.map((v) => ref(-v * 0.3 + 1)));
    });
  }

  it('erf matches reference values', () => {
    expectClose(erf(tensor([0, 0.5, 1, 2, -3], { dtype: 'float64' })), [0, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014], 1e-12);
  });

  it('sign, floor and ceil of negatives', () => {
    expect(sign(tensor([-2, 0, 3])).toArray()).toEqual([-1, 0, 1]);
    expect(floor(tensor([-1.5, 1.5])).toArray()).toEqual([-2, 1]);
    expect(ceil(tensor([-1.5, 1.5])).toArray()).toEqual([-1, 2]);
  });

  it('promotes ints and bools to float32 for float math but keeps them for neg/abs', () => {
    const i = tensor([1, 4], { dtype: 'int32' });
    expect(exp(i).dtype).toBe('float32');
    expect(sqrt(i).toArray()).toEqual([1, 2]);
    expect(neg(i).dtype).toBe('int32');
    expect(abs(tensor([-3], { dtype: 'int32' })).toArray()).toEqual([3]);
    expect(exp(tensor([1], { dtype: 'float64' })).dtype).toBe('float64');
    expect(log(2).dtype).toBe('float32');
  });

  it('maps empty and 0-d tensors', () => {
    expect(exp(zeros([2, 0])).shape).toEqual([2, 0]);
    expect(exp(scalar(0)).item()).toBe(1);
  });
});

describe('comparison and logic', () => {
  it('compares with broadcasting and gives bool', () => {
    const a = tensor([1, 2, 3]);
    expect(equal(a, 2).toArray()).toEqual([false, true, false]);
    expect(notEqual(a, 2).toArray()).toEqual([true, false, true]);
    expect(less(a, 2).toArray()).toEqual([true, false, false]);
    expect(lessEqual(a, 2).toArray()).toEqual([true, true, false]);
    expect(greater(a, tensor([[2], [0]])).toArray()).toEqual([[false, false, true], [true, true, true]]);
    expect(greaterEqual(a, 2).dtype).toBe('bool');
  });

  it('compares across dtypes after promotion', () => {
    expect(equal(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2.5])).toArray()).toEqual([true, false]);
  });

  it('logical ops treat numbers as truthiness', () => {
    const t = tensor([true, false]);
    expect(logicalAnd(t, tensor([true, true])).toArray()).toEqual([true, false]);
    expect(logicalOr(t, false).toArray()).toEqual([true, false]);
    expect(logicalNot(tensor([0, 2])).toArray()).toEqual([true, false]);
  });

  it('where broadcasts all three and promotes the branches', () => {
    const y = where(tensor([true, false]), tensor([[1], [2]], { dtype: 'int32' }), 0.5);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[1, 0.5], [2, 0.5]]);
  });

  it('clip with either bound', () => {
    const x = tensor([-2, 0, 2]);
    expect(clip(x, -1, 1).toArray()).toEqual([-1, 0, 1]);
    expect(clip(x, undefined, 1).toArray()).toEqual([-2, 0, 1]);
    expect(clip(x, 0).toArray()).toEqual([0, 0, 2]);
  });
});

describe('activations', () => {
  it('relu, leakyRelu, elu, silu', () => {
    const x = tensor([-2, 0, 3]);
    expect(relu(x).toArray()).toEqual([0, 0, 3]);
    expectClose(leakyRelu(x), [-0.02, 0, 3]);
    expectClose(leakyRelu(x, 0.5), [-1, 0, 3]);
    expectClose(elu(x), [Math.expm1(-2), 0, 3]);
    expectClose(elu(x, 2), [2 * Math.expm1(-2), 0, 3]);
    expectClose(silu(x), [-2 / (1 + Math.exp(2)), 0, 3 / (1 + Math.exp(-3))]);
    expect(relu(tensor([-1, 2], { dtype: 'int32' })).dtype).toBe('int32');
  });

  it('gelu exact and tanh approximation', () => {
    const x = tensor([-1, 0, 1, 2], { dtype: 'float64' });
    // Phi(v) = (1 + erf(v / sqrt 2)) / 2, from tabulated erf values.
    const phi = (v: number): number => 0.5 * (1 + [-0.6826894921370859, 0, 0.6826894921370859, 0.9544997361036416][[-1, 0, 1, 2].indexOf(v)]!);
    expectClose(gelu(x), [-1, 0, 1, 2].map((v) => v * phi(v)), 1e-12);
    const approx = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(gelu(x, { approximate: 'tanh' }), [-1, 0, 1, 2].map(approx), 1e-12);
    expectClose(gelu(x, { approximate: true }), [-1, 0, 1, 2].map(approx), 1e-12);
  });

  it('softplus, logSigmoid and sigmoid stay finite and right at +-1000', () => {
    const x = tensor([-1000, -20, 0, 20, 1000]);
    expectClose(softplus(x), [0, Math.log1p(Math.exp(-20)), Math.LN2, 20 + Math.log1p(Math.exp(-20)), 1000]);
    expectClose(logSigmoid(x), [-1000, -20 - Math.log1p(Math.exp(-20)), -Math.LN2, -Math.log1p(Math.exp(-20)), 0]);
    expectClose(sigmoid(x), [0, 1 / (1 + Math.exp(20)), 0.5, 1 / (1 + Math.exp(-20)), 1], 1e-7);
    for (const f of [softplus, logSigmoid, sigmoid]) expect([...f(x).dataSync()].every(Number.isFinite)).toBe(true);
    expect(sigmoid(tensor([-1000])).item()).toBe(0);
  });
});

describe('isNan, isInf, isFinite', () => {
  const x = T.tensor([1, NaN, Infinity, -Infinity, 0, -0]);
  it('classify every float value', () => {
    expect(T.isNan(x).toArray()).toEqual([false, true, false, false, false, false]);
    expect(T.isInf(x).toArray()).toEqual([false, false, true, true, false, false]);
    expect(x.isFinite().toArray()).toEqual([true, false, false, false, true, true]);
  });
  it('are all-finite for integers and keep the shape', () => {
    const i = T.reshape(T.arange(6), [2, 3]);
    expect(T.isFinite(i).toArray()).toEqual([[true, true, true], [true, true, true]]);
    expect(T.isNan(i).shape).toEqual([2, 3]);
  });
});
