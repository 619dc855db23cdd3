/**
 * Laws of vmap as pure predicates: batching a function equals looping over the examples and
 * stacking, for any in/out axes, nested, and composed with differentiation. Each takes the
 * function, one argument list per example and a tolerance, and returns `true` or the reason.
 * Runners: test/grad.laws.test.ts (every primitive) and test/grad.programs.test.ts.
 *
 *   vmapMatchesLoop(layer, [[p, x0], [p, x1]], { inAxes: [null, 0] }); // true
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { grad, jvp, vmap } from '../src/grad';
import { flatten, unflatten } from '../src/tree';
import { approx, type Approx } from './approx';
import { axpby, randomLike, Rng } from './gradUtil';
import { labelled, type LawResult } from './result';

type Fn = (...args: any[]) => any;

/**
 * The default tolerance of the vmap laws: batched and looped results are computed by the same
 * kernels in another order, so float64 agrees to 1e-9 of the result's largest magnitude.
 */
export const vmapApprox: Approx = approx({ scale: 'tree' });

/** Mapped axis of each positional argument (null: shared), and where the output's axis goes. */
export interface VmapAxes {
  readonly inAxes: readonly (number | null)[];
  readonly outAxes?: number;
}

/** Stack a list of equally shaped trees leafwise along `axis` (negative counts from the end). */
export function stackTrees(trees: readonly unknown[], axis: number): any {
  const flat = trees.map((t) => flatten(t));
  const def = flat[0]![1];
  return unflatten(def, flat[0]![0].map((l, i) => {
    const leaf = l as Tensor;
    const ax = axis < 0 ? axis + leaf.ndim + 1 : axis;
    return T.stack(flat.map(([xs]) => xs[i] as Tensor), ax);
  }));
}

/** Sum a list of equally shaped trees leafwise. */
function sumTrees(trees: readonly unknown[]): any {
  return trees.slice(1).reduce((acc, t) => axpby(1, acc, 1, t), trees[0]);
}

/** For arguments with a null axis every example uses example 0's value (they are shared). */
function shareUnmapped(examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[]): unknown[][] {
  return examples.map((e) => e.map((a, i) => (inAxes[i] === null ? examples[0]![i] : a)));
}

/** The batched arguments: each mapped argument stacked along its axis, shared ones from example 0. */
export function stackArgs(examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[]): unknown[] {
  return inAxes.map((d, i) => (d === null ? examples[0]![i] : stackTrees(examples.map((e) => e[i]), d)));
}

const sizeIfUnmapped = (inAxes: readonly (number | null)[], n: number) => (inAxes.every((d) => d === null) ? { axisSize: n } : {});

/**
 * vmap(f)(stacked xs) == stack(xs.map(f)): each argument stacked along its in-axis (or shared
 * when null), the results stacked along outAxes. `examples` holds one argument list per example.
 */
export function vmapMatchesLoop(f: Fn, examples: readonly (readonly unknown[])[], axes: VmapAxes, tol: Approx = vmapApprox): LawResult {
  const ex = shareUnmapped(examples, axes.inAxes);
  const outAxis = axes.outAxes ?? 0;
  const batched = vmap(f, { inAxes: [...axes.inAxes], outAxes: outAxis, ...sizeIfUnmapped(axes.inAxes, ex.length) })(...stackArgs(ex, axes.inAxes));
  const expected = stackTrees(ex.map((e) => f(...e)), outAxis);
  return labelled(`vmap vs loop (inAxes [${axes.inAxes.join(', ')}], outAxes ${outAxis}, ${ex.length} examples)`, tol.equals(batched, expected));
}

/**
 * vmap of vmap: a grid of examples [rows][cols], mapped by an inner vmap over the columns and an
 * outer vmap over the rows, equals the double loop stacked the same way.
 */
export function nestedVmapMatchesLoop(f: Fn, grid: readonly (readonly (readonly unknown[])[])[], inner: VmapAxes, outer: VmapAxes, tol: Approx = vmapApprox): LawResult {
  // Shared arguments: inner null shares along a row, outer null shares across rows.
  const g = grid.map((row, r) => row.map((e, c) => e.map((_, i) => grid[outer.inAxes[i] === null ? 0 : r]![inner.inAxes[i] === null ? 0 : c]![i])));
  const stacked = stackArgs(g.map((row) => stackArgs(row, inner.inAxes)), outer.inAxes);
  const innerOut = inner.outAxes ?? 0;
  const outerOut = outer.outAxes ?? 0;
  const innerMap = vmap(f, { inAxes: [...inner.inAxes], outAxes: innerOut, ...sizeIfUnmapped(inner.inAxes, g[0]!.length) });
  const mapped = vmap(innerMap, { inAxes: [...outer.inAxes], outAxes: outerOut, ...sizeIfUnmapped(outer.inAxes, g.length) })(...stacked);
  const expected = stackTrees(g.map((row) => stackTrees(row.map((e) => f(...e)), innerOut)), outerOut);
  return labelled('vmap(vmap) vs double loop', tol.equals(mapped, expected));
}

/** Per-example gradients: vmap(grad(g)) equals grad(g) run in a loop, stacked along axis 0. */
export function perExampleGradientsMatchLoop(g: Fn, examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[], tol: Approx = vmapApprox): LawResult {
  const ex = shareUnmapped(examples, inAxes);
  const gradG = grad(g, { argnums: inAxes.map((_, i) => i) });
  const batched = vmap(gradG, { inAxes: [...inAxes], ...sizeIfUnmapped(inAxes, ex.length) })(...stackArgs(ex, inAxes));
  const expected = stackTrees(ex.map((e) => gradG(...e)), 0);
  return labelled('vmap(grad) vs loop of grad', tol.equals(batched, expected));
}

/**
 * grad of the summed vmap: grad(xs => sum(vmap(g)(xs))) gives each mapped argument its
 * per-example gradients (stacked along its axis) and each shared argument their sum.
 */
export function gradOfSummedVmapMatchesLoop(g: Fn, examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[], tol: Approx = vmapApprox): LawResult {
  const ex = shareUnmapped(examples, inAxes);
  const nums = inAxes.map((_, i) => i);
  const summed = (...xs: unknown[]) => T.sum(vmap(g, { inAxes: [...inAxes], ...sizeIfUnmapped(inAxes, ex.length) })(...xs));
  const got = grad(summed, { argnums: nums })(...stackArgs(ex, inAxes));
  const per = ex.map((e) => grad(g, { argnums: nums })(...e) as unknown[]);
  const expected = inAxes.map((d, i) => (d === null ? sumTrees(per.map((p) => p[i])) : stackTrees(per.map((p) => p[i]), d)));
  return labelled('grad(sum(vmap)) vs per-example gradients (summed where shared)', tol.equals(got, expected));
}

/** vmap commutes with jvp: vmap over (x, v) of jvp(f, x, v) equals the loop. */
export function vmapOfJvpMatchesLoop(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Approx = vmapApprox): LawResult {
  const rng = new Rng(seed);
  const tangents = examples.map((e) => randomLike(e, rng));
  const n = examples[0]!.length;
  const push = (...xs: unknown[]) => jvp(f, xs.slice(0, n), xs.slice(n))[1];
  const pairs = examples.map((e, b) => [...e, ...tangents[b]!]);
  return labelled('vmap(jvp)', vmapMatchesLoop(push, pairs, { inAxes: pairs[0]!.map(() => 0) }, tol));
}
