/**
 * Elementwise primitives. ONNX's binary ops broadcast like numpy, so an operand that tensorlaw
 * broadcast explicitly is read before its `broadcast` (the Expand is then never emitted unless
 * something else needs it). Operations ONNX lacks (log1p, expm1, atan2) are composed in the
 * forms that keep their accuracy; integer division guards its zero divisors the way tensorlaw
 * defines them (x / 0 = 0), where ONNX Runtime would trap.
 */
import type { DType, Prim } from '../tensor';
import type { GraphBuilder } from './graph';
import type { Atom, LowerContext, SymDim } from './lower';
import { dtypeOf, reading, simple, type EqnOf, type Rule } from './plans';

const sameDim = (x: SymDim, y: SymDim) => x.a === y.a && x.c === y.c;

/**
 * The operands to read for a broadcasting ONNX op: each operand made by `broadcast` is replaced
 * by the broadcast's input as long as the operands still cover the output shape on every axis.
 */
export function broadcastOperands(ctx: LowerContext, inputs: readonly Atom[], out: Atom): Atom[] {
  const full = ctx.dims(out);
  const chosen = inputs.slice();
  const covers = (atoms: readonly Atom[]) => full.every((d, k) => (d.a === 0 && d.c === 1) || atoms.some((a) => sameDim(ctx.dims(a)[k]!, d)));
  inputs.forEach((a, i) => {
    const p = ctx.producer(a);
    if (p?.prim !== 'broadcast') return;
    const trial = chosen.slice();
    trial[i] = p.inputs[0]!;
    if (covers(trial)) chosen.splice(i, 1, p.inputs[0]!);
  });
  return chosen;
}

/** A rule for an elementwise op of several operands that ONNX broadcasts. */
export function broadcasting<P extends Prim>(emit: (g: GraphBuilder, xs: string[], dtype: DType) => string): Rule<P> {
  return (ctx, eqn) => reading(ctx, broadcastOperands(ctx, eqn.inputs, eqn.outs[0]!), (xs) => emit(ctx.graph, xs, dtypeOf(eqn.inputs[eqn.inputs.length - 1]!)));
}

/** ONNX Runtime has no bool kernels for arithmetic and ordering: compute those through int32. */
export function viaInt(g: GraphBuilder, xs: string[], dtype: DType, f: (ys: string[]) => string, resultBool = true): string {
  if (dtype !== 'bool') return f(xs);
  const out = f(xs.map((x) => g.cast(x, 'int32')));
  return resultBool ? g.cast(out, 'bool') : out;
}

export const arithmetic = <P extends Prim>(name: string): Rule<P> => broadcasting((g, xs, dtype) => viaInt(g, xs, dtype, (ys) => g.op(name, ys)));

/** Ordering comparisons (bool result; bool operands compared as 0/1). */
export const ordering = <P extends Prim>(name: string): Rule<P> => broadcasting((g, xs, dtype) => viaInt(g, xs, dtype, (ys) => g.op(name, ys), false));

/** And/Or read truthiness, as tensorlaw's kernels do for non-bool operands. */
export const logical = <P extends Prim>(name: string): Rule<P> =>
  broadcasting((g, xs, dtype) => g.op(name, dtype === 'bool' ? xs : xs.map((x) => g.cast(x, 'bool'))));

/** Integer division truncates and gives 0 for a zero divisor (ONNX Runtime would trap). */
export function divide(g: GraphBuilder, [a, b]: string[], dtype: DType): string {
  if (dtype === 'float32' || dtype === 'float64') return g.op('Div', [a!, b!]);
  return viaInt(g, [a!, b!], dtype, ([x, y]) => {
    const zero = g.scalar(0, 'int32');
    const isZero = g.op('Equal', [y!, zero]);
    const safe = g.op('Where', [isZero, g.scalar(1, 'int32'), y!]);
    return g.op('Where', [isZero, zero, g.op('Div', [x!, safe])]);
  });
}

/** Floor/ceil of integers is the identity (ONNX defines them for floats only). */
export const rounding = <P extends Prim>(name: string): Rule<P> => simple((ctx, [x], eqn) => ctx.graph.op(dtypeOf(eqn.inputs[0]!) === 'int32' || dtypeOf(eqn.inputs[0]!) === 'bool' ? 'Identity' : name, [x!]));

