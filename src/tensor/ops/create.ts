/** Creating tensors from JS values, and the constant constructors. */
import { fromStorage, Tensor } from '../core';
import { arrayFor, arrayFrom, resultType, type DType, type TypedArray } from '../dtype';
import { fmtShape, opError, sizeOf, type Shape } from '../shape';
import { checkBoolean, checkNumber, checkShape, describeValue, dtypeOrOptions, optionKeys } from '../validate';

/** Anything an operation accepts where a tensor is expected: JS numbers are weakly typed. */
export type TensorLike = Tensor | number | boolean;

/** Nested JS arrays of numbers or booleans. */
export type NestedArray = number | boolean | readonly NestedArray[];

export interface TensorOptions {
  readonly dtype?: DType;
  /** The shape of a flat array or typed array of values. */
  readonly shape?: Shape;
}

/** The options of the constructors that only take a dtype (`zeros`, `ones`, `full`, ...). */
export interface DTypeOptions {
  readonly dtype?: DType;
}

const tensorKeys = optionKeys<TensorOptions>({ dtype: true, shape: true });
const dtypeKeys = optionKeys<DTypeOptions>({ dtype: true });

/** The most elements one tensor may hold (the typed arrays behind tensors stop near 2^31). */
const MAX_ELEMENTS = 2 ** 31 - 1;

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

function flattenNested(values: NestedArray, out: (number | boolean)[], path: number[]): void {
  if (Array.isArray(values)) values.forEach((v, i) => flattenNested(v as NestedArray, out, [...path, i]));
  else {
    if (typeof values !== 'number' && typeof values !== 'boolean') {
      const where = path.length ? ` at [${path.join('][')}]` : '';
      opError('tensor', `expects nested arrays of numbers or booleans, or a typed array; got ${describeValue(values)}${where}`);
    }
    out.push(values as number | boolean);
  }
}

/**
 * Make a tensor from nested arrays, or from a flat array / typed array with `{ shape }`.
 * Numbers default to float32, booleans to bool; typed arrays keep their type. The values are
 * copied: writing into the array afterwards does not change the tensor (tensors are immutable).
 * @example tensor([[1, 2], [3, 4]])            // float32 [2, 2]
 * @example tensor([1, 2], 'int32')              // or tensor([1, 2], { dtype: 'int32' })
 * @example tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] })
 */
export function tensor(values: NestedArray | ArrayLike<number>, options?: DType | TensorOptions): Tensor {
  const opts = dtypeOrOptions<TensorOptions>('tensor', options, tensorKeys);
  if (opts.shape !== undefined) checkShape('tensor', opts.shape, 'the shape option');
  if (values instanceof Tensor) opError('tensor', `expects nested arrays or a typed array, got ${describeValue(values)} (already a tensor: use astype to change its dtype, reshape to change its shape)`);
  if (ArrayBuffer.isView(values)) {
    if (values instanceof DataView || values instanceof BigInt64Array || values instanceof BigUint64Array) {
      opError('tensor', `expects a Float32Array, Float64Array, Int32Array, Uint8Array or another numeric typed array, got ${describeValue(values)}`);
    }
    const flat = values as unknown as ArrayLike<number>;
    const dtype = opts.dtype ?? dtypeOfTypedArray(flat) ?? 'float32';
    const shape = opts.shape ?? [flat.length];
    checkSize(shape, flat.length);
    return fromStorage(shape, dtype, arrayFrom(dtype, flat));
  }
  const flat: (number | boolean)[] = [];
  flattenNested(values as NestedArray, flat, []);
  const allBool = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  const dtype = opts.dtype ?? (allBool ? 'bool' : 'float32');
  const shape = opts.shape ?? inferShape(values as NestedArray);
  checkSize(shape, flat.length);
  return fromStorage(shape, dtype, arrayFrom(dtype, flat.map(Number)));
}

function checkSize(shape: Shape, n: number): void {
  if (sizeOf(shape) !== n) opError('tensor', `${n} values do not fill shape ${fmtShape(shape)} (size ${sizeOf(shape)})`);
}

/**
 * A 0-d tensor.
 * @example scalar(2)                      // float32 []
 * @example scalar(3, 'int32')             // or scalar(3, { dtype: 'int32' })
 */
