/**
 * Bool arithmetic follows JAX on every backend (issue 12, item 2): add and maximum are logical
 * or, mul and minimum logical and, every result is a valid bool (CPU eager, CPU jit and WebGPU
 * agree bit for bit), pow and square count in int32, div gives float32, and sub, neg and sign
 * are errors naming the op and the dtype.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { jit } from '../src/grad';
import { toDevice } from '../src/tensor/backend/webgpu';
import { lawProperty } from '../laws/arbitraries/property';
import { boolArithmeticIsLogical, isValidBool } from '../laws/tensor';
import { jitMatchesEager } from '../laws/jit';
import { allOf } from '../laws/result';
import { webgpuOrWarn } from './webgpu.helpers';

const SEED = 1212;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const boolsOf = (shape: readonly number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((v) => T.tensor(v, { shape: [...shape], dtype: 'bool' }));
};
/** Two bool tensors of one shape, or the second broadcast (a row or a scalar). */
const pairArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) =>
  fc.constantFrom(shape, shape.slice(-1), []).chain((other) => fc.tuple(boolsOf(shape), boolsOf(other))));

/** The arithmetic primitives bools allow, bound directly (below the op layer). */
const ALLOWED = ['add', 'mul', 'max', 'min'] as const;
const everyPrimitive = (a: T.Tensor, b: T.Tensor) => ALLOWED.map((p) => T.bind1(p, [a, b], {}));

describe(`bool arithmetic follows JAX (fast-check seed ${SEED})`, () => {
  it('the issue case: add(true, true) is true, counts once and equals true', () => {
    const y = T.add(T.tensor([true, true]), T.tensor([true, false]));
    expect(Array.from(y.dataSync())).toEqual([1, 1]);
    expect(T.astype(y, 'int32').toArray()).toEqual([1, 1]);
    expect(T.equal(y, true).toArray()).toEqual([true, true]);
    expect(T.sum(y).item()).toBe(2);
  });

  it('boolArithmeticIsLogical on drawn pairs (with broadcasting)', () => {
    fc.assert(lawProperty(pairArb, ([a, b]) => boolArithmeticIsLogical(a, b)), runs(60));
  });

  it('the primitives store valid bools, eagerly and fused by jit (bit for bit)', () => {
    const same = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 }).chain((s) => fc.tuple(boolsOf(s), boolsOf(s)));
    fc.assert(lawProperty(same, ([a, b]) => allOf(
      ...everyPrimitive(a, b).map((y, i) => [`${ALLOWED[i]} eager`, () => isValidBool(y)] as const),
      ['jit vs eager', () => jitMatchesEager(everyPrimitive, [a, b])],
      // A fused chain: the rounding of each step is what eager kernels store.
      ['fused chain', () => jitMatchesEager((x: T.Tensor, y: T.Tensor) => T.logicalNot(T.bind1('add', [T.bind1('mul', [x, y], {}), T.logicalNot(x)], {})), [a, b])],
    )), runs(40));
  });

  it('sums count in int32, means in float32; pow and square give int32, div float32', () => {
    const a = T.tensor([true, false, true]), b = T.tensor([true, true, false]);
    expect([T.sum(a).dtype, T.sum(a).item()]).toEqual(['int32', 2]);
    expect([T.mean(a).dtype, T.mean(a).item()]).toEqual(['float32', Math.fround(2 / 3)]);
    expect([T.prod(a).dtype, T.cumsum(a).toArray()]).toEqual(['int32', [1, 1, 2]]);
    expect([T.pow(a, b).dtype, T.pow(a, b).toArray()]).toEqual(['int32', [1, 0, 1]]);
    expect([T.square(a).dtype, T.square(a).toArray()]).toEqual(['int32', [1, 0, 1]]);
    expect([T.div(a, b).dtype, T.div(a, b).toArray()]).toEqual(['float32', [1, 0, Infinity]]);
    expect([T.max(a).dtype, T.max(a).item(), T.min(a).item()]).toEqual(['bool', true, false]);
  });

  it('sub, neg and sign are errors naming the op and the dtype, at the op layer and below', () => {
    const a = T.tensor([true, false]);
    expect(() => T.sub(a, a)).toThrow(/^sub: is not defined for bool tensors .*bool \[2\].*notEqual/);
    expect(() => T.neg(a)).toThrow(/^neg: is not defined for bool tensors .*logicalNot/);
    expect(() => T.sign(a)).toThrow(/^sign: is not defined for bool tensors/);
    expect(() => a.neg()).toThrow(/^neg: .*bool/);
    for (const p of ['sub', 'div', 'pow', 'atan2'] as const) expect(() => T.bind1(p, [a, a], {})).toThrow(new RegExp(`^${p}: is not defined for bool tensors, got bool\\[2\\]`));
    expect(() => T.bind1('neg', [a], {})).toThrow(/^neg: is not defined for bool tensors/);
    expect(() => T.bind1('reduceSum', [a], { axes: [0] })).toThrow(/^reduceSum: is not defined for bool tensors/);
    // Mixed with numbers, bools promote as before (JAX): true - 1 is 0.
    expect(T.sub(a, 1).toArray()).toEqual([0, -1]);
  });
});

const available = await webgpuOrWarn('bool arithmetic on webgpu');

describe.skipIf(!available)('bool arithmetic on webgpu equals the CPU bit for bit', () => {
  it('op layer and primitives, eager and jitted', async () => {
    const a = T.tensor([true, true, false, false, true]), b = T.tensor([true, false, true, false, false]);
    const ga = toDevice(a, 'webgpu'), gb = toDevice(b, 'webgpu');
    const ops = (x: T.Tensor, y: T.Tensor) => [T.add(x, y), T.mul(x, y), T.maximum(x, y), T.minimum(x, y), ...everyPrimitive(x, y), T.sum(x), T.astype(T.add(x, y), 'int32')];
    const want = ops(a, b).map((t) => Array.from(t.dataSync()));
    for (const got of [ops(ga, gb), jit(ops)(ga, gb) as T.Tensor[]]) {
      expect(await Promise.all(got.map(async (t) => Array.from(await t.data())))).toEqual(want);
    }
  });
});
