/**
 * The tolerance object every law uses (laws/approx.ts) and the law-result helpers: which pairs
 * agree in each mode, and that a disagreement names the tree path, the index, both values and
 * the tolerance.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { allFinite, approx, bitwise, defaultTolerance, exact, precisionOf, sameAvals, sameValue } from '../laws/approx';
import { allOf, assertLaw, check, labelled, LawViolation } from '../laws/result';
import { lawProperty } from '../laws/arbitraries/property';
import fc from 'fast-check';

const f64 = (v: number[], shape?: number[]) => T.tensor(v, { dtype: 'float64', ...(shape ? { shape } : {}) });
const f32 = (v: number[]) => T.tensor(v, { dtype: 'float32' });

describe('approx', () => {
  it('close: dtype-aware defaults, rtol of the larger value, atol near zero', () => {
    const tol = approx();
    expect(tol.float64).toEqual(defaultTolerance.float64);
    expect(tol.float32).toEqual(defaultTolerance.float32);
    expect(tol.equals(f64([1, 2]), f64([1 + 5e-10, 2]))).toBe(true);
    expect(tol.equals(f64([1, 2]), f64([1 + 5e-9, 2]))).toMatch(/^index \[0\]: 1 vs 1\.000000005 differ by .*float64 rtol 1e-9 × 1, the larger value\)$/);
    expect(tol.equals(f32([1, 2]), f32([1 + 5e-6, 2]))).toBe(true);
    expect(tol.equals(f64([0]), f64([1e-13]))).toBe(true);
    expect(approx({ rtol: 0.1, float64: { rtol: 0 } }).equals(1, 1.01)).toMatch(/float64 rtol 0 /);
  });

  it('reasons name the tree path, the index, both values and the tolerance', () => {
    const a = { layers: [{ w: f64([1, 2, 3, 4], [2, 2]) }], step: 3 };
    const b = { layers: [{ w: f64([1, 2, 3, 4.5], [2, 2]) }], step: 3 };
    expect(approx().equals(a, b)).toBe('.layers[0].w index [1, 1]: 4 vs 4.5 differ by 0.5, more than 4.501e-9 (atol 1e-12 + float64 rtol 1e-9 × 4.5, the larger value)');
    expect(approx().equals({ ...a, step: 3 }, { ...a, step: 4 })).toMatch(/^\.step: 3 vs 4 differ by 1/);
    expect(approx().equals(a, { layers: [{ w: f64([1, 2, 3, 4]) }], step: 3 })).toBe('.layers[0].w: float64[2, 2] vs float64[4] (shapes differ)');
    expect(approx().equals(f64([1]), f32([1]))).toBe('the root: float64[1] vs float32[1] (dtypes differ)');
    expect(approx().equals({ a: 1 }, { b: 1 })).toMatch(/^structures differ: /);
    expect(approx().equals([f64([1])], [1])).toBe('[0]: a float64[1] tensor vs the number 1');
    expect(approx().equals(['x'], ['y'])).toBe('[0]: the string "x" vs the string "y"');
  });

  it('scale tree: rtol of the largest magnitude, so cancellation in one element passes', () => {
    const a = f64([1000, 1e-7]), b = f64([1000, 2e-7]);
    expect(approx().equals(a, b)).toMatch(/index \[1\]/);
    expect(approx({ scale: 'tree' }).equals(a, b)).toBe(true);
    expect(approx({ scale: 'tree' }).equals(f64([1, 1e-7]), f64([1, 2e-7]))).toMatch(/the largest magnitude in either tree/);
  });

  it('per-call scales: a relative magnitude, a multiplied atol, the precision of numbers', () => {
    expect(approx().equals(1e-6, 2e-6)).not.toBe(true);
    expect(approx().equals(1e-6, 2e-6, { relative: 1e4 })).toBe(true);
    expect(approx().equals(0, 1e-11, { absolute: 100 })).toBe(true);
    expect(approx().equals(0, 1e-11, { absolute: 100 })).toBe(true);
    expect(approx().equals(1, 1 + 1e-6)).not.toBe(true);
    expect(approx().equals(1, 1 + 1e-6, { precision: 'float32' })).toBe(true);
    expect(precisionOf([f64([1])], { a: f32([1]) })).toBe('float32');
    expect(precisionOf([f64([1])], 3)).toBe('float64');
  });

  it('NaN matches NaN (unless told otherwise), infinities match exactly, integers exactly', () => {
    expect(approx().equals(f64([NaN, Infinity, -Infinity]), f64([NaN, Infinity, -Infinity]))).toBe(true);
    expect(approx({ nanEqualsNan: false }).equals(f64([NaN]), f64([NaN]))).toMatch(/NaN matches nothing/);
    expect(approx().equals(f64([NaN]), f64([1]))).toBe('index [0]: NaN vs 1');
    expect(approx({ rtol: 1 }).equals(f64([Infinity]), f64([1e308]))).toBe('index [0]: Infinity vs 1e+308');
    const i = (v: number[]) => T.tensor(v, { dtype: 'int32' });
    expect(approx({ rtol: 0.5 }).equals(i([1000]), i([1001]))).toBe('index [0]: 1000 vs 1001');
  });

  it('ignoreDtype compares a float32 result with a float64 reference at float32 precision', () => {
    const y64 = f64([Math.PI]), y32 = f32([Math.PI]);
    expect(approx().equals(y32, y64)).toMatch(/dtypes differ/);
    expect(approx({ ignoreDtype: true }).equals(y32, y64)).toBe(true);
    expect(approx({ ignoreDtype: true, float32: { rtol: 0, atol: 0 } }).equals(y32, y64)).toMatch(/float32 rtol 0/);
  });

  it('ulps: counts representable numbers of the dtype', () => {
    const one = 1, next64 = 1 + 2 ** -52;
    expect(approx({ mode: 'ulps', ulps: 1 }).equals(f64([one]), f64([next64]))).toBe(true);
    expect(approx({ mode: 'ulps', ulps: 1 }).equals(f64([one]), f64([one + 2 * 2 ** -52]))).toBe('index [0]: 1 vs 1.0000000000000004 are 2 float64 ulps apart, more than 1');
    expect(approx({ mode: 'ulps', ulps: 1 }).equals(f32([1]), f32([1 + 2 ** -23]))).toBe(true);
    expect(approx({ mode: 'ulps', ulps: 0 }).equals(f64([0]), f64([-0]))).toBe(true);
    expect(approx({ mode: 'ulps', ulps: 2 }).equals(f64([-(2 ** -1074)]), f64([2 ** -1074]))).toBe(true);
  });

  it('exact: equal numbers (0 equals -0); bitwise: equal bits', () => {
    expect(exact.equals(f64([0, NaN]), f64([-0, NaN]))).toBe(true);
    expect(exact.equals(f64([1]), f64([1 + 2 ** -52]))).toMatch(/^index \[0\]: 1 vs 1\.0000000000000002$/);
    expect(bitwise.equals(f64([0]), f64([-0]))).toBe('index [0]: 0 vs -0 differ in their bits (0x0000000000000000 vs 0x8000000000000000)');
    expect(bitwise.equals({ n: 0 }, { n: -0 })).toBe('.n: 0 vs -0 (not the same number)');
    const nan1 = new Float32Array(new Uint32Array([0x7fc00001]).buffer), nan2 = new Float32Array(new Uint32Array([0x7fc00000]).buffer);
    expect(exact.equals(T.tensor(nan1), T.tensor(nan2))).toBe(true);
    expect(bitwise.equals(T.tensor(nan1), T.tensor(nan2))).toMatch(/differ in their bits \(0x7fc00001 vs 0x7fc00000\)/);
    expect(bitwise.equals({ a: [f32([1, 2]), null, 'x'] }, { a: [f32([1, 2]), null, 'x'] })).toBe(true);
    // sameValue is Object.is: signed zeros differ, any NaN equals any NaN.
    expect(sameValue.equals(T.tensor(nan1), T.tensor(nan2))).toBe(true);
    expect(sameValue.equals(f64([0]), f64([-0]))).toBe('index [0]: 0 vs -0');
    expect(sameValue.equals([-0, NaN], [-0, NaN])).toBe(true);
  });

  it('with() changes some options and keeps the rest; bad options are named', () => {
    const base = approx({ scale: 'tree', float32: { rtol: 1e-3 } });
    const looser = base.with({ rtol: 1e-2 });
    expect(looser.scale).toBe('tree');
    expect(looser.float32.rtol).toBe(1e-2);
    expect(looser.float64).toEqual({ rtol: 1e-2, atol: 1e-12 });
    expect(base.with({ float64: { atol: 0 } }).float32).toEqual({ rtol: 1e-3, atol: 1e-6 });
    expect(String(approx())).toBe('approx(float64 rtol 1e-9 atol 1e-12, float32 rtol 0.00001 atol 0.000001)');
    expect(() => approx({ rtl: 1 } as never)).toThrow("approx: unknown option 'rtl'; expected one of mode, rtol, atol, float32, float64, ulps, scale, nanEqualsNan, signedZeros, ignoreDtype");
    expect(() => approx({ rtol: -1 })).toThrow('approx: rtol must be a number >= 0, got -1');
    expect(() => approx({ float32: { tol: 1 } as never })).toThrow("approx: unknown float32 option 'tol'");
    expect(() => approx({ mode: 'nearly' as never })).toThrow(/mode must be one of close, ulps, exact, bitwise/);
    expect(() => approx({ mode: 'bitwise', ignoreDtype: true })).toThrow(/bitwise comparison needs equal dtypes/);
  });
});

describe('sameAvals and allFinite', () => {
  it('compare structure, shapes and dtypes, not values', () => {
    expect(sameAvals({ w: f64([1, 2]) }, { w: f64([3, 4]) })).toBe(true);
    expect(sameAvals({ w: f64([1, 2]) }, { w: f32([3, 4]) })).toBe('.w: a float64[2] tensor vs a float32[2] tensor');
    expect(sameAvals([1, 'a'], [2, 'a'])).toBe(true);
    expect(sameAvals([1, 'a'], [2, 'b'])).toBe('[1]: the string "a" vs the string "b"');
  });
  it('allFinite names the first non-finite element', () => {
    expect(allFinite([f64([1, 2]), T.tensor([1], { dtype: 'int32' })])).toBe(true);
    expect(allFinite({ g: f64([1, 2, NaN], [1, 3]) })).toBe('.g index [0, 2] is NaN, not finite');
  });
});

describe('law results', () => {
  it('check, labelled and allOf stop at the first failure and say where', () => {
    let ran = 0;
    const r = allOf(['first', () => true], ['second', () => check(false, () => 'it broke')], ['third', () => (ran++, true)]);
    expect(r).toBe('second: it broke');
    expect(ran).toBe(0);
    expect(allOf(['a', () => true])).toBe(true);
    expect(labelled('ctx', true)).toBe(true);
    expect(check(true, 'never')).toBe(true);
  });
  it('lawProperty fails a fast-check property with the law\'s reason and the counterexample', () => {
    const law = (n: number) => check(n < 5, () => `${n} is not below 5`);
    let error: Error | undefined;
    try {
      fc.assert(lawProperty(fc.integer({ min: 0, max: 9 }), law), { seed: 3, numRuns: 100 });
    } catch (e) {
      error = e as Error;
    }
    // fast-check reports the counterexample and seed; the law's reason is the cause (vitest prints it).
    expect(error?.message).toMatch(/seed: 3[\s\S]*Counterexample: \[5\]/);
    expect(error?.cause).toBeInstanceOf(LawViolation);
    expect((error?.cause as Error).message).toBe('5 is not below 5');
    fc.assert(lawProperty(fc.integer({ min: 0, max: 4 }), fc.boolean(), (n, _b) => law(n)), { seed: 3, numRuns: 20 });
  });
  it('assertLaw throws a LawViolation with the reason', () => {
    expect(assertLaw(true)).toBe(true);
    expect(() => assertLaw('x differs', 'jit')).toThrow(LawViolation);
    expect(() => assertLaw('x differs', 'jit')).toThrow('jit: x differs');
  });
});
