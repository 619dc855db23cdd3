/** Staging entry points: makeJaxpr (a printable program) and evalShape (shapes without compute). */
import * as T from '../tensor';
import { checkFunction, fmtAval, type Aval, type Tensor } from '../tensor';
import { flatten, unflatten } from '../tree';
import { flatFn, flattenArgs, toTensor } from './args';
import { traceToJaxpr } from './staging';
import type { Jaxpr } from '../tensor';
import type { ShapeDtypeLike, ShapeDtypes } from './types';

/**
 * Trace f on the shapes of `args` and return its jaxpr (printable with toString()).
 * @example console.log(makeJaxpr((x: Tensor) => sum(sin(x)))(ones([3])).toString())
 */
export function makeJaxpr<A extends unknown[]>(f: (...args: A) => unknown): (...args: A) => Jaxpr & { consts: Tensor[] };
export function makeJaxpr(f: (...args: unknown[]) => unknown): (...args: unknown[]) => Jaxpr & { consts: Tensor[] } {
  checkFunction('makeJaxpr', f);
  return (...args: unknown[]) => {
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
 * The output shapes and dtypes of f(...args) without computing anything (JAX's eval_shape):
 * arguments may be tensors or ShapeDtype stand-ins; the result has f's output structure with
 * ShapeDtype leaves.
 * @example evalShape((x: Tensor) => matmul(x, x), new ShapeDtype([2, 2]))   // ShapeDtype(float32[2, 2])
 */
export function evalShape<A extends unknown[], R>(f: (...args: A) => R, ...args: ShapeDtypeLike<A>): ShapeDtypes<R>;
export function evalShape(f: (...args: unknown[]) => unknown, ...args: unknown[]): unknown {
  checkFunction('evalShape', f);
  const [leaves, def] = flatten(args, { isLeaf: (x) => x instanceof ShapeDtype });
  const avals = leaves.map((l, i) => (l instanceof ShapeDtype ? l : toTensor('evalShape', l, `argument leaf ${i}`)));
  const placeholders = avals.map((a) => T.zeros([0], a.dtype)); // stand-ins only carry avals
  const argTree = unflatten(def, placeholders);
  const p = flattenArgs('evalShape', argTree);
  const { fn, outDef } = flatFn(f, p.defs, 'evalShape');
  const { jaxpr } = traceToJaxpr(fn, avals.map((a) => ({ shape: a.shape, dtype: a.dtype })), 'evalShape');
  return unflatten(outDef.value!, jaxpr.outs.map((o) => new ShapeDtype(o.aval.shape, o.aval.dtype)));
}
