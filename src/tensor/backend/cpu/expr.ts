/**
 * The CPU meaning of every elementwise primitive and every reduction, written once: a JS
 * expression (double arithmetic over operand expressions) and, where the f32x4 instruction set
 * computes the same bits, a Wasm SIMD emitter. Eager kernels (./elementwise.ts, ./reduce.ts) and
 * jit's fused kernels (./jit/) are generated from these rows, so they cannot drift apart.
 *
 * Values are rounded to their dtype when stored: eagerly by the typed array (and `roundTo` for
 * bool), in fused code by `roundTo` after every operation (Math.fround for float32, ToInt32 for
 * int32, truthiness for bool), which is the same rounding, so eager and jit agree bit for bit.
 */
import type { DType } from '../../dtype';
import type { ElementwisePrim, PrimParams, ReducePrim } from '../../primitives';
import type { Code } from './wasm/emit';
import { F32X4, v128bitselect, v128or } from './wasm/simd';
import { erf } from './special';
import { unreachable } from '../../shape';

/** Lane kinds of the Wasm kernels: float32 values, or bool masks (all-ones or all-zeros lanes). */
export type Lanes = 'f32' | 'mask';

/** How a primitive runs in a Wasm SIMD kernel. */
export interface WasmRow {
  /** Operand lane kinds; 'any' for a pass-through of one operand. */
  readonly operands: readonly Lanes[] | 'any';
  /** Result lane kind; 'first' is the first operand's. */
  readonly result: Lanes | 'first';
  /** The code computing the result from the operands' code, or null: the result is operand 0. */
  readonly emit: ((xs: readonly Code[]) => Code) | null;
}

/** A row's explicit "no Wasm code": a cluster using the primitive runs the JS kernel. */
export const JS_ONLY = 'js-only';

export interface ExprRow<P extends ElementwisePrim> {
  /** The value given operand expressions (simple names or literals: they may be repeated). */
  readonly js: (xs: readonly string[], params: PrimParams[P]) => string;
  readonly wasm: WasmRow | typeof JS_ONLY;
}

