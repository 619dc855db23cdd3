/**
 * Laws of optimizers as pure predicates over concrete values, with the arbitraries their
 * fast-check runner (test/optim.laws.test.ts) draws from. Users can check their own
 * transformations with the same predicates.
 */
import fc from 'fast-check';
import { grad } from '../src/grad';
import { fromStorage, Tensor } from '../src/tensor/core';
import { mul, scalar, square, sub, sum } from '../src/tensor';
import { flatten, leaves, map, structure } from '../src/tree';
import { applyUpdates, chain, clipByGlobalNorm, globalNorm, identity, multiSteps, sgd, type GradientTransformation, type ScheduleFn } from '../src/optim';
import { treeEqual } from './tree';

type Transform = GradientTransformation<any>;

/** Run `opt` over a sequence of gradients; returns every step's updates and states (states[0] is init's). */
export function runUpdates(opt: Transform, params: unknown, grads: readonly unknown[]): { updates: unknown[]; states: unknown[]; params: unknown[] } {
  const states = [opt.init(params)];
  const ps = [params];
  const updates: unknown[] = [];
  for (const g of grads) {
    const [u, s] = opt.update(g, states[states.length - 1], ps[ps.length - 1]);
    updates.push(u);
    states.push(s);
    ps.push(applyUpdates(ps[ps.length - 1], u));
  }
  return { updates, states, params: ps };
}

/** Same leaves (shape, dtype, elements) up to `rtol`/`atol`; NaNs must match NaNs. */
export function treeAllClose(a: unknown, b: unknown, rtol = 1e-9, atol = 1e-12): boolean {
  const [xs, da] = flatten(a);
  const [ys, db] = flatten(b);
  if (!da.equals(db)) return false;
  return xs.every((x, i) => {
    const y = ys[i];
    if (!(x instanceof Tensor && y instanceof Tensor)) return Object.is(x, y);
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
    const u = x.dataSync(), v = y.dataSync();
    return u.every((e, j) => {
      const f = v[j]!;
      return Number.isNaN(e) ? Number.isNaN(f) : Math.abs(e - f) <= atol + rtol * Math.abs(f);
    });
  });
}

/** Structure, shapes and dtypes of two trees agree (values may differ). */
export function sameAvals(a: unknown, b: unknown): boolean {
  const [xs, da] = flatten(a);
  const [ys, db] = flatten(b);
  return da.equals(db) && xs.every((x, i) => {
    const y = ys[i];
    if (x instanceof Tensor && y instanceof Tensor) return x.dtype === y.dtype && x.shape.join() === y.shape.join();
    return Object.is(x, y);
  });
}

/** `chain(identity(), t)` and `chain(t, identity())` give the updates `t` gives, step by step. */
export function chainIdentity(t: Transform, params: unknown, grads: readonly unknown[]): boolean {
  const expected = runUpdates(t, params, grads).updates;
  return [chain(identity(), t), chain(t, identity())].every((c) => runUpdates(c, params, grads).updates.every((u, i) => treeEqual(u, expected[i])));
}

/** `chain(chain(a, b), c)` and `chain(a, chain(b, c))` give the same updates. */
export function chainAssociative(a: Transform, b: Transform, c: Transform, params: unknown, grads: readonly unknown[]): boolean {
  const left = runUpdates(chain(chain(a, b), c), params, grads).updates;
  const right = runUpdates(chain(a, chain(b, c)), params, grads).updates;
  return left.every((u, i) => treeEqual(u, right[i]));
}

/**
 * Updates have the gradients' structure, shapes and dtypes, and every state has the structure,
 * shapes and dtypes of the initial state (so a step can be jitted once and reused).
 */
export function updatesKeepStructure(opt: Transform, params: unknown, grads: readonly unknown[]): boolean {
  const { updates, states } = runUpdates(opt, params, grads);
  return updates.every((u, i) => sameAvals(u, grads[i])) && states.every((s) => structure(s).equals(structure(states[0])) && sameAvals(map(avalOf, s), map(avalOf, states[0])));
}

const avalOf = (x: unknown): unknown => (x instanceof Tensor ? `${x.dtype}[${x.shape.join(',')}]` : x);

/** Copies of every leaf (tensor data as plain numbers), to compare after the fact. */
function snapshot(tree: unknown): unknown[] {
  return leaves(tree).map((x) => (x instanceof Tensor ? [x.dtype, x.shape.join(), ...x.dataSync()] : x));
}

function sameSnapshot(a: unknown[], b: unknown[]): boolean {
  const same = (x: unknown, y: unknown) => Object.is(x, y) || (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => Object.is(v, y[i])));
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

/**
 * Purity: `init` and `update` leave params, gradients and the incoming state as they were, and
 * the same inputs give the same outputs.
 */
