/**
 * Optimization passes over jaxprs: dead-code elimination, common-subexpression elimination,
 * constant folding and literal inlining. Each takes a jaxpr with its consts and returns a new one;
 * none changes what the program computes.
 */
import { ClosedJaxpr, evalPrimitive, Jaxpr, Lit, sizeOf, Var, type Atom, type Eqn, type Tensor } from '../../tensor';

export interface Program {
  readonly jaxpr: Jaxpr;
  readonly consts: readonly Tensor[];
}

/** Drop equations whose outputs nothing uses (every primitive is pure). */
export function deadCodeElimination({ jaxpr, consts }: Program): Program {
  const live = new Set<Var>(jaxpr.outs.filter((o): o is Var => o instanceof Var));
  const kept: Eqn[] = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!;
    if (!e.outs.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  kept.reverse();
  const constPairs = jaxpr.constvars.map((v, i) => [v, consts[i]!] as const).filter(([v]) => live.has(v));
  return { jaxpr: new Jaxpr(constPairs.map(([v]) => v), jaxpr.invars, kept, jaxpr.outs), consts: constPairs.map(([, c]) => c) };
}

/** A stable key for params, or undefined when they hold functions or jaxprs (never merged nor folded). */
function paramsKey(params: unknown): string | undefined {
  let ok = true;
  const s = JSON.stringify(params ?? {}, (_k, x) => {
    if (typeof x === 'function' || x instanceof Jaxpr || x instanceof ClosedJaxpr) {
      ok = false;
      return null;
    }
    if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
    return x;
  });
  return ok ? s : undefined;
}

/** Merge equations that apply the same primitive with the same params to the same inputs. */
export function commonSubexpressionElimination({ jaxpr, consts }: Program): Program {
  const subst = new Map<Var, Var>();
  const ids = new Map<Var, number>();
  const idOf = (a: Atom): string => {
    if (a instanceof Lit) {
      const v = a.value.dataSync()[0]!;
      // -0 and 0 are different literals (String(-0) is '0').
      return `lit:${a.value.dtype}:${Object.is(v, -0) ? '-0' : v}`;
    }
    const v = subst.get(a) ?? a;
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    return `v${id}`;
  };
  const rename = (a: Atom): Atom => (a instanceof Var ? subst.get(a) ?? a : a);
  const seen = new Map<string, Eqn>();
  const eqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    const pk = paramsKey(e.params);
    const key = pk === undefined ? undefined : `${e.prim}|${pk}|${e.inputs.map(idOf).join(',')}`;
    const prev = key === undefined ? undefined : seen.get(key);
    if (prev) {
      e.outs.forEach((v, i) => subst.set(v, prev.outs[i]!));
      continue;
    }
    const ne: Eqn = { ...e, inputs: e.inputs.map(rename) };
    if (key !== undefined) seen.set(key, ne);
    eqns.push(ne);
  }
  return { jaxpr: new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outs.map(rename)), consts };
}

/** Largest constant folding may create: folding must not blow up memory (e.g. a broadcast). */
const FOLD_LIMIT = 1 << 16;

/**
 * Evaluate at compile time the equations whose inputs are all constants (or literals), when the
 * result is small; their outputs become constants. Size-1 constants become literals, so fused
 * kernels can embed them as numbers.
 */
export function foldConstants({ jaxpr, consts }: Program): Program {
  const known = new Map<Var, Tensor>();
  jaxpr.constvars.forEach((v, i) => known.set(v, consts[i]!));
  const valueOf = (a: Atom): Tensor | undefined => (a instanceof Lit ? a.value : known.get(a));
  const eqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    const vals = e.inputs.map(valueOf);
    const largestIn = Math.max(1, ...e.inputs.map((a) => sizeOf(a.aval.shape)));
    // Folding an expansion (a broadcast scalar) would store a big array the fused loops must
    // then read; left unfolded, fusion reads the scalar with zero strides instead.
    const small = e.outs.every((o) => sizeOf(o.aval.shape) <= Math.min(FOLD_LIMIT, largestIn));
    if (vals.every((v): v is Tensor => v !== undefined && v.device === 'cpu') && small && paramsKey(e.params) !== undefined) {
      const outs = evalPrimitive(e.prim, vals, e.params);
      e.outs.forEach((o, i) => known.set(o, outs[i]!));
    } else eqns.push(e);
  }
  // Rewrite: remaining uses of known vars read either a literal (size 1) or a constvar.
  const constvars: Var[] = [];
  const newConsts: Tensor[] = [];
  const constVarOf = new Map<Var, Var>();
  const atom = (a: Atom): Atom => {
    if (a instanceof Lit) return a;
    const v = known.get(a);
    if (v === undefined) return a;
    if (v.size === 1 && v.device === 'cpu') return new Lit(v);
    let cv = constVarOf.get(a);
    if (!cv) {
      cv = a;
      constVarOf.set(a, cv);
      constvars.push(cv);
      newConsts.push(v);
    }
    return cv;
  };
  const rewritten = eqns.map((e) => ({ ...e, inputs: e.inputs.map(atom) }));
  const outs = jaxpr.outs.map(atom);
  return { jaxpr: new Jaxpr(constvars, jaxpr.invars, rewritten, outs), consts: newConsts };
}

/** The standard pipeline: fold, merge, then drop what became dead. */
export function optimize(p: Program): Program {
  return deadCodeElimination(commonSubexpressionElimination(foldConstants(p)));
}
