/**
 * The public differentiation entry points: jvp, linearize, vjp, grad, valueAndGrad,
 * linearTranspose. Each flattens pytree arguments and calls a flat core (flat.ts, jvp.ts).
 * vmap lives in vmapApi.ts, jacobians in jacobians.ts, makeJaxpr/evalShape in stagingApi.ts.
 * Their types (types.ts) follow the transformed function: `grad(loss)` returns the parameters'
 * type, and `hasAux` or an `argnums` list select the overload whose result has that shape.
 */
import * as T from '../tensor';
import { checkFunction, checkOptions, fmtAval, Tensor, type Aval } from '../tensor';
import { unflatten, structure } from '../tree';
import { flatFn, flattenArgs, flattenTensors, fnName, selectInputs, trailingOptions, withZeros } from './args';
import { applyLinear, linearizeFlat, vjpFlat } from './flat';
import { jvpFlat } from './jvp';
import { partialEvalFlat } from './partial';
import { lowerAux, withAux, type AuxOptions, type WithAuxOption } from './aux';
import { instantiate } from './zero';
import { backwardPass, UndefPrimal } from './transpose';
import { checkTangents } from './checks';
import type { Argnums, AsTensors, GradientOf, ScalarOutput, WithAux } from './types';

type AnyFn = (...args: any[]) => unknown;

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

/**
 * Forward mode: push tangents through f. `primals` and `tangents` are arrays of arguments
 * (pytrees) of equal structure. Returns [output, output tangent] (plus aux with hasAux).
 * @example const [y, dy] = jvp((x: Tensor) => sin(x), [x], [ones([3])]);
 * @example const [y, dy, aux] = jvp((x: Tensor) => [sin(x), x.max()], [x], [t], { hasAux: true });
 */
export function jvp<A extends unknown[], Out, Aux>(f: (...args: A) => WithAux<Out, Aux>, primals: readonly [...A], tangents: readonly [...A], options: WithAuxOption): [output: AsTensors<Out>, tangent: AsTensors<Out>, aux: Aux];
export function jvp<A extends unknown[], R>(f: (...args: A) => R, primals: readonly [...A], tangents: readonly [...A], options?: AuxOptions & { readonly hasAux?: false }): [output: AsTensors<R>, tangent: AsTensors<R>];
export function jvp(f: AnyFn, primals: readonly unknown[], tangents: readonly unknown[], options: AuxOptions = {}): unknown[] {
  checkFunction('jvp', f);
  const { hasAux = false } = checkOptions('jvp', options, ['hasAux']);
  checkTangents('jvp', primals, tangents);
  const { f: g, aux } = withAux(f, hasAux, 'jvp');
  const p = flattenArgs('jvp', primals);
  const t = flattenArgs('jvp', tangents);
  checkSameAvals('jvp', 'tangent', p.leaves, t.leaves);
  const { fn, outDef } = flatFn(g, p.defs, 'jvp');
  const [outs, touts] = jvpFlat(fn, p.leaves, t.leaves, 'jvp', fnName(f));
  const y = unflatten(outDef.value!, outs);
  const dy = unflatten(outDef.value!, touts.map(instantiate));
  return hasAux ? [y, dy, lowerAux(aux.value)] : [y, dy];
}

/**
 * Evaluate f and its linear approximation at `primals`: returns [output, fLinear] where
 * fLinear(...tangents) equals the jvp's output tangent, with the primal work done once. A
 * trailing `{ hasAux: true }` (after the primals) returns [output, fLinear, aux].
 * @example const [y, fLin] = linearize((x: Tensor) => sin(x), x); fLin(ones([3]));
 */
