/**
 * Partial evaluation: run a function on a mix of known values and unknown (abstract) inputs,
 * computing what is known right away and staging the rest into a jaxpr. Applied to a jvp, the
 * known part is the primal computation and the staged part is the linear tangent map: that is
 * `linearize`, and transposing its jaxpr gives `vjp` (Autodidax part 4).
 */
import { isHigherOrder, Trace, Tracer, withMainTrace, type Aval, type MainTrace, type Tensor } from '../tensor';
import { Jaxpr, Var, type Eqn } from '../tensor';
import { higherOrderPartialEval } from './higher/partialEval';
import { abstractEvalAny } from './staging';
import * as T from '../tensor';

/** A value that is either known (concrete, or a tracer of an outer transformation) or unknown. */
export type PartialVal = { readonly known: Tensor } | { readonly unknown: Aval };

type Recipe =
  | { readonly kind: 'lambda' }
  | { readonly kind: 'const'; readonly value: Tensor }
  | { readonly kind: 'eqn'; readonly eqn: EqnRecipe };

interface EqnRecipe {
  readonly prim: string;
  readonly inputs: readonly PartialEvalTracer[];
  readonly params: any;
  readonly outs: PartialEvalTracer[];
}

export class PartialEvalTracer extends Tracer {
  recipe: Recipe | null = null;
  constructor(readonly _trace: PartialEvalTrace, readonly pval: PartialVal) {
    super('known' in pval ? pval.known.shape : pval.unknown.shape, 'known' in pval ? pval.known.dtype : pval.unknown.dtype, 'known' in pval ? pval.known.device : 'cpu');
  }
  get isKnown(): boolean {
    return 'known' in this.pval;
  }
  override concreteValue(): Tensor | undefined {
    if (!('known' in this.pval)) return undefined;
    const k = this.pval.known;
    return k instanceof Tracer ? k.concreteValue() : k;
  }
  override fullLower(): Tensor {
    return 'known' in this.pval ? (this.pval.known instanceof Tracer ? this.pval.known.fullLower() : this.pval.known) : this;
  }
}

export class PartialEvalTrace extends Trace {
  newArg(pval: PartialVal): PartialEvalTracer {
    const t = new PartialEvalTracer(this, pval);
    if ('unknown' in pval) t.recipe = { kind: 'lambda' };
    return t;
  }
  pure(x: Tensor): Tracer {
    return new PartialEvalTracer(this, { known: x });
  }
  lift(x: Tensor): Tracer {
    return this.pure(x);
  }
  /** Turn a known tracer into an unknown one that reads a constant of the staged jaxpr. */
  instantiateConst(t: PartialEvalTracer): PartialEvalTracer {
    if (!('known' in t.pval)) return t;
    const u = new PartialEvalTracer(this, { unknown: { shape: t.shape, dtype: t.dtype } });
    u.recipe = { kind: 'const', value: t.pval.known };
    return u;
  }
  /** A known value (concrete, or a tracer of an outer transformation) as an unknown input of the staged jaxpr. */
  residual(x: Tensor): PartialEvalTracer {
    return this.instantiateConst(this.fullRaise(x) as PartialEvalTracer);
  }
  processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[] {
    const ts = tracers as PartialEvalTracer[];
    if (ts.every((t) => t.isKnown)) return T.bind(prim, ts.map((t) => t.fullLower()), params);
    if (isHigherOrder(prim)) return (higherOrderPartialEval[prim] as PartialEvalRule)(this, ts, params);
    return this.stageAll(prim, ts, params);
  }
  /** Stage the equation with every input unknown (known ones become constants of the staged jaxpr). */
  stageAll(prim: string, tracers: readonly PartialEvalTracer[], params: any): PartialEvalTracer[] {
    const ins = tracers.map((t) => this.instantiateConst(t));
    return this.stage(prim, ins, params, abstractEvalAny(prim, ins.map((t) => ({ shape: t.shape, dtype: t.dtype })), params));
  }
  /** Record an equation over unknown inputs; returns its (unknown) outputs. */
  stage(prim: string, ins: readonly PartialEvalTracer[], params: any, avals: readonly Aval[]): PartialEvalTracer[] {
    const outs = avals.map((a) => new PartialEvalTracer(this, { unknown: a }));
    const eqn: EqnRecipe = { prim, inputs: ins, params, outs };
    for (const o of outs) o.recipe = { kind: 'eqn', eqn };
    return outs;
  }
}

