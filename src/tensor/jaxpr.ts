/**
 * The jaxpr: a typed, first-order program of primitive applications (JAX's core.py keeps it next
 * to bind, as this layer does). Staging (makeJaxpr, jit, linearize in src/grad) produces jaxprs;
 * the evaluator, the transpose pass, jit's passes and the backends' lowerings consume them.
 */
import { fmtAval, type Aval } from './aval';
import { bind, type Tensor } from './core';

export class Var {
  private static next = 0;
  readonly id = Var.next++;
  constructor(readonly aval: Aval) {}
}

/** A literal scalar inlined into an equation (printed as its value). */
export class Lit {
  constructor(readonly value: Tensor) {}
  get aval(): Aval {
    return this.value;
  }
}

export type Atom = Var | Lit;

export interface Eqn {
  readonly prim: string;
  readonly inputs: readonly Atom[];
  readonly params: any;
  readonly outs: readonly Var[];
}

export class Jaxpr {
  constructor(
    /** Variables bound to constants captured during tracing (given as the first arguments). */
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}

  toString(): string {
    return printJaxpr(this);
  }
}

/** Evaluate a jaxpr on arguments (consts first), binding each primitive under the current traces. */
export function evalJaxpr(jaxpr: Jaxpr, args: readonly Tensor[]): Tensor[] {
  const env = new Map<Var, Tensor>();
  const vars = [...jaxpr.constvars, ...jaxpr.invars];
  if (args.length !== vars.length) throw new Error(`evalJaxpr: expected ${vars.length} arguments, got ${args.length}`);
  vars.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): Tensor => (a instanceof Lit ? a.value : env.get(a)!);
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params);
    eqn.outs.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}

// ---------------------------------------------------------------------------------------------
// Pretty printing, in JAX's style:
//   { lambda a:f32[3] ; b:f32[3]. let c:f32[3] = mul b a ; d:f32[] = reduceSum[axes=[0]] c in (d) }

function shortDtype(dtype: string): string {
  return ({ float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' } as Record<string, string>)[dtype] ?? dtype;
}

function fmtParam(v: unknown): string {
  if (v instanceof Jaxpr) return `{ jaxpr with ${v.eqns.length} eqns }`;
  if (typeof v === 'function') return v.name || 'fn';
  return JSON.stringify(v, (_k, x) => (x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x instanceof Jaxpr ? '<jaxpr>' : x));
}

export function printJaxpr(jaxpr: Jaxpr): string {
  const names = new Map<Var, string>();
  const nameOf = (v: Var): string => {
    let n = names.get(v);
    if (n === undefined) {
      let i = names.size;
      n = '';
      do {
        n = String.fromCharCode(97 + (i % 26)) + n;
        i = Math.floor(i / 26) - 1;
      } while (i >= 0);
      names.set(v, n);
    }
    return n;
  };
  const typed = (v: Var): string => `${nameOf(v)}:${shortDtype(v.aval.dtype)}[${v.aval.shape.join(',')}]`;
  const atom = (a: Atom): string => {
    if (a instanceof Var) return nameOf(a);
    return a.value.size === 1 ? String(a.value.dataSync()[0]) : `const${fmtAval(a.value)}`;
  };
  const head = `{ lambda ${jaxpr.constvars.map(typed).join(' ')} ; ${jaxpr.invars.map(typed).join(' ')}. let`;
  const lines = jaxpr.eqns.map((e) => {
    const ps = Object.entries(e.params ?? {}).filter(([k]) => !k.startsWith('_'));
    const p = ps.length ? `[${ps.map(([k, v]) => `${k}=${fmtParam(v)}`).join(' ')}]` : '';
    return `    ${e.outs.map(typed).join(' ')} = ${e.prim}${p} ${e.inputs.map(atom).join(' ')}`;
  });
  return [head, ...lines, `  in ( ${jaxpr.outs.map(atom).join(', ')} ) }`].join('\n');
}
