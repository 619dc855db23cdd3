/**
 * Transposition of linear jaxprs (the backward pass): walk the equations in reverse, turning
 * the cotangent of each output into cotangents of its linear inputs with the transpose rules.
 */
import * as T from '../tensor';
import { isHigherOrder, type Tensor } from '../tensor';
import { Lit, type Atom, type Jaxpr, type Var } from '../tensor';
import { higherOrderTranspose } from './higher/transpose';
import { transposeRuleFor, UndefPrimal, type MultiTransposeRule, type TransposeArg } from './rules/transposeRules';
import { addAny, instantiate, isZero, Zero, type MaybeZero } from './zero';

export { UndefPrimal };

function transposeEqn(prim: string, cts: Tensor[], ins: TransposeArg[], params: any): (MaybeZero | null)[] {
  if (isHigherOrder(prim)) return (higherOrderTranspose[prim] as MultiTransposeRule)(cts, ins, params);
  const rule = transposeRuleFor(prim);
  if (!rule) throw new Error(`${prim}: no transpose rule (it is not linear, or reverse mode does not support it)`);
  return rule(cts[0]!, ins, params);
}

/**
 * `args` gives each jaxpr input (consts first): a known value or an UndefPrimal for the linear
 * inputs. Returns the cotangents of the UndefPrimal inputs, in order (symbolic zeros possible).
 */
export function backwardPass(jaxpr: Jaxpr, args: readonly TransposeArg[], cts: readonly MaybeZero[]): MaybeZero[] {
  const primalEnv = new Map<Var, Tensor>();
  const ctEnv = new Map<Var, MaybeZero>();
  const binders = [...jaxpr.constvars, ...jaxpr.invars];
  binders.forEach((v, i) => {
    const a = args[i]!;
    if (!(a instanceof UndefPrimal)) primalEnv.set(v, a);
  });
  const readPrimal = (a: Atom): TransposeArg => (a instanceof Lit ? a.value : primalEnv.get(a) ?? new UndefPrimal(a.aval));
  const writeCt = (a: Atom, ct: MaybeZero | null): void => {
    if (a instanceof Lit || ct === null || isZero(ct)) return;
    if (primalEnv.has(a)) return; // a known (non-linear) input: its cotangent is not needed
    ctEnv.set(a, addAny(ctEnv.get(a), ct, (x, y) => T.add(x, y)));
  };
  // Equations whose inputs are all known (a recomputed primal value, an index) are not linear:
  // evaluate them forward first, as JAX's backward_pass does.
  const forward = new Set<number>();
  jaxpr.eqns.forEach((eqn, k) => {
    if (!eqn.inputs.every((a) => a instanceof Lit || primalEnv.has(a))) return;
    forward.add(k);
    const outs = T.bind(eqn.prim, eqn.inputs.map((a) => readPrimal(a) as Tensor), eqn.params);
    eqn.outs.forEach((v, i) => primalEnv.set(v, outs[i]!));
  });
  jaxpr.outs.forEach((o, i) => writeCt(o, cts[i]!));
  for (let k = jaxpr.eqns.length - 1; k >= 0; k--) {
    if (forward.has(k)) continue;
    const eqn = jaxpr.eqns[k]!;
    const ctsOut = eqn.outs.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
    eqn.outs.forEach((v) => ctEnv.delete(v));
    if (ctsOut.every(isZero)) continue;
    const ins = eqn.inputs.map(readPrimal);
    const ctsIn = transposeEqn(eqn.prim, ctsOut.map(instantiate), ins, eqn.params);
    eqn.inputs.forEach((a, i) => writeCt(a, ctsIn[i] ?? null));
  }
  const result: MaybeZero[] = [];
  binders.forEach((v, i) => {
    if (args[i] instanceof UndefPrimal) result.push(ctEnv.get(v) ?? new Zero(v.aval));
  });
  return result;
}
