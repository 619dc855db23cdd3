/**
 * Laws of the tensor layer as pure predicates: each takes concrete values and returns `true` or
 * the reason the law fails. The fast-check runner lives in test/tensor.laws.test.ts; users can
 * run the same predicates against their own operations or backends.
 *
 *   commutes(add, a, b);                                  // true
 *   float32AgreesWithFloat64(softmax, [x64]);             // true, or the first element off
 */
import { abstractEval, add, astype, evalPrimitive, fmtAval, inversePerm, logicalAnd, logicalOr, maximum, minimum, mul, reshape, shapeEqual, sum, tensor, transpose, type Prim, type PrimParams, type Tensor } from '../src/tensor';
import { approx, exact, type Approx } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

const storageType = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/**
 * Immutability: running `f` leaves every input's shape, dtype and data as they were. Tensors
 * share no writable state with their results, so no operation can change a value it was given.
 */
export function doesNotMutateInputs(f: (...xs: Tensor[]) => unknown, inputs: readonly Tensor[]): LawResult {
  const snapshot = () => inputs.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, data: Array.from(t.dataSync()) }));
  const before = snapshot();
  f(...inputs);
  return labelled('inputs after the call vs before', exact.equals(snapshot(), before));
}

/**
 * A primitive's shape rule (abstract evaluation) agrees with what the backend computes: the
 * eager result has the predicted shape and dtype, and its storage holds exactly that many
 * elements of the dtype's array type.
 */
export function shapeRuleMatchesEager<P extends Prim>(prim: P, args: readonly Tensor[], params: PrimParams[P]): LawResult {
  const predicted = abstractEval(prim, args, params);
  const [y] = evalPrimitive(prim, args, params);
  if (!y) return `${prim} returned no result`;
  const size = predicted.shape.reduce((n, d) => n * d, 1);
  return allOf(
    [`${prim}: eager result vs shape rule`, () => check(y.dtype === predicted.dtype && shapeEqual(y.shape, predicted.shape), () => `${fmtAval(y)} vs ${fmtAval(predicted)}`)],
    [`${prim}: storage`, () => {
      const data = y.dataSync();
      return check(data instanceof storageType[predicted.dtype] && data.length === size, () => `a ${data.constructor.name} of ${data.length} elements, expected a ${storageType[predicted.dtype].name} of ${size}`);
    }],
  );
}

/** op(a, b) equals op(b, a) exactly, with broadcasting and promotion in both orders. */
export function commutes(op: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor): LawResult {
  return labelled('op(a, b) vs op(b, a)', exact.equals(op(a, b), op(b, a)));
}

/** Reshaping to any shape of the same size and back gives the original tensor. */
export function reshapeRoundTrips(x: Tensor, shape: readonly number[]): LawResult {
  return labelled(`reshape to [${shape}] and back vs x`, exact.equals(reshape(reshape(x, shape), x.shape), x));
}

/** transpose(transpose(x, p), inversePerm(p)) is x. */
export function transposeRoundTrips(x: Tensor, perm: readonly number[]): LawResult {
  return labelled(`transpose by [${perm}] and back vs x`, exact.equals(transpose(transpose(x, perm), inversePerm(perm)), x));
}

/** float32 results against the float64 reference: float32 to 1e-4 relative, 1e-5 absolute. */
export const float32Approx: Approx = approx({ ignoreDtype: true, float32: { rtol: 1e-4, atol: 1e-5 } });

/**
 * The float64 computation is the reference: running `f` on the float32 cast of float64 inputs
 * agrees with running it on the inputs themselves within float32 tolerance.
 */
export function float32AgreesWithFloat64(f: (...xs: Tensor[]) => Tensor, inputs64: readonly Tensor[], tol: Approx = float32Approx): LawResult {
  const y64 = f(...inputs64);
  const y32 = f(...inputs64.map((t) => astype(t, 'float32')));
  return allOf(
    ['result dtypes', () => check(y32.dtype === 'float32' && y64.dtype === 'float64', () => `${y32.dtype} from float32 inputs and ${y64.dtype} from float64 inputs`)],
    ['float32 result vs float64 reference', () => tol.equals(y32, y64)],
  );
}

/** A bool tensor holds only the bytes 0 and 1 (what every comparison and logical op makes). */
export function isValidBool(t: Tensor): LawResult {
  if (t.dtype !== 'bool') return `${fmtAval(t)} is not a bool tensor`;
  const bad = t.dataSync().find((v) => v !== 0 && v !== 1);
  return check(bad === undefined, () => `${fmtAval(t)} holds the byte ${bad}, expected only 0 and 1`);
}

/**
 * Bool arithmetic follows JAX: add and maximum are logical or, mul and minimum logical and, each
 * result a valid bool; sum counts the trues in int32.
 */