/** Helpers the expressions call as `H.name`; the only definitions of these semantics. */
export const HELPERS = {
  /** Sigmoid that stays finite and exact in the tails (no exp overflow for large |x|). */
  logistic(x: number): number {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  erf,
  sign: (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x),
  /** NaN-propagating like numpy/JAX maximum and minimum. */
  max: (a: number, b: number): number => (a !== a || b !== b ? NaN : a > b ? a : b),
  min: (a: number, b: number): number => (a !== a || b !== b ? NaN : a < b ? a : b),
  /** Round half to even (NumPy/JAX); Math.round rounds halves up, so odd results step back. */
  round(x: number): number {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

const call = (f: string) => ([x]: readonly string[]) => `${f}(${x})`;
const infix = (op: string) => ([a, b]: readonly string[]) => `(${a}${op}${b})`;
const test = (op: string) => ([a, b]: readonly string[]) => `(${a}${op}${b}?1:0)`;

const f32Unary = (op: Code): WasmRow => ({ operands: ['f32'], result: 'f32', emit: ([x]) => [...x!, ...op] });
const f32Binary = (op: Code): WasmRow => ({ operands: ['f32', 'f32'], result: 'f32', emit: ([a, b]) => [...a!, ...b!, ...op] });
const f32Compare = (op: Code): WasmRow => ({ operands: ['f32', 'f32'], result: 'mask', emit: ([a, b]) => [...a!, ...b!, ...op] });
/**
 * JS's H.max picks a when a > b or a is NaN, else b (NaN when b is): a bitselect on
 * (a cmp b) | (a != a), which also keeps ties such as max(+0, -0) = -0 (the second operand).
 */
const f32Extremum = (cmp: Code): WasmRow => ({ operands: ['f32', 'f32'], result: 'f32', emit: ([a, b]) => [...a!, ...b!, ...a!, ...b!, ...cmp, ...a!, ...a!, ...F32X4.ne, ...v128or, ...v128bitselect] });

export const EXPR = {
  neg: { js: ([x]) => `(-${x})`, wasm: f32Unary(F32X4.neg) },
  exp: { js: call('Math.exp'), wasm: JS_ONLY },
  log: { js: call('Math.log'), wasm: JS_ONLY },
  log1p: { js: call('Math.log1p'), wasm: JS_ONLY },
  expm1: { js: call('Math.expm1'), wasm: JS_ONLY },
  sqrt: { js: call('Math.sqrt'), wasm: f32Unary(F32X4.sqrt) },
  rsqrt: { js: ([x]) => `(1/Math.sqrt(${x}))`, wasm: JS_ONLY },
  sin: { js: call('Math.sin'), wasm: JS_ONLY },
  cos: { js: call('Math.cos'), wasm: JS_ONLY },
  tanh: { js: call('Math.tanh'), wasm: JS_ONLY },
  logistic: { js: call('H.logistic'), wasm: JS_ONLY },
  erf: { js: call('H.erf'), wasm: JS_ONLY },
  abs: { js: call('Math.abs'), wasm: f32Unary(F32X4.abs) },
  sign: { js: call('H.sign'), wasm: JS_ONLY },
  floor: { js: call('Math.floor'), wasm: JS_ONLY },
  ceil: { js: call('Math.ceil'), wasm: JS_ONLY },
  logicalNot: { js: ([x]) => `(${x}?0:1)`, wasm: JS_ONLY },
  stopGradient: { js: ([x]) => x!, wasm: { operands: 'any', result: 'first', emit: null } },
  add: { js: infix('+'), wasm: f32Binary(F32X4.add) },
  sub: { js: infix('-'), wasm: f32Binary(F32X4.sub) },
  mul: { js: infix('*'), wasm: f32Binary(F32X4.mul) },
  div: { js: infix('/'), wasm: f32Binary(F32X4.div) },
  pow: { js: ([a, b]) => `Math.pow(${a},${b})`, wasm: JS_ONLY },
  max: { js: ([a, b]) => `H.max(${a},${b})`, wasm: f32Extremum(F32X4.gt) },
  min: { js: ([a, b]) => `H.min(${a},${b})`, wasm: f32Extremum(F32X4.lt) },
  atan2: { js: ([a, b]) => `Math.atan2(${a},${b})`, wasm: JS_ONLY },
  tan: { js: call('Math.tan'), wasm: JS_ONLY },
  asin: { js: call('Math.asin'), wasm: JS_ONLY },
  acos: { js: call('Math.acos'), wasm: JS_ONLY },
  atan: { js: call('Math.atan'), wasm: JS_ONLY },
  sinh: { js: call('Math.sinh'), wasm: JS_ONLY },
  cosh: { js: call('Math.cosh'), wasm: JS_ONLY },
  asinh: { js: call('Math.asinh'), wasm: JS_ONLY },
  acosh: { js: call('Math.acosh'), wasm: JS_ONLY },
  atanh: { js: call('Math.atanh'), wasm: JS_ONLY },
  log2: { js: call('Math.log2'), wasm: JS_ONLY },
  log10: { js: call('Math.log10'), wasm: JS_ONLY },
  exp2: { js: ([x]) => `Math.pow(2,${x})`, wasm: JS_ONLY },
  round: { js: call('H.round'), wasm: f32Unary(F32X4.nearest) },
  trunc: { js: call('Math.trunc'), wasm: f32Unary(F32X4.trunc) },
  // JS's % is C's fmod (exact, the sign of the dividend); int32 x % 0 is NaN, stored as 0.
  rem: { js: infix('%'), wasm: JS_ONLY },
  eq: { js: test('==='), wasm: f32Compare(F32X4.eq) },
  ne: { js: test('!=='), wasm: f32Compare(F32X4.ne) },
  lt: { js: test('<'), wasm: f32Compare(F32X4.lt) },
  le: { js: test('<='), wasm: f32Compare(F32X4.le) },
  gt: { js: test('>'), wasm: f32Compare(F32X4.gt) },
  ge: { js: test('>='), wasm: f32Compare(F32X4.ge) },
  logicalAnd: { js: ([a, b]) => `(${a}&&${b}?1:0)`, wasm: JS_ONLY },
  logicalOr: { js: ([a, b]) => `(${a}||${b}?1:0)`, wasm: JS_ONLY },
  where: { js: ([c, x, y]) => `(${c}?${x}:${y})`, wasm: { operands: ['mask', 'f32', 'f32'], result: 'f32', emit: ([c, x, y]) => [...x!, ...y!, ...c!, ...v128bitselect] } },
  // float -> int truncates toward zero (the int32 rounding does it), bool is truthiness.
  cast: { js: ([x], { dtype }) => (dtype === 'bool' ? `(${x}?1:0)` : x!), wasm: { operands: ['f32'], result: 'f32', emit: null } },
  shiftRightLogical: { js: ([x], { shift }) => `(${x}>>>${shift})`, wasm: JS_ONLY },
} satisfies { [P in ElementwisePrim]: ExprRow<P> };

/** The row of an elementwise primitive, with its params type erased (callers pass matching params). */
export const exprRow = (prim: ElementwisePrim): ExprRow<any> => EXPR[prim];

/**
 * An expression rounded to what storing it in an array of `dtype` keeps (what eager kernels do
 * by storing): float32 rounding and ToInt32. A bool is the truthiness of the value, 0 or 1
 * (eager kernels apply it too), so the arithmetic bools allow (add, mul, max, min on 0/1: JAX's
 * or, and, or, and) always stores a valid bool, on the CPU as on WebGPU.
 */
export function roundTo(dtype: DType, expr: string): string {
  switch (dtype) {
    case 'float32': return `Math.fround(${expr})`;
    case 'int32': return `(${expr}|0)`;
    case 'bool': return `(${expr}?1:0)`;
    case 'float64': return expr;
    default: return unreachable(dtype);
  }
}

/** A reduction as a fold: the initial accumulator and a statement accumulating `v` into `acc`. */
export interface Reducer {
  readonly init: number;
  /** `acc` is an assignable expression, `v` a name or literal (both may be repeated). */
  readonly step: (acc: string, v: string) => string;
}

export const REDUCERS = {
  reduceSum: { init: 0, step: (acc, v) => `${acc}+=${v};` },
  reduceProd: { init: 1, step: (acc, v) => `${acc}*=${v};` },
  // NaN sticks, like numpy.
  reduceMax: { init: -Infinity, step: (acc, v) => `if(${v}>${acc}||${v}!==${v})${acc}=${v};` },
  reduceMin: { init: Infinity, step: (acc, v) => `if(${v}<${acc}||${v}!==${v})${acc}=${v};` },
} satisfies { [P in ReducePrim]: Reducer };

/** A number as a JS literal (parenthesized when negative, so `a - -1` never prints as `a--1`). */
export function jsLiteral(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  if (Object.is(x, -0)) return '(-0)';
  return x < 0 ? `(${x})` : String(x);
}

