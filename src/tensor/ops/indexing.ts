/**
 * Integer-array indexing: take, takeAlongAxis and oneHot, all built on the gather primitive.
 *
 * Out-of-range indices follow one contract on every backend, JAX's default (`mode='fill'`): an
 * index in [-n, n) picks element i mod n (negative ones count from the end), and any other index
 * reads the fill value of the dtype: NaN for floats, the int32 minimum (-2147483648) for int32,
 * true for bool. So a bad label makes a loss NaN rather than a plausible number. The gradient of
 * a filled element is 0 (its cotangent is dropped).
 */
import { bind1, cpuData, Tensor, Tracer } from '../core';
import { fmtAval } from '../aval';
import { isFloat, type DType } from '../dtype';
import { broadcastShapes, normalizeAxis, opError } from '../shape';
import { axisOrOptions, checkNumber, describeValue, dtypeOrOptions, optionKeys } from '../validate';
import { arange, asTensor, tensor, type NestedArray, type TensorLike } from './create';
import { astype, broadcastTo, reshapeExact } from './broadcast';
import { equal, greaterEqual, less, logicalAnd, where } from './elementwise';
import { expandDims } from './shape';

/** What an out-of-range index reads (JAX's fill values). */
function fillValueOf(dtype: DType): number | boolean {
  return isFloat(dtype) ? NaN : dtype === 'int32' ? -2147483648 : true;
}

/** Whether every index is known (a concrete CPU tensor) to lie in [-n, n). */
function knownInRange(idx: Tensor, n: number): boolean {
  if (idx instanceof Tracer || idx.device !== 'cpu') return false;
  const data = cpuData(idx);
  for (let i = 0; i < data.length; i++) if (!(data[i]! >= -n && data[i]! < n)) return false;
  return true;
}

/**
 * The fill contract: `y` gathered with `idx` (broadcastable to y) from an axis of size `n`, with
 * out-of-range positions set to the fill value (gather reads 0 there). Skipped when the indices
 * are concrete and in range.
 */
function fillOutOfRange(y: Tensor, idx: Tensor, n: number): Tensor {
  if (knownInRange(idx, n)) return y;
  return where(logicalAnd(greaterEqual(idx, -n), less(idx, n)), y, fillValueOf(y.dtype));
}

/** Indices: an int32 tensor, a JS integer, or nested JS arrays of integers. */
export type IndicesLike = Tensor | number | NestedArray;

function asIndices(op: string, indices: IndicesLike): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') opError(op, `indices must be int32, got ${fmtAval(indices)}`);
    return indices;
  }
  if (typeof indices !== 'number' && !Array.isArray(indices)) opError(op, `indices must be an int32 tensor, an integer or nested arrays of integers, got ${describeValue(indices)}`);
  const flat = typeof indices === 'number' ? [indices] : (indices as readonly NestedArray[]).flat(Infinity as 1);
  if (!flat.every((v) => Number.isInteger(v))) opError(op, `indices must be integers, got ${describeValue(indices)}`);
  return typeof indices === 'number' ? asTensor(op, indices, 'int32') : tensor(indices, { dtype: 'int32' });
}

export interface TakeOptions {
  /** The axis to index; without it `x` is flattened first (numpy.take). */
  readonly axis?: number | null;
}

const takeKeys = optionKeys<TakeOptions>({ axis: true });

/**
 * Pick elements along an axis by integer indices (numpy.take); the indices' shape replaces the
 * axis. Negative indices count from the end; an index outside [-n, n) reads the fill value (NaN
 * for floats, -2147483648 for int32, true for bool), as jnp.take does by default.
 * @example take(tensor([10, 20, 30]), [2, 0])               // [30, 10]
 * @example take(tensor([10, 20, 30]), [3])                  // [NaN]
 * @example take(x, tensor([[0, 1]], { dtype: 'int32' }), { axis: 1 })   // or take(x, ..., 1)
 */
