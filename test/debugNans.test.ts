import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../src';

describe('setDebugNans', () => {
  afterEach(() => T.setDebugNans(false));

  it('names the first primitive that turns finite values into NaN, with the transformation stack', () => {
    T.setDebugNans(true);
    const f = function loss(x: T.Tensor) {
      return T.sum(T.log(T.sub(x, 2)));
    };
    expect(() => f(T.tensor([1, 3]))).toThrow(/^log: produced NaN\/Infinity from finite operands float32\[2\]/);
    expect(() => T.grad(f)(T.tensor([1, 3]))).toThrow(/log: produced NaN.*inside grad\(loss\)/);
    expect(() => T.jit(f)(T.tensor([1, 3]))).toThrow(/log: produced NaN/);
  });

  it('does not blame a primitive that only passes NaN along, and is off by default', () => {
    T.setDebugNans(true);
    expect(T.add(T.tensor([NaN]), 1).dataSync()[0]).toBeNaN();
    T.setDebugNans(false);
    expect(T.log(T.tensor([-1])).dataSync()[0]).toBeNaN();
  });
});