/** Partial evaluation of a higher-order primitive with some unknown input (rules in higher/partialEval.ts). */
export type PartialEvalRule<P = any> = (trace: PartialEvalTrace, tracers: readonly PartialEvalTracer[], params: P) => Tensor[];

/** Build the jaxpr computing `outs` from the unknown inputs `ins`; constants become constvars. */
function tracersToJaxpr(ins: readonly PartialEvalTracer[], outs: readonly PartialEvalTracer[]): { jaxpr: Jaxpr; consts: Tensor[] } {
  const vars = new Map<PartialEvalTracer, Var>();
  const varOf = (t: PartialEvalTracer): Var => {
    let v = vars.get(t);
    if (!v) vars.set(t, (v = new Var({ shape: t.shape, dtype: t.dtype })));
    return v;
  };
  const invars = ins.map(varOf);
  const constvars: Var[] = [];
  const consts: Tensor[] = [];
  const eqns: Eqn[] = [];
  const seen = new Set<EqnRecipe>();
  const visited = new Set<PartialEvalTracer>();
  // Iterative post-order DFS (deep programs would overflow a recursive walk).
  const stack: [PartialEvalTracer, boolean][] = outs.map((o) => [o, false] as [PartialEvalTracer, boolean]).reverse();
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    const r = t.recipe!;
    if (r.kind === 'eqn') {
      if (seen.has(r.eqn)) continue;
      if (expanded) {
        seen.add(r.eqn);
        eqns.push({ prim: r.eqn.prim, inputs: r.eqn.inputs.map(varOf), params: r.eqn.params, outs: r.eqn.outs.map(varOf) });
        continue;
      }
      stack.push([t, true]);
      for (const i of [...r.eqn.inputs].reverse()) if (!visited.has(i)) stack.push([i, false]);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    if (r.kind === 'const') {
      constvars.push(varOf(t));
      consts.push(r.value);
    } else if (!ins.includes(t)) {
      throw new Error('internal: an unknown input of a partially evaluated function was not declared');
    }
  }
  return { jaxpr: new Jaxpr(constvars, invars, eqns, outs.map(varOf)), consts };
}

/**
 * Partially evaluate `f` (flat lists) on `pvals`. Outputs listed in `forceUnknown` are staged
 * even if known, so the jaxpr has a fixed output signature.
 */
export function partialEvalFlat(f: (...xs: Tensor[]) => Tensor[], pvals: readonly PartialVal[], forceUnknown: (i: number, count: number) => boolean, name = 'linearize', fnName?: string): { jaxpr: Jaxpr; consts: Tensor[]; pvalsOut: PartialVal[] } {
  return withMainTrace(PartialEvalTrace, name, null, (main: MainTrace) => {
    const trace = new PartialEvalTrace(main);
    const ins = pvals.map((p) => trace.newArg(p));
    const raw = f(...ins);
    const outs = raw.map((o, i) => {
      const t = trace.fullRaise(o) as PartialEvalTracer;
      return forceUnknown(i, raw.length) ? trace.instantiateConst(t) : t;
    });
    const unknownIns = ins.filter((t) => !t.isKnown);
    const unknownOuts = outs.filter((t) => !t.isKnown);
    const { jaxpr, consts } = tracersToJaxpr(unknownIns, unknownOuts);
    return { jaxpr, consts, pvalsOut: outs.map((t) => (t.isKnown ? { known: t.fullLower() } : t.pval)) };
  }, fnName);
}
