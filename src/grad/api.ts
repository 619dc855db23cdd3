/**
 * The public differentiation entry points: jvp, linearize, vjp, grad, valueAndGrad,
 * linearTranspose. Each flattens pytree arguments and calls a flat core (flat.ts, jvp.ts).
 * vmap lives in vmapApi.ts, jacobians in jacobians.ts, makeJaxpr/evalShape in stagingApi.ts.
 */
import * as T from '../tensor';
import { fmtAval, Tensor, type Aval } from '../tensor';
import { flatten, unflatten, structure } from '../tree';
import { checkDifferentiable, flatFn, flattenArgs, flattenTensors, fnName } from './args';
import { applyLinear, linearizeFlat, vjpFlat } from './flat';
import { jvpFlat, JVPTracer } from './jvp';
import { partialEvalFlat, PartialEvalTracer } from './partial';
import { instantiate } from './zero';
import { backwardPass, UndefPrimal } from './transpose';
import { checkTangents, checkTransform } from './checks';

type Fn = (...args: any[]) => any;

function splitByCounts<X>(xs: readonly X[], counts: readonly number[]): X[][] {
  let k = 0;
  return counts.map((c) => xs.slice(k, (k += c)));
}

function checkSameAvals(op: string, what: string, expected: readonly Aval[], got: readonly Tensor[]): void {
  if (expected.length !== got.length) throw new Error(`${op}: expected ${expected.length} ${what} leaves, got ${got.length}`);
  expected.forEach((a, i) => {
    const g = got[i]!;
    if (!T.shapeEqual(a.shape, g.shape) || a.dtype !== g.dtype) throw new Error(`${op}: ${what} leaf ${i} must be ${fmtAval(a)} to match its primal, got ${fmtAval(g)}`);
  });
}

export interface AuxOptions {
  /** The function returns [output, aux]; aux is returned alongside and not differentiated. */
  readonly hasAux?: boolean;
}

/** Split [out, aux] when hasAux; wraps f so the flat core only sees the differentiated output. */
function withAux(f: Fn, hasAux: boolean | undefined, op: string): { f: Fn; aux: { value?: unknown } } {
  const aux: { value?: unknown } = {};
  if (!hasAux) return { f, aux };
  return {
    f: (...args: unknown[]) => {
      const r = f(...args);
      if (!Array.isArray(r) || r.length !== 2) throw new Error(`${op}: with hasAux the function must return [output, aux]`);
      aux.value = r[1];
      return r[0];
    },
    aux,
  };
}

/**
 * Aux values may hold tracers of the transformation that just finished: replace each by the
 * value it wraps (a jvp tracer's primal, a partial-eval tracer's known value), keeping tracers
 * of transformations that are still running.
 */
function lowerAux(aux: unknown): unknown {
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

/**
 * Forward mode: push tangents through f. `primals` and `tangents` are arrays of arguments
 * (pytrees) of equal structure. Returns [outputs, output tangents] (plus aux with hasAux).
 * @example const [y, dy] = jvp((x) => sin(x), [x], [ones([3])]);
 */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], options: AuxOptions = {}): [any, any] | [any, any, any] {
  checkTransform('jvp', f, options, T.optionKeys<AuxOptions>({ hasAux: true }));
  checkTangents('jvp', primals, tangents);
  const { f: g, aux } = withAux(f, options.hasAux, 'jvp');
  const p = flattenArgs('jvp', primals);
  const t = flattenArgs('jvp', tangents);
  checkSameAvals('jvp', 'tangent', p.leaves, t.leaves);
  const { fn, outDef } = flatFn(g, p.defs, 'jvp');
  const [outs, touts] = jvpFlat(fn, p.leaves, t.leaves, 'jvp', fnName(f));
  const y = unflatten(outDef.value!, outs);
  const dy = unflatten(outDef.value!, touts.map(instantiate));
  return options.hasAux ? [y, dy, lowerAux(aux.value)] : [y, dy];
}

/**
 * Evaluate f and its linear approximation at `primals`: returns [output, fLinear] where
 * fLinear(...tangents) equals the jvp's output tangent, with the primal work done once.
 */
export function linearize(f: Fn, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  checkTransform('linearize', f, undefined, []);
  const p = flattenArgs('linearize', primals);
  const { fn, outDef } = flatFn(f, p.defs, 'linearize');
  const lin = linearizeFlat(fn, p.leaves, 'linearize', fnName(f));
  const def = outDef.value!;
  const fLin = (...tangents: unknown[]) => {
    const t = flattenArgs('linearize', tangents);
    checkSameAvals('linearize', 'tangent', p.leaves, t.leaves);
    return unflatten(def, applyLinear(lin, t.leaves));
  };
  return [unflatten(def, lin.primalsOut), fLin];
}

/**
 * Reverse mode: returns [output, pullback] where pullback(cotangent) gives one cotangent per
 * primal argument (as an array), each with its argument's structure.
 * @example const [y, back] = vjp(f, x); const [dx] = back(onesLike(y));
 */
export function vjp(f: Fn, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  checkTransform('vjp', f, undefined, []);
  return vjpWith('vjp', f, primals, false).slice(0, 2) as [any, (ct: unknown) => any[]];
}

