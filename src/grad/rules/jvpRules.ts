/**
 * Forward-mode rules, one row per primitive. A rule maps primals and tangents (possibly symbolic
 * zeros) to output primals and tangents. Rules are written with ordinary ops, so they apply to
 * tracers of outer transformations too (which is what makes higher derivatives work).
 */
import * as T from '../../tensor';
import { COMPARE, isPrim, rowsFor, type Prim, type PrimParams, type Tensor } from '../../tensor';
import { instantiate, isZero, Zero, type MaybeZero } from '../zero';
import { choleskyJvp, eighJvp, luJvp, qrJvp, svdJvp, triangularSolveJvp } from './linalgJvp';

export type JvpRule<P = any> = (primals: Tensor[], tangents: MaybeZero[], params: P) => [Tensor[], MaybeZero[]];

const bind1 = T.bind1 as (prim: string, args: readonly Tensor[], params: any) => Tensor;
const allZero = (ts: readonly MaybeZero[]): boolean => ts.every(isZero);

/** A primitive linear in all its (float) inputs: the tangent is the primitive on the tangents. */
const linear = (prim: string): JvpRule => (xs, ts, params) => {
  const y = bind1(prim, xs, params);
  return [[y], [allZero(ts) ? new Zero(y) : bind1(prim, ts.map(instantiate), params)]];
};

/** Piecewise-constant or integer-valued: the tangent is zero. */
const zeroTangent = (prim: string): JvpRule => (xs, _ts, params) => {
  const y = bind1(prim, xs, params);
  return [[y], [new Zero(y)]];
};

/** Unary elementwise: tangent = t * f'(x), with f' given in terms of x and y = f(x). */
const unary = (prim: string, deriv: (x: Tensor, y: Tensor) => Tensor): JvpRule => ([x], [t], params) => {
  const y = bind1(prim, [x!], params);
  return [[y], [isZero(t) ? new Zero(y) : T.mul(t!, deriv(x!, y))]];
};

/** Binary elementwise with partial derivatives; zero tangents skip their term. */
const binary = (prim: string, da: (a: Tensor, b: Tensor, y: Tensor) => Tensor, db: (a: Tensor, b: Tensor, y: Tensor) => Tensor): JvpRule => ([a, b], [ta, tb], params) => {
  const y = bind1(prim, [a!, b!], params);
  let t: MaybeZero = new Zero(y);
  if (!isZero(ta)) t = T.mul(ta!, da(a!, b!, y));
  if (!isZero(tb)) {
    const term = T.mul(tb!, db(a!, b!, y));
    t = isZero(t) ? term : T.add(t, term);
  }
  return [[y], [t]];
};

/** Tangent of a max/min reduction: the mean of the tangents at the locations of the extremum. */
const extremumReduce = (prim: 'reduceMax' | 'reduceMin'): JvpRule<PrimParams['reduceMax']> => ([x], [t], params) => {
  const y = bind1(prim, [x!], params);
  if (isZero(t)) return [[y], [new Zero(y)]];
  const keptShape = x!.shape.map((d, i) => (params.axes.includes(i) ? 1 : d));
  const mask = T.astype(T.equal(x!, T.reshape(y, keptShape)), x!.dtype);
  const count = T.sum(mask, { axis: params.axes });
  return [[y], [T.div(T.sum(T.mul(t!, mask), { axis: params.axes }), count)]];
};

/**
 * The tangent of a product over `axes` by the product rule over a pairwise tree (JAX's
 * _reduce_jvp): halves multiply as (a, ta) * (b, tb) = (a b, ta b + a tb) until one row is left.
 * Only multiplications, so it is exact where elements are 0 (grad of prod at [0, 3] is [3, 0]),
 * and so are its own derivatives.
 */
