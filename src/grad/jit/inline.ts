/**
 * Inlining at lowering: calls of closed programs (nested jit calls, custom-rule functions,
 * checkpointed functions) have no meaning of their own once every transformation is done, so a
 * compiled program splices their jaxprs in and fuses across the boundary. Control flow (cond,
 * scan, whileLoop) stays: the backends lower it as such.
 */
import { Jaxpr, Lit, Var, type Atom, type ClosedJaxpr, type Eqn, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import { isHigherOrder } from '../../tensor';

/** Per higher-order primitive: the program a compiled program splices in, or null (lowered as such). */
const inlinedAtLowering = {
  jitCall: (p) => p.jaxpr,
  customJvpCall: (p) => p.call,
  customVjpCall: (p) => p.call,
  checkpoint: (p) => p.jaxpr,
  cond: null,
  scan: null,
  whileLoop: null,
  customVjpLinear: null,
} satisfies { [P in HigherOrderPrim]: ((p: HigherOrderParams[P]) => ClosedJaxpr) | null };

function inlinedProgram(e: Eqn): ClosedJaxpr | undefined {
  if (!isHigherOrder(e.prim)) return undefined;
  const rule = inlinedAtLowering[e.prim] as ((p: unknown) => ClosedJaxpr) | null;
  return rule ? rule(e.params) : undefined;
}

/** The jaxpr with every call of a closed program replaced by the program's equations (recursively). */
export function inlineCalls(jaxpr: Jaxpr, consts: readonly Tensor[]): { jaxpr: Jaxpr; consts: Tensor[] } {
  if (!jaxpr.eqns.some((e) => inlinedProgram(e))) return { jaxpr, consts: [...consts] };
  const constvars = [...jaxpr.constvars];
  const values = [...consts];
  const constOf = new Map<Tensor, Var>(constvars.map((v, i) => [values[i]!, v]));
  const eqns: Eqn[] = [];
  /** Splice `body`'s equations with its inputs bound to `inputs`; returns its outputs. */
  const splice = (body: ClosedJaxpr, inputs: readonly Atom[]): Atom[] => {
    const env = new Map<Var, Atom>();
    body.jaxpr.constvars.forEach((v, i) => {
      const t = body.consts[i]!;
      let cv = constOf.get(t);
      if (!cv) {
        cv = new Var(v.aval);
        constOf.set(t, cv);
        constvars.push(cv);
        values.push(t);
      }
      env.set(v, cv);
    });
    body.jaxpr.invars.forEach((v, i) => env.set(v, inputs[i]!));
    const read = (a: Atom): Atom => (a instanceof Lit ? a : env.get(a) ?? a);
    walk(body.jaxpr.eqns, read, (v) => {
      const fresh = new Var(v.aval);
      env.set(v, fresh);
      return fresh;
    }, env);
    return body.jaxpr.outs.map(read);
  };
  const walk = (list: readonly Eqn[], read: (a: Atom) => Atom, rename: (v: Var) => Var, env: Map<Var, Atom>) => {
    for (const e of list) {
      const inputs = e.inputs.map(read);
      const body = inlinedProgram(e);
      if (body) {
        const outs = splice(body, inputs);
        e.outs.forEach((v, i) => env.set(v, outs[i]!));
      } else eqns.push({ ...e, inputs, outs: e.outs.map(rename) });
    }
  };
  const env = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Lit ? a : env.get(a) ?? a);
  walk(jaxpr.eqns, read, (v) => v, env);
  return { jaxpr: new Jaxpr(constvars, jaxpr.invars, eqns, jaxpr.outs.map(read)), consts: values };
}
