/** Elementwise CPU kernels: plain loops over typed arrays of equal length. */
import type { TypedArray } from '../../dtype';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '../../primitives';
import { erf } from './special';

type Unary = (x: number) => number;
type Binary = (a: number, b: number) => number;

/** Sigmoid that stays finite and exact in the tails (no exp overflow for large |x|). */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const unaryFns: Record<UnaryPrim, Unary> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  logistic,
  erf,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  floor: Math.floor,
  ceil: Math.ceil,
  logicalNot: (x) => (x ? 0 : 1),
  stopGradient: (x) => x,
};

export const binaryFns: Record<BinaryPrim, Binary> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  // NaN-propagating like numpy/JAX maximum and minimum.
  max: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  min: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  atan2: Math.atan2,
};

export const compareFns: Record<ComparePrim, Binary> = {
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a && b ? 1 : 0),
  logicalOr: (a, b) => (a || b ? 1 : 0),
};

export function mapUnary(f: Unary, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

/** Integer division and integer division by zero follow JAX: truncate toward zero, x/0 = 0. */
export function mapBinary(f: Binary, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const n = out.length;
  // Fast paths for the hottest ops avoid a call per element.
  if (f === binaryFns.add) for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
  else if (f === binaryFns.mul) for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
  else if (f === binaryFns.sub) for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
  else for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
}
