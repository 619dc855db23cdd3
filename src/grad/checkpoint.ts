/**
 * checkpoint (JAX's remat): a function whose intermediate values are recomputed in the backward
 * pass instead of being kept from the forward pass. Reverse mode through a deep stack of
 * checkpointed blocks then keeps only each block's inputs (and, with `dotsSaveable`, its matrix
 * products) between the passes, for the price of running each block's forward pass twice.
 */
import * as T from '../tensor';
import { checkFunction, checkOneOf, checkOptions, type CheckpointPolicy } from '../tensor';
import { unflatten } from '../tree';
import { flatFn, flattenArgs, fnName } from './args';
import type { Traced } from './control';
import { traceHoisting } from './higher/derive';

export interface CheckpointOptions {
  /**
   * What may be kept between the forward and the backward pass: 'nothingSaveable' (the
   * default, JAX's: only the function's inputs), 'dotsSaveable' (also the outputs of matrix
   * products, so only the cheap elementwise work is recomputed) or 'everythingSaveable' (no
   * recomputation: an ordinary function).
   */
  readonly policy?: CheckpointPolicy;
}

const POLICIES: readonly CheckpointPolicy[] = ['nothingSaveable', 'dotsSaveable', 'everythingSaveable'];

/**
 * Wrap f so that reverse mode recomputes its intermediates instead of storing them. Values and
 * derivatives are those of f.
 * @example const block = checkpoint((x: Tensor) => tanh(matmul(x, w)), { policy: 'dotsSaveable' });
 */
export function checkpoint<A extends readonly unknown[], R>(f: (...args: A) => R, options: CheckpointOptions = {}): (...args: A) => Traced<R> {
  checkFunction('checkpoint', f, 'the function');
  const { policy = 'nothingSaveable' } = checkOptions('checkpoint', options, ['policy']);
  checkOneOf('checkpoint', 'options.policy', policy, POLICIES);
  const g = (...args: A): Traced<R> => {
    const { leaves, defs } = flattenArgs('checkpoint', args);
    const { fn, outDef } = flatFn(f as unknown as (...a: unknown[]) => unknown, defs, 'checkpoint');
    const { closed, hoisted } = traceHoisting(fn, leaves.map((x) => ({ shape: x.shape, dtype: x.dtype })), 'checkpoint');
    const outs = T.bind('checkpoint', [...hoisted, ...leaves], { jaxpr: closed, policy });
    return unflatten(outDef.value!, outs) as Traced<R>;
  };
  Object.defineProperty(g, 'name', { value: fnName(f as unknown as (...a: unknown[]) => unknown) ?? 'checkpoint' });
  return g;
}