export function scalar(value: number | boolean, dtype?: DType | DTypeOptions): Tensor {
  return fill('scalar', [], dtype, value);
}

/**
 * A tensor filled with one value; the dtype defaults to float32 (bool for a boolean).
 * @example full([2, 2], 7)
 * @example full([3], 1, 'int32')          // or full([3], 1, { dtype: 'int32' })
 */
export function full(shape: Shape, value: number | boolean, dtype?: DType | DTypeOptions): Tensor {
  return fill('full', shape, dtype, value);
}

function fill(op: string, shape: Shape, dtype: DType | DTypeOptions | undefined, value: number | boolean): Tensor {
  checkShape(op, shape);
  if (sizeOf(shape) > MAX_ELEMENTS) opError(op, `shape ${fmtShape(shape)} has ${sizeOf(shape)} elements, more than a tensor can hold (${MAX_ELEMENTS})`);
  if (typeof value !== 'number' && typeof value !== 'boolean') opError(op, `the fill value must be a number or a boolean, got ${describeValue(value)}`);
  const dt = dtypeOrOptions<DTypeOptions>(op, dtype, dtypeKeys).dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const data = arrayFor(dt, sizeOf(shape));
  const v = Number(value);
  // Object.is keeps -0 (a fill with +0 would be a no-op, but -0 is a distinct float).
  if (!Object.is(v, 0)) data.fill(dt === 'bool' ? (v ? 1 : 0) : v);
  return fromStorage(shape.slice(), dt, data);
}

/**
 * @example zeros([2, 3])
 * @example zeros([2], 'int32')            // or zeros([2], { dtype: 'int32' })
 */
export function zeros(shape: Shape, dtype?: DType | DTypeOptions): Tensor {
  return fill('zeros', shape, dtype ?? 'float32', 0);
}

/**
 * @example ones([3], 'int32')
 * @example ones([2, 2], { dtype: 'float64' })
 */
export function ones(shape: Shape, dtype?: DType | DTypeOptions): Tensor {
  return fill('ones', shape, dtype ?? 'float32', 1);
}

/** The shape and dtype of a `...Like` constructor: x's shape, the given dtype or else x's. */
function like(op: string, x: Tensor, dtype: DType | DTypeOptions | undefined): [Shape, DType] {
  if (!(x instanceof Tensor)) opError(op, `expects a tensor to copy the shape of, got ${describe(x)}`);
  return [x.shape, dtypeOrOptions<DTypeOptions>(op, dtype, dtypeKeys).dtype ?? x.dtype];
}

/** Zeros with x's shape (and dtype, unless given). @example zerosLike(x, 'int32') */
export function zerosLike(x: Tensor, dtype?: DType | DTypeOptions): Tensor {
  return fill('zerosLike', ...like('zerosLike', x, dtype), 0);
}

/** Ones with x's shape (and dtype, unless given). @example onesLike(x, { dtype: 'float64' }) */
export function onesLike(x: Tensor, dtype?: DType | DTypeOptions): Tensor {
  return fill('onesLike', ...like('onesLike', x, dtype), 1);
}

/** `value` with x's shape (and dtype, unless given). @example fullLike(x, 0.5) */
export function fullLike(x: Tensor, value: number | boolean, dtype?: DType | DTypeOptions): Tensor {
  return fill('fullLike', ...like('fullLike', x, dtype), value);
}

/**
 * Evenly spaced values in [start, stop) like numpy: `arange(5)`, `arange(2, 10, 2)`. The dtype is
 * int32 when all arguments are integers, float32 otherwise; a dtype (or `{ dtype }`) may follow
 * the numbers.
 * @example arange(2, 10, 2)               // int32 [2, 4, 6, 8]
 * @example arange(5, 'float32')           // or arange(5, { dtype: 'float32' })
 */
