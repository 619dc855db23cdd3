/**
 * User-defined derivative rules. `customJvp` attaches a forward-mode rule; `customVjp` a
 * reverse-mode rule (forward pass saving residuals, backward pass mapping cotangents). Both are
 * higher-order primitives: evaluation and staging run the ordinary function, differentiation
 * uses the rule, and vmap batches the function and the rule together.
 */
import * as T from '../tensor';
import { registerImpl, type Aval, type Tensor } from '../tensor';
import { flatten, unflatten, type TreeDef } from '../tree';
import { flattenArgs, flattenTensors, flatFn, fnName, unflattenArgs } from './args';
import { extraJvpRules } from './rules/jvpRules';
import { extraBatchRules, moveBatchAxis, type BatchDim } from './rules/batchRules';
import { extraMultiTransposeRules } from './rules/transposeRules';
import { higherOrderAbstractEval } from './staging';
import { vmapFlat } from './vmap';
import { instantiate, Zero } from './zero';

type Flat = (...xs: Tensor[]) => Tensor[];
type Fn = (...args: any[]) => any;


// ---------------------------------------------------------------------------------------------
// customJvp

export interface CustomJvpParams {
  readonly call: Flat;
  readonly jvp: (primals: Tensor[], tangents: Tensor[]) => [Tensor[], Tensor[]];
}

/**
 * Give f a hand-written forward-mode rule. `rule(primals, tangents)` receives arrays of the
 * arguments and their tangents and returns [output, outputTangent]. Reverse mode follows by
 * transposing the rule, so it must be linear in the tangents.
 * @example const safeLog = customJvp((x) => log(x), ([x], [t]) => [log(x), div(t, x)]);
 */
export function customJvp(f: Fn, rule: (primals: any[], tangents: any[]) => [any, any]): Fn {
  const g = (...args: any[]) => {
    const { leaves, defs } = flattenArgs('customJvp', args);
    const { fn: call, outDef } = flatFn(f, defs, 'customJvp');
    const jvp = (ps: Tensor[], ts: Tensor[]): [Tensor[], Tensor[]] => {
      const [y, dy] = rule(unflattenArgs(defs, ps), unflattenArgs(defs, ts));
      const [ys, yDef] = flattenTensors('customJvp', y, 'rule output');
      const [dys, dyDef] = flattenTensors('customJvp', dy, 'rule tangent');
      if (!yDef.equals(dyDef)) throw new Error(`customJvp: the rule's tangent structure ${dyDef} differs from its output structure ${yDef}`);
      outDef.value ??= yDef;
      return [ys, dys];
    };
    const outs = T.bind('customJvpCall', leaves, { call, jvp } satisfies CustomJvpParams);
    return unflatten(outDef.value!, outs);
  };
  Object.defineProperty(g, 'name', { value: fnName(f) ?? 'customJvp' });
  return g;
}

registerImpl('customJvpCall', (args, p: CustomJvpParams) => p.call(...args));

extraJvpRules.set('customJvpCall', (primals, tangents, p: CustomJvpParams) => p.jvp(primals, tangents.map(instantiate)));

/** Batch the function and its rule together, so the rule still applies under vmap. */
extraBatchRules.set('customJvpCall', (args, dims, p: CustomJvpParams, size) => {
  const call: Flat = (...xs) => vmapFlat(p.call, size, xs, dims, () => xs.map(() => 0), '');
  const jvp = (ps: Tensor[], ts: Tensor[]): [Tensor[], Tensor[]] => {
    const n = ps.length;
    let outs = 0;
    const both: Flat = (...xs) => {
      const [y, dy] = p.jvp(xs.slice(0, n), xs.slice(n));
      outs = y.length;
      return [...y, ...dy];
    };
    const r = vmapFlat(both, size, [...ps, ...ts], [...dims, ...dims], () => new Array(2 * outs).fill(0), '');
    return [r.slice(0, r.length / 2), r.slice(r.length / 2)];
  };
  const outs = T.bind('customJvpCall', args, { call, jvp } satisfies CustomJvpParams);
  return [outs, outs.map(() => 0)];
});

// ---------------------------------------------------------------------------------------------
// customVjp

export interface CustomVjpParams {
  readonly call: Flat;
  /** Outputs, then residual leaves. */
  readonly fwd: (...xs: Tensor[]) => { outs: Tensor[]; res: Tensor[] };
  /** Input cotangents from residuals and output cotangents. */
  readonly bwd: (res: Tensor[], cts: Tensor[]) => Tensor[];
}

/** The tangent map of a customVjp call; operands are the residuals, then the input tangents. */
export interface CustomVjpLinearParams {
  readonly bwd: (res: Tensor[], cts: Tensor[]) => Tensor[];
  readonly nRes: number;
  readonly outAvals: Aval[];
}

/**
 * Give f a hand-written reverse-mode rule: `fwd(...args)` returns [output, residuals] and
 * `bwd(residuals, outputCotangent)` returns an array with one cotangent per argument.
 * Reverse mode (grad, vjp, jacrev) uses the rule; forward mode is not available.
 * @example const clipGrad = customVjp((x) => x, (x) => [x, null], (_, g) => [clip(g, -1, 1)]);
 */
