/** hasAux: functions that return [output, aux], where only the output is transformed. */
import * as T from '../tensor';
import { flatten, unflatten } from '../tree';
import { JVPTracer } from './jvp';
import { PartialEvalTracer } from './partial';

type AnyFn = (...args: any[]) => unknown;

export interface AuxOptions {
  /** The function returns [output, aux]; aux is returned alongside and not differentiated. */
  readonly hasAux?: boolean;
}

/** `hasAux: true`: selects the overloads whose function returns [output, aux]. */
export interface WithAuxOption {
  readonly hasAux: true;
}

/** Split [out, aux] when hasAux; wraps f so the flat core only sees the differentiated output. */
export function withAux(f: AnyFn, hasAux: boolean | undefined, op: string): { f: AnyFn; aux: { value?: unknown } } {
  const aux: { value?: unknown } = {};
  if (!hasAux) return { f, aux };
  const g = (...args: unknown[]) => {
    const r = f(...args);
    if (!Array.isArray(r) || r.length !== 2) throw new Error(`${op}: with hasAux the function must return [output, aux]`);
    aux.value = r[1];
    return r[0];
  };
  Object.defineProperty(g, 'name', { value: f.name });
  return { f: g, aux };
}

/**
 * Aux values may hold tracers of the transformation that just finished: replace each by the
 * value it wraps (a jvp tracer's primal, a partial-eval tracer's known value), keeping tracers
 * of transformations that are still running.
 */
export function lowerAux(aux: unknown): unknown {
  const [leaves, def] = flatten(aux);
  const lower = (l: unknown): unknown => {
    let x = l;
    while (x instanceof T.Tracer && !T.isMainActive(x._trace.main)) {
      if (x instanceof JVPTracer) x = x.primal;
      else if (x instanceof PartialEvalTracer && 'known' in x.pval) x = x.pval.known;
      else throw new Error('hasAux: an aux output depends on the differentiated inputs through an unknown value; return it from a value that does not need the tangent');
    }
    return x;
  };
  return unflatten(def, leaves.map(lower));
}
