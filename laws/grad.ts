/**
 * Laws of the transformations (jvp, vjp, linearize, linearTranspose, grad, jacobians, vmap,
 * stopGradient, custom rules) as pure predicates. Each takes a function, concrete arguments
 * (an array of positional pytrees of tensors) and a seed for random directions, and returns
 * whether the law holds. The runners live in test/grad.laws.test.ts (every primitive) and
 * test/grad.programs.test.ts (random programs); users can run them on their own functions.
 *
 *   jvpMatchesFiniteDifferences((x) => sin(x), [x], 7);   // true
 *   pushforwardPullbackDuality(myLayer, [params, x], 7);  // <u, J v> == <J^T u, v>
 */
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import { customJvp, customVjp, grad, hessian, jacfwd, jacrev, jvp, linearize, linearTranspose, valueAndGrad, vjp, vmap } from '../src/grad';
import { flatten, unflatten } from '../src/tree';
import { allFinite, allZero, axpby, closeNumbers, maxAbs, randomLike, Rng, sameAvals, tensorLeaves, treeClose, vdot, type Tolerance } from './gradUtil';

type Fn = (...args: any[]) => any;

/** Tolerances of the numerical laws; defaults suit float64. */
export interface LawTolerance extends Tolerance {
  /** Finite-difference step (default 1e-6). */
  readonly h?: number;
}

const rtolOf = (tol: LawTolerance, dflt: number): number => tol.rtol ?? dflt;
const atolOf = (tol: LawTolerance, dflt: number): number => tol.atol ?? dflt;

/** sum(|x_i * y_i|): the scale of an inner product, for tolerances that survive cancellation. */
function absDot(x: unknown, y: unknown): number {
  const xs = tensorLeaves(x), ys = tensorLeaves(y);
  let s = 0;
  xs.forEach((a, i) => {
    if (!T.isFloat(a.dtype)) return;
    const u = a.dataSync(), v = ys[i]!.dataSync();
    for (let k = 0; k < u.length; k++) s += Math.abs(u[k]! * v[k]!);
  });
  return s;
}

function innerClose(a: number, b: number, scale: number, tol: LawTolerance): boolean {
  return closeNumbers(a, b, rtolOf(tol, 1e-9), atolOf(tol, 1e-10) * (1 + scale) + rtolOf(tol, 1e-9) * scale);
}

/** sum over leaves of sum(a * b), with ops (so it can be differentiated). */
export function tracedVdot(a: unknown, b: unknown): Tensor {
  const xs = flatten(a)[0] as Tensor[];
  const ys = flatten(b)[0] as Tensor[];
  return xs.reduce<Tensor>((acc, x, i) => T.add(acc, T.sum(T.mul(x, ys[i]!))), T.scalar(0, 'float64'));
}

