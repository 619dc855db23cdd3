/**
 * Laws of the transformations (jvp, vjp, linearize, linearTranspose, grad, jacobians,
 * stopGradient, custom rules) as pure predicates. Each takes a function, concrete arguments (an
 * array of positional pytrees of tensors), a seed for random directions and a tolerance (an
 * `Approx`), and returns `true` or the reason the law fails. The vmap laws are in ./vmap. The
 * runners live in test/grad.laws.test.ts (every primitive) and test/grad.programs.test.ts
 * (random programs); users can run them on their own functions.
 *
 *   jvpMatchesFiniteDifferences((x) => sin(x), [x], 7);   // true
 *   pushforwardPullbackDuality(myLayer, [params, x], 7);  // <u, J v> == <J^T u, v>, or why not
 */
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import { checkpoint, customJvp, customVjp, grad, hessian, jacfwd, jacrev, jvp, linearize, linearTranspose, valueAndGrad, vjp, vmap } from '../src/grad';
import { flatten, map, unflatten } from '../src/tree';
import { allFinite, approx, exact, precisionOf, sameAvals, type Approx } from './approx';
import { absDot, axpby, maxAbs, randomLike, Rng, tensorLeaves, vdot } from './gradUtil';
import { allOf, check, labelled, type LawResult } from './result';
import { stackArgs, stackTrees } from './vmap';

type Fn = (...args: any[]) => any;

/**
 * The default tolerance of the transformation laws: both sides are exact derivatives computed
 * in different orders, so float64 agrees to 1e-9 of the result's largest magnitude (float32 to
 * 1e-5).
 */
export const transformationApprox: Approx = approx({ scale: 'tree' });

/** Second-order laws (Hessians) accumulate more rounding: float64 to 1e-8. */
export const secondOrderApprox: Approx = transformationApprox.with({ float64: { rtol: 1e-8, atol: 1e-10 } });

/**
 * Central differences lose about half the digits: float64 to 1e-5 of the derivative, plus
 * 1e-7 of the output's magnitude (rounding in f(x ± h v) scales with f, see
 * jvpMatchesFiniteDifferences).
 */
export const finiteDifferenceApprox: Approx = approx({ scale: 'tree', float64: { rtol: 1e-5, atol: 1e-7 }, float32: { rtol: 1e-5, atol: 1e-6 } });

/**
 * Two inner products <a, b> and <c, d> agree within the tolerance, relative to the sum of their
 * terms' magnitudes (they may cancel) and at the precision of the least precise operand.
 */
function innerProductsAgree(tol: Approx, a: unknown, b: unknown, c: unknown, d: unknown): LawResult {
  const scale = absDot(a, b) + absDot(c, d);
  return tol.equals(vdot(a, b), vdot(c, d), { relative: scale, absolute: 1 + scale, precision: precisionOf(a, b, c, d) });
}

/** The zero tree of `tree`'s structure, shapes and dtypes. */
const zerosLikeTree = (tree: unknown): unknown => map((x: unknown) => (x instanceof Tensor ? T.zerosLike(x) : x), tree);

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
 * jvp(f, x, v) ≈ (f(x + h v) - f(x - h v)) / 2h with h = `step`, within rtol of the
 * derivative's magnitude plus atol times the output's magnitude (rounding in f(x ± h v) scales
 * with f).
 */
export function jvpMatchesFiniteDifferences(f: Fn, args: readonly unknown[], seed: number, tol: Approx = finiteDifferenceApprox, step = 1e-6): LawResult {
  const v = randomLike(args, new Rng(seed));
  const [y, dy] = jvp(f, args, v);
  const yPlus = f(...axpby(1, args, step, v));
  const yMinus = f(...axpby(1, args, -step, v));
  const fd = axpby(0.5 / step, yPlus, -0.5 / step, yMinus);
  return allOf(
    ['jvp tangent', () => allFinite(dy)],
    ['jvp tangent vs primal output (structure, shapes, dtypes)', () => sameAvals(dy, y)],
    [`jvp vs central finite differences (step ${step})`, () => tol.equals(dy, fd, { absolute: 1 + maxAbs(y) + maxAbs(yPlus) })],
  );
}

