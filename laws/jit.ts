/**
 * Laws of jit: a compiled program computes what the eager program computes, and compiling
 * commutes with differentiation and batching. Pure predicates returning booleans.
 */
import * as T from '../src';
import type { Tensor } from '../src';

/** Elementwise closeness with a relative tolerance (0 demands bitwise equality, NaNs equal). */
export function allClose(a: Tensor, b: Tensor, rtol = 0, atol = 0): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = y[i]!;
    if (Object.is(u, v) || (u !== u && v !== v)) continue;
    if (!(Math.abs(u - v) <= atol + rtol * Math.max(Math.abs(u), Math.abs(v)))) return false;
  }
  return true;
}

/** jit(f)(...xs) == f(...xs); on the CPU the generated code reproduces eager results exactly. */
export function jitMatchesEager(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], rtol = 0): boolean {
  return allClose(T.jit(f)(...xs), f(...xs), rtol);
}

/** A second call with the same signature is answered from the cache (no retrace). */
export function noRetraceForRepeatedSignature(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[]): boolean {
  const jf = T.jit(f);
  jf(...xs);
  jf(...xs.map((x) => T.add(x, 0)));
  return jf.stats.traces === 1 && jf.stats.cacheHits === 1;
}

/** grad(jit(f)) == jit(grad(f)) == grad(f) for a scalar-valued f. */
export function jitCommutesWithGrad(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], rtol = 1e-12): boolean {
  const scalar = (...ys: Tensor[]) => T.sum(f(...ys));
  const want = T.grad(scalar)(...xs) as Tensor;
  return allClose(T.grad(T.jit(scalar))(...xs) as Tensor, want, rtol, 1e-300) && allClose(T.jit(T.grad(scalar))(...xs) as Tensor, want, rtol, 1e-300);
}

/** vmap(jit(f)) == jit(vmap(f)) == vmap(f) over a leading batch axis of every argument. */
export function jitCommutesWithVmap(f: (...xs: Tensor[]) => Tensor, batched: readonly Tensor[], rtol = 1e-12): boolean {
  const want = T.vmap(f)(...batched) as Tensor;
  return allClose(T.vmap(T.jit(f))(...batched) as Tensor, want, rtol) && allClose(T.jit(T.vmap(f))(...batched) as Tensor, want, rtol);
}