export function updateIsPure(opt: Transform, params: unknown, grads: readonly unknown[]): boolean {
  const before = [params, ...grads].map(snapshot);
  let state = opt.init(params);
  for (const g of grads) {
    const stateBefore = snapshot(state);
    const [u1, s1] = opt.update(g, state, params);
    const [u2, s2] = opt.update(g, state, params);
    if (!sameSnapshot(stateBefore, snapshot(state)) || !treeEqual(u1, u2) || !treeEqual(s1, s2)) return false;
    state = s1;
  }
  return [params, ...grads].every((t, i) => sameSnapshot(before[i]!, snapshot(t)));
}

/**
 * After every step of `opt` (typically `chain(optimizer, freeze(mask))`), the leaves where
 * `frozen` (a leaf-level boolean tree) is true hold exactly their initial bits.
 */
export function frozenLeavesUnchanged(opt: Transform, params: unknown, grads: readonly unknown[], frozen: unknown): boolean {
  const isFrozen = leaves(frozen) as boolean[];
  const initial = leaves(params) as Tensor[];
  return runUpdates(opt, params, grads).params.every((p) =>
    (leaves(p) as Tensor[]).every((x, i) => !isFrozen[i] || (x.dtype === initial[i]!.dtype && x.dataSync().every((v, j) => Object.is(v, initial[i]!.dataSync()[j])))),
  );
}

/** Leafwise JS-number arrays of a tree of tensors. */
const numbers = (tree: unknown): number[][] => (leaves(tree) as Tensor[]).map((x) => Array.from(x.dataSync()));

/** Plain SGD: after n steps, `params - lr * (g1 + ... + gn)`. */
export function sgdMatchesClosedForm(lr: number, params: unknown, grads: readonly unknown[]): boolean {
  const { params: ps } = runUpdates(sgd(lr), params, grads);
  const expected = numbers(params).map((p, i) => p.map((v, j) => v - lr * grads.reduce<number>((acc, g) => acc + numbers(g)[i]![j]!, 0)));
  return closeNumbers(numbers(ps[ps.length - 1]), expected);
}

/**
 * Momentum: the update at step t is `-lr * m_t` with `m_t = sum_i decay^(t-i) g_i`, or
 * `-lr * (g_t + decay * m_t)` with Nesterov.
 */
export function momentumMatchesClosedForm(lr: number, decay: number, nesterov: boolean, params: unknown, grads: readonly unknown[]): boolean {
  const { updates } = runUpdates(sgd(lr, { momentum: decay, nesterov }), params, grads);
  const gs = grads.map(numbers);
  return updates.every((u, t) => {
    const m = gs[0]!.map((leaf, i) => leaf.map((_, j) => gs.slice(0, t + 1).reduce((acc, g, k) => acc + decay ** (t - k) * g[i]![j]!, 0)));
    const expected = m.map((leaf, i) => leaf.map((v, j) => -lr * (nesterov ? gs[t]![i]![j]! + decay * v : v)));
    return closeNumbers(numbers(u), expected);
  });
}

function closeNumbers(a: number[][], b: number[][], rtol = 1e-9, atol = 1e-12): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((v, j) => Math.abs(v - b[i]![j]!) <= atol + rtol * Math.abs(b[i]![j]!)));
}

/** Clipping bounds the global norm by `maxNorm`, and below `maxNorm` changes nothing at all. */
export function clipByGlobalNormBounds(maxNorm: number, grads: unknown): boolean {
  const [clipped] = clipByGlobalNorm(maxNorm).update(grads, {});
  const before = globalNorm(grads).item() as number;
  const after = globalNorm(clipped).item() as number;
  if (before < maxNorm) return treeEqual(clipped, grads);
  return after <= maxNorm * (1 + 1e-12) && Math.abs(after - maxNorm) <= 1e-9 * maxNorm;
}

/** With eps = epsRoot = 0, Adam's updates for gradients `c * g` (c > 0) equal those for `g`. */
export function scaleInvariant(makeOpt: () => Transform, c: number, params: unknown, grads: readonly unknown[]): boolean {
  const scaled = grads.map((g) => map((x: Tensor) => mul(x, c), g));
  const a = runUpdates(makeOpt(), params, grads).updates;
  const b = runUpdates(makeOpt(), params, scaled).updates;
  return a.every((u, i) => treeAllClose(b[i], u, 1e-9, 1e-12));
}

/** A convex quadratic `0.5 * sum(a * (x - b)^2)` with `a > 0`, and a starting point. */
export interface Quadratic {
  a: Tensor;
  b: Tensor;
  x0: Tensor;
}

const quadraticLoss = (q: Quadratic) => (x: Tensor): Tensor => mul(sum(mul(q.a, square(sub(x, q.b)))), 0.5);

/**
 * `steps` steps of `opt` on the quadratic (gradients from `grad`) end below `factor` times the
 * starting loss.
 */