export function arange(stop: number, dtype?: DType | DTypeOptions): Tensor;
export function arange(start: number, stop: number | undefined, dtype?: DType | DTypeOptions): Tensor;
export function arange(start: number, stop: number | undefined, step: number | undefined, dtype?: DType | DTypeOptions): Tensor;
export function arange(...args: (number | DType | DTypeOptions | undefined)[]): Tensor {
  const numbers: (number | undefined)[] = [];
  let spec: DType | DTypeOptions | undefined;
  args.forEach((a, i) => {
    if (a === undefined || typeof a === 'number') {
      if (spec !== undefined || numbers.length === 3) opError('arange', `expects up to three numbers (start, stop, step) then a dtype or options, got ${describeValue(a)} as argument ${i}`);
      numbers.push(a);
    } else if (spec === undefined && i === args.length - 1) spec = a;
    else opError('arange', `expects start, stop and step to be numbers, got ${describeValue(a)} as argument ${i}`);
  });
  let [start, stop, step = 1] = numbers;
  if (start === undefined) opError('arange', `expects at least a stop value, as in arange(5), got ${args.length ? describeValue(args[0]) : 'no arguments'}`);
  if (stop === undefined) [start, stop] = [0, start];
  checkNumber('arange', 'start', start);
  checkNumber('arange', 'stop', stop);
  checkNumber('arange', 'step', step);
  if (step === 0) opError('arange', 'step must be a finite non-zero number, got 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_ELEMENTS) opError('arange', `from ${start} to ${stop} by ${step} makes ${n} elements, more than a tensor can hold (${MAX_ELEMENTS})`);
  const dt = dtypeOrOptions<DTypeOptions>('arange', spec, dtypeKeys).dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const data = arrayFor(dt, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromStorage([n], dt, data);
}

export interface LinspaceOptions {
  /** Include `stop` as the last value (default true). */
  readonly endpoint?: boolean;
  readonly dtype?: DType;
}

const linspaceKeys = optionKeys<LinspaceOptions>({ endpoint: true, dtype: true });

/**
 * `num` evenly spaced values from start to stop inclusive (or exclusive with endpoint false).
 * @example linspace(0, 1, 5)                         // [0, 0.25, 0.5, 0.75, 1]
 * @example linspace(0, 1, 4, { endpoint: false, dtype: 'float64' })
 */
export function linspace(start: number, stop: number, num = 50, options?: DType | LinspaceOptions): Tensor {
  checkNumber('linspace', 'start', start);
  checkNumber('linspace', 'stop', stop);
  checkNumber('linspace', 'num', num, { integer: true, min: 0, max: MAX_ELEMENTS });
  const opts = dtypeOrOptions<LinspaceOptions>('linspace', options, linspaceKeys);
  const endpoint = opts.endpoint === undefined ? true : checkBoolean('linspace', 'endpoint', opts.endpoint);
  const dt = opts.dtype ?? 'float32';
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const data = arrayFor(dt, num);
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (endpoint && num > 1) data[num - 1] = stop;
  return fromStorage([num], dt, data);
}

export interface EyeOptions {
  /** The diagonal holding the ones: 0 the main one, > 0 above it, < 0 below (default 0). */
  readonly k?: number;
  readonly dtype?: DType;
}

const eyeKeys = optionKeys<EyeOptions>({ k: true, dtype: true });

/**
 * Identity matrix (n x m, ones on diagonal k).
 * @example eye(3)
 * @example eye(2, 3, { k: 1, dtype: 'int32' })      // eye(3, 'int32') also works
 */
export function eye(n: number, m?: number | DType | EyeOptions, options?: DType | EyeOptions): Tensor {
  if (typeof m !== 'number' && m !== undefined) [m, options] = [undefined, m];
  const cols = m ?? n;
  checkNumber('eye', 'n', n, { integer: true, min: 0 });
  checkNumber('eye', 'm', cols, { integer: true, min: 0 });
  if (n * cols > MAX_ELEMENTS) opError('eye', `a ${n} x ${cols} matrix has more elements than a tensor can hold (${MAX_ELEMENTS})`);
  const opts = dtypeOrOptions<EyeOptions>('eye', options, eyeKeys);
  const k = opts.k === undefined ? 0 : checkNumber('eye', 'k', opts.k, { integer: true });
  const dt = opts.dtype ?? 'float32';
  const data = arrayFor(dt, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) data[i * cols + j] = 1;
  }
  return fromStorage([n, cols], dt, data);
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
  if (Array.isArray(x)) return 'a JS array (wrap it with tensor(...))';
  return describeValue(x);
}

export type { TypedArray };