/** Scale every leaf of a tree with ops (works on tracers). */
export function scaleTree(tree: unknown, c: number): any {
  const [xs, def] = flatten(tree);
  return unflatten(def, xs.map((x) => (x instanceof Tensor && T.isFloat(x.dtype) ? T.mul(x, c) : x)));
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

/** A scalar function of f: <w, f(x)> with a fixed random weight w of f's output structure. */
export function scalarize(f: Fn, args: readonly unknown[], seed: number): Fn {
  const w = randomLike(f(...args), new Rng(seed ^ 0x5eed));
  const g = (...xs: unknown[]) => tracedVdot(castLike(f(...xs), w), w);
  return g;
}

/** Cast the float leaves of y to the dtypes of `like` (so float32 outputs meet float64 weights). */
function castLike(y: unknown, like: unknown): any {
  const [ys, def] = flatten(y);
  const ls = flatten(like)[0] as Tensor[];
  return unflatten(def, ys.map((v, i) => {
    const t = v as Tensor;
    if (!T.isFloat(t.dtype)) return T.astype(t, 'float64');
    return t.dtype === ls[i]!.dtype ? t : T.astype(t, ls[i]!.dtype);
  }));
}

// ---------------------------------------------------------------------------------------------
// Forward and reverse mode

/**
 * jvp agrees with central finite differences in a random direction v:
 * jvp(f, x, v) ≈ (f(x + h v) - f(x - h v)) / 2h, within rtol of the derivative's magnitude plus
 * atol of the output's magnitude (rounding in f(x ± h v) scales with f).
 */
export function jvpMatchesFiniteDifferences(f: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const h = tol.h ?? 1e-6;
  const v = randomLike(args, new Rng(seed));
  const [y, dy] = jvp(f, args, v);
  const yPlus = f(...axpby(1, args, h, v));
  const yMinus = f(...axpby(1, args, -h, v));
  const fd = axpby(0.5 / h, yPlus, -0.5 / h, yMinus);
  if (!allFinite(dy) || !sameAvals(dy, y)) return false;
  const rtol = rtolOf(tol, 1e-5);
  const atol = atolOf(tol, 1e-7) * (1 + maxAbs(y) + maxAbs(yPlus));
  return treeClose(dy, fd, { rtol, atol });
}

/** Duality of the pushforward and the pullback: <u, J v> == <J^T u, v> for random u, v. */
export function pushforwardPullbackDuality(f: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const rng = new Rng(seed);
  const v = randomLike(args, rng);
  const [y, jv] = jvp(f, args, v);
  const u = randomLike(y, rng);
  const [y2, back] = vjp(f, ...args);
  const jtu = back(u);
  if (!treeClose(y, y2, { rtol: 1e-12 }) || !sameAvals(jtu, args)) return false;
  const lhs = vdot(u, jv);
  const rhs = vdot(jtu, v);
  return innerClose(lhs, rhs, absDot(u, jv) + absDot(jtu, v), tol);
}

/** jvp is linear in the tangent: J(a s + b t) == a J s + b J t. */
export function jvpIsLinearInTangent(f: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const rng = new Rng(seed);
  const s = randomLike(args, rng);
  const t = randomLike(args, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  const js = jvp(f, args, s)[1];
  const jt = jvp(f, args, t)[1];
  const jst = jvp(f, args, axpby(a, s, b, t))[1];
  return treeClose(jst, axpby(a, js, b, jt), { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
}

/** The pullback is linear in the cotangent: J^T(a u + b w) == a J^T u + b J^T w. */
export function pullbackIsLinearInCotangent(f: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const rng = new Rng(seed);
  const [y, back] = vjp(f, ...args);
  const u = randomLike(y, rng);
  const w = randomLike(y, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  return treeClose(back(axpby(a, u, b, w)), axpby(a, back(u), b, back(w)), { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
}

/**
 * linearTranspose of a linear function fLin is linear and is its transpose:
 * ft(a u + b w) == a ft(u) + b ft(w) and <u, fLin(v)> == <ft(u), v>. `args` give the shapes.
 */
export function linearTransposeIsTranspose(fLin: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const rng = new Rng(seed);
  const ft = linearTranspose(fLin, ...args);
  const v = randomLike(args, rng);
  const y = fLin(...v);
  const u = randomLike(y, rng);
  const w = randomLike(y, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  const ftu = ft(u);
  if (!sameAvals(ftu, args)) return false;
  const linear = treeClose(ft(axpby(a, u, b, w)), axpby(a, ftu, b, ft(w)), { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
  const fv = fLin(...v);
  return linear && innerClose(vdot(u, fv), vdot(ftu, v), absDot(u, fv) + absDot(ftu, v), tol);
}

/** The linearization of f at x transposes like f's pullback: linearTranspose(linearize(f, x)[1]) == vjp. */
export function linearizeTransposeMatchesVjp(f: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const [y, fLin] = linearize(f, ...args);
  const u = randomLike(y, new Rng(seed));
  const viaTranspose = linearTranspose(fLin, ...args)(u);
  const viaVjp = vjp(f, ...args)[1](u);
  return treeClose(viaTranspose, viaVjp, { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) }) && linearTransposeIsTranspose(fLin, args, seed, tol);
}

/**
 * The entry points agree on a scalar function g of n arguments: valueAndGrad, grad (argnums as
 * an array and as each single number, with and without hasAux), vjp's pullback of 1, and
 * <grad, v> == jvp(g, x, v) == linearize(g, x)(v).
 */
export function entryPointsAgree(g: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const close = (a: unknown, b: unknown) => treeClose(a, b, { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
  const nums = args.map((_, i) => i);
  const value = g(...args);
  const [v, gs] = valueAndGrad(g, { argnums: nums })(...args);
  if (!close(v, value) || !sameAvals(gs, args)) return false;
  if (!close(grad(g, { argnums: nums })(...args), gs)) return false;
  for (const i of nums) if (!close(grad(g, { argnums: i })(...args), gs[i])) return false;
  if (!close(grad(g)(...args), gs[0])) return false;
  const [y, back] = vjp(g, ...args);
  if (!close(y, value) || !close(back(T.onesLike(y)), gs)) return false;
  // hasAux: the aux value comes back concrete and the gradient is unchanged.
  const withAux = (...xs: unknown[]) => {
    const out = g(...xs);
    return [out, { doubled: T.mul(out, 2) }];
  };
  const [gAux, aux] = grad(withAux, { argnums: nums, hasAux: true })(...args);
  if (!close(gAux, gs) || !close(aux, { doubled: T.mul(value, 2) })) return false;
  const [[vAux, aux2], gAux2] = valueAndGrad(withAux, { argnums: nums, hasAux: true })(...args);
  if (!close(vAux, value) || !close(aux2, aux) || !close(gAux2, gs)) return false;
  const t = randomLike(args, new Rng(seed));
  const [y2, dy] = jvp(g, args, t);
  const [y3, gLin] = linearize(g, ...args);
  const expected = vdot(gs, t);
  const scale = absDot(gs, t);
  return close(y2, value) && close(y3, value) && innerClose(dy.item() as number, expected, scale, tol) && innerClose(gLin(...t).item() as number, expected, scale, tol);
}

/**
 * With hasAux the aux value comes back as concrete tensors (no tracer of the transformation
 * escapes), from grad, valueAndGrad and jvp alike, and equals what the function computed.
 */
export function auxIsConcrete(f: Fn, args: readonly unknown[], seed: number): boolean {
  const g = scalarize(f, args, seed);
  const withAux = (...xs: unknown[]) => [g(...xs), { y: f(...xs) }];
  const expected = { y: f(...args) };
  const auxes = [
    grad(withAux, { argnums: args.map((_, i) => i), hasAux: true })(...args)[1],
    valueAndGrad(withAux, { hasAux: true })(...args)[0][1],
    jvp(withAux, args, randomLike(args, new Rng(seed)), { hasAux: true })[2],
  ];
  return auxes.every((aux) => tensorLeaves(aux).every((t) => !(t instanceof T.Tracer)) && treeClose(aux, expected, { rtol: 0, atol: 0 }));
}

/**
 * Chain rule: grad(outer ∘ inner)(x) == pullback_inner(grad(outer)(inner(x))), and the
 * gradient keeps the structure, shapes and dtypes of the arguments.
 */
export function chainRule(outer: Fn, inner: Fn, args: readonly unknown[], tol: LawTolerance = {}): boolean {
  const nums = args.map((_, i) => i);
  const composed = grad((...xs: unknown[]) => outer(inner(...xs)), { argnums: nums })(...args);
  const [y, back] = vjp(inner, ...args);
  const viaPullback = back(grad(outer)(y));
  return sameAvals(composed, args) && treeClose(composed, viaPullback, { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
}

/** Gradients keep the parameter tree: structure, shapes and dtypes of every argument. */
export function gradKeepsStructure(g: Fn, args: readonly unknown[]): boolean {
  const gs = grad(g, { argnums: args.map((_, i) => i) })(...args);
  return sameAvals(gs, args) && allFinite(gs);
}

// ---------------------------------------------------------------------------------------------
// Jacobians and second order

const asF64 = (tree: unknown): any => {
  const [xs, def] = flatten(tree);
  return unflatten(def, xs.map((x) => (x instanceof Tensor && x.dtype !== 'float64' ? T.astype(x, 'float64') : x)));
};

/** jacfwd and jacrev build the same Jacobian (as trees of blocks; compared in float64). */
export function jacfwdMatchesJacrev(f: Fn, args: readonly unknown[], tol: LawTolerance = {}): boolean {
  const F = (xs: unknown[]) => f(...xs);
  const jf = jacfwd(F)(args);
  const jr = jacrev(F)(args);
  return treeClose(asF64(jf), asF64(jr), { rtol: rtolOf(tol, 1e-9), atol: atolOf(tol, 1e-12) });
}

/** The Hessian of a scalar function is symmetric: H[i][j] is the transpose of H[j][i]. */
export function hessianIsSymmetric(g: Fn, args: readonly unknown[], tol: LawTolerance = {}): boolean {
  const xs = tensorLeaves(args);
  const F = (ls: Tensor[]) => g(...unflatten(flatten(args)[1], ls));
  const H = hessian(F)(xs) as Tensor[][];
  const n = xs.map((x) => x.size);
  for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      const hij = T.reshape(H[i]![j]!, [n[i]!, n[j]!]);
      const hji = T.reshape(H[j]![i]!, [n[j]!, n[i]!]);
      if (!T.shapeEqual(H[i]![j]!.shape, [...xs[i]!.shape, ...xs[j]!.shape])) return false;
      if (!treeClose(hij, T.transpose(hji), { rtol: rtolOf(tol, 1e-8), atol: atolOf(tol, 1e-10) })) return false;
    }
  }
  return true;
}

/**
 * Hessian-vector products agree: forward-over-reverse jvp(grad g, x, v) equals
 * reverse-over-reverse grad(x => <grad g(x), v>)(x).
 */
export function forwardOverReverseMatchesReverseOverReverse(g: Fn, args: readonly unknown[], seed: number, tol: LawTolerance = {}): boolean {
  const nums = args.map((_, i) => i);
  const gradG = grad(g, { argnums: nums });
  const v = randomLike(args, new Rng(seed));
  const fwdRev = jvp((...xs: unknown[]) => gradG(...xs), args, v)[1];
  const revRev = grad((...xs: unknown[]) => tracedVdot(gradG(...xs), v), { argnums: nums })(...args);
  return treeClose(fwdRev, revRev, { rtol: rtolOf(tol, 1e-8), atol: atolOf(tol, 1e-10) });
}

// ---------------------------------------------------------------------------------------------
// vmap

/** Mapped axis of each positional argument (null: shared), and where the output's axis goes. */
export interface VmapAxes {
  readonly inAxes: readonly (number | null)[];
  readonly outAxes?: number;
}

/** For arguments with a null axis every example uses example 0's value (they are shared). */
function shareUnmapped(examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[]): unknown[][] {
  return examples.map((e) => e.map((a, i) => (inAxes[i] === null ? examples[0]![i] : a)));
}

function stackArgs(examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[]): unknown[] {
  return inAxes.map((d, i) => (d === null ? examples[0]![i] : stackTrees(examples.map((e) => e[i]), d)));
}

/**
 * vmap(f)(stacked xs) == stack(xs.map(f)): each argument stacked along its in-axis (or shared
 * when null), the results stacked along outAxes. `examples` holds one argument list per example.
 */
export function vmapMatchesLoop(f: Fn, examples: readonly (readonly unknown[])[], axes: VmapAxes, tol: Tolerance = {}): boolean {
  const ex = shareUnmapped(examples, axes.inAxes);
  const outAxis = axes.outAxes ?? 0;
  const allNull = axes.inAxes.every((d) => d === null);
  const batched = vmap(f, { inAxes: [...axes.inAxes], outAxes: outAxis, ...(allNull ? { axisSize: ex.length } : {}) })(...stackArgs(ex, axes.inAxes));
  const expected = stackTrees(ex.map((e) => f(...e)), outAxis);
  return treeClose(batched, expected, { rtol: tol.rtol ?? 1e-10, atol: tol.atol ?? 1e-12 });
}

/**
 * vmap of vmap: a grid of examples [rows][cols], mapped by an inner vmap over the columns and an
 * outer vmap over the rows, equals the double loop stacked the same way.
 */
export function nestedVmapMatchesLoop(f: Fn, grid: readonly (readonly (readonly unknown[])[])[], inner: VmapAxes, outer: VmapAxes, tol: Tolerance = {}): boolean {
  const nArgs = grid[0]![0]!.length;
  // Shared arguments: inner null shares along a row, outer null shares across rows.
  const g = grid.map((row, r) => row.map((e, c) => e.map((a, i) => {
    const rr = outer.inAxes[i] === null ? 0 : r;
    const cc = inner.inAxes[i] === null ? 0 : c;
    return i < nArgs ? grid[rr]![cc]![i] : a;
  })));
  const rows = g.map((row) => stackArgs(row, inner.inAxes));
  const stacked = stackArgs(rows, outer.inAxes);
  const innerOut = inner.outAxes ?? 0;
  const outerOut = outer.outAxes ?? 0;
  const innerSize = inner.inAxes.every((d) => d === null) ? { axisSize: g[0]!.length } : {};
  const outerSize = outer.inAxes.every((d) => d === null) ? { axisSize: g.length } : {};
  const mapped = vmap(vmap(f, { inAxes: [...inner.inAxes], outAxes: innerOut, ...innerSize }), { inAxes: [...outer.inAxes], outAxes: outerOut, ...outerSize })(...stacked);
  const expected = stackTrees(g.map((row) => stackTrees(row.map((e) => f(...e)), innerOut)), outerOut);
  return treeClose(mapped, expected, { rtol: tol.rtol ?? 1e-10, atol: tol.atol ?? 1e-12 });
}

/** Per-example gradients: vmap(grad(g)) equals grad(g) run in a loop, stacked along axis 0. */
export function perExampleGradientsMatchLoop(g: Fn, examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[], tol: Tolerance = {}): boolean {
  const ex = shareUnmapped(examples, inAxes);
  const nums = inAxes.map((_, i) => i);
  const gradG = grad(g, { argnums: nums });
  const allNull = inAxes.every((d) => d === null);
  const batched = vmap(gradG, { inAxes: [...inAxes], ...(allNull ? { axisSize: ex.length } : {}) })(...stackArgs(ex, inAxes));
  const expected = stackTrees(ex.map((e) => gradG(...e)), 0);
  return treeClose(batched, expected, { rtol: tol.rtol ?? 1e-9, atol: tol.atol ?? 1e-12 });
}

/**
 * grad of the summed vmap: grad(xs => sum(vmap(g)(xs))) gives each mapped argument its
 * per-example gradients (stacked along its axis) and each shared argument their sum.
 */
export function gradOfSummedVmapMatchesLoop(g: Fn, examples: readonly (readonly unknown[])[], inAxes: readonly (number | null)[], tol: Tolerance = {}): boolean {
  const ex = shareUnmapped(examples, inAxes);
  const nums = inAxes.map((_, i) => i);
  const summed = (...xs: unknown[]) => T.sum(vmap(g, { inAxes: [...inAxes], ...(inAxes.every((d) => d === null) ? { axisSize: ex.length } : {}) })(...xs));
  const got = grad(summed, { argnums: nums })(...stackArgs(ex, inAxes));
  const per = ex.map((e) => grad(g, { argnums: nums })(...e) as unknown[]);
  const expected = inAxes.map((d, i) => (d === null ? sumTrees(per.map((p) => p[i])) : stackTrees(per.map((p) => p[i]), d)));
  return treeClose(got, expected, { rtol: tol.rtol ?? 1e-9, atol: tol.atol ?? 1e-12 });
}

/** vmap commutes with jvp: vmap over (x, v) of jvp(f, x, v) equals the loop. */
export function vmapOfJvpMatchesLoop(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Tolerance = {}): boolean {
  const rng = new Rng(seed);
  const tangents = examples.map((e) => randomLike(e, rng));
  const n = examples[0]!.length;
  const push = (...xs: unknown[]) => jvp(f, xs.slice(0, n), xs.slice(n))[1];
  const pairs = examples.map((e, b) => [...e, ...tangents[b]!]);
  return vmapMatchesLoop(push, pairs, { inAxes: pairs[0]!.map(() => 0) }, tol);
}

// ---------------------------------------------------------------------------------------------
// Zero derivatives, stopGradient and custom rules

/**
 * f has zero derivative (piecewise constant, integer or bool outputs, or integer inputs): its
 * jvp tangents and its pullback's cotangents are zero, with the primals' shapes and dtypes.
 */
export function derivativeIsZero(f: Fn, args: readonly unknown[], seed: number): boolean {
  const rng = new Rng(seed);
  const v = randomLike(args, rng);
  const [y, dy] = jvp(f, args, v);
  if (!sameAvals(dy, y) || !allZero(dy)) return false;
  const [, back] = vjp(f, ...args);
  const u = randomLike(y, rng);
  const ct = back(u);
  return sameAvals(ct, args) && allZero(ct);
}

/**
 * stopGradient passes values and blocks derivatives: f(stopGradient(x)) has f's value and zero
 * derivatives, and a stopped branch adds nothing to a gradient.
 */
export function stopGradientBlocksDerivatives(f: Fn, args: readonly unknown[], seed: number): boolean {
  const stop = (tree: unknown) => {
    const [xs, def] = flatten(tree);
    return unflatten(def, xs.map((x) => (x instanceof Tensor && T.isFloat(x.dtype) ? T.stopGradient(x) : x)));
  };
  const stopped = (...xs: unknown[]) => f(...(stop(xs) as unknown[]));
  if (!treeClose(stopped(...args), f(...args), { rtol: 0, atol: 0 })) return false;
  if (!derivativeIsZero(stopped, args, seed)) return false;
  const g = scalarize(f, args, seed);
  const nums = args.map((_, i) => i);
  const plain = grad(g, { argnums: nums })(...args);
  const withStopped = grad((...xs: unknown[]) => T.add(g(...xs), T.mul(3, T.stopGradient(g(...xs)))), { argnums: nums })(...args);
  return treeClose(withStopped, plain, { rtol: 1e-12, atol: 0 });
}

/**
 * A customJvp rule is the one differentiation uses: with the rule "twice f's jvp", jvp, vjp
 * (derived by transposing the rule) and grad all give twice f's derivatives, also under vmap.
 */
export function customJvpRuleIsUsed(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Tolerance = {}): boolean {
  const doubled = customJvp(f, (ps, ts) => {
    const [y, dy] = jvp(f, ps, ts);
    return [y, scaleTree(dy, 2)];
  });
  return ruleDoublesDerivatives(f, doubled, examples, seed, true, tol);
}

/** A customVjp rule is the one reverse mode uses (rule: twice f's pullback), also under vmap. */
export function customVjpRuleIsUsed(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Tolerance = {}): boolean {
  const doubled = customVjp(f, (...xs: unknown[]) => [f(...xs), xs], (res: unknown[], ct: unknown) => scaleTree(vjp(f, ...res)[1](ct), 2));
  return ruleDoublesDerivatives(f, doubled, examples, seed, false, tol);
}

function ruleDoublesDerivatives(f: Fn, doubled: Fn, examples: readonly (readonly unknown[])[], seed: number, forward: boolean, tol: Tolerance): boolean {
  const close = (a: unknown, b: unknown) => treeClose(a, b, { rtol: tol.rtol ?? 1e-9, atol: tol.atol ?? 1e-12 });
  const args = examples[0]!;
  const rng = new Rng(seed);
  if (!close(doubled(...args), f(...args))) return false;
  if (forward) {
    const v = randomLike(args, rng);
    if (!close(jvp(doubled, args, v)[1], scaleTree(jvp(f, args, v)[1], 2))) return false;
  }
  const [y, back] = vjp(doubled, ...args);
  const u = randomLike(y, rng);
  if (!close(back(u), scaleTree(vjp(f, ...args)[1](u), 2))) return false;
  const nums = args.map((_, i) => i);
  const w = randomLike(y, rng);
  const loss = (h: Fn) => (...xs: unknown[]) => tracedVdot(h(...xs), w);
  const gD = grad(loss(doubled), { argnums: nums });
  const gF = grad(loss(f), { argnums: nums });
  if (!close(gD(...args), scaleTree(gF(...args), 2))) return false;
  // Under vmap the rule still applies: per-example gradients are twice the loop's.
  const inAxes = args.map(() => 0);
  const batched = vmap(gD, { inAxes })(...stackArgs(examples, inAxes));
  return close(batched, scaleTree(stackTrees(examples.map((e) => gF(...e)), 0), 2));
}
