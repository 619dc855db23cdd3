/** Element types. `float64` is the precise reference used by the law tests on the CPU backend. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array each dtype is stored in (bool is one byte per element, 0 or 1). */
export function arrayFor(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int32': return new Int32Array(length);
    case 'bool': return new Uint8Array(length);
  }
}

export function arrayFrom(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = arrayFor(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  else out.set(values as ArrayLike<number>);
  return out;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Strong promotion: the lattice bool < int32 < float32 < float64 (numpy/JAX without weak types). */
export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

/** The kind of a JS number when it meets a tensor: it takes the tensor's dtype unless it needs more. */
export function weakKind(x: number | boolean): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) ? 'int32' : 'float32';
}

/**
 * JAX-style result type: tensors are strongly typed, JS numbers weakly typed.
 * A float32 tensor plus `2` stays float32; an int32 tensor plus `2.5` becomes float32;
 * numbers alone give int32 (integers) or float32.
 */
export function resultType(strong: readonly DType[], weak: readonly (number | boolean)[]): DType {
  let dtype: DType | undefined;
  for (const d of strong) dtype = dtype === undefined ? d : promoteTypes(dtype, d);
  let weakDtype: DType | undefined;
  for (const w of weak) {
    const k = weakKind(w);
    weakDtype = weakDtype === undefined ? k : promoteTypes(weakDtype, k);
  }
  if (dtype === undefined) return weakDtype ?? 'float32';
  if (weakDtype === undefined) return dtype;
  // A weak value only lifts the category (bool -> int -> float), never the width.
  if (rank[weakDtype] > rank[dtype]) return weakDtype === 'float32' && dtype !== 'float64' ? 'float32' : promoteTypes(dtype, weakDtype);
  return dtype;
}
