/**
 * Shape and dtype rules ("abstract evaluation"): one row per primitive. They check their
 * operands and say what was expected, so errors surface at trace time with the primitive's name.
 */
import { isFloat, type DType } from './dtype';
import { aval, fmtAval, type Aval } from './aval';
import { BINARY, COMPARE, FLOAT_ONLY, REDUCE, UNARY, isPrim, rowsFor, windowOutSize, type Prim, type PrimParams, type UnaryPrim } from './primitives';
import { userPrimitive } from './userPrimitives';
import { fmtShape, isPermutation, opError, shapeEqual, sizeOf } from './shape';

export type ShapeRule<P extends Prim> = (args: readonly Aval[], params: PrimParams[P]) => Aval;

function sameShapeAndDtype(prim: string, args: readonly Aval[]): void {
  const [a, b] = args as [Aval, Aval];
  if (!shapeEqual(a.shape, b.shape) || a.dtype !== b.dtype) {
    opError(prim, `primitive expects operands of equal shape and dtype, got ${fmtAval(a)} and ${fmtAval(b)}`);
  }
}

const floatOnly = new Set<string>(FLOAT_ONLY);
/**
 * Arithmetic that has no bool meaning (lax rejects these on bools too). The op layer gives bools
 * JAX's meaning before binding: add and max are or, mul and min are and, sums count in int32.
 */
const NOT_FOR_BOOL = new Set<string>(['neg', 'sign', 'sub', 'div', 'pow', 'atan2', 'reduceSum', 'reduceProd', 'cumsum']);
function noBool(prim: string, x: Aval): void {
  if (x.dtype === 'bool' && NOT_FOR_BOOL.has(prim)) opError(prim, `is not defined for bool tensors, got ${fmtAval(x)}`);
}
const unary = (prim: UnaryPrim): ShapeRule<any> => (args) => {
  const x = args[0]!;
  noBool(prim, x);
  if (floatOnly.has(prim) && !isFloat(x.dtype)) opError(prim, `expects a float tensor, got ${fmtAval(x)}`);
  if (prim === 'logicalNot' && x.dtype !== 'bool') opError(prim, `expects a bool tensor, got ${fmtAval(x)}`);
  return x;
};
const binary = (prim: string): ShapeRule<any> => (args) => {
  sameShapeAndDtype(prim, args);
  noBool(prim, args[0]!);
  return args[0]!;
};
const compare = (prim: string): ShapeRule<any> => (args) => {
  sameShapeAndDtype(prim, args);
  return aval(args[0]!.shape, 'bool');
};
function checkAxes(prim: string, x: Aval, axes: readonly number[]): void {
  const ok = axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < x.shape.length && (i === 0 || a > axes[i - 1]!));
  if (!ok) opError(prim, `axes ${JSON.stringify(axes)} must be sorted, unique and in range for ${fmtAval(x)}`);
}
const reduce = (prim: string): ShapeRule<any> => (args, { axes }) => {
  const x = args[0]!;
  checkAxes(prim, x, axes);
  noBool(prim, x);
  return aval(x.shape.filter((_, i) => !axes.includes(i)), x.dtype);
};
const arg = (prim: string): ShapeRule<any> => (args, { axis }) => {
  const x = args[0]!;
  checkAxes(prim, x, [axis]);
  if (x.shape[axis] === 0) opError(prim, `cannot take ${prim} over an empty axis of ${fmtAval(x)}`);
  return aval(x.shape.filter((_, i) => i !== axis), 'int32');
};

/** One int32 scalar start operand per axis (dynamicSlice, dynamicUpdateSlice). */
function checkStarts(prim: string, x: Aval, starts: readonly Aval[]): void {
  if (starts.length !== x.shape.length || starts.some((s) => s.dtype !== 'int32' || s.shape.length !== 0)) {
    opError(prim, `expects one int32 scalar start per axis of ${fmtAval(x)}, got ${starts.length ? starts.map(fmtAval).join(', ') : 'none'}`);
  }
}

