/**
 * The jaxpr: a typed, first-order program of primitive applications (JAX's core.py keeps it next
 * to bind, as this layer does). Staging (makeJaxpr, jit, linearize in src/grad) produces jaxprs;
 * the evaluator, the transpose pass, jit's passes and the backends' lowerings consume them.
 */
import { fmtAval, type Aval } from './aval';
import { bind, type Tensor } from './core';
import type { Executable } from './program';

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

/**
 * A jaxpr with the values of its constvars: the parameter of every higher-order primitive (a
 * jit call's program, a cond's branches, a scan's body). Its consts are concrete tensors, so a
 * closed jaxpr means the same thing wherever it is used, and what is derived from it (its jvp,
 * partial evaluations, transposes, batched versions, compiled executables) is memoized on it.
 */
export class ClosedJaxpr {
  /** Derived programs, keyed by the transformation and its pattern ('jvp:1010', ...). */
  readonly memo = new Map<string, unknown>();
  /** Compiled programs, keyed by device and donation pattern. */
  readonly executables = new Map<string, Executable>();

  constructor(readonly jaxpr: Jaxpr, readonly consts: readonly Tensor[]) {
    if (consts.length !== jaxpr.constvars.length) throw new Error(`internal: a closed jaxpr needs ${jaxpr.constvars.length} consts, got ${consts.length}`);
  }

  get inAvals(): Aval[] {
    return this.jaxpr.invars.map((v) => v.aval);
  }

  get outAvals(): Aval[] {
    return this.jaxpr.outs.map((a) => a.aval);
  }

  /** The memoized value for `key`, computed once. */
  derive<T>(key: string, make: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const v = make();
    this.memo.set(key, v);
    return v;
  }

  /** Release compiled programs (device buffers) of this jaxpr and of everything derived from it; they recompile if used again. */
  disposeExecutables(): void {
    for (const e of this.executables.values()) e.dispose?.();
    this.executables.clear();
    for (const d of this.memo.values()) for (const c of closedJaxprsIn(d)) c.disposeExecutables();
  }

  toString(): string {
    return printJaxpr(this.jaxpr);
  }
}

/** The closed jaxprs held by a value (a derived record, a list, a closed jaxpr). */
export function closedJaxprsIn(x: unknown): ClosedJaxpr[] {
  if (x instanceof ClosedJaxpr) return [x];
  if (Array.isArray(x)) return x.flatMap(closedJaxprsIn);
  if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype) return Object.values(x).flatMap(closedJaxprsIn);
  return [];
}

/** Run a closed jaxpr on arguments under the current interpreters. */
export function evalClosed(c: ClosedJaxpr, args: readonly Tensor[]): Tensor[] {
  return evalJaxpr(c.jaxpr, [...c.consts, ...args]);
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

const isProgram = (v: unknown): boolean => v instanceof ClosedJaxpr || v instanceof Jaxpr || (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof ClosedJaxpr));
const programOf = (v: unknown): Jaxpr => (v instanceof ClosedJaxpr ? v.jaxpr : (v as Jaxpr));

/** A param's value; programs (sub-jaxprs) are printed in full at `indent`. */
function fmtParam(v: unknown, indent: string): string {
  if (Array.isArray(v) && isProgram(v)) return `(\n${v.map((x) => printJaxpr(programOf(x), `${indent}  `)).join('\n')}\n${indent})`;
  if (isProgram(v)) return printJaxpr(programOf(v), indent).trimStart();
  if (typeof v === 'function') return v.name || 'fn';
  return JSON.stringify(v, (_k, x) => (x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x instanceof Jaxpr || x instanceof ClosedJaxpr ? '<jaxpr>' : typeof x === 'function' ? x.name || 'fn' : x));
}

/** An equation's params: inline, or one per line when some of them are programs (as JAX prints them). */
function fmtParams(params: unknown, indent: string): string {
  const ps = Object.entries(params ?? {}).filter(([k]) => !k.startsWith('_'));
  if (ps.length === 0) return '';
  if (!ps.some(([, v]) => isProgram(v))) return `[${ps.map(([k, v]) => `${k}=${fmtParam(v, indent)}`).join(' ')}]`;
  const inner = `${indent}      `;
  return `[\n${ps.map(([k, v]) => `${inner}${k}=${fmtParam(v, inner)}`).join('\n')}\n${indent}    ]`;
}

/**
 * The jaxpr as text, in JAX's style; the jaxprs in a higher-order equation's params (a jit
 * call's program, a cond's branches, a scan's body) are printed inside it, indented.
 */
export function printJaxpr(jaxpr: Jaxpr, indent = ''): string {
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
  const head = `${indent}{ lambda ${jaxpr.constvars.map(typed).join(' ')} ; ${jaxpr.invars.map(typed).join(' ')}. let`;
  const lines = jaxpr.eqns.map((e) => `${indent}    ${e.outs.map(typed).join(' ')} = ${e.prim}${fmtParams(e.params, indent)} ${e.inputs.map(atom).join(' ')}`);
  return [head, ...lines, `${indent}  in ( ${jaxpr.outs.map(atom).join(', ')} ) }`].join('\n');
}
