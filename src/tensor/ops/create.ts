/** Creating tensors from JS values, and the constant constructors. */
import { fromStorage, Tensor } from '../core';
import { arrayFor, arrayFrom, isDType, resultType, type DType, type TypedArray } from '../dtype';
import { fmtShape, opError, sizeOf, type Shape } from '../shape';

/** Anything an operation accepts where a tensor is expected: JS numbers are weakly typed. */
export type TensorLike = Tensor | number | boolean;

/** Nested JS arrays of numbers or booleans. */
export type NestedArray = number | boolean | readonly NestedArray[];

export interface TensorOptions {
  readonly dtype?: DType;
  /** The shape of a flat array or typed array of values. */
  readonly shape?: Shape;
}

function dtypeOfTypedArray(values: ArrayLike<unknown>): DType | undefined {
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  if (values instanceof Float32Array) return 'float32';
  return undefined;
}

function inferShape(values: NestedArray, path: number[] = []): number[] {
  if (!Array.isArray(values)) return [];
  const shape = [values.length];
  if (values.length === 0) return shape;
  const inner = inferShape(values[0] as NestedArray, [...path, 0]);
  for (let i = 1; i < values.length; i++) {
    const s = inferShape(values[i] as NestedArray, [...path, i]);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      opError('tensor', `ragged nested array: element [${[...path, i].join('][')}] has shape ${fmtShape(s)} but element [${[...path, 0].join('][')}] has ${fmtShape(inner)}`);
    }
  }
  return [...shape, ...inner];
}

function flattenNested(values: NestedArray, out: (number | boolean)[]): void {
  if (Array.isArray(values)) for (const v of values) flattenNested(v, out);
  else {
    if (typeof values !== 'number' && typeof values !== 'boolean') opError('tensor', `expects numbers or booleans, got ${typeof values} (${String(values)})`);
    out.push(values as number | boolean);
  }
}

/**
 * Make a tensor from nested arrays, or from a flat array / typed array with `{ shape }`.
 * Numbers default to float32, booleans to bool; typed arrays keep their type. The values are
 * copied: writing into the array afterwards does not change the tensor (tensors are immutable).
 * @example tensor([[1, 2], [3, 4]])            // float32 [2, 2]
 * @example tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] })
 */
export function tensor(values: NestedArray | ArrayLike<number>, options: TensorOptions = {}): Tensor {
  if (options.dtype !== undefined && !isDType(options.dtype)) opError('tensor', `unknown dtype '${String(options.dtype)}' (expected float32, float64, int32 or bool)`);
  if (ArrayBuffer.isView(values)) {
    const flat = values as unknown as ArrayLike<number>;
    const dtype = options.dtype ?? dtypeOfTypedArray(flat) ?? 'float32';
    const shape = options.shape ?? [flat.length];
    checkSize(shape, flat.length);
    return fromStorage(shape, dtype, arrayFrom(dtype, flat));
  }
  const flat: (number | boolean)[] = [];
  flattenNested(values as NestedArray, flat);
  const allBool = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  const dtype = options.dtype ?? (allBool ? 'bool' : 'float32');
  const shape = options.shape ?? inferShape(values as NestedArray);
  checkSize(shape, flat.length);
  return fromStorage(shape, dtype, arrayFrom(dtype, flat.map(Number)));
}

function checkSize(shape: Shape, n: number): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) opError('tensor', `invalid shape ${fmtShape(shape)} (expected non-negative integers)`);
  if (sizeOf(shape) !== n) opError('tensor', `${n} values do not fill shape ${fmtShape(shape)} (size ${sizeOf(shape)})`);
}

/** A 0-d tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return full([], value, dtype);
}

/** A tensor filled with one value; the dtype defaults to float32 (bool for a boolean). */
export function full(shape: Shape, value: number | boolean, dtype?: DType): Tensor {
  checkShape('full', shape);
  const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const data = arrayFor(dt, sizeOf(shape));
  const v = Number(value);
  // Object.is keeps -0 (a fill with +0 would be a no-op, but -0 is a distinct float).
  if (!Object.is(v, 0)) data.fill(dt === 'bool' ? (v ? 1 : 0) : v);
  return fromStorage(shape, dt, data);
}

/** @example zeros([2, 3]) */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 0, dtype);
}

/** @example ones([3], 'int32') */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return full(shape, 1, dtype);
}

export function zerosLike(x: Tensor, dtype?: DType): Tensor {
  return full(x.shape, 0, dtype ?? x.dtype);
}

export function onesLike(x: Tensor, dtype?: DType): Tensor {
  return full(x.shape, 1, dtype ?? x.dtype);
}

export function fullLike(x: Tensor, value: number | boolean, dtype?: DType): Tensor {
  return full(x.shape, value, dtype ?? x.dtype);
}

function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) opError(op, `invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
}

/**
 * Evenly spaced values in [start, stop) like numpy: `arange(5)`, `arange(2, 10, 2)`.
 * The dtype is int32 when all arguments are integers, float32 otherwise.
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) opError('arange', `step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dt = dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const data = arrayFor(dt, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromStorage([n], dt, data);
}

/** `num` evenly spaced values from start to stop inclusive (or exclusive with endpoint false). */
export function linspace(start: number, stop: number, num = 50, options: { endpoint?: boolean; dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) opError('linspace', `num must be a non-negative integer, got ${num}`);
  const endpoint = options.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = arrayFor(options.dtype ?? 'float32', num);
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (endpoint && num > 1) data[num - 1] = stop;
  return fromStorage([num], options.dtype ?? 'float32', data);
}

/** Identity matrix (n x m, ones on diagonal k). */
export function eye(n: number, m = n, options: { k?: number; dtype?: DType } = {}): Tensor {
  checkShape('eye', [n, m]);
  const k = options.k ?? 0;
  const dt = options.dtype ?? 'float32';
  const data = arrayFor(dt, n * m);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < m) data[i * m + j] = 1;
  }
  return fromStorage([n, m], dt, data);
}

/** The dtype an operation on these values computes in (tensors strong, numbers weak). */
export function resultTypeOf(...xs: TensorLike[]): DType {
  const strong: DType[] = [];
  const weak: (number | boolean)[] = [];
  for (const x of xs) {
    if (x instanceof Tensor) strong.push(x.dtype);
    else weak.push(x);
  }
  return resultType(strong, weak);
}

/** Turn a TensorLike into a tensor; numbers take `dtype`. */
export function asTensor(op: string, x: TensorLike, dtype?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number' || typeof x === 'boolean') return full([], x, dtype ?? resultType([], [x]));
  return opError(op, `expects a Tensor or a number, got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a JS array (wrap it with tensor(...))';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

export type { TypedArray };