function prodTangent(x: Tensor, t: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
  const front = (v: Tensor) => T.reshape(T.transpose(v, [...axes, ...rest]), [n, ...rest.map((i) => x.shape[i]!)]);
  let [v, dv] = [front(x), front(t)];
  if (n === 0) return T.zeros(rest.map((i) => x.shape[i]!), x.dtype);
  const rows = (u: Tensor, start: number, stop: number) => bind1('slice', [u], { starts: u.shape.map((_, i) => (i === 0 ? start : 0)), limits: u.shape.map((d, i) => (i === 0 ? stop : d)), strides: u.shape.map(() => 1) });
  const padRow = (u: Tensor, value: number) => bind1('pad', [u], { lo: u.shape.map(() => 0), hi: u.shape.map((_, i) => (i === 0 ? 1 : 0)), value });
  while (v.shape[0]! > 1) {
    const m = v.shape[0]!, h = Math.ceil(m / 2);
    let [b, db] = [rows(v, h, m), rows(dv, h, m)];
    if (m % 2 === 1) [b, db] = [padRow(b, 1), padRow(db, 0)];
    const [a, da] = [rows(v, 0, h), rows(dv, 0, h)];
    [v, dv] = [T.mul(a, b), T.add(T.mul(da, b), T.mul(a, db))];
  }
  return T.reshape(dv, rest.map((i) => x.shape[i]!));
}

/** u / (a^2 + b^2), computed with a, b and u scaled by s = max(|a|, |b|): (u/s) / ((a/s)^2 + (b/s)^2) / s. */
function atan2Partial(u: Tensor, a: Tensor, b: Tensor): Tensor {
  const s = T.stopGradient(T.maximum(T.abs(a), T.abs(b)));
  const [ua, as, bs] = [T.div(u, s), T.div(a, s), T.div(b, s)];
  return T.div(T.div(ua, T.add(T.square(as), T.square(bs))), s);
}

/** Replace zeros by ones where a log would otherwise be taken of 0 (its term is multiplied by 0). */
const replaceZero = (x: Tensor): Tensor => T.where(T.equal(x, 0), 1, x);

