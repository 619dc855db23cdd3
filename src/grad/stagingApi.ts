/** Staging entry points: makeJaxpr (a printable program) and evalShape (shapes without compute). */
import * as T from '../tensor';
import { fmtAval, type Aval, type Tensor } from '../tensor';
import { flatten, unflatten } from '../tree';
import { flatFn, flattenArgs, toTensor } from './args';
import { traceToJaxpr } from './staging';
import { checkTransform } from './checks';
import type { Jaxpr } from '../tensor';

type Fn = (...args: any[]) => any;

/**
 * Trace f on the shapes of `args` and return its jaxpr (printable with toString()).
 * @example console.log(makeJaxpr((x) => sum(sin(x)))(ones([3])).toString())
 */
export function makeJaxpr(f: Fn): (...args: any[]) => Jaxpr & { consts: Tensor[] } {
  checkTransform('makeJaxpr', f, undefined, []);
  return (...args: any[]) => {
    const p = flattenArgs('makeJaxpr', args);
    const { fn } = flatFn(f, p.defs, 'makeJaxpr');
    const { jaxpr, consts } = traceToJaxpr(fn, p.leaves.map((x) => ({ shape: x.shape, dtype: x.dtype })), 'makeJaxpr');
    return Object.assign(jaxpr, { consts });
  };
}

/** A shape-and-dtype stand-in for a tensor, for evalShape. */
export class ShapeDtype implements Aval {
  constructor(readonly shape: readonly number[], readonly dtype: T.DType = 'float32') {}
  toString(): string {
    return `ShapeDtype(${fmtAval(this)})`;
  }
}

/**
 * The output shapes and dtypes of f without computing anything: arguments may be tensors or
 * ShapeDtype stand-ins; the result has f's output structure with ShapeDtype leaves.
 */
export function evalShape(f: Fn): (...args: any[]) => any {
  checkTransform('evalShape', f, undefined, []);
  return (...args: any[]) => {
    const [leaves, def] = flatten(args, { isLeaf: (x) => x instanceof ShapeDtype });
    const avals = leaves.map((l, i) => (l instanceof ShapeDtype ? l : toTensor('evalShape', l, `argument leaf ${i}`)));
    const placeholders = avals.map((a) => T.zeros([0], a.dtype)); // stand-ins only carry avals
    const argTree = unflatten(def, placeholders);
    const p = flattenArgs('evalShape', argTree);
    const { fn, outDef } = flatFn(f, p.defs, 'evalShape');
    const { jaxpr } = traceToJaxpr(fn, avals.map((a) => ({ shape: a.shape, dtype: a.dtype })), 'evalShape');
    return unflatten(outDef.value!, jaxpr.outs.map((o) => new ShapeDtype(o.aval.shape, o.aval.dtype)));
  };
}