export function take(x: TensorLike, indices: IndicesLike, axis?: number | null | TakeOptions): Tensor {
  let t = asTensor('take', x);
  const idx = asIndices('take', indices);
  const options = axisOrOptions<TakeOptions>('take', axis, takeKeys);
  let ax: number;
  if (options.axis === undefined || options.axis === null) {
    t = reshapeExact(t, [t.size]);
    ax = 0;
  } else ax = normalizeAxis('take', options.axis, t.ndim);
  const before = t.shape.slice(0, ax);
  const after = t.shape.slice(ax + 1);
  // gather wants indices of x's rank: lay the flat indices along the axis and broadcast the rest.
  const k = idx.size;
  const laid = reshapeExact(idx, [...before.map(() => 1), k, ...after.map(() => 1)]);
  const full = broadcastTo(laid, [...before, k, ...after]);
  const y = fillOutOfRange(bind1('gather', [t, full], { axis: ax }), laid, t.shape[ax]!);
  return reshapeExact(y, [...before, ...idx.shape, ...after]);
}

/**
 * numpy.take_along_axis: out[..., j, ...] = x[..., indices[..., j, ...], ...] along `axis`.
 * Off the axis, indices and x broadcast against each other; `axis: null` flattens x (then
 * indices must be 1-D). Used for picking per-row labels: takeAlongAxis(logp, labels[:, None], 1).
 * Negative indices count from the end; an index outside [-n, n) reads the fill value (NaN for
 * floats, -2147483648 for int32, true for bool), as jnp.take_along_axis does by default.
 * @example takeAlongAxis(tensor([[1, 2], [3, 4]]), [[1], [0]], 1)     // [[2], [3]]
 * @example takeAlongAxis(logp, labels, { axis: -1 })
 */
export function takeAlongAxis(x: TensorLike, indices: IndicesLike, axis: number | null | TakeOptions): Tensor {
  let t = asTensor('takeAlongAxis', x);
  const idx = asIndices('takeAlongAxis', indices);
  let along = axisOrOptions<TakeOptions>('takeAlongAxis', axis, takeKeys).axis;
  if (along === undefined) opError('takeAlongAxis', 'expects an axis (or null to flatten x), as in takeAlongAxis(x, indices, 1)');
  if (along === null) {
    t = reshapeExact(t, [t.size]);
    along = 0;
  }
  if (idx.ndim !== t.ndim) opError('takeAlongAxis', `indices must have the rank of x, got x ${fmtAval(t)} and indices ${fmtAval(idx)}`);
  const ax = normalizeAxis('takeAlongAxis', along, t.ndim);
  const drop = (s: readonly number[]): number[] => s.map((d, i) => (i === ax ? 1 : d));
  const off = broadcastShapes('takeAlongAxis', drop(t.shape), drop(idx.shape));
  const xb = broadcastTo(t, off.map((d, i) => (i === ax ? t.shape[ax]! : d)));
  const ib = broadcastTo(idx, off.map((d, i) => (i === ax ? idx.shape[ax]! : d)));
  return fillOutOfRange(bind1('gather', [xb, ib], { axis: ax }), ib, t.shape[ax]!);
}

export interface OneHotOptions {
  /** Result dtype (default float32). */
  readonly dtype?: DType;
}

const oneHotKeys = optionKeys<OneHotOptions>({ dtype: true });

/**
 * One-hot encoding along a new last axis; indices outside [0, numClasses) give all zeros, negative
 * ones too (like jax.nn.one_hot). A loss over one-hot targets therefore counts such a label as 0;
 * pass the int32 labels to the loss instead to get NaN for them (take's fill contract).
 * @example oneHot([0, 2], 3)       // [[1, 0, 0], [0, 0, 1]]
 * @example oneHot(labels, 10, 'int32')   // or oneHot(labels, 10, { dtype: 'int32' })
 */
export function oneHot(indices: IndicesLike, numClasses: number, dtype?: DType | OneHotOptions): Tensor {
  const options = dtypeOrOptions<OneHotOptions>('oneHot', dtype, oneHotKeys);
  const idx = asIndices('oneHot', indices);
  checkNumber('oneHot', 'numClasses', numClasses, { integer: true, min: 0 });
  return astype(equal(expandDims(idx, -1), arange(numClasses)), options.dtype ?? 'float32');
}