/** Duality of the pushforward and the pullback: <u, J v> == <J^T u, v> for random u, v. */
export function pushforwardPullbackDuality(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const rng = new Rng(seed);
  const v = randomLike(args, rng);
  const [y, jv] = jvp(f, args, v);
  const u = randomLike(y, rng);
  const [y2, back] = vjp(f, ...args);
  const jtu = back(u);
  return allOf(
    ['primal output of jvp vs vjp', () => tol.equals(y, y2)],
    ['pullback vs arguments (structure, shapes, dtypes)', () => sameAvals(jtu, args)],
    ['<u, J v> vs <Jᵀ u, v>', () => innerProductsAgree(tol, u, jv, jtu, v)],
  );
}

/** jvp is linear in the tangent: J(a s + b t) == a J s + b J t. */
export function jvpIsLinearInTangent(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const rng = new Rng(seed);
  const s = randomLike(args, rng);
  const t = randomLike(args, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  const js = jvp(f, args, s)[1];
  const jt = jvp(f, args, t)[1];
  const jst = jvp(f, args, axpby(a, s, b, t))[1];
  return labelled(`J(${a.toFixed(3)} s + ${b.toFixed(3)} t) vs ${a.toFixed(3)} J s + ${b.toFixed(3)} J t`, tol.equals(jst, axpby(a, js, b, jt)));
}

/** The pullback is linear in the cotangent: J^T(a u + b w) == a J^T u + b J^T w. */
export function pullbackIsLinearInCotangent(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const rng = new Rng(seed);
  const [y, back] = vjp(f, ...args);
  const u = randomLike(y, rng);
  const w = randomLike(y, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  return labelled(`Jᵀ(${a.toFixed(3)} u + ${b.toFixed(3)} w) vs ${a.toFixed(3)} Jᵀ u + ${b.toFixed(3)} Jᵀ w`, tol.equals(back(axpby(a, u, b, w)), axpby(a, back(u), b, back(w))));
}

/**
 * linearTranspose of a linear function fLin is linear and is its transpose:
 * ft(a u + b w) == a ft(u) + b ft(w) and <u, fLin(v)> == <ft(u), v>. `args` give the shapes.
 */
export function linearTransposeIsTranspose(fLin: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const rng = new Rng(seed);
  const ft = linearTranspose(fLin, ...args);
  const v = randomLike(args, rng);
  const y = fLin(...v);
  const u = randomLike(y, rng);
  const w = randomLike(y, rng);
  const a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
  const ftu = ft(u);
  return allOf(
    ['transpose vs arguments (structure, shapes, dtypes)', () => sameAvals(ftu, args)],
    ['transpose is linear: ft(a u + b w) vs a ft(u) + b ft(w)', () => tol.equals(ft(axpby(a, u, b, w)), axpby(a, ftu, b, ft(w)))],
    ['<u, f v> vs <fᵀ u, v>', () => innerProductsAgree(tol, u, fLin(...v), ftu, v)],
  );
}

/** The linearization of f at x transposes like f's pullback: linearTranspose(linearize(f, x)[1]) == vjp. */
export function linearizeTransposeMatchesVjp(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const [y, fLin] = linearize(f, ...args);
  const u = randomLike(y, new Rng(seed));
  return allOf(
    ['linearTranspose(linearize(f)) vs vjp', () => tol.equals(linearTranspose(fLin, ...args)(u), vjp(f, ...args)[1](u))],
    ['the linearization', () => linearTransposeIsTranspose(fLin, args, seed, tol)],
  );
}

/**
 * The entry points agree on a scalar function g of n arguments: valueAndGrad, grad (argnums as
 * an array and as each single number, with and without hasAux), vjp's pullback of 1, and
 * <grad, v> == jvp(g, x, v) == linearize(g, x)(v).
 */
export function entryPointsAgree(g: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const nums = args.map((_, i) => i);
  const value = g(...args);
  const [v, gs] = valueAndGrad(g, { argnums: nums })(...args);
  // hasAux: the aux value comes back concrete and the gradient is unchanged.
  const withAux = (...xs: unknown[]): [Tensor, { doubled: Tensor }] => {
    const out = g(...xs);
    return [out, { doubled: T.mul(out, 2) }];
  };
  const t = randomLike(args, new Rng(seed));
  const dotWith = (d: unknown) => {
    const expected = vdot(gs, t);
    const scale = absDot(gs, t);
    return tol.equals((d as Tensor).item() as number, expected, { relative: scale, absolute: 1 + scale, precision: precisionOf(gs, t) });
  };
  return allOf(
    ['valueAndGrad value vs g(x)', () => tol.equals(v, value)],
    ['valueAndGrad gradient vs arguments (structure, shapes, dtypes)', () => sameAvals(gs, args)],
    ['grad (argnums array) vs valueAndGrad', () => tol.equals(grad(g, { argnums: nums })(...args), gs)],
    ...nums.map((i) => [`grad (argnums ${i}) vs valueAndGrad`, () => tol.equals(grad(g, { argnums: i })(...args), gs[i])] as const),
    ['grad (default argnums) vs valueAndGrad', () => tol.equals(grad(g)(...args), gs[0])],
    ['vjp primal vs g(x)', () => tol.equals(vjp(g, ...args)[0], value)],
    ['vjp pullback of 1 vs valueAndGrad', () => {
      const [y, back] = vjp(g, ...args);
      return tol.equals(back(T.onesLike(y)), gs);
    }],
    ['grad with hasAux (gradient, aux)', () => {
      const [gAux, aux] = grad(withAux, { argnums: nums, hasAux: true })(...args);
      return tol.equals([gAux, aux], [gs, { doubled: T.mul(value, 2) }]);
    }],
    ['valueAndGrad with hasAux (value, aux, gradient)', () => {
      const [[vAux, aux], gAux] = valueAndGrad(withAux, { argnums: nums, hasAux: true })(...args);
      return tol.equals([vAux, aux, gAux], [value, { doubled: T.mul(value, 2) }, gs]);
    }],
    ['jvp primal vs g(x)', () => tol.equals(jvp(g, args, t)[0], value)],
    ['jvp(g, x, v) vs <grad, v>', () => dotWith(jvp(g, args, t)[1])],
    ['linearize primal vs g(x)', () => tol.equals(linearize(g, ...args)[0], value)],
    ['linearize(g, x)(v) vs <grad, v>', () => dotWith(linearize(g, ...args)[1](...t))],
  );
}

/**
 * With hasAux the aux value comes back as concrete tensors (no tracer of the transformation
 * escapes), from grad, valueAndGrad, jvp, vjp, linearize, jacfwd, jacrev and hessian alike, and
 * equals what the function computed; the transformed output is the one without aux.
 */
export function auxIsConcrete(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const g = scalarize(f, args, seed);
  const nums = args.map((_, i) => i);
  const withAux = (...xs: unknown[]): [Tensor, { y: unknown }] => [g(...xs), { y: f(...xs) }];
  const vectorWithAux = (...xs: unknown[]): [unknown, { y: unknown }] => [f(...xs), { y: f(...xs) }];
  const expected = { y: f(...args) };
  const t = randomLike(args, new Rng(seed));
  const [, back, vjpAux] = vjp(withAux, ...args, { hasAux: true });
  const [, fLin, linAux] = linearize(withAux, ...args, { hasAux: true });
  const [jf, jfAux] = jacfwd(vectorWithAux, { argnums: nums, hasAux: true })(...args);
  const [jr, jrAux] = jacrev(vectorWithAux, { argnums: nums, hasAux: true })(...args);
  const [h, hAux] = hessian(withAux, { argnums: nums, hasAux: true })(...args);
  const auxes: [string, unknown][] = [
    ['grad', grad(withAux, { argnums: nums, hasAux: true })(...args)[1]],
    ['valueAndGrad', valueAndGrad(withAux, { hasAux: true })(...args)[0][1]],
    ['jvp', jvp(withAux, args, t, { hasAux: true })[2]],
    ['vjp', vjpAux],
    ['linearize', linAux],
    ['jacfwd', jfAux],
    ['jacrev', jrAux],
    ['hessian', hAux],
  ];
  return allOf(
    ...auxes.map(([name, aux]) => [`aux of ${name}`, () => allOf(
      ['leaves', () => check(!tensorLeaves(aux).some((x) => x instanceof T.Tracer), 'a tracer escaped the transformation')],
      ['value vs f(x)', () => exact.equals(aux, expected)],
    )] as const),
    ['vjp pullback with hasAux vs without', () => tol.equals(back(T.onesLike(g(...args))), vjp(g, ...args)[1](T.onesLike(g(...args))))],
    ['linearize with hasAux vs without', () => tol.equals(fLin(...t), linearize(g, ...args)[1](...t))],
    ['jacfwd with hasAux vs without', () => tol.equals(jf, jacfwd(f, { argnums: nums })(...args))],
    ['jacrev with hasAux vs without', () => tol.equals(jr, jacrev(f, { argnums: nums })(...args))],
    ['hessian with hasAux vs without', () => tol.equals(h, hessian(g, { argnums: nums })(...args))],
  );
}

/**
 * allowInt (JAX's allow_int): integer inputs are held constant and get zero gradients of their
 * own shape and dtype, and the float inputs' gradients are those of the function with the
 * integers closed over. `extra` is an integer or bool tensor appended as a last argument.
 */
export function allowIntHoldsIntegersConstant(g: Fn, args: readonly unknown[], extra: Tensor, tol: Approx = transformationApprox): LawResult {
  const nums = args.map((_, i) => i);
  const h = (...xs: unknown[]) => T.mul(g(...xs.slice(0, -1)), T.sum(T.astype(xs[xs.length - 1] as Tensor, 'float64')).add(1));
  const closed = (...xs: unknown[]) => h(...xs, extra);
  const all: number[] = [...nums, args.length];
  const [value, gs] = valueAndGrad(h, { argnums: all, allowInt: true })(...args, extra);
  const gRev = jacrev(h, { argnums: all, allowInt: true })(...args, extra);
  return allOf(
    ['value vs the function with the integers closed over', () => tol.equals(value, closed(...args))],
    ['float gradients vs the function with the integers closed over', () => tol.equals(gs.slice(0, -1), grad(closed, { argnums: nums })(...args))],
    ['gradient of the integer input: zeros of its shape and dtype', () => exact.equals(gs[gs.length - 1], T.zerosLike(extra))],
    ['jacrev vs valueAndGrad', () => tol.equals(gRev, gs)],
    ['without allowInt: an error naming allowInt', () => {
      try {
        grad(h, { argnums: args.length })(...args, extra);
        return 'no error';
      } catch (e) {
        return check(/allowInt/.test(String(e)), `the error does not mention allowInt: ${String(e)}`);
      }
    }],
  );
}

/**
 * Chain rule: grad(outer ∘ inner)(x) == pullback_inner(grad(outer)(inner(x))), and the
 * gradient keeps the structure, shapes and dtypes of the arguments.
 */
export function chainRule(outer: Fn, inner: Fn, args: readonly unknown[], tol: Approx = transformationApprox): LawResult {
  const nums = args.map((_, i) => i);
  const composed = grad((...xs: unknown[]) => outer(inner(...xs)), { argnums: nums })(...args);
  const [y, back] = vjp(inner, ...args);
  return allOf(
    ['gradient vs arguments (structure, shapes, dtypes)', () => sameAvals(composed, args)],
    ['grad(outer ∘ inner) vs pullback of inner applied to grad(outer)', () => tol.equals(composed, back(grad(outer)(y)))],
  );
}

/** Gradients keep the parameter tree: structure, shapes and dtypes of every argument, finite values. */
export function gradKeepsStructure(g: Fn, args: readonly unknown[]): LawResult {
  const gs = grad(g, { argnums: args.map((_, i) => i) })(...args);
  return allOf(['gradient vs arguments (structure, shapes, dtypes)', () => sameAvals(gs, args)], ['gradient', () => allFinite(gs)]);
}

// ---------------------------------------------------------------------------------------------
// Jacobians and second order

const asF64 = (tree: unknown): any => map((x: unknown) => (x instanceof Tensor && x.dtype !== 'float64' ? T.astype(x, 'float64') : x), tree);

/**
 * jacfwd and jacrev build the same Jacobian (as trees of blocks; compared in float64), and with
 * an argnums list both give the Jacobian with respect to the tuple of those arguments.
 */
export function jacfwdMatchesJacrev(f: Fn, args: readonly unknown[], tol: Approx = transformationApprox): LawResult {
  const F = (xs: readonly unknown[]) => f(...xs);
  const nums = args.map((_, i) => i);
  const byTuple = asF64(jacrev(F)(args));
  return allOf(
    ['jacfwd (argnums: every argument) vs jacrev of the argument tuple', () => tol.equals(asF64(jacfwd(f, { argnums: nums })(...args)), byTuple)],
    ['jacrev (argnums: every argument) vs jacrev of the argument tuple', () => tol.equals(asF64(jacrev(f, { argnums: nums })(...args)), byTuple)],
  );
}

/**
 * The Hessian of a scalar function is symmetric: H[i][j] is the transpose of H[j][i]; and
 * `hessian(g, { argnums: [0, ..., n-1] })` over the leaves as separate arguments gives the same
 * nested blocks as the Hessian with respect to the list of leaves.
 */
export function hessianIsSymmetric(g: Fn, args: readonly unknown[], tol: Approx = secondOrderApprox): LawResult {
  const xs = tensorLeaves(args);
  const F = (ls: readonly Tensor[]) => g(...unflatten(flatten(args)[1], ls));
  const H: Tensor[][] = hessian(F)(xs);
  const byArgnums = hessian((...ls: Tensor[]) => F(ls), { argnums: xs.map((_, i) => i) })(...xs);
  const same = labelled('hessian with argnums [0..n) vs the Hessian of the list of leaves', tol.equals(byArgnums, H));
  if (same !== true) return same;
  const n = xs.map((x) => x.size);
  for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      const expectedShape = [...xs[i]!.shape, ...xs[j]!.shape];
      if (!T.shapeEqual(H[i]![j]!.shape, expectedShape)) return `Hessian block [${i}][${j}] has shape [${H[i]![j]!.shape}], expected [${expectedShape}]`;
      const hij = T.reshape(H[i]![j]!, [n[i]!, n[j]!]);
      const hji = T.reshape(H[j]![i]!, [n[j]!, n[i]!]);
      const r = labelled(`Hessian block [${i}][${j}] vs the transpose of block [${j}][${i}]`, tol.equals(hij, T.transpose(hji)));
      if (r !== true) return r;
    }
  }
  return true;
}

