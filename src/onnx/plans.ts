/**
 * Small plan builders shared by the rule table: a rule that reads its equation's inputs as they
 * are, and the typed equation each rule receives.
 */
import type { DType, Prim, PrimParams } from '../tensor';
import type { Atom, Eqn, LowerContext, Plan } from './lower';

/** An equation of primitive P, with its params typed. */
export type EqnOf<P extends Prim> = Omit<Eqn, 'prim' | 'params'> & { readonly prim: P; readonly params: PrimParams[P] };

/** The rule of primitive P: a plan (atoms read, then emission) for one of its equations. */
export type Rule<P extends Prim> = (ctx: LowerContext, eqn: EqnOf<P>) => Plan;

/** Emit from the equation's own inputs (their value names, in order). */
export function simple<P extends Prim>(emit: (ctx: LowerContext, xs: string[], eqn: EqnOf<P>) => string | string[]): Rule<P> {
  return (ctx, eqn) => reading(ctx, eqn.inputs, (xs) => emit(ctx, xs, eqn));
}

/** A plan reading these atoms; `emit` gets their value names. */
export function reading(ctx: LowerContext, reads: readonly Atom[], emit: (xs: string[]) => string | string[]): Plan {
  return {
    reads,
    emit: () => {
      const out = emit(reads.map((a) => ctx.value(a)));
      return typeof out === 'string' ? [out] : out;
    },
  };
}

/** One ONNX op on the inputs. */
export const op = <P extends Prim>(name: string): Rule<P> => simple((ctx, xs) => ctx.graph.op(name, xs));

export const dtypeOf = (a: Atom): DType => a.aval.dtype;
export const isFloatAtom = (a: Atom) => a.aval.dtype === 'float32' || a.aval.dtype === 'float64';
export const shapeIs = (a: Atom, shape: readonly number[]) => a.aval.shape.length === shape.length && a.aval.shape.every((d, k) => d === shape[k]);

/** The input of the reshape that made `a`, when that input has `shape` (a bias before [1, n] or [1, o, 1, 1]). */
export function reshapedFrom(ctx: LowerContext, a: Atom, shape: readonly number[]): Atom | undefined {
  const r = ctx.producer(a);
  return r?.prim === 'reshape' && shapeIs(r.inputs[0]!, shape) ? r.inputs[0]! : undefined;
}