export function boolArithmeticIsLogical(a: Tensor, b: Tensor): LawResult {
  const or = logicalOr(a, b), and = logicalAnd(a, b);
  const same = (name: string, y: Tensor, want: Tensor) => [name, () => {
    const valid = isValidBool(y);
    return valid === true ? exact.equals(y, want) : valid;
  }] as const;
  const trues = Array.from(a.dataSync()).filter((v) => v !== 0).length;
  return allOf(
    same('add vs logicalOr', add(a, b), or),
    same('maximum vs logicalOr', maximum(a, b), or),
    same('mul vs logicalAnd', mul(a, b), and),
    same('minimum vs logicalAnd', minimum(a, b), and),
    ['sum counts the trues', () => {
      const s = sum(a);
      return check(s.dtype === 'int32' && s.item() === trues, () => `sum gave ${s.dtype} ${s.item()}, expected int32 ${trues}`);
    }],
  );
}

/**
 * One way JavaScript offers to change an object, aimed at property `key` with `value`. Doors may
 * throw (a TypeError in strict-mode code, which ES modules are) or do nothing; either is fine.
 * Reads that hand out arrays (`dataSync`, `data`, `toArray`, `shape`) are doors too: writing to
 * what they return must not reach the tensor.
 */
export type Door = (t: Tensor, key: string, value: unknown) => unknown;

const fakeProto = { get shape() { return [3, 3]; }, dataSync: () => new Float32Array(9), toArray: () => [] };

/** Every door: assignment, delete, defineProperty, Object.assign, Reflect, prototypes, and writes into what reads return. */
export const DOORS: Readonly<Record<string, Door>> = {
  assignment: (t, k, v) => ((t as any)[k] = v),
  delete: (t, k) => delete (t as any)[k],
  defineProperty: (t, k, v) => Object.defineProperty(t, k, { value: v, writable: true, configurable: true, enumerable: true }),
  defineGetter: (t, k, v) => Object.defineProperty(t, k, { get: () => v }),
  defineProperties: (t, k, v) => Object.defineProperties(t, { [k]: { value: v } }),
  objectAssign: (t, k, v) => Object.assign(t, { [k]: v }),
  reflectSet: (t, k, v) => Reflect.set(t, k, v),
  reflectDefineProperty: (t, k, v) => Reflect.defineProperty(t, k, { value: v }),
  reflectDeleteProperty: (t, k) => Reflect.deleteProperty(t, k),
  setPrototypeOf: (t) => Object.setPrototypeOf(t, fakeProto),
  reflectSetPrototypeOf: (t) => Reflect.setPrototypeOf(t, fakeProto),
  protoAssignment: (t) => ((t as any).__proto__ = fakeProto),
  shapeElement: (t, _k, v) => ((t.shape as number[])[0] = v as number),
  shapePush: (t, _k, v) => (t.shape as number[]).push(v as number),
  shapeLength: (t) => ((t.shape as number[]).length = 0),
  dataSyncWrite: (t, _k, v) => (t.dataSync()[0] = Number(v) || 7),
  dataSyncFill: (t) => t.dataSync().fill(7),
  dataWrite: async (t) => (await t.data()).fill(7),
  toArrayWrite: (t) => {
    const a = t.toArray();
    if (Array.isArray(a)) a.length = 0;
  },
};

/** Property names a door aims at: metadata, the identity, internal-looking names, and methods. */
export const DOOR_KEYS: readonly string[] = ['shape', 'dtype', 'device', '_id', 'size', 'ndim', '_storage', '_cpu', 'dataSync', 'data', 'toArray', 'item', 'add', 'constructor'];

/** What a tensor shows: metadata, identity, prototype and every element (-0 and NaN spelled out). */
function observe(t: Tensor): string {
  const data = Array.from(t.dataSync(), (v) => (Object.is(v, -0) ? '-0' : String(v)));
  const array = JSON.stringify(t.toArray(), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
  const proto = Object.getPrototypeOf(t) === Object.getPrototypeOf(reshape(t, t.shape)) ? 'Tensor' : 'another prototype';
  return `${t.dtype} ${t.device} [${t.shape}] size ${t.size} ndim ${t.ndim} id ${t._id} ${proto} data ${data} array ${array} plus ${Array.from(add(t, 0).dataSync())}`;
}

/**
 * Immutability: whatever `door` does to `key` of a concrete tensor (it may throw a TypeError),
 * the tensor's shape, dtype, device, identity, prototype and values stay what they were.
 */
export async function tensorSurvivesDoor(t: Tensor, door: Door, key: string, value: unknown): Promise<LawResult> {
  const before = observe(t);
  try {
    await door(t, key, value);
  } catch (e) {
    if (!(e instanceof TypeError)) return `the door threw ${String(e)}, expected a TypeError or nothing`;
  }
  const after = observe(t);
  return check(after === before, () => `after the door on '${key}': ${after}, before: ${before}`);
}

/** tensor(values) copies its input: writing into the source array afterwards leaves the tensor as it was. */
export function tensorCopiesItsSource(values: Float32Array | Float64Array | Int32Array | Uint8Array, shape: readonly number[]): LawResult {
  const t = tensor(values, { shape });
  const before = observe(t);
  values.fill(7);
  const after = observe(t);
  return check(after === before, () => `after writing into the source array: ${after}, before: ${before}`);
}
