/**
 * WGSL expressions for the elementwise primitives, with the CPU backend's semantics. Operands
 * and results are values (bool as WGSL bool); eager kernels and jit's fused kernels both build
 * their bodies from these.
 */
import type { DType } from '../../dtype';
import { BINARY, COMPARE, FLOAT_ONLY, UNARY, isElementwise, rowsFor, type BinaryPrim, type ComparePrim, type ElementwisePrim, type FloatOnlyPrim, type PrimParams, type UnaryPrim } from '../../primitives';
import { opError } from '../../shape';

const floatUnary: Record<UnaryPrim, (x: string) => string> = {
  neg: (x) => `(-${x})`,
  exp: (x) => `wl_exp(${x})`,
  log: (x) => `wl_log(${x})`,
  log1p: (x) => `wl_log1p(${x})`,
  expm1: (x) => `wl_expm1(${x})`,
  sqrt: (x) => `sqrt(${x})`,
  rsqrt: (x) => `(1.0 / sqrt(${x}))`,
  sin: (x) => `wl_sin(${x})`,
  cos: (x) => `wl_cos(${x})`,
  tanh: (x) => `wl_tanh(${x})`,
  logistic: (x) => `wl_logistic(${x})`,
  erf: (x) => `wl_erf(${x})`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `wl_sign(${x})`,
  floor: (x) => `floor(${x})`,
  ceil: (x) => `ceil(${x})`,
  logicalNot: (x) => `(!wl_truthy(${x}))`,
  stopGradient: (x) => x,
  tan: (x) => `wl_tan(${x})`,
  asin: (x) => `wl_asin(${x})`,
  acos: (x) => `wl_acos(${x})`,
  atan: (x) => `wl_atan(${x})`,
  sinh: (x) => `wl_sinh(${x})`,
  cosh: (x) => `wl_cosh(${x})`,
  asinh: (x) => `wl_asinh(${x})`,
  acosh: (x) => `wl_acosh(${x})`,
  atanh: (x) => `wl_atanh(${x})`,
  log2: (x) => `wl_log2(${x})`,
  log10: (x) => `wl_log10(${x})`,
  exp2: (x) => `wl_exp2(${x})`,
  // WGSL's round is half to even, like NumPy and the CPU's H.round.
  round: (x) => `round(${x})`,
  trunc: (x) => `trunc(${x})`,
};

/** Unary primitives on int32 (the float-only ones never see an int: their shape rule rejects it). */
const intUnary: Record<Exclude<UnaryPrim, FloatOnlyPrim>, (x: string) => string> = {
  neg: (x) => `(-${x})`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `select(select(0i, -1i, ${x} < 0i), 1i, ${x} > 0i)`,
  floor: (x) => x,
  ceil: (x) => x,
  logicalNot: (x) => `(${x} == 0i)`,
  stopGradient: (x) => x,
  round: (x) => x,
  trunc: (x) => x,
};

const floatBinary: Record<BinaryPrim, (a: string, b: string) => string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  pow: (a, b) => `wl_pow(${a}, ${b})`,
  max: (a, b) => `wl_max(${a}, ${b})`,
  min: (a, b) => `wl_min(${a}, ${b})`,
  atan2: (a, b) => `wl_atan2(${a}, ${b})`,
  rem: (a, b) => `wl_fmod(${a}, ${b})`,
};

const intBinary: Record<BinaryPrim, (a: string, b: string) => string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `wl_idiv(${a}, ${b})`,
  pow: (a, b) => `wl_ipow(${a}, ${b})`,
  max: (a, b) => `max(${a}, ${b})`,
  min: (a, b) => `min(${a}, ${b})`,
  atan2: (a, b) => `wl_f2i(wl_atan2(f32(${a}), f32(${b})))`,
  rem: (a, b) => `wl_irem(${a}, ${b})`,
};

const compareOps: Record<Exclude<ComparePrim, 'logicalAnd' | 'logicalOr'>, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** A value as a WGSL bool by JS truthiness (NaN is falsy). */
export function truthy(dtype: DType, x: string): string {
  if (dtype === 'bool') return x;
  return dtype === 'int32' ? `(${x} != 0i)` : `wl_truthy(${x})`;
}

