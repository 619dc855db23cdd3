/**
 * Values of the NumPy math surface against closed forms and known values: trigonometric and
 * hyperbolic functions and their inverses, base-2/10 logs and powers, rounding half to even,
 * and the three remainder conventions (fmod, mod, floorDivide) including signs, zeros and
 * infinities. Derivatives are the primitive laws' business (test/grad.laws.test.ts); the edges
 * where they blow up are checked here.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit } from '../src/grad';
import { expectClose } from './ops.helpers';

const f64 = (xs: number[]) => T.tensor(xs, { dtype: 'float64' });
const values = (t: T.Tensor) => Array.from(t.dataSync());

describe('trigonometric and hyperbolic functions', () => {
  it('match closed forms and their identities in float64', () => {
    const x = f64([-2.5, -1, -0.3, 0, 0.2, 0.9, 1.4]);
    expectClose(T.tan(x), values(x).map(Math.tan), 1e-14);
    expectClose(T.arctan(T.tan(x)), values(x).map((v) => Math.atan(Math.tan(v))), 1e-14);
    expectClose(T.sub(T.square(T.cosh(x)), T.square(T.sinh(x))), x.shape[0] ? values(x).map(() => 1) : [], 1e-12);
    expectClose(T.arcsinh(T.sinh(x)), values(x), 1e-13);
    expectClose(T.arccosh(T.cosh(f64([0.5, 1, 3]))), [0.5, 1, 3], 1e-12);
    const u = f64([-1, -0.5, 0, 0.5, 1]);
    expectClose(T.add(T.arcsin(u), T.arccos(u)), [1, 1, 1, 1, 1].map(() => Math.PI / 2), 1e-15);
    expectClose(T.arctanh(T.tanh(u)), values(u), 1e-12);
  });

  it('give the known values at the edges of their domains', () => {
    expect(values(T.arcsin(f64([1, -1, 1.5, NaN])))).toEqual([Math.PI / 2, -Math.PI / 2, NaN, NaN]);
    expect(values(T.arccos(f64([1, -1, -1.01])))).toEqual([0, Math.PI, NaN]);
    expect(values(T.arctanh(f64([1, -1, 2])))).toEqual([Infinity, -Infinity, NaN]);
    expect(values(T.arccosh(f64([1, 0.5, Infinity])))).toEqual([0, NaN, Infinity]);
    expect(values(T.sinh(f64([-Infinity, 800])))).toEqual([-Infinity, Infinity]);
    expect(values(T.arctan(f64([Infinity, -Infinity])))).toEqual([Math.PI / 2, -Math.PI / 2]);
    expect(Object.is(T.arcsinh(f64([-0])).item(), -0)).toBe(true);
  });

  it('promote integers to float32 and keep float64', () => {
    expect(T.tan(T.tensor([1], { dtype: 'int32' })).dtype).toBe('float32');
    expect(T.arcsinh(f64([1])).dtype).toBe('float64');
    expect(() => T.bind1('asin', [T.tensor([1], { dtype: 'int32' })], {})).toThrow(/asin: expects a float tensor/);
  });

  it('have derivatives with the closed forms, accurate near +-1 where they blow up', () => {
    const d = (f: (x: T.Tensor) => T.Tensor, x: number) => grad((t: T.Tensor) => T.sum(f(t)))(f64([x])).item() as number;
    const near1 = 1 - 2 ** -30;
    // 1 / sqrt((1 - x)(1 + x)): 1 - x is exact here, where 1 - x^2 would lose half the digits.
    expect(d(T.arcsin, near1)).toBeCloseTo(1 / Math.sqrt(2 ** -30 * (2 - 2 ** -30)), 6);
    expect(d(T.arccos, -near1) / (-1 / Math.sqrt(2 ** -30 * (2 - 2 ** -30)))).toBeCloseTo(1, 12);
    expect(d(T.arctanh, near1) / (1 / (2 ** -30 * (2 - 2 ** -30)))).toBeCloseTo(1, 12);
    expect(d(T.arccosh, 1 + 2 ** -30) / (1 / Math.sqrt(2 ** -30 * (2 + 2 ** -30)))).toBeCloseTo(1, 12);
    expect(d(T.tan, 0.5)).toBeCloseTo(1 / Math.cos(0.5) ** 2, 14);
    expect(d(T.arcsinh, 1e200)).toBe(0); // 1 / sqrt(x^2 + 1) -> 0, not NaN
    expect(d(T.sinh, 2)).toBeCloseTo(Math.cosh(2), 13);
    expect(d(T.cosh, -2)).toBeCloseTo(Math.sinh(-2), 13);
    expect(d(T.arctan, 3)).toBeCloseTo(0.1, 15);
  });
});

describe('base-2 and base-10 logarithms and powers of two', () => {
  it('are exact at powers of their base', () => {
    const p = Array.from({ length: 60 }, (_, i) => i - 30);
    expect(values(T.log2(f64(p.map((k) => 2 ** k))))).toEqual(p);
    expect(values(T.exp2(f64(p)))).toEqual(p.map((k) => 2 ** k));
    expect(values(T.log10(f64([1e-5, 0.01, 1, 10, 1000, 1e15])))).toEqual([-5, -2, 0, 1, 3, 15]);
    expect(values(T.log2(T.tensor([8, 0.25, 1024], { dtype: 'float32' })))).toEqual([3, -2, 10]);
  });

  it('match the natural log and exp, with the usual special values', () => {
    const x = f64([0.3, 1.7, 123.4]);
    expectClose(T.log2(x), values(x).map((v) => Math.log(v) / Math.LN2), 1e-15);
    expectClose(T.log10(x), values(x).map((v) => Math.log(v) / Math.LN10), 1e-15);
    expectClose(T.exp2(f64([0.5, -1.25])), [Math.SQRT2, 2 ** -1.25], 1e-15);
    expect(values(T.log2(f64([0, -0, -1, Infinity])))).toEqual([-Infinity, -Infinity, NaN, Infinity]);
    expect(values(T.exp2(f64([-Infinity, Infinity, 1024])))).toEqual([0, Infinity, Infinity]);
  });
});

describe('round and trunc', () => {
  it('round halves to even, like NumPy and JAX', () => {
    const halves = [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5];
    expect(values(T.round(f64(halves)))).toEqual([-4, -2, -2, -0, 0, 2, 2, 4, 4]);
    expect(Object.is(T.round(f64([-0.4])).item(), -0)).toBe(true);
    expect(values(T.round(T.tensor([2.5, 3.5, -2.5, 1e30], { dtype: 'float32' })))).toEqual([2, 4, -2, Math.fround(1e30)]);
    expect(values(T.round(f64([2.4999999999999996, 0.49999999999999994])))).toEqual([2, 0]);
    expect(T.round(T.tensor([3, -4], { dtype: 'int32' })).dtype).toBe('int32');
  });

  it('round to decimals by scaling, NumPy-style', () => {
    expectClose(T.round(f64([3.14159, -2.71828]), { decimals: 2 }), [3.14, -2.72], 1e-15);
    expect(values(T.round(f64([1234, 1250, 1350]), { decimals: -2 }))).toEqual([1200, 1200, 1400]);
    expect(() => T.round(f64([1]), { decimals: 0.5 })).toThrow(/round: decimals must be an integer/);
    expect(() => T.round(f64([1]), { digits: 2 } as never)).toThrow(/round: unknown option "digits"/);
  });

  it('agree with Math.round/Math.trunc away from halves, eagerly and under jit (fast-check)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), (xs) => {
      const x = T.tensor(xs.map(Math.fround), { dtype: 'float32' });
      const want = values(x).map((v) => (Math.abs(v - Math.trunc(v)) === 0.5 ? values(T.round(T.tensor([v], { dtype: 'float32' })))[0]! : Math.round(v)));
      expect(values(T.round(x))).toEqual(want);
      expect(values(jit((t: T.Tensor) => T.round(t))(x))).toEqual(want);
      expect(values(T.trunc(x))).toEqual(values(x).map(Math.trunc));
      expect(values(jit((t: T.Tensor) => T.trunc(t))(x))).toEqual(values(x).map(Math.trunc));
    }), { seed: 99, numRuns: 50 });
  });
});

describe('remainders: fmod, mod (remainder), floorDivide', () => {
  it('fmod takes the sign of the dividend, mod the sign of the divisor', () => {
    const a = T.tensor([7, -7, 7, -7], { dtype: 'int32' });
    const b = T.tensor([3, 3, -3, -3], { dtype: 'int32' });
    expect(T.fmod(a, b).toArray()).toEqual([1, -1, 1, -1]);
    expect(T.mod(a, b).toArray()).toEqual([1, 2, -2, -1]);
    expect(T.remainder(a, b).toArray()).toEqual([1, 2, -2, -1]);
    expect(T.floorDivide(a, b).toArray()).toEqual([2, -3, -3, 2]);
    expect(T.mod(a, b).dtype).toBe('int32');
  });

  it('satisfy a == b * floorDivide(a, b) + mod(a, b) (fast-check over integers)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -50, max: 50 }).filter((d) => d !== 0)), { minLength: 1, maxLength: 16 }), (pairs) => {
      const a = T.tensor(pairs.map((p) => p[0]), { dtype: 'int32' });
      const b = T.tensor(pairs.map((p) => p[1]), { dtype: 'int32' });
      const q = T.floorDivide(a, b).toArray() as number[];
      const r = T.mod(a, b).toArray() as number[];
      pairs.forEach(([x, y], i) => {
        expect(q[i]).toBe(Math.floor(x / y));
        expect(r[i]).toBe(x - y * Math.floor(x / y));
      });
      expect(T.fmod(a, b).toArray()).toEqual(pairs.map(([u, v]) => (u % v) | 0));
    }), { seed: 5, numRuns: 40 });
  });

  it('match Python on floats, including zeros and infinities', () => {
    const a = f64([5.5, -5.5, 5.5, -5.5, 1, -1, 0, 5, -5, 1, 0, Infinity]);
    const b = f64([2, 2, -2, -2, 0, 0, 0, Infinity, Infinity, -Infinity, 2, 2]);
    // Python: 5.5 % 2 = 1.5, -5.5 % 2 = 0.5, 5.5 % -2 = -0.5, -5.5 % -2 = -1.5, x % 0 = nan,
    // 5 % inf = 5, -5 % inf = inf (NumPy), 1 % -inf = -inf, inf % 2 = nan.
    expect(values(T.mod(a, b))).toEqual([1.5, 0.5, -0.5, -1.5, NaN, NaN, NaN, 5, Infinity, -Infinity, 0, NaN]);
    expect(values(T.fmod(a, b))).toEqual([1.5, -1.5, 1.5, -1.5, NaN, NaN, NaN, 5, -5, 1, 0, NaN]);
    expect(values(T.floorDivide(a, b)).slice(0, 10)).toEqual([2, -3, -3, 2, Infinity, -Infinity, NaN, 0, -1, -1]);
    expect(values(T.floorDivide(f64([0.7, -0.7]), f64([0.1, 0.1])))).toEqual([6, -7]); // 0.7 // 0.1 = 6.0 in Python
    expect(values(T.mod(f64([0.7]), f64([0.1])))).toEqual([0.7 % 0.1]);
  });

  it('integer division by zero gives 0; bools count as int32', () => {
    const z = T.tensor([5, -5], { dtype: 'int32' });
    expect(T.mod(z, 0).toArray()).toEqual([0, 0]);
    expect(T.fmod(z, 0).toArray()).toEqual([0, 0]);
    expect(T.floorDivide(z, 0).toArray()).toEqual([0, 0]);
    expect(T.fmod(T.tensor([-2147483648], { dtype: 'int32' }), -1).toArray()).toEqual([0]);
    expect(T.mod(T.tensor([true, true]), T.tensor([true, true])).dtype).toBe('int32');
  });

  it('mod is periodic in its derivative: d/da mod(a, b) = 1, d/db = -floor(a / b)', () => {
    const [da, db] = grad((a: T.Tensor, b: T.Tensor) => T.sum(T.mod(a, b)), { argnums: [0, 1] })(f64([7.5, -7.5]), f64([2, 2])) as T.Tensor[];
    expect(values(da!)).toEqual([1, 1]);
    expect(values(db!)).toEqual([-3, 4]);
  });
});