export function customVjp(f: Fn, fwd: (...args: any[]) => [any, any], bwd: (residuals: any, ct: any) => any[]): Fn {
  const g = (...args: any[]) => {
    const { leaves, defs } = flattenArgs('customVjp', args);
    const { fn: call, outDef } = flatFn(f, defs, 'customVjp');
    let resDef: TreeDef | undefined;
    const fwdFlat = (...xs: Tensor[]) => {
      const [y, res] = fwd(...unflattenArgs(defs, xs));
      const [ys, yDef] = flattenTensors('customVjp', y, 'fwd output');
      outDef.value ??= yDef;
      const [rs, rDef] = flatten(res);
      resDef = rDef;
      return { outs: ys, res: rs.map((r, i) => (r instanceof T.Tensor ? r : flattenTensors('customVjp', r, `residual ${i}`)[0][0]!)) };
    };
    const bwdFlat = (res: Tensor[], cts: Tensor[]): Tensor[] => {
      const ctTree = unflatten(outDef.value!, cts);
      const ctsIn = bwd(unflatten(resDef!, res), ctTree);
      if (!Array.isArray(ctsIn) || ctsIn.length !== defs.length) throw new Error(`customVjp: bwd must return an array with one cotangent per argument (${defs.length}), got ${Array.isArray(ctsIn) ? ctsIn.length : typeof ctsIn}`);
      return ctsIn.flatMap((c, i) => {
        if (c === null || c === undefined) return zerosFor(defs, leaves, i);
        const [cs, cDef] = flattenTensors('customVjp', c, `cotangent ${i}`);
        if (!cDef.equals(defs[i]!)) throw new Error(`customVjp: bwd's cotangent ${i} has structure ${cDef}, expected ${defs[i]}`);
        return cs;
      });
    };
    const outs = T.bind('customVjpCall', leaves, { call, fwd: fwdFlat, bwd: bwdFlat } satisfies CustomVjpParams);
    return unflatten(outDef.value!, outs);
  };
  Object.defineProperty(g, 'name', { value: fnName(f) ?? 'customVjp' });
  return g;
}

/** Zero cotangents for argument i (bwd may return null for arguments without one). */
function zerosFor(defs: readonly TreeDef[], leaves: readonly Tensor[], i: number): Tensor[] {
  let k = 0;
  for (let j = 0; j < i; j++) k += defs[j]!.numLeaves;
  return leaves.slice(k, k + defs[i]!.numLeaves).map((x) => T.zerosLike(x));
}

registerImpl('customVjpCall', (args, p: CustomVjpParams) => p.call(...args));

extraJvpRules.set('customVjpCall', (primals, tangents, p: CustomVjpParams) => {
  const { outs, res } = p.fwd(...primals);
  if (tangents.every((t) => t instanceof Zero)) return [outs, outs.map((o) => new Zero(o))];
  // Residuals are operands (not params), so partial evaluation keeps them as known constants of
  // the linear program and the backward pass receives their values.
  const params: CustomVjpLinearParams = { bwd: p.bwd, nRes: res.length, outAvals: outs.map((o) => ({ shape: o.shape, dtype: o.dtype })) };
  return [outs, T.bind('customVjpLinear', [...res, ...tangents.map(instantiate)], params)];
});

// The tangent map of a customVjp function is only known through its transpose (bwd).
higherOrderAbstractEval.set('customVjpLinear', (_avals, p: CustomVjpLinearParams) => p.outAvals);
registerImpl('customVjpLinear', () => {
  throw new Error('customVjp: forward-mode differentiation (jvp, jacfwd, linearize applied forward) is not available for a function with a custom vjp rule; use customJvp for forward mode');
});
extraMultiTransposeRules.set('customVjpLinear', (cts, args, p: CustomVjpLinearParams) => {
  const res = args.slice(0, p.nRes) as Tensor[];
  return [...res.map(() => null), ...p.bwd(res, cts)];
});

extraBatchRules.set('customVjpCall', (args, dims, p: CustomVjpParams, size) => {
  const front = () => args.map(() => 0 as BatchDim);
  const call: Flat = (...xs) => vmapFlat(p.call, size, xs, dims, () => xs.map(() => 0), '');
  const fwd = (...xs: Tensor[]) => {
    let nOuts = 0;
    let nAll = 0;
    const flat: Flat = (...ys) => {
      const r = p.fwd(...ys);
      nOuts = r.outs.length;
      nAll = nOuts + r.res.length;
      return [...r.outs, ...r.res];
    };
    const all = vmapFlat(flat, size, xs, dims, () => new Array(nAll).fill(0), '');
    return { outs: all.slice(0, nOuts), res: all.slice(nOuts) };
  };
  const bwd = (res: Tensor[], cts: Tensor[]) => {
    const per = vmapFlat((...xs) => p.bwd(xs.slice(0, res.length), xs.slice(res.length)), size, [...res, ...cts], [...res, ...cts].map(() => 0), front, '');
    // An unbatched argument receives the sum of its per-example cotangents.
    return per.map((c, i) => (dims[i] === null ? T.sum(c, { axis: 0 }) : moveBatchAxis(size, 0, dims[i]!, c)));
  };
  const outs = T.bind('customVjpCall', args, { call, fwd, bwd } satisfies CustomVjpParams);
  return [outs, outs.map(() => 0)];
});