export function decreasesQuadratic(opt: Transform, q: Quadratic, steps: number, factor = 1): { start: number; end: number; ok: boolean } {
  const f = quadraticLoss(q);
  const df = grad(f);
  let x = q.x0;
  let state = opt.init(x);
  for (let i = 0; i < steps; i++) {
    const [u, s] = opt.update(df(x), state, x);
    x = applyUpdates(x, u);
    state = s;
  }
  const start = f(q.x0).item() as number;
  const end = f(x).item() as number;
  return { start, end, ok: end < factor * start };
}

/**
 * `multiSteps(sgd(lr), k)` over k micro-batch gradients returns zeros k - 1 times, then moves
 * the params exactly as one `sgd(lr)` step on the mean gradient.
 */
export function multiStepsMatchesMean(lr: number, params: unknown, microGrads: readonly unknown[]): boolean {
  const k = microGrads.length;
  const { updates, params: ps } = runUpdates(multiSteps(sgd(lr), k), params, microGrads);
  const zerosBefore = updates.slice(0, -1).every((u) => numbers(u).every((leaf) => leaf.every((v) => v === 0)));
  const mean = map((...gs: Tensor[]) => mul(gs.reduce((acc, g) => acc.add(g)), 1 / k), microGrads[0], ...microGrads.slice(1));
  const plain = sgd(lr);
  const [oneStep] = plain.update(mean, plain.init(params));
  return zerosBefore && treeAllClose(ps[k], applyUpdates(params, oneStep), 1e-9, 1e-12);
}

/** Schedules are read at float64 steps here, so the laws can ask for near-exact values. */
const at = (s: ScheduleFn, step: number): number => s(scalar(step, 'float64')).item() as number;
const near = (x: number, y: number, tol = 1e-9) => Math.abs(x - y) <= tol * (1 + Math.abs(y));

/** A schedule takes the given values at the given steps. */
export function scheduleHits(s: ScheduleFn, points: readonly (readonly [step: number, value: number])[], tol = 1e-9): boolean {
  return points.every(([step, value]) => near(at(s, step), value, tol));
}

/** Leaf shapes of the random parameter trees: scalars, vectors and small matrices. */
const arbShape = fc.constantFrom<number[]>([], [1], [3], [2, 2], [2, 3]);

/** Three layouts, so the laws see objects, arrays and nesting. */
function layout(xs: Tensor[], kind: number): unknown {
  if (kind === 0) return Object.fromEntries(xs.map((x, i) => [`p${i}`, x]));
  if (kind === 1) return xs;
  return { head: xs[0], body: xs.slice(1).map((x) => ({ w: x })) };
}

/** n doubles in [min, max]; when 0 is in range, signed zeros are drawn often (they catch `-0 + 0` bugs). */
function arbValues(n: number, min: number, max: number): fc.Arbitrary<number[]> {
  const double = fc.double({ min, max, noNaN: true });
  const value = min <= 0 && max >= 0 ? fc.oneof({ arbitrary: fc.constantFrom(0, -0), weight: 1 }, { arbitrary: double, weight: 4 }) : double;
  return fc.array(value, { minLength: n, maxLength: n });
}

/** A float64 parameter tree, `steps` gradient trees of its structure, and a leaf-level boolean mask. */
export interface Problem {
  params: unknown;
  grads: unknown[];
  mask: unknown;
}

/**
 * Random problems: 1-4 float64 leaves in [-2, 2] (signed zeros included), gradients in [-2, 2],
 * and a random mask of the same structure.
 */
export function arbProblem(steps: number): fc.Arbitrary<Problem> {
  return fc
    .tuple(fc.array(arbShape, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 }))
    .chain(([shapes, kind]) => {
      const sizes = shapes.map((s) => s.reduce((n, d) => n * d, 1));
      const tree = fc.tuple(...sizes.map((n) => arbValues(n, -2, 2))).map((vs) => layout(vs.map((v, i) => fromStorage(shapes[i]!, 'float64', Float64Array.from(v))), kind));
      return fc.record({
        params: tree,
        grads: fc.array(tree, { minLength: steps, maxLength: steps }),
        mask: fc.array(fc.boolean(), { minLength: shapes.length, maxLength: shapes.length }).map((bits) => layout(bits as unknown as Tensor[], kind)),
      });
    });
}

/** A random convex quadratic in 3 float64 variables, starting at least 0.5 from its minimum. */
export const arbQuadratic: fc.Arbitrary<Quadratic> = fc
  .tuple(arbValues(3, 0.5, 2), arbValues(3, -1, 1), arbValues(3, 0.5, 1.5), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }))
  .map(([a, b, d, signs]) => ({
    a: fromStorage([3], 'float64', Float64Array.from(a)),
    b: fromStorage([3], 'float64', Float64Array.from(b)),
    x0: fromStorage([3], 'float64', Float64Array.from(b.map((v, i) => v + (signs[i] ? d[i]! : -d[i]!)))),
  }));