export function linearize<A extends unknown[], Out, Aux>(f: (...args: A) => WithAux<Out, Aux>, ...primalsAndOptions: [...A, WithAuxOption]): [output: AsTensors<Out>, linear: (...tangents: A) => AsTensors<Out>, aux: Aux];
export function linearize<A extends unknown[], R>(f: (...args: A) => R, ...primals: A): [output: AsTensors<R>, linear: (...tangents: A) => AsTensors<R>];
export function linearize(f: AnyFn, ...primalsAndOptions: unknown[]): unknown[] {
  checkFunction('linearize', f);
  const [primals, { hasAux = false }] = trailingOptions('linearize', primalsAndOptions);
  const { f: g, aux } = withAux(f, hasAux, 'linearize');
  const p = flattenArgs('linearize', primals);
  const { fn, outDef } = flatFn(g, p.defs, 'linearize');
  const lin = linearizeFlat(fn, p.leaves, 'linearize', fnName(f));
  const def = outDef.value!;
  const fLin = (...tangents: unknown[]) => {
    const t = flattenArgs('linearize', tangents);
    checkSameAvals('linearize', 'tangent', p.leaves, t.leaves);
    return unflatten(def, applyLinear(lin, t.leaves));
  };
  const out = unflatten(def, lin.primalsOut);
  return hasAux ? [out, fLin, lowerAux(aux.value)] : [out, fLin];
}

/**
 * Reverse mode: returns [output, pullback] where pullback(cotangent) gives one cotangent per
 * primal argument (as an array), each with its argument's structure. A trailing
 * `{ hasAux: true }` (after the primals) returns [output, pullback, aux].
 * @example const [y, back] = vjp(f, x); const [dx] = back(onesLike(y));
 * @example const [y, back, aux] = vjp((x: Tensor) => [sin(x), x.sum()], x, { hasAux: true });
 */
export function vjp<A extends unknown[], Out, Aux>(f: (...args: A) => WithAux<Out, Aux>, ...primalsAndOptions: [...A, WithAuxOption]): [output: AsTensors<Out>, pullback: (cotangent: AsTensors<Out>) => AsTensors<A>, aux: Aux];
export function vjp<A extends unknown[], R>(f: (...args: A) => R, ...primals: A): [output: AsTensors<R>, pullback: (cotangent: AsTensors<R>) => AsTensors<A>];
export function vjp(f: AnyFn, ...primalsAndOptions: unknown[]): unknown[] {
  checkFunction('vjp', f);
  const [primals, { hasAux = false }] = trailingOptions('vjp', primalsAndOptions);
  const [out, pullback, aux] = vjpWith('vjp', f, primals, hasAux);
  return hasAux ? [out, pullback, aux] : [out, pullback];
}

function vjpWith(op: string, f: AnyFn, primals: readonly unknown[], hasAux: boolean): [unknown, (ct: unknown) => unknown[], unknown] {
  const { f: g, aux } = withAux(f, hasAux, op);
  const p = flattenArgs(op, primals);
  const { fn, outDef } = flatFn(g, p.defs, op);
  const [outs, pullbackFlat] = vjpFlat(fn, p.leaves, op, fnName(f));
  const def = outDef.value!;
  const pullback = (ct: unknown): unknown[] => {
    const [cts, ctDef] = flattenTensors(op, ct, 'cotangent');
    if (!ctDef.equals(def)) throw new Error(`${op}: the cotangent's structure ${ctDef} does not match the output's ${def}`);
    checkSameAvals(op, 'cotangent', outs, cts);
    const ins = pullbackFlat(cts);
    return splitByCounts(ins, p.counts).map((xs, i) => unflatten(p.defs[i]!, xs));
  };
  return [unflatten(def, outs), pullback, hasAux ? lowerAux(aux.value) : undefined];
}

export interface GradOptions extends AuxOptions {
  /** Which positional arguments to differentiate: one index (default 0) or several (a tuple of gradients). */
  readonly argnums?: Argnums;
  /**
   * Accept integer and bool inputs (JAX's allow_int): they are held constant and their gradient
   * is zeros of their own shape and dtype (JAX's float0 zeros; there is no float0 dtype here).
   */
  readonly allowInt?: boolean;
}

/** The options of grad/valueAndGrad with `argnums` I, as the overloads read them. */
type GradOptionsFor<I> = GradOptions & { readonly argnums?: I };

/**
 * valueAndGrad(f)(...args) returns [value, gradient]: the gradient of the scalar output with
 * respect to argument `argnums` (default 0), with that argument's type. With an argnums list
 * the gradient is a tuple; with hasAux the value is [value, aux].
 * @example const [loss, g] = valueAndGrad(lossFn)(params, batch);
 * @example const [[loss, logits], g] = valueAndGrad(lossWithLogits, { hasAux: true })(params, batch);
 */