function vjpWith(op: string, f: Fn, primals: readonly unknown[], hasAux: boolean): [any, (ct: unknown) => any[], unknown] {
  const { f: g, aux } = withAux(f, hasAux, op);
  const p = flattenArgs(op, primals);
  const { fn, outDef } = flatFn(g, p.defs, op);
  const [outs, pullbackFlat] = vjpFlat(fn, p.leaves, op, fnName(f));
  const def = outDef.value!;
  const pullback = (ct: unknown): any[] => {
    const [cts, ctDef] = flattenTensors(op, ct, 'cotangent');
    if (!ctDef.equals(def)) throw new Error(`${op}: the cotangent's structure ${ctDef} does not match the output's ${def}`);
    checkSameAvals(op, 'cotangent', outs, cts);
    const ins = pullbackFlat(cts);
    return splitByCounts(ins, p.counts).map((xs, i) => unflatten(p.defs[i]!, xs));
  };
  return [unflatten(def, outs), pullback, hasAux ? lowerAux(aux.value) : undefined];
}

export interface GradOptions extends AuxOptions {
  /** Which positional arguments to differentiate: one index (default 0) or several. */
  readonly argnums?: number | readonly number[];
}

/**
 * valueAndGrad(f)(...args) returns [value, gradient]: the gradient of the scalar output with
 * respect to argument `argnums` (default 0), with that argument's tree structure. With
 * several argnums the gradient is an array; with hasAux the value is [value, aux].
 * @example const [loss, g] = valueAndGrad(lossFn)(params, batch);
 */
export function valueAndGrad<F extends Fn>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => [any, any] {
  checkTransform('valueAndGrad', f, options, T.optionKeys<GradOptions>({ argnums: true, hasAux: true }));
  const argnums = options.argnums ?? 0;
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  const name = fnName(f) ?? 'f';
  return (...args: any[]) => {
    for (const a of nums) if (!Number.isInteger(a) || a < 0 || a >= args.length) throw new Error(`grad: argnums ${JSON.stringify(argnums)} out of range for ${args.length} arguments`);
    const diffArgs = nums.map((i) => {
      const [leaves, def] = flattenTensors('grad', args[i], `argument ${i}`);
      checkDifferentiable('grad', leaves, i);
      return unflatten(def, leaves);
    });
    const partial = (...xs: unknown[]) => {
      const full = args.slice();
      nums.forEach((n, k) => (full[n] = xs[k]));
      return f(...full);
    };
    Object.defineProperty(partial, 'name', { value: name });
    const [out, pullback, aux] = vjpWith('grad', partial, diffArgs, options.hasAux ?? false);
    if (!(out instanceof Tensor) || out.ndim !== 0) {
      const got = out instanceof Tensor ? fmtAval(out) : `a ${structure(out)} tree`;
      throw new Error(`grad: ${name} must return a scalar (shape []) to be differentiated, got ${got}; use vjp or jacrev for non-scalar outputs`);
    }
    if (!T.isFloat(out.dtype)) throw new Error(`grad: ${name} returns ${fmtAval(out)}; its output must be float to be differentiated`);
    const grads = pullback(T.onesLike(out));
    const g = typeof argnums === 'number' ? grads[0] : grads;
    return [options.hasAux ? [out, aux] : out, g];
  };
}

/**
 * The gradient of a scalar-valued function with respect to argument `argnums` (default 0).
 * @example grad((x) => sum(square(x)))(tensor([1, 2]))   // [2, 4]
 */
export function grad<F extends Fn>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => any {
  checkTransform('grad', f, options, T.optionKeys<GradOptions>({ argnums: true, hasAux: true }));
  const vg = valueAndGrad(f, options);
  const g = (...args: Parameters<F>) => {
    const [value, gr] = vg(...args);
    return options.hasAux ? [gr, value[1]] : gr;
  };
  Object.defineProperty(g, 'name', { value: `grad(${fnName(f) ?? 'f'})` });
  return g;
}

/**
 * Transpose a linear function: given f (linear) and example primals (for shapes), returns
 * ft with <ct, f(x)> == <ft(ct), x>. ft returns an array with one cotangent per argument.
 */
export function linearTranspose(f: Fn, ...primals: unknown[]): (ct: unknown) => any[] {
  checkTransform('linearTranspose', f, undefined, []);
  const p = flattenArgs('linearTranspose', primals);
  const { fn, outDef } = flatFn(f, p.defs, 'linearTranspose');
  // Partial evaluation with every input unknown computes constants (a broadcast scalar factor)
  // right away and stages only the linear part, which is what the backward pass transposes.
  const { jaxpr, consts } = partialEvalFlat(fn, p.leaves.map((x) => ({ unknown: { shape: x.shape, dtype: x.dtype } })), () => true, 'linearTranspose', fnName(f));
  const def = outDef.value!;
  return (ct: unknown) => {
    const [cts, ctDef] = flattenTensors('linearTranspose', ct, 'cotangent');
    if (!ctDef.equals(def)) throw new Error(`linearTranspose: the cotangent's structure ${ctDef} does not match the output's ${def}`);
    const args = [...consts, ...jaxpr.invars.map((v) => new UndefPrimal(v.aval))];
    const ins = backwardPass(jaxpr, args, cts).map(instantiate);
    return splitByCounts(ins, p.counts).map((xs, i) => unflatten(p.defs[i]!, xs));
  };
}
