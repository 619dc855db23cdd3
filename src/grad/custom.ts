/**
 * User-defined derivative rules. `customJvp` attaches a forward-mode rule; `customVjp` a
 * reverse-mode rule (a forward pass saving residuals, a backward pass mapping cotangents). Each
 * call binds one higher-order primitive holding the function as a closed jaxpr and the rule as
 * the user's function, so the rule survives staging: `makeJaxpr` prints the custom call, jit
 * compiles the function, and `grad(jit(f))` still differentiates with the rule. Rules are run
 * (traced) when the call is differentiated; vmap batches the function and its rule together.
 */
import * as T from '../tensor';
import { checkFunction, type Tensor } from '../tensor';
import { flatten, unflatten, type TreeDef } from '../tree';
import { flattenArgs, flattenTensors, flatFn, fnName, unflattenArgs } from './args';
import type { Traced, TracedArgs } from './control';
import { traceHoisting } from './higher/derive';

/** Trace f on the arguments' avals; values it closes over that are traced become leading operands. */
function traceCall(op: string, f: (...args: any[]) => unknown, args: readonly unknown[]) {
  const { leaves, defs } = flattenArgs(op, args);
  const { fn, outDef } = flatFn(f, defs, op);
  const { closed, hoisted } = traceHoisting(fn, leaves.map((x) => ({ shape: x.shape, dtype: x.dtype })), op);
  return { leaves, defs, closed, hoisted, outDef: outDef.value! };
}

function named<F extends (...args: never[]) => unknown>(g: F, f: (...args: never[]) => unknown, fallback: string): F {
  Object.defineProperty(g, 'name', { value: fnName(f as (...args: unknown[]) => unknown) ?? fallback });
  return g;
}

/**
 * Give f a hand-written forward-mode rule. `rule(primals, tangents)` receives arrays of the
 * arguments and their tangents and returns [output, outputTangent]. Reverse mode follows by
 * transposing the rule, so it must be linear in the tangents. Differentiating with respect to
 * a value f closes over (rather than an argument) is an error: the rule does not know it.
 * @example const safeLog = customJvp((x: Tensor) => log(x), ([x], [t]) => [log(x), div(t, x)]);
 */
export function customJvp<A extends readonly unknown[], R>(f: (...args: A) => R, rule: (primals: TracedArgs<A>, tangents: TracedArgs<A>) => readonly [R | Traced<R>, R | Traced<R>]): (...args: A) => Traced<R> {
  checkFunction('customJvp', f, 'the function');
  checkFunction('customJvp', rule, 'the rule');
  const g = (...args: A): Traced<R> => {
    const { leaves, defs, closed, hoisted, outDef } = traceCall('customJvp', f as unknown as (...a: unknown[]) => unknown, args);
    const jvp = (ps: Tensor[], ts: Tensor[]): [Tensor[], Tensor[]] => {
      const r = rule(unflattenArgs(defs, ps) as TracedArgs<A>, unflattenArgs(defs, ts) as TracedArgs<A>);
      if (!Array.isArray(r) || r.length !== 2) throw new Error(`customJvp: the rule must return [output, outputTangent], got ${T.describeValue(r)}`);
      const [ys, yDef] = flattenTensors('customJvp', r[0], 'rule output');
      const [dys, dyDef] = flattenTensors('customJvp', r[1], 'rule tangent');
      if (!yDef.equals(outDef)) throw new Error(`customJvp: the rule's output structure ${yDef} differs from the function's ${outDef}`);
      if (!dyDef.equals(outDef)) throw new Error(`customJvp: the rule's tangent structure ${dyDef} differs from the function's output structure ${outDef}`);
      return [ys, dys];
    };
    const outs = T.bind('customJvpCall', [...hoisted, ...leaves], { call: closed, jvp, nConsts: hoisted.length });
    return unflatten(outDef, outs) as Traced<R>;
  };
  return named(g, f as (...args: never[]) => unknown, 'customJvp');
}