/**
 * Hessian-vector products agree: forward-over-reverse jvp(grad g, x, v) equals
 * reverse-over-reverse grad(x => <grad g(x), v>)(x).
 */
export function forwardOverReverseMatchesReverseOverReverse(g: Fn, args: readonly unknown[], seed: number, tol: Approx = secondOrderApprox): LawResult {
  const nums = args.map((_, i) => i);
  const gradG = grad(g, { argnums: nums });
  const v = randomLike(args, new Rng(seed));
  const fwdRev = jvp((...xs: unknown[]) => gradG(...xs), args, v)[1];
  const revRev = grad((...xs: unknown[]) => tracedVdot(gradG(...xs), v), { argnums: nums })(...args);
  return labelled('Hessian-vector product: jvp(grad g) vs grad(<grad g, v>)', tol.equals(fwdRev, revRev));
}

// ---------------------------------------------------------------------------------------------
// Zero derivatives, stopGradient and custom rules

/**
 * f has zero derivative (piecewise constant, integer or bool outputs, or integer inputs): its
 * jvp tangents and its pullback's cotangents are zero, with the primals' shapes and dtypes.
 */
export function derivativeIsZero(f: Fn, args: readonly unknown[], seed: number): LawResult {
  const rng = new Rng(seed);
  const v = randomLike(args, rng);
  const [y, dy] = jvp(f, args, v);
  const [, back] = vjp(f, ...args);
  const ct = back(randomLike(y, rng));
  return allOf(
    ['jvp tangent vs primal output (structure, shapes, dtypes)', () => sameAvals(dy, y)],
    ['jvp tangent vs zero', () => exact.equals(dy, zerosLikeTree(dy))],
    ['pullback vs arguments (structure, shapes, dtypes)', () => sameAvals(ct, args)],
    ['pullback vs zero', () => exact.equals(ct, zerosLikeTree(ct))],
  );
}

