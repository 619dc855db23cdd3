/** The shared argument checks (src/tensor/validate.ts): each names the function, the value and what was expected. */
import { describe, expect, it } from 'vitest';
import { axisOrOptions, checkDType, checkFunction, checkNumber, checkOneOf, checkOptions, checkShape, describeValue, OpError } from '../src/tensor';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OpError);
    return (e as Error).message;
  }
  throw new Error('expected an OpError');
};

describe('validate', () => {
  it('checkOptions accepts undefined and known keys, refuses misspelled keys and non-objects', () => {
    expect(checkOptions<{ axis?: number }>('sum', undefined, ['axis'])).toEqual({});
    expect(checkOptions<{ axis?: number; keepdims?: boolean }>('sum', { axis: 0 }, ['axis', 'keepdims'])).toEqual({ axis: 0 });
    expect(message(() => checkOptions<{ axis?: number; keepdims?: boolean }>('sum', { axes: 0 } as never, ['axis', 'keepdims']))).toBe('sum: unknown option "axes" (valid options: axis, keepdims)');
    expect(message(() => checkOptions('sum', 3 as never, ['axis']))).toBe('sum: expected an options object (axis), got 3');
    expect(message(() => checkOptions('sum', [1] as never, ['axis']))).toBe('sum: expected an options object (axis), got [1]');
  });

  it('checkDType names the valid dtypes', () => {
    expect(checkDType('zeros', 'int32')).toBe('int32');
    expect(message(() => checkDType('zeros', 'float16'))).toBe('zeros: dtype must be one of bool, int32, float32, float64, got "float16"');
    expect(message(() => checkDType('zeros', { dtype: 'float32' }))).toBe('zeros: dtype must be one of bool, int32, float32, float64, got { dtype }');
  });

  it('checkNumber enforces finiteness, integrality and bounds', () => {
    expect(checkNumber('adam', 'learningRate', 0.1, { above: 0 })).toBe(0.1);
    expect(message(() => checkNumber('adam', 'learningRate', '0.001', { above: 0 }))).toBe('adam: learningRate must be a finite number > 0, got "0.001"');
    expect(message(() => checkNumber('adam', 'learningRate', NaN, { above: 0 }))).toBe('adam: learningRate must be a finite number > 0, got NaN');
    expect(message(() => checkNumber('eye', 'k', 0.5, { integer: true }))).toBe('eye: k must be an integer, got 0.5');
    expect(message(() => checkNumber('f', 'p', 2, { min: 0, max: 1 }))).toBe('f: p must be a finite number in [0, 1], got 2');
    expect(checkNumber('f', 'x', Infinity, { allowNonFinite: true })).toBe(Infinity);
  });

  it('checkShape, checkFunction and checkOneOf', () => {
    expect(checkShape('zeros', [2, 0, 3])).toEqual([2, 0, 3]);
    expect(message(() => checkShape('zeros', [NaN]))).toBe('zeros: shape must be an array of non-negative integers, got [NaN] (entry 0 is NaN)');
    expect(message(() => checkShape('reshape', undefined))).toBe('reshape: shape must be an array of non-negative integers, got undefined');
    expect(message(() => checkFunction('grad', undefined))).toBe('grad: the function must be a function, got undefined');
    expect(checkOneOf('gelu', 'approximate', 'tanh', ['none', 'tanh'])).toBe('tanh');
    expect(message(() => checkOneOf('gelu', 'approximate', 'tanhh', ['none', 'tanh']))).toBe('gelu: approximate must be one of "none", "tanh", got "tanhh"');
  });

  it('axisOrOptions takes a positional axis or an options object', () => {
    expect(axisOrOptions('stack', 1, ['axis'])).toEqual({ axis: 1 });
    expect(axisOrOptions('stack', { axis: 2 }, ['axis'])).toEqual({ axis: 2 });
    expect(axisOrOptions('stack', undefined, ['axis'], 0)).toEqual({ axis: 0 });
    expect(message(() => axisOrOptions('stack', { axes: 0 } as never, ['axis']))).toBe('stack: unknown option "axes" (valid options: axis)');
  });

  it('describeValue is short and safe', () => {
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(Array.from({ length: 20 }, () => 0))).toBe('an array of length 20');
    expect(describeValue(() => 1)).toBe('a function');
  });
});
