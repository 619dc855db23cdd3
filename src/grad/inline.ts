/**
 * The fallback of every interpreter for a primitive it has no rule for: a higher-order
 * primitive (jit call, control flow, custom rule) is inlined by running its eager meaning, which
 * is written with ops, on the interpreter's tracers.
 */
import { higherOrderImpl, type Tensor, type Tracer } from '../tensor';

export function inlineOrFail(prim: string, tracers: readonly Tracer[], params: any, missing: string): Tensor[] {
  const inline = higherOrderImpl(prim);
  if (!inline) throw new Error(`${prim}: no ${missing} rule`);
  return inline(tracers, params);
}