/**
 * stopGradient passes values and blocks derivatives: f(stopGradient(x)) has f's value and zero
 * derivatives, and a stopped branch adds nothing to a gradient.
 */
export function stopGradientBlocksDerivatives(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const stop = (tree: unknown) => map((x: unknown) => (x instanceof Tensor && T.isFloat(x.dtype) ? T.stopGradient(x) : x), tree);
  const stopped = (...xs: unknown[]) => f(...(stop(xs) as unknown[]));
  const g = scalarize(f, args, seed);
  const nums = args.map((_, i) => i);
  return allOf(
    ['f(stopGradient(x)) vs f(x)', () => exact.equals(stopped(...args), f(...args))],
    ['f ∘ stopGradient', () => derivativeIsZero(stopped, args, seed)],
    ['grad(g + 3 stopGradient(g)) vs grad(g)', () => {
      const withStopped = grad((...xs: unknown[]) => T.add(g(...xs), T.mul(3, T.stopGradient(g(...xs)))), { argnums: nums })(...args);
      return tol.equals(withStopped, grad(g, { argnums: nums })(...args));
    }],
  );
}

/**
 * checkpoint(f) is f: the same values (bit for bit: the same primitives run), and the same
 * gradients, which are computed from recomputed intermediates instead of stored ones. Holds for
 * every policy.
 */