/** The cotangents bwd returns: one per argument (null or undefined for none). */
export type Cotangents<A extends readonly unknown[]> = { -readonly [K in keyof A]: Traced<A[K]> | null | undefined };

/**
 * Give f a hand-written reverse-mode rule: `fwd(...args)` returns [output, residuals] and
 * `bwd(residuals, outputCotangent)` returns an array with one cotangent per argument (null for
 * none). Reverse mode (grad, vjp, jacrev) uses the rule, under jit too; forward mode is not
 * available.
 * @example const clipGrad = customVjp((x: Tensor) => x, (x: Tensor) => [x, null], (_, g) => [clip(g, -1, 1)]);
 */
export function customVjp<A extends readonly unknown[], R, Res>(f: (...args: A) => R, fwd: (...args: TracedArgs<A>) => readonly [R | Traced<R>, Res], bwd: (residuals: Traced<Res>, ct: Traced<R>) => Cotangents<A>): (...args: A) => Traced<R> {
  checkFunction('customVjp', f, 'the function');
  checkFunction('customVjp', fwd, 'fwd');
  checkFunction('customVjp', bwd, 'bwd');
  const g = (...args: A): Traced<R> => {
    const { leaves, defs, closed, hoisted, outDef } = traceCall('customVjp', f as unknown as (...a: unknown[]) => unknown, args);
    let resDef: TreeDef | undefined;
    const fwdFlat = (...xs: Tensor[]) => {
      const r = fwd(...(unflattenArgs(defs, xs) as TracedArgs<A>));
      if (!Array.isArray(r) || r.length !== 2) throw new Error(`customVjp: fwd must return [output, residuals], got ${T.describeValue(r)}`);
      const [ys, yDef] = flattenTensors('customVjp', r[0], 'fwd output');
      if (!yDef.equals(outDef)) throw new Error(`customVjp: fwd's output structure ${yDef} differs from the function's ${outDef}`);
      const [rs, rDef] = flatten(r[1]);
      resDef = rDef;
      return { outs: ys, res: rs.map((x, i) => (x instanceof T.Tensor ? x : flattenTensors('customVjp', x, `residual ${i}`)[0][0]!)) };
    };
    const bwdFlat = (res: Tensor[], cts: Tensor[]): Tensor[] => {
      const ctsIn = bwd(unflatten(resDef!, res) as Traced<Res>, unflatten(outDef, cts) as Traced<R>) as unknown;
      if (!Array.isArray(ctsIn) || ctsIn.length !== defs.length) throw new Error(`customVjp: bwd must return an array with one cotangent per argument (${defs.length}), got ${Array.isArray(ctsIn) ? `${ctsIn.length}` : T.describeValue(ctsIn)}`);
      return ctsIn.flatMap((c, i) => {
        if (c === null || c === undefined) return zerosFor(defs, leaves, i);
        const [cs, cDef] = flattenTensors('customVjp', c, `cotangent ${i}`);
        if (!cDef.equals(defs[i]!)) throw new Error(`customVjp: bwd's cotangent ${i} has structure ${cDef}, expected ${defs[i]}`);
        return cs;
      });
    };
    const outs = T.bind('customVjpCall', [...hoisted, ...leaves], { call: closed, fwd: fwdFlat, bwd: bwdFlat, nConsts: hoisted.length });
    return unflatten(outDef, outs) as Traced<R>;
  };
  return named(g, f as (...args: never[]) => unknown, 'customVjp');
}

/** Zero cotangents for argument i (bwd may return null for arguments without one). */
function zerosFor(defs: readonly TreeDef[], leaves: readonly Tensor[], i: number): Tensor[] {
  let k = 0;
  for (let j = 0; j < i; j++) k += defs[j]!.numLeaves;
  return leaves.slice(k, k + defs[i]!.numLeaves).map((x) => T.zeros(x.shape, x.dtype));
}