/**
 * log1p(x) = log(u) * x / (u - 1) with u = 1 + x (Kahan's trick: exact where u rounds to 1, and
 * accurate to a few ulps elsewhere); infinite u passes through.
 */
export function log1p(g: GraphBuilder, x: string, dtype: DType): string {
  const one = g.scalar(1, dtype);
  const u = g.op('Add', [x, one]);
  const general = g.op('Mul', [g.op('Log', [u]), g.op('Div', [x, g.op('Sub', [u, one])])]);
  return g.op('Where', [g.op('Equal', [u, one]), x, g.op('Where', [g.op('IsInf', [u]), u, general])]);
}

/** expm1(x) = (u - 1) * x / log(u) with u = exp(x) (Kahan's trick), exact near 0 and at the tails. */
export function expm1(g: GraphBuilder, x: string, dtype: DType): string {
  const one = g.scalar(1, dtype);
  const u = g.op('Exp', [x]);
  const um1 = g.op('Sub', [u, one]);
  const general = g.op('Div', [g.op('Mul', [um1, x]), g.op('Log', [u])]);
  const tails = g.op('Where', [g.op('IsInf', [u]), u, g.op('Where', [g.op('Equal', [um1, g.scalar(-1, dtype)]), um1, general])]);
  return g.op('Where', [g.op('Equal', [u, one]), x, tails]);
}

/** atan2(y, x) from atan(y / x) and the quadrant, with atan2(0, 0) = 0. */
export function atan2(g: GraphBuilder, [y, x]: string[], dtype: DType): string {
  const zero = g.scalar(0, dtype);
  const base = g.op('Atan', [g.op('Div', [y!, x!])]);
  const turn = g.op('Where', [g.op('GreaterOrEqual', [y!, zero]), g.scalar(Math.PI, dtype), g.scalar(-Math.PI, dtype)]);
  const adjusted = g.op('Where', [g.op('Less', [x!, zero]), g.op('Add', [base, turn]), base]);
  const origin = g.op('And', [g.op('Equal', [x!, zero]), g.op('Equal', [y!, zero])]);
  return g.op('Where', [origin, zero, adjusted]);
}

/** A unary op that composes several ONNX nodes. */
export const composite = <P extends Prim>(f: (g: GraphBuilder, x: string, dtype: DType) => string): Rule<P> =>
  simple((ctx, [x], eqn: EqnOf<P>) => f(ctx.graph, x!, dtypeOf(eqn.inputs[0]!)));

/** log base 2 or 10 as Log(x) times a constant (ONNX has no Log2/Log10). */
export const logBase = (base: number) => (g: GraphBuilder, x: string, dtype: DType): string => g.op('Mul', [g.op('Log', [x]), g.scalar(1 / Math.log(base), dtype)]);

/** 2 ** x. */
export const exp2 = (g: GraphBuilder, x: string, dtype: DType): string => g.op('Pow', [g.scalar(2, dtype), x]);

/** Rounding toward zero: ceil below zero, floor above (ONNX has no Trunc); integers pass through. */
export function trunc(g: GraphBuilder, x: string, dtype: DType): string {
  if (dtype !== 'float32' && dtype !== 'float64') return g.op('Identity', [x]);
  return g.op('Where', [g.op('Less', [x, g.scalar(0, dtype)]), g.op('Ceil', [x]), g.op('Floor', [x])]);
}

/** C's fmod: Mod with fmod=1; integer divisors 0 and -1 give 0 as in tensorlaw (ONNX Runtime would trap). */
export function rem(g: GraphBuilder, [a, b]: string[], dtype: DType): string {
  if (dtype === 'float32' || dtype === 'float64') return g.op('Mod', [a!, b!], { fmod: 1 });
  return viaInt(g, [a!, b!], dtype, ([x, y]) => {
    const zero = g.scalar(0, 'int32');
    const trivial = g.op('Or', [g.op('Equal', [y!, zero]), g.op('Equal', [y!, g.scalar(-1, 'int32')])]);
    const safe = g.op('Where', [trivial, g.scalar(1, 'int32'), y!]);
    return g.op('Where', [trivial, zero, g.op('Mod', [x!, safe], { fmod: 1 })]);
  });
}