export function checkpointPreservesDerivatives(f: Fn, args: readonly unknown[], seed: number, tol: Approx = transformationApprox): LawResult {
  const g = scalarize(f, args, seed);
  const nums = args.map((_, i) => i);
  const want = grad(g, { argnums: nums })(...args);
  return allOf(
    ['checkpoint(f) vs f', () => exact.equals(checkpoint(f)(...args), f(...args))],
    ...(['nothingSaveable', 'dotsSaveable'] as const).map((policy) => [`grad(checkpoint(g, ${policy})) vs grad(g)`, () => tol.equals(grad(checkpoint(g, { policy }), { argnums: nums })(...args), want)] as const),
  );
}

/**
 * A customJvp rule is the one differentiation uses: with the rule "twice f's jvp", jvp, vjp
 * (derived by transposing the rule) and grad all give twice f's derivatives, also under vmap.
 */
export function customJvpRuleIsUsed(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Approx = transformationApprox): LawResult {
  const doubled = customJvp(f, (ps, ts) => {
    const [y, dy] = jvp(f, ps, ts);
    return [y, scaleTree(dy, 2)];
  });
  return labelled('customJvp rule "twice the jvp"', ruleDoublesDerivatives(f, doubled, examples, seed, true, tol));
}

/** A customVjp rule is the one reverse mode uses (rule: twice f's pullback), also under vmap. */
export function customVjpRuleIsUsed(f: Fn, examples: readonly (readonly unknown[])[], seed: number, tol: Approx = transformationApprox): LawResult {
  const doubled = customVjp(f, (...xs: unknown[]) => [f(...xs), xs], (res: unknown[], ct: unknown) => scaleTree(vjp(f, ...res)[1](ct), 2));
  return labelled('customVjp rule "twice the pullback"', ruleDoublesDerivatives(f, doubled, examples, seed, false, tol));
}

