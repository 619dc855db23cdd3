/**
 * Tensors are immutable from every JS door (issue 12, item 5): assignment, delete,
 * defineProperty, Object.assign, Reflect.set, prototype swaps, writes into the arrays that reads
 * return, and writes into the source array after tensor(). This file is an ES module, so it runs
 * in strict mode: an assignment to a frozen property throws a TypeError here (sloppy code would
 * be ignored silently); either way the tensor does not change.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { jit } from '../src/grad';
import { asyncLawProperty, lawProperty } from '../laws/arbitraries/property';
import { DOOR_KEYS, DOORS, tensorCopiesItsSource, tensorSurvivesDoor } from '../laws/tensor';

const SEED = 5150;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });
const dtypeArb = fc.constantFrom<T.DType>('float32', 'float64', 'int32', 'bool');
const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;
const typedArb = fc.tuple(shapeArb, dtypeArb).chain(([shape, dtype]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const value = dtype === 'bool' ? fc.integer({ min: 0, max: 1 }) : dtype === 'int32' ? fc.integer({ min: -9, max: 9 }) : fc.double({ min: -9, max: 9, noNaN: true });
  return fc.array(value, { minLength: n, maxLength: n }).map((v) => ({ shape, values: ARRAYS[dtype].from(v) }));
});
/** Tensors made every way users get them: tensor(), creation functions, op results, jit outputs. */
const tensorArb = fc.tuple(typedArb, fc.constantFrom('tensor', 'op', 'jit', 'zeros')).map(([{ shape, values }, how]) => {
  const t = T.tensor(values, { shape });
  if (how === 'op') return T.reshape(T.astype(t, t.dtype), shape);
  if (how === 'jit') return jit((x: T.Tensor) => T.astype(T.add(T.astype(x, 'float32'), 1), x.dtype))(t) as T.Tensor;
  if (how === 'zeros') return T.zeros(shape, t.dtype);
  return t;
});
const VALUES = [[3, 3], [], 'int32', 'webgpu', undefined, null, 5, () => new Float32Array(9)];

describe(`tensors are immutable from every JS door (fast-check seed ${SEED})`, () => {
  it('the issue case: x.shape = [3, 3] throws and add(x, 1) stays right', () => {
    const x = T.tensor([1, 2, 3]);
    expect(() => ((x as any).shape = [3, 3])).toThrow(TypeError);
    expect(() => delete (x as any).dtype).toThrow(TypeError);
    expect(() => Object.defineProperty(x, 'device', { value: 'webgpu' })).toThrow(TypeError);
    expect(Reflect.set(x, 'shape', [9])).toBe(false);
    expect(T.add(x, 1).toArray()).toEqual([2, 3, 4]);
    expect([x.shape, x.dtype, x.device]).toEqual([[3], 'float32', 'cpu']);
  });

  it('tensorSurvivesDoor: every door, every key, drawn tensors and values', async () => {
    const doors = Object.keys(DOORS);
    await fc.assert(asyncLawProperty(tensorArb, fc.constantFrom(...doors), fc.constantFrom(...DOOR_KEYS), fc.constantFrom(...VALUES),
      (t, door, key, value) => tensorSurvivesDoor(t, DOORS[door]!, key, value)), runs(400));
  });

  it('every door on every key, exhaustively on one tensor of each dtype', async () => {
    for (const t of [T.tensor([1.5, -0, NaN]), T.tensor([1, 2], { dtype: 'float64' }), T.tensor([[1, 2]], { dtype: 'int32' }), T.tensor([true, false])]) {
      for (const door of Object.values(DOORS)) for (const key of DOOR_KEYS) expect(await tensorSurvivesDoor(t, door, key, [3, 3])).toBe(true);
    }
  });

  it('tensorCopiesItsSource: tensor(typedArray) copies it', () => {
    fc.assert(lawProperty(typedArb, ({ shape, values }) => tensorCopiesItsSource(values, shape)), runs(100));
  });

  it('no storage reaches users: no property holds the data, and the constructor is internal', () => {
    const x = T.tensor([1, 2]);
    const own = Reflect.ownKeys(x).map((k) => (x as any)[k]);
    expect(own.some((v) => ArrayBuffer.isView(v) || (typeof v === 'object' && v !== null && !Array.isArray(v)))).toBe(false);
    expect(Object.isFrozen(x)).toBe(true);
    expect(() => new (T.Tensor as any)([2], 'float32', 'cpu', new Float32Array(2))).toThrow(/^Tensor: the constructor is internal/);
    expect(() => new (T.Tensor as any)([2], 'float32', 'cpu')).toThrow(/^Tensor: the constructor is internal/);
  });
});
