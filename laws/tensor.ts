/**
 * Laws of the tensor layer as pure predicates: each takes concrete values and returns whether
 * the law holds for them. The fast-check runner lives in test/tensor.laws.test.ts; users can run
 * the same predicates against their own operations or backends.
 */
import { abstractEval, astype, evalPrimitive, inversePerm, reshape, shapeEqual, transpose, type Prim, type PrimParams, type Tensor } from '../src/tensor';

const storageType = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** Same shape, dtype and bits (NaN equals NaN, 0 equals -0). */
export function tensorsEqual(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || !shapeEqual(a.shape, b.shape)) return false;
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (x[i] !== x[i] && y[i] !== y[i]))) return false;
  return true;
}

/** Same shape and |a - b| <= atol + rtol * |b| elementwise; NaN and infinities must match exactly. */
export function allClose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
  if (!shapeEqual(a.shape, b.shape)) return false;
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!, v = y[i]!;
    if (u !== u || v !== v) {
      if (!(u !== u && v !== v)) return false;
    } else if (!Number.isFinite(u) || !Number.isFinite(v)) {
      if (u !== v) return false;
    } else if (Math.abs(u - v) > atol + rtol * Math.abs(v)) return false;
  }
  return true;
}

/**
 * Immutability: running `f` leaves every input's shape, dtype and data as they were. Tensors
 * share no writable state with their results, so no operation can change a value it was given.
 */
export function doesNotMutateInputs(f: (...xs: Tensor[]) => unknown, inputs: readonly Tensor[]): boolean {
  const before = inputs.map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, data: t.dataSync() }));
  f(...inputs);
  return inputs.every((t, i) => {
    const b = before[i]!;
    if (t.dtype !== b.dtype || !shapeEqual(t.shape, b.shape)) return false;
    const now = t.dataSync();
    return now.every((v, j) => v === b.data[j] || (v !== v && b.data[j] !== b.data[j]));
  });
}

/**
 * A primitive's shape rule (abstract evaluation) agrees with what the backend computes: the
 * eager result has the predicted shape and dtype, and its storage holds exactly that many
 * elements of the dtype's array type.
 */
export function shapeRuleMatchesEager<P extends Prim>(prim: P, args: readonly Tensor[], params: PrimParams[P]): boolean {
  const predicted = abstractEval(prim, args, params);
  const [y] = evalPrimitive(prim, args, params);
  if (!y || y.dtype !== predicted.dtype || !shapeEqual(y.shape, predicted.shape)) return false;
  const data = y.dataSync();
  const size = predicted.shape.reduce((n, d) => n * d, 1);
  return data instanceof storageType[predicted.dtype] && data.length === size;
}

/** op(a, b) equals op(b, a) exactly, with broadcasting and promotion in both orders. */
export function commutes(op: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor): boolean {
  return tensorsEqual(op(a, b), op(b, a));
}

/** Reshaping to any shape of the same size and back gives the original tensor. */
export function reshapeRoundTrips(x: Tensor, shape: readonly number[]): boolean {
  return tensorsEqual(reshape(reshape(x, shape), x.shape), x);
}

/** transpose(transpose(x, p), inversePerm(p)) is x. */
export function transposeRoundTrips(x: Tensor, perm: readonly number[]): boolean {
  return tensorsEqual(transpose(transpose(x, perm), inversePerm(perm)), x);
}

/**
 * The float64 computation is the reference: running `f` on the float32 cast of float64 inputs
 * agrees with running it on the inputs themselves within float32 tolerance.
 */
export function float32AgreesWithFloat64(f: (...xs: Tensor[]) => Tensor, inputs64: readonly Tensor[], rtol = 1e-4, atol = 1e-5): boolean {
  const y64 = f(...inputs64);
  const y32 = f(...inputs64.map((t) => astype(t, 'float32')));
  return y32.dtype === 'float32' && y64.dtype === 'float64' && allClose(y32, y64, rtol, atol);
}
