/**
 * numpy.linalg.norm: vector norms over one axis (any order p, ±inf, 0) and matrix norms over
 * two ('fro', 'nuc', ±1, ±2, ±inf), composed from reductions (and singular values for 'nuc'
 * and ±2), so every transformation applies. Like jnp, the 2-norm is sqrt(sum(x²)): its gradient
 * at x = 0 is NaN.
 */
import * as T from '../tensor';
import { checkOptions, fmtAval, isPlainObject, normalizeAxis, type Tensor, type TensorLike } from '../tensor';
import { fail, floatOperand } from './args';

/** A norm order: a number (any p, Infinity, -Infinity, 0), 'fro' or 'nuc' (matrices); null for the default. */
export type NormOrder = number | 'fro' | 'nuc' | null;

export interface NormOptions {
  /** The order (default: 2 for vectors, 'fro' for matrices). */
  readonly ord?: NormOrder;
  /** One axis (a vector norm), two (a matrix norm), or null: every axis, as a vector norm unless `ord` is given. */
  readonly axis?: number | readonly number[] | null;
  /** Keep the reduced axes with size 1 (default false). */
  readonly keepdims?: boolean;
}

const describeOrd = (ord: unknown): string => (typeof ord === 'string' ? JSON.stringify(ord) : String(ord));

function vectorNorm(x: Tensor, ord: NormOrder, axis: number[], keepdims: boolean): Tensor {
  const o = { axis, keepdims };
  if (ord === null || ord === 2) return T.sqrt(T.sum(T.mul(x, x), o));
  if (typeof ord === 'string') fail('norm', `ord ${describeOrd(ord)} is a matrix norm; vector norms take a number (p, Infinity, -Infinity, 0)`);
  if (ord === Infinity) return T.max(T.abs(x), o);
  if (ord === -Infinity) return T.min(T.abs(x), o);
  if (ord === 0) return T.astype(T.sum(T.notEqual(x, 0), o), x.dtype);
  if (ord === 1) return T.sum(T.abs(x), o);
  return T.pow(T.sum(T.pow(T.abs(x), ord), o), 1 / ord);
}

function matrixNorm(x: Tensor, ord: NormOrder, [row, col]: [number, number], keepdims: boolean): Tensor {
  if (ord === null || ord === 'fro') return T.sqrt(T.sum(T.mul(x, x), { axis: [row, col], keepdims }));
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    const s = T.laxLinalg.singularValues(T.moveaxis(x, [row, col], [-2, -1]));
    const y = ord === 'nuc' ? T.sum(s, { axis: -1 }) : ord === 2 ? T.max(s, { axis: -1 }) : T.min(s, { axis: -1 });
    return keepdims ? T.expandDims(y, [row, col].sort((a, b) => a - b)) : y;
  }
  // ±1: the largest (smallest) column sum of |x|; ±inf: the same over rows.
  const [summed, over] = ord === 1 || ord === -1 ? [row, col] : ord === Infinity || ord === -Infinity ? [col, row] : [-1, -1];
  if (summed < 0) fail('norm', `invalid order ${describeOrd(ord)} for a matrix norm (expected 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity)`);
  const sums = T.sum(T.abs(x), { axis: summed, keepdims: true });
  const y = (ord === 1 || ord === Infinity ? T.max : T.min)(sums, { axis: over, keepdims: true });
  return keepdims ? y : T.squeeze(y, [row, col]);
}

/**
 * The norm of a vector or matrix (numpy.linalg.norm). The order is given positionally
 * (`norm(x, 1)`, `norm(x, 'nuc')`, NumPy style) or in the options with the axes.
 * @example linalg.norm(tensor([3, 4]))                         // 5
 * @example linalg.norm(x, Infinity, { axis: -1 })              // max |x| along the last axis
 * @example linalg.norm(m, { ord: 'nuc', axis: [-2, -1] })      // a batch of nuclear norms
 */
export function norm(x: TensorLike, ord?: NormOrder | NormOptions, options?: Omit<NormOptions, 'ord'>): Tensor {
  const opts: NormOptions = isPlainObject(ord) ? checkOptions('linalg.norm', ord as NormOptions, ['ord', 'axis', 'keepdims']) : { ...checkOptions('linalg.norm', options, ['axis', 'keepdims']), ord: ord as NormOrder | undefined };
  if (isPlainObject(ord) && options !== undefined) fail('norm', 'give the options once: norm(x, { ord, axis, keepdims }) or norm(x, ord, { axis, keepdims })');
  const order = opts.ord ?? null;
  const valid = order === null || (typeof order === 'number' && !Number.isNaN(order)) || order === 'fro' || order === 'nuc';
  if (!valid) fail('norm', `ord must be a number, 'fro', 'nuc' or null, got ${T.describeValue(order)}`);
  if (opts.keepdims !== undefined && typeof opts.keepdims !== 'boolean') fail('norm', `option keepdims must be true or false, got ${T.describeValue(opts.keepdims)}`);
  const t = floatOperand('norm', x, 'x');
  const keepdims = opts.keepdims ?? false;
  if ((opts.axis === undefined || opts.axis === null) && order === null) {
    return T.reshape(vectorNorm(T.reshape(t, [t.size]), null, [0], false), keepdims ? t.shape.map(() => 1) : []);
  }
  // Axes keep their order: a matrix norm's first axis is its rows.
  const given = opts.axis === undefined || opts.axis === null ? t.shape.map((_, i) => i) : typeof opts.axis === 'number' ? [opts.axis] : opts.axis;
  if (!Array.isArray(given)) fail('norm', `axis must be a number, an array of numbers or null, got ${T.describeValue(opts.axis)}`);
  const axes = given.map((a) => normalizeAxis('linalg.norm', a, t.ndim));
  if (new Set(axes).size !== axes.length) fail('norm', `axes must be distinct, got ${JSON.stringify(opts.axis)}`);
  if (axes.length === 1) return vectorNorm(t, order, axes, keepdims);
  if (axes.length === 2) return matrixNorm(t, order, [axes[0]!, axes[1]!], keepdims);
  return fail('norm', `takes one axis (a vector norm) or two (a matrix norm), got ${axes.length} axes of ${fmtAval(t)}; pass axis explicitly, or ord null to take the 2-norm of all elements`);
}