export function valueAndGrad<A extends unknown[], Aux, const I extends Argnums = 0>(f: (...args: A) => WithAux<ScalarOutput, Aux>, options: GradOptionsFor<I> & WithAuxOption): (...args: A) => [value: [value: Tensor, aux: Aux], gradient: GradientOf<A, I>];
export function valueAndGrad<A extends unknown[], const I extends Argnums = 0>(f: (...args: A) => ScalarOutput, options?: GradOptionsFor<I> & { readonly hasAux?: false }): (...args: A) => [value: Tensor, gradient: GradientOf<A, I>];
export function valueAndGrad(f: AnyFn, options: GradOptions = {}): (...args: unknown[]) => [unknown, unknown] {
  checkFunction('valueAndGrad', f);
  return valueAndGradOf(f, options);
}

function valueAndGradOf(f: AnyFn, options: GradOptions): (...args: unknown[]) => [unknown, unknown] {
  const { argnums = 0, hasAux = false, allowInt = false } = checkOptions('grad', options, ['argnums', 'hasAux', 'allowInt']);
  const name = fnName(f) ?? 'f';
  return (...args: unknown[]) => {
    const { f: g, aux } = withAux(f, hasAux, 'grad');
    const { ins, inDef, differentiated, primals, fn, outDef } = selectInputs('grad', g, args, argnums, allowInt);
    const [outs, pullback] = vjpFlat(fn, primals, 'grad', fnName(f));
    const out = unflatten(outDef.value!, outs);
    if (!(out instanceof Tensor) || out.ndim !== 0) {
      const got = out instanceof Tensor ? fmtAval(out) : `a ${structure(out)} tree`;
      throw new Error(`grad: ${name} must return a scalar (shape []) to be differentiated, got ${got}; use vjp or jacrev for non-scalar outputs`);
    }
    if (!T.isFloat(out.dtype)) throw new Error(`grad: ${name} returns ${fmtAval(out)}; its output must be float to be differentiated`);
    const gradient = unflatten(inDef, withZeros(ins, differentiated, pullback([T.onesLike(out)])));
    return [hasAux ? [out, lowerAux(aux.value)] : out, gradient];
  };
}

/**
 * The gradient of a scalar-valued function with respect to argument `argnums` (default 0),
 * with that argument's type; a tuple of gradients for an argnums list; [gradient, aux] with
 * hasAux.
 * @example grad((x: Tensor) => sum(square(x)))(tensor([1, 2]))   // [2, 4]
 * @example const [gw, gb] = grad(loss, { argnums: [0, 1] })(w, b, x);
 */
export function grad<A extends unknown[], Aux, const I extends Argnums = 0>(f: (...args: A) => WithAux<ScalarOutput, Aux>, options: GradOptionsFor<I> & WithAuxOption): (...args: A) => [gradient: GradientOf<A, I>, aux: Aux];
export function grad<A extends unknown[], const I extends Argnums = 0>(f: (...args: A) => ScalarOutput, options?: GradOptionsFor<I> & { readonly hasAux?: false }): (...args: A) => GradientOf<A, I>;
export function grad(f: AnyFn, options: GradOptions = {}): (...args: unknown[]) => unknown {
  checkFunction('grad', f);
  const vg = valueAndGradOf(f, options);
  const g = (...args: unknown[]) => {
    const [value, gr] = vg(...args);
    return options.hasAux ? [gr, (value as [Tensor, unknown])[1]] : gr;
  };
  Object.defineProperty(g, 'name', { value: `grad(${fnName(f) ?? 'f'})` });
  return g;
}

/**
 * Transpose a linear function: given f (linear) and example primals (for shapes), returns
 * ft with <ct, f(x)> == <ft(ct), x>. ft returns an array with one cotangent per argument.
 * @example const ft = linearTranspose((x: Tensor) => x.mul(2), zeros([3])); ft(ones([3]))   // [[2, 2, 2]]
 */
export function linearTranspose<A extends unknown[], R>(f: (...args: A) => R, ...primals: A): (cotangent: AsTensors<R>) => AsTensors<A>;
export function linearTranspose(f: AnyFn, ...primals: unknown[]): (ct: unknown) => unknown[] {
  checkFunction('linearTranspose', f);
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