const asInt = (x: string): string => `select(0i, 1i, ${x})`;
const floatOnly = new Set<string>(FLOAT_ONLY);
const isFloatOnly = (p: UnaryPrim): p is Extract<UnaryPrim, FloatOnlyPrim> => floatOnly.has(p);

export function unaryExpr(prim: UnaryPrim, dtype: DType, x: string): string {
  if (dtype === 'float32') return floatUnary[prim](x);
  if (dtype === 'bool') return prim === 'logicalNot' ? `(!${x})` : x; // -1, |x|, sign... keep truthiness
  if (isFloatOnly(prim)) opError(prim, `expects a float tensor, got int32`);
  return intUnary[prim](x);
}

export function binaryExpr(prim: BinaryPrim, dtype: DType, a: string, b: string): string {
  if (dtype === 'float32') return floatBinary[prim](a, b);
  if (dtype === 'int32') return intBinary[prim](a, b);
  // bool arithmetic runs on 0/1 integers; the result is stored by truthiness.
  return `(${intBinary[prim](asInt(a), asInt(b))} != 0i)`;
}

export function compareExpr(prim: ComparePrim, dtype: DType, a: string, b: string): string {
  if (prim === 'logicalAnd') return `(${truthy(dtype, a)} && ${truthy(dtype, b)})`;
  if (prim === 'logicalOr') return `(${truthy(dtype, a)} || ${truthy(dtype, b)})`;
  if (dtype === 'bool') return `(${asInt(a)} ${compareOps[prim]} ${asInt(b)})`;
  // Some drivers compile != as an ordered comparison (false for NaN); IEEE says true.
  if (prim === 'ne' && dtype === 'float32') return `(${a} != ${b} || wl_isnan(${a}) || wl_isnan(${b}))`;
  return `(${a} ${compareOps[prim]} ${b})`;
}

export function castExpr(from: DType, to: DType, x: string): string {
  if (to === 'float64' || from === 'float64') opError('cast', 'float64 is not supported on the webgpu backend');
  if (from === to) return x;
  if (to === 'bool') return truthy(from, x);
  if (to === 'int32') return from === 'bool' ? asInt(x) : `wl_f2i(${x})`;
  return from === 'bool' ? `select(0.0, 1.0, ${x})` : `f32(${x})`;
}

/** The WGSL value of an elementwise primitive from its operands' values and dtypes. */
type ElementRule<P extends ElementwisePrim> = (xs: readonly string[], dtypes: readonly DType[], params: PrimParams[P]) => string;

/** One row per elementwise primitive: the single source of their WGSL, for eager and fused kernels. */
const ELEMENT_EXPR = {
  ...rowsFor(UNARY, (p): ElementRule<UnaryPrim> => ([x], [dt]) => unaryExpr(p, dt!, x!)),
  ...rowsFor(BINARY, (p): ElementRule<BinaryPrim> => ([a, b], [dt]) => binaryExpr(p, dt!, a!, b!)),
  ...rowsFor(COMPARE, (p): ElementRule<ComparePrim> => ([a, b], [dt]) => compareExpr(p, dt!, a!, b!)),
  where: ([c, x, y]) => `select(${y}, ${x}, ${c})`,
  cast: ([x], [dt], { dtype }) => castExpr(dt!, dtype, x!),
  shiftRightLogical: ([x], _, { shift }) => `bitcast<i32>(bitcast<u32>(${x}) >> ${shift >>> 0}u)`,
} satisfies { [P in ElementwisePrim]: ElementRule<P> };

/** The value of an elementwise primitive given its operand values and dtypes. */
export function elementExpr(prim: string, params: any, dtypes: readonly DType[], xs: readonly string[]): string {
  if (!isElementwise(prim)) throw new Error(`webgpu: ${prim} is not elementwise`);
  return (ELEMENT_EXPR[prim] as ElementRule<any>)(xs, dtypes, params);
}