/** The jvp table: one row per built-in primitive. */
export const jvpRules = {
  neg: linear('neg'),
  exp: unary('exp', (_x, y) => y),
  log: unary('log', (x) => T.reciprocal(x)),
  log1p: unary('log1p', (x) => T.reciprocal(T.add(x, 1))),
  expm1: unary('expm1', (_x, y) => T.add(y, 1)),
  sqrt: unary('sqrt', (_x, y) => T.div(0.5, y)),
  rsqrt: unary('rsqrt', (x, y) => T.mul(-0.5, T.div(y, x))),
  sin: unary('sin', (x) => T.cos(x)),
  cos: unary('cos', (x) => T.neg(T.sin(x))),
  tanh: unary('tanh', (_x, y) => T.sub(1, T.square(y))),
  logistic: unary('logistic', (_x, y) => T.mul(y, T.sub(1, y))),
  erf: unary('erf', (x) => T.mul(2 / Math.sqrt(Math.PI), T.exp(T.neg(T.square(x))))),
  abs: unary('abs', (x) => T.sign(x)),
  sign: zeroTangent('sign'),
  floor: zeroTangent('floor'),
  ceil: zeroTangent('ceil'),
  logicalNot: zeroTangent('logicalNot'),
  stopGradient: zeroTangent('stopGradient'),
  add: ([a, b], [ta, tb]) => {
    const y = T.bind1('add', [a!, b!], {});
    return [[y], [isZero(ta) ? tb! : isZero(tb) ? ta! : T.bind1('add', [ta!, tb!], {})]];
  },
  sub: ([a, b], [ta, tb]) => {
    const y = T.bind1('sub', [a!, b!], {});
    return [[y], [isZero(tb) ? ta! : isZero(ta) ? T.neg(tb!) : T.bind1('sub', [ta!, tb!], {})]];
  },
  mul: binary('mul', (_a, b) => b, (a) => a),
  div: binary('div', (_a, b) => T.reciprocal(b), (_a, b, y) => T.neg(T.div(y, b))),
  pow: binary(
    'pow',
    // b * a^(b-1), defined as 0 where b == 0 (so 0^0 has derivative 0, not NaN).
    (a, b) => T.where(T.equal(b, 0), 0, T.mul(b, T.pow(a, T.sub(b, 1)))),
    (a, _b, y) => T.mul(y, T.log(replaceZero(a))),
  ),
  // Ties split the tangent evenly between the operands, like JAX.
  max: binary('max', (a, b) => T.where(T.greater(a, b), 1, T.where(T.equal(a, b), 0.5, 0)), (a, b) => T.where(T.less(a, b), 1, T.where(T.equal(a, b), 0.5, 0))),
  min: binary('min', (a, b) => T.where(T.less(a, b), 1, T.where(T.equal(a, b), 0.5, 0)), (a, b) => T.where(T.greater(a, b), 1, T.where(T.equal(a, b), 0.5, 0))),
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2), with a and b scaled by max(|a|, |b|) first so the
  // squares neither underflow (1e-30 in float32) nor overflow.
  atan2: binary('atan2', (a, b) => atan2Partial(b, a, b), (a, b) => T.neg(atan2Partial(a, a, b))),
  tan: unary('tan', (_x, y) => T.add(1, T.square(y))),
  // (1 - x)(1 + x) rather than 1 - x^2: exact near +-1, where the derivatives blow up.
  asin: unary('asin', (x) => T.rsqrt(T.mul(T.sub(1, x), T.add(1, x)))),
  acos: unary('acos', (x) => T.neg(T.rsqrt(T.mul(T.sub(1, x), T.add(1, x))))),
  atan: unary('atan', (x) => T.reciprocal(T.add(1, T.square(x)))),
  sinh: unary('sinh', (x) => T.cosh(x)),
  cosh: unary('cosh', (x) => T.sinh(x)),
  asinh: unary('asinh', (x) => T.rsqrt(T.add(T.square(x), 1))),
  acosh: unary('acosh', (x) => T.rsqrt(T.mul(T.sub(x, 1), T.add(x, 1)))),
  atanh: unary('atanh', (x) => T.reciprocal(T.mul(T.sub(1, x), T.add(1, x)))),
  log2: unary('log2', (x) => T.reciprocal(T.mul(x, Math.LN2))),
  log10: unary('log10', (x) => T.reciprocal(T.mul(x, Math.LN10))),
  exp2: unary('exp2', (_x, y) => T.mul(y, Math.LN2)),
  round: zeroTangent('round'),
  trunc: zeroTangent('trunc'),
  // rem(a, b) = a - b trunc(a / b), and trunc is piecewise constant.
  rem: binary('rem', (a) => T.onesLike(a), (a, b) => T.neg(T.trunc(T.div(a, b)))),
  where: ([c, x, y], [, tx, ty]) => {
    const out = T.bind1('where', [c!, x!, y!], {});
    if (isZero(tx) && isZero(ty)) return [[out], [new Zero(out)]];
    return [[out], [T.bind1('where', [c!, instantiate(tx!), instantiate(ty!)], {})]];
  },
  cast: ([x], [t], params: PrimParams['cast']) => {
    const y = T.bind1('cast', [x!], params);
    const floatOut = T.isFloat(params.dtype) && T.isFloat(x!.dtype);
    return [[y], [isZero(t) || !floatOut ? new Zero(y) : T.bind1('cast', [t!], params)]];
  },
  reduceSum: linear('reduceSum'),
  reduceMax: extremumReduce('reduceMax'),
  reduceMin: extremumReduce('reduceMin'),
  reduceProd: ([x], [t], params: PrimParams['reduceProd']) => {
    const y = T.bind1('reduceProd', [x!], params);
    return [[y], [isZero(t) ? new Zero(y) : prodTangent(x!, t!, params.axes)]];
  },
  argmax: zeroTangent('argmax'),
  argmin: zeroTangent('argmin'),
  cumsum: linear('cumsum'),
  argsort: zeroTangent('argsort'),
  // Linear in the operand(s); the int32 starts carry no tangent.
  dynamicSlice: ([x, ...starts], [t], params: PrimParams['dynamicSlice']) => {
    const y = T.bind1('dynamicSlice', [x!, ...starts], params);
    return [[y], [isZero(t) ? new Zero(y) : T.bind1('dynamicSlice', [t!, ...starts], params)]];
  },
  dynamicUpdateSlice: ([x, u, ...starts], [tx, tu]) => {
    const y = T.bind1('dynamicUpdateSlice', [x!, u!, ...starts], {});
    if (isZero(tx) && isZero(tu)) return [[y], [new Zero(y)]];
    return [[y], [T.bind1('dynamicUpdateSlice', [instantiate(tx!), instantiate(tu!), ...starts], {})]];
  },
  reshape: linear('reshape'),
  broadcast: linear('broadcast'),
  transpose: linear('transpose'),
  slice: linear('slice'),
  flip: linear('flip'),
  // The padding value is a constant: its tangent is 0.
  pad: ([x], [t], params: PrimParams['pad']) => {
    const y = T.bind1('pad', [x!], params);
    return [[y], [isZero(t) ? new Zero(y) : T.bind1('pad', [t!], { ...params, value: 0 })]];
  },
  concatenate: linear('concatenate'),
  dot: ([a, b], [ta, tb]) => {
    const y = T.bind1('dot', [a!, b!], {});
    let t: MaybeZero = new Zero(y);
    if (!isZero(ta)) t = T.bind1('dot', [ta!, b!], {});
    if (!isZero(tb)) {
      const term = T.bind1('dot', [a!, tb!], {});
      t = isZero(t) ? term : T.add(t, term);
    }
    return [[y], [t]];
  },
  gather: ([x, idx], [t], params: PrimParams['gather']) => {
    const y = T.bind1('gather', [x!, idx!], params);
    return [[y], [isZero(t) ? new Zero(y) : T.bind1('gather', [t!, idx!], params)]];
  },
  scatterAdd: ([base, idx, upd], [tb, , tu], params: PrimParams['scatterAdd']) => {
    const y = T.bind1('scatterAdd', [base!, idx!, upd!], params);
    if (isZero(tb) && isZero(tu)) return [[y], [new Zero(y)]];
    return [[y], [T.bind1('scatterAdd', [instantiate(tb!), idx!, instantiate(tu!)], params)]];
  },
  // Padding windows hold a constant (0 or -inf): the tangent's padding is 0.
  patches: ([x], [t], params: PrimParams['patches']) => {
    const y = T.bind1('patches', [x!], params);
    return [[y], [isZero(t) ? new Zero(y) : T.bind1('patches', [t!], { ...params, padValue: 0 })]];
  },
  patchesTranspose: linear('patchesTranspose'),
  randomBits: zeroTangent('randomBits'),
  ...rowsFor(COMPARE, zeroTangent),
  shiftRightLogical: zeroTangent('shiftRightLogical'),
  cholesky: choleskyJvp,
  triangularSolve: triangularSolveJvp,
  lu: luJvp,
  qr: qrJvp,
  eigh: eighJvp,
  svd: svdJvp,
} satisfies { [P in Prim]: JvpRule<PrimParams[P]> };

/** Rules of user-defined primitives (tensorlaw/extend); the higher-order ones have tables of their own (../higher/). */
export const extraJvpRules = new Map<string, JvpRule>();

export function jvpRuleFor(prim: string): JvpRule | undefined {
  return isPrim(prim) ? (jvpRules[prim] as JvpRule) : extraJvpRules.get(prim);
}