function windowShape(prim: string, x: Aval, p: PrimParams['patches']): number[] {
  if (x.shape.length !== 4) opError(prim, `expects NCHW input of rank 4, got ${fmtAval(x)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = windowOutSize(h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]);
  const ow = windowOutSize(w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1]);
  if (oh < 1 || ow < 1) opError(prim, `window ${fmtShape(p.kernel)} (dilation ${fmtShape(p.dilation)}) does not fit input ${fmtAval(x)} with padding ${JSON.stringify(p.padding)}`);
  return [n, c, p.kernel[0], p.kernel[1], oh, ow];
}

/** The last two axes [m, n] of a float operand of rank >= 2 (a batch of matrices). */
function matrix(prim: string, x: Aval): [number, number] {
  if (x.shape.length < 2 || !isFloat(x.dtype)) opError(prim, `expects a float matrix (or batch of matrices) [..., m, n], got ${fmtAval(x)}`);
  return [x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!];
}
function squareMatrix(prim: string, x: Aval): number {
  const [m, n] = matrix(prim, x);
  if (m !== n) opError(prim, `expects square matrices [..., n, n], got ${fmtAval(x)}`);
  return n;
}
/** A decomposition's packed output: the batch axes, then the given matrix shape. */
const packed = (x: Aval, rows: number, cols: number): Aval => aval([...x.shape.slice(0, -2), rows, cols], x.dtype);

export const shapeRules = {
  ...rowsFor(UNARY, unary),
  ...rowsFor(BINARY, binary),
  ...rowsFor(COMPARE, compare),
  ...rowsFor(REDUCE, reduce),
  where: (args) => {
    const [c, x, y] = args as [Aval, Aval, Aval];
    if (c.dtype !== 'bool' || !shapeEqual(c.shape, x.shape)) opError('where', `expects a bool condition of the operands' shape, got ${fmtAval(c)} for ${fmtAval(x)}`);
    sameShapeAndDtype('where', [x, y]);
    return x;
  },
  cast: (args, { dtype }) => aval(args[0]!.shape, dtype),
  argmax: arg('argmax'),
  argmin: arg('argmin'),
  cumsum: (args, { axis }) => {
    checkAxes('cumsum', args[0]!, [axis]);
    noBool('cumsum', args[0]!);
    return args[0]!;
  },
  argsort: (args, { axis }) => {
    checkAxes('argsort', args[0]!, [axis]);
    return aval(args[0]!.shape, 'int32');
  },
  dynamicSlice: (args, { sizes }) => {
    const [x, ...starts] = args as [Aval, ...Aval[]];
    const ok = sizes.length === x.shape.length && sizes.every((s, k) => Number.isInteger(s) && s >= 0 && s <= x.shape[k]!);
    if (!ok) opError('dynamicSlice', `sizes ${fmtShape(sizes)} must be integers in [0, size], one per axis of ${fmtAval(x)}`);
    checkStarts('dynamicSlice', x, starts);
    return aval(sizes, x.dtype);
  },
  dynamicUpdateSlice: (args) => {
    const [x, update, ...starts] = args as [Aval, Aval, ...Aval[]];
    const ok = update.dtype === x.dtype && update.shape.length === x.shape.length && update.shape.every((d, k) => d <= x.shape[k]!);
    if (!ok) opError('dynamicUpdateSlice', `the update must have the operand's dtype and rank and fit inside it, got ${fmtAval(update)} for ${fmtAval(x)}`);
    checkStarts('dynamicUpdateSlice', x, starts);
    return x;
  },
  reshape: (args, { shape }) => {
    const x = args[0]!;
    if (sizeOf(shape) !== sizeOf(x.shape)) opError('reshape', `cannot reshape ${fmtAval(x)} (size ${sizeOf(x.shape)}) to ${fmtShape(shape)} (size ${sizeOf(shape)})`);
    return aval(shape, x.dtype);
  },
  broadcast: (args, { shape }) => {
    const x = args[0]!;
    const ok = x.shape.length === shape.length && x.shape.every((d, i) => d === 1 || d === shape[i]);
    if (!ok) opError('broadcast', `cannot broadcast ${fmtAval(x)} to ${fmtShape(shape)}`);
    return aval(shape, x.dtype);
  },
  transpose: (args, { perm }) => {
    const x = args[0]!;
    if (!isPermutation(perm, x.shape.length)) opError('transpose', `perm ${fmtShape(perm)} is not a permutation of the axes of ${fmtAval(x)}`);
    return aval(perm.map((p) => x.shape[p]!), x.dtype);
  },
  slice: (args, { starts, limits, strides }) => {
    const x = args[0]!;
    const ok = [starts, limits, strides].every((a) => a.length === x.shape.length) &&
      x.shape.every((d, i) => Number.isInteger(starts[i]) && Number.isInteger(limits[i]) && starts[i]! >= 0 && starts[i]! <= limits[i]! && limits[i]! <= d && Number.isInteger(strides[i]) && strides[i]! >= 1);
    if (!ok) opError('slice', `starts ${fmtShape(starts)}, limits ${fmtShape(limits)} and strides ${fmtShape(strides)} must satisfy 0 <= start <= limit <= size and stride >= 1 for ${fmtAval(x)}`);
    return aval(x.shape.map((_, i) => Math.max(0, Math.ceil((limits[i]! - starts[i]!) / strides[i]!))), x.dtype);
  },
  flip: (args, { axes }) => {
    checkAxes('flip', args[0]!, axes);
    return args[0]!;
  },
  pad: (args, { lo, hi }) => {
    const x = args[0]!;
    const ok = lo.length === x.shape.length && hi.length === x.shape.length && [...lo, ...hi].every((p) => Number.isInteger(p) && p >= 0);
    if (!ok) opError('pad', `padding lo ${fmtShape(lo)} and hi ${fmtShape(hi)} must be non-negative integers, one per axis of ${fmtAval(x)}`);
    return aval(x.shape.map((d, i) => d + lo[i]! + hi[i]!), x.dtype);
  },
  concatenate: (args, { axis }) => {
    if (args.length === 0) opError('concatenate', 'needs at least one operand');
    const first = args[0]!;
    checkAxes('concatenate', first, [axis]);
    let total = 0;
    for (const a of args) {
      const ok = a.dtype === first.dtype && a.shape.length === first.shape.length && a.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!ok) opError('concatenate', `operands must agree in dtype and in every axis but ${axis}, got ${args.map(fmtAval).join(', ')}`);
      total += a.shape[axis]!;
    }
    return aval(first.shape.map((d, i) => (i === axis ? total : d)), first.dtype);
  },
  dot: (args) => {
    const [a, b] = args as [Aval, Aval];
    const r = a.shape.length;
    const ok = r >= 2 && b.shape.length === r && a.dtype === b.dtype && a.shape[r - 1] === b.shape[r - 2] && shapeEqual(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!ok) opError('dot', `expects [...batch, m, k] x [...batch, k, n] of one dtype, got ${fmtAval(a)} and ${fmtAval(b)}`);
    return aval([...a.shape.slice(0, -1), b.shape[r - 1]!], a.dtype);
  },
  gather: (args, { axis }) => {
    const [x, idx] = args as [Aval, Aval];
    const ok = idx.dtype === 'int32' && idx.shape.length === x.shape.length && idx.shape.every((d, i) => i === axis || d === x.shape[i]);
    if (!ok) opError('gather', `expects int32 indices of the operand's rank agreeing off axis ${axis}, got ${fmtAval(x)} and indices ${fmtAval(idx)}`);
    return aval(idx.shape, x.dtype);
  },
  scatterAdd: (args, { axis }) => {
    const [base, idx, upd] = args as [Aval, Aval, Aval];
    const ok = idx.dtype === 'int32' && shapeEqual(idx.shape, upd.shape) && upd.dtype === base.dtype && idx.shape.length === base.shape.length && idx.shape.every((d, i) => i === axis || d === base.shape[i]);
    if (!ok) opError('scatterAdd', `expects indices and updates of one shape agreeing with the base off axis ${axis}, got base ${fmtAval(base)}, indices ${fmtAval(idx)}, updates ${fmtAval(upd)}`);
    return base;
  },
  patches: (args, p) => aval(windowShape('patches', args[0]!, p), args[0]!.dtype),
  patchesTranspose: (args, p) => {
    const x = args[0]!;
    const expected = windowShape('patchesTranspose', aval(p.inputShape, x.dtype), p);
    if (!shapeEqual(expected, x.shape)) opError('patchesTranspose', `expects windows of shape ${fmtShape(expected)}, got ${fmtAval(x)}`);
    return aval(p.inputShape, x.dtype);
  },
  shiftRightLogical: (args, { shift }) => {
    const x = args[0]!;
    if (x.dtype !== 'int32' || !Number.isInteger(shift) || shift < 0 || shift > 31) opError('shiftRightLogical', `expects int32 bits and a shift in 0..31, got ${fmtAval(x)} and shift ${shift}`);
    return x;
  },
  randomBits: (args, { shape }) => {
    const key = args[0]!;
    if (key.dtype !== 'int32' || key.shape[key.shape.length - 1] !== 2) opError('randomBits', `expects an int32 key of shape [..., 2], got ${fmtAval(key)}`);
    return aval([...key.shape.slice(0, -1), ...shape], 'int32');
  },
  cholesky: (args) => {
    squareMatrix('cholesky', args[0]!);
    return args[0]!;
  },
  triangularSolve: (args) => {
    const [a, b] = args as [Aval, Aval];
    const n = squareMatrix('triangularSolve', a);
    const [rows] = matrix('triangularSolve', b);
    if (rows !== n || a.dtype !== b.dtype || !shapeEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
      opError('triangularSolve', `expects [..., n, n] and [..., n, k] of one dtype and equal batch axes, got ${fmtAval(a)} and ${fmtAval(b)}`);
    }
    return b;
  },
  lu: (args) => {
    const [m, n] = matrix('lu', args[0]!);
    return packed(args[0]!, m, n + 2);
  },
  qr: (args, { full }) => {
    const [m, n] = matrix('qr', args[0]!);
    return packed(args[0]!, m + n, full ? m : Math.min(m, n));
  },
  eigh: (args) => {
    const n = squareMatrix('eigh', args[0]!);
    return packed(args[0]!, n + 1, n);
  },
  svd: (args, { computeUv }) => {
    const x = args[0]!;
    const [m, n] = matrix('svd', x);
    const k = Math.min(m, n);
    return computeUv ? packed(x, m + 1 + n, k) : aval([...x.shape.slice(0, -2), k], x.dtype);
  },
} satisfies { [P in Prim]: ShapeRule<P> };
/** The output shape and dtype of a primitive (built-in or user-defined), checking its operands. */
export function abstractEval<P extends Prim>(prim: P, args: readonly Aval[], params: PrimParams[P]): Aval {
  if (isPrim(prim)) return (shapeRules[prim] as ShapeRule<P>)(args, params);
  return userPrimitive(prim, 'abstract evaluation').abstractEval(args, params);
}

export type { DType };