function ruleDoublesDerivatives(f: Fn, doubled: Fn, examples: readonly (readonly unknown[])[], seed: number, forward: boolean, tol: Approx): LawResult {
  const args = examples[0]!;
  const rng = new Rng(seed);
  const v = randomLike(args, rng);
  const [y, back] = vjp(doubled, ...args);
  const u = randomLike(y, rng);
  const nums = args.map((_, i) => i);
  const w = randomLike(y, rng);
  const loss = (h: Fn) => (...xs: unknown[]) => tracedVdot(h(...xs), w);
  const gD = grad(loss(doubled), { argnums: nums });
  const gF = grad(loss(f), { argnums: nums });
  // Under vmap the rule still applies: per-example gradients are twice the loop's.
  const inAxes = args.map(() => 0);
  return allOf(
    ['value vs f', () => tol.equals(doubled(...args), f(...args))],
    ...(forward ? [['jvp vs twice f\'s jvp', () => tol.equals(jvp(doubled, args, v)[1], scaleTree(jvp(f, args, v)[1], 2))] as const] : []),
    ['pullback vs twice f\'s pullback', () => tol.equals(back(u), scaleTree(vjp(f, ...args)[1](u), 2))],
    ['grad vs twice f\'s grad', () => tol.equals(gD(...args), scaleTree(gF(...args), 2))],
    ['vmap(grad) vs twice the loop of f\'s grad', () => tol.equals(vmap(gD, { inAxes })(...stackArgs(examples, inAxes)), scaleTree(stackTrees(examples.map((e) => gF(...e)), 0), 2))],
  );
}
