/**
 * Laws of jit: a compiled program computes what the eager program computes, and compiling
 * commutes with differentiation and batching. Pure predicates returning `true` or the reason.
 *
 *   jitMatchesEager(f, [x]);                 // bit for bit on the CPU
 *   jitCommutesWithGrad(f, [x]);             // grad(jit(f)) == jit(grad(f)) == grad(f)
 */
import * as T from '../src';
import type { Tensor } from '../src';
import { approx, bitwise, type Approx } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

/**
 * Compiled and eager programs that differ only in where they stage a transformation may round
 * differently in the last bits: float64 to 1e-12 (float32 to 1e-6), with no absolute slack.
 */
export const jitTransformApprox: Approx = approx({ float64: { rtol: 1e-12, atol: 0 }, float32: { rtol: 1e-6, atol: 0 } });

/**
 * jit(f)(...xs) == f(...xs) for pytree arguments and results. On the CPU the generated code reproduces eager results bit for bit
 * (the default `bitwise`); pass a looser Approx for a backend that rounds differently.
 */
export function jitMatchesEager(f: (...xs: any[]) => unknown, xs: readonly unknown[], tol: Approx = bitwise): LawResult {
  return labelled('jit(f) vs f', tol.equals(T.jit(f)(...xs), f(...xs)));
}

/** A second call with the same signature is answered from the cache (no retrace). */
export function noRetraceForRepeatedSignature(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[]): LawResult {
  const jf = T.jit(f);
  jf(...xs);
  jf(...xs.map((x) => T.add(x, 0)));
  const { traces, cacheHits } = jf.stats;
  return check(traces === 1 && cacheHits === 1, () => `two calls with one signature traced ${traces} times with ${cacheHits} cache hits, expected 1 trace and 1 hit`);
}

/** grad(jit(f)) == jit(grad(f)) == grad(f) for f summed to a scalar. */
export function jitCommutesWithGrad(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], tol: Approx = jitTransformApprox): LawResult {
  const scalar = (...ys: Tensor[]) => T.sum(f(...ys));
  const want = T.grad(scalar)(...xs) as Tensor;
  return allOf(
    ['grad(jit(f)) vs grad(f)', () => tol.equals(T.grad(T.jit(scalar))(...xs), want)],
    ['jit(grad(f)) vs grad(f)', () => tol.equals(T.jit(T.grad(scalar))(...xs), want)],
  );
}

/**
 * A jitted function inside a transformation inside jit: jit(grad(jit(f))) and jit(vmap(jit(f)))
 * equal grad(f) and vmap(f) (the inner jit call is staged, derived and spliced into the outer
 * program). `batched` gives the arguments with a leading batch axis.
 */
export function nestedJitCommutes(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], batched: readonly Tensor[], tol: Approx = jitTransformApprox): LawResult {
  const scalar = (...ys: Tensor[]) => T.sum(f(...ys));
  return allOf(
    ['jit(grad(jit(f))) vs grad(f)', () => tol.equals(T.jit(T.grad(T.jit(scalar)))(...xs), T.grad(scalar)(...xs))],
    ['jit(vmap(jit(f))) vs vmap(f)', () => tol.equals(T.jit(T.vmap(T.jit(f)))(...batched), T.vmap(f)(...batched))],
  );
}

/** vmap(jit(f)) == jit(vmap(f)) == vmap(f) over a leading batch axis of every argument. */
export function jitCommutesWithVmap(f: (...xs: Tensor[]) => Tensor, batched: readonly Tensor[], tol: Approx = jitTransformApprox): LawResult {
  const want = T.vmap(f)(...batched) as Tensor;
  return allOf(
    ['vmap(jit(f)) vs vmap(f)', () => tol.equals(T.vmap(T.jit(f))(...batched), want)],
    ['jit(vmap(f)) vs vmap(f)', () => tol.equals(T.jit(T.vmap(f))(...batched), want)],
  );
}
