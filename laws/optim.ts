/**
 * Laws of optimizers as pure predicates over concrete values, returning `true` or the reason;
 * the fast-check runner is test/optim.laws.test.ts (its arbitraries are in ./arbitraries).
 * Users can check their own transformations with the same predicates.
 *
 *   chainIdentity(myTransform, params, [g1, g2]);         // true, or the step and leaf that differ
 *   sgdMatchesClosedForm(0.1, params, grads, approx({ rtol: 1e-6 }));
 */
import { grad } from '../src/grad';
import { mul, scalar, square, sub, sum, Tensor } from '../src/tensor';
import { leaves, map } from '../src/tree';
import { applyUpdates, chain, clipByGlobalNorm, globalNorm, identity, multiSteps, sgd, type GradientTransformation, type ScheduleFn } from '../src/optim';
import { approx, exact, sameAvals, sameValue, type Approx } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

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

/** Both runs give the same updates at every step (compared with `tol`). */
function sameUpdates(label: string, a: readonly unknown[], b: readonly unknown[], tol: Approx): LawResult {
  return allOf(...a.map((u, i) => [`${label}, step ${i + 1}`, () => tol.equals(u, b[i])] as const));
}

/** `chain(identity(), t)` and `chain(t, identity())` give the updates `t` gives, step by step. */
export function chainIdentity(t: Transform, params: unknown, grads: readonly unknown[]): LawResult {
  const expected = runUpdates(t, params, grads).updates;
  return allOf(
    ['chain(identity(), t) vs t', () => sameUpdates('updates', runUpdates(chain(identity(), t), params, grads).updates, expected, sameValue)],
    ['chain(t, identity()) vs t', () => sameUpdates('updates', runUpdates(chain(t, identity()), params, grads).updates, expected, sameValue)],
  );
}

/** `chain(chain(a, b), c)` and `chain(a, chain(b, c))` give the same updates. */
export function chainAssociative(a: Transform, b: Transform, c: Transform, params: unknown, grads: readonly unknown[]): LawResult {
  const left = runUpdates(chain(chain(a, b), c), params, grads).updates;
  const right = runUpdates(chain(a, chain(b, c)), params, grads).updates;
  return labelled('chain(chain(a, b), c) vs chain(a, chain(b, c))', sameUpdates('updates', left, right, sameValue));
}

/**
 * Updates have the gradients' structure, shapes and dtypes, and every state has the structure,
 * shapes and dtypes of the initial state (so a step can be jitted once and reused).
 */
export function updatesKeepStructure(opt: Transform, params: unknown, grads: readonly unknown[]): LawResult {
  const { updates, states } = runUpdates(opt, params, grads);
  return allOf(
    ...updates.map((u, i) => [`updates of step ${i + 1} vs gradients`, () => sameAvals(u, grads[i])] as const),
    ...states.map((s, i) => [`state after step ${i} vs initial state`, () => sameAvals(s, states[0])] as const),
  );
}

/** Copies of every leaf (tensor data as plain numbers), to compare after the fact. */
function snapshot(tree: unknown): unknown[] {
  return leaves(tree).map((x) => (x instanceof Tensor ? { aval: `${x.dtype}[${x.shape}]`, data: Array.from(x.dataSync()) } : x));
}

/**
 * Purity: `init` and `update` leave params, gradients and the incoming state as they were, and
 * the same inputs give the same outputs.
 */
export function updateIsPure(opt: Transform, params: unknown, grads: readonly unknown[]): LawResult {
  const before = [params, ...grads].map(snapshot);
  let state = opt.init(params);
  for (const [i, g] of grads.entries()) {
    const stateBefore = snapshot(state);
    const [u1, s1] = opt.update(g, state, params);
    const [u2, s2] = opt.update(g, state, params);
    const r = allOf(
      ['the incoming state after update vs before', () => sameValue.equals(snapshot(state), stateBefore)],
      ['updates of two identical calls', () => sameValue.equals(u1, u2)],
      ['states of two identical calls', () => sameValue.equals(s1, s2)],
    );
    if (r !== true) return `step ${i + 1}: ${r}`;
    state = s1;
  }
  return labelled('params and gradients after every step vs before', sameValue.equals([params, ...grads].map(snapshot), before));
}

/**
 * After every step of `opt` (typically `chain(optimizer, freeze(mask))`), the leaves where
 * `frozen` (a leaf-level boolean tree) is true hold exactly their initial bits.
 */
export function frozenLeavesUnchanged(opt: Transform, params: unknown, grads: readonly unknown[], frozen: unknown): LawResult {
  const isFrozen = leaves(frozen) as boolean[];
  const pick = (p: unknown) => (leaves(p) as Tensor[]).filter((_, i) => isFrozen[i]);
  const initial = pick(params);
  return allOf(...runUpdates(opt, params, grads).params.map((p, step) => [`frozen leaves after step ${step}`, () => sameValue.equals(pick(p), initial)] as const));
}

/** Leafwise JS-number arrays of a tree of tensors. */
const numbers = (tree: unknown): number[][] => (leaves(tree) as Tensor[]).map((x) => Array.from(x.dataSync()));

/** Plain SGD: after n steps, `params - lr * (g1 + ... + gn)`. */
export function sgdMatchesClosedForm(lr: number, params: unknown, grads: readonly unknown[], tol: Approx = approx()): LawResult {
  const { params: ps } = runUpdates(sgd(lr), params, grads);
  const expected = numbers(params).map((p, i) => p.map((v, j) => v - lr * grads.reduce<number>((acc, g) => acc + numbers(g)[i]![j]!, 0)));
  return labelled(`leaves after ${grads.length} sgd steps vs params - lr * sum of gradients`, tol.equals(numbers(ps[ps.length - 1]), expected));
}

/**
 * Momentum: the update at step t is `-lr * m_t` with `m_t = sum_i decay^(t-i) g_i`, or
 * `-lr * (g_t + decay * m_t)` with Nesterov.
 */
export function momentumMatchesClosedForm(lr: number, decay: number, nesterov: boolean, params: unknown, grads: readonly unknown[], tol: Approx = approx()): LawResult {
  const { updates } = runUpdates(sgd(lr, { momentum: decay, nesterov }), params, grads);
  const gs = grads.map(numbers);
  return allOf(...updates.map((u, t) => [`update of step ${t + 1} vs the closed form`, () => {
    const m = gs[0]!.map((leaf, i) => leaf.map((_, j) => gs.slice(0, t + 1).reduce((acc, g, k) => acc + decay ** (t - k) * g[i]![j]!, 0)));
    const expected = m.map((leaf, i) => leaf.map((v, j) => -lr * (nesterov ? gs[t]![i]![j]! + decay * v : v)));
    return tol.equals(numbers(u), expected);
  }] as const));
}

/** Clipping bounds the global norm by `maxNorm`, and below `maxNorm` changes nothing at all. */
export function clipByGlobalNormBounds(maxNorm: number, grads: unknown): LawResult {
  const [clipped] = clipByGlobalNorm(maxNorm).update(grads, {});
  const before = globalNorm(grads).item() as number;
  const after = globalNorm(clipped).item() as number;
  if (before < maxNorm) return labelled(`norm ${before} below ${maxNorm}: clipped vs gradients`, sameValue.equals(clipped, grads));
  return check(after <= maxNorm * (1 + 1e-12) && Math.abs(after - maxNorm) <= 1e-9 * maxNorm, () => `norm ${before} clipped to ${after}, expected ${maxNorm}`);
}

/** With eps = epsRoot = 0, Adam's updates for gradients `c * g` (c > 0) equal those for `g`. */
export function scaleInvariant(makeOpt: () => Transform, c: number, params: unknown, grads: readonly unknown[], tol: Approx = approx()): LawResult {
  const scaled = grads.map((g) => map((x: Tensor) => mul(x, c), g));
  const a = runUpdates(makeOpt(), params, grads).updates;
  const b = runUpdates(makeOpt(), params, scaled).updates;
  return sameUpdates(`updates for ${c} * gradients vs for the gradients`, b, a, tol);
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
export function decreasesQuadratic(opt: Transform, q: Quadratic, steps: number, factor = 1): LawResult {
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
  return check(end < factor * start, () => `loss ${start} -> ${end} after ${steps} steps, expected below ${factor * start}`);
}

/**
 * `multiSteps(sgd(lr), k)` over k micro-batch gradients returns zeros k - 1 times, then moves
 * the params exactly as one `sgd(lr)` step on the mean gradient.
 */
export function multiStepsMatchesMean(lr: number, params: unknown, microGrads: readonly unknown[], tol: Approx = approx()): LawResult {
  const k = microGrads.length;
  const { updates, params: ps } = runUpdates(multiSteps(sgd(lr), k), params, microGrads);
  const mean = map((...gs: Tensor[]) => mul(gs.reduce((acc, g) => acc.add(g)), 1 / k), microGrads[0], ...microGrads.slice(1));
  const plain = sgd(lr);
  const [oneStep] = plain.update(mean, plain.init(params));
  return allOf(
    ...updates.slice(0, -1).map((u, i) => [`update of micro-step ${i + 1} vs zero`, () => exact.equals(numbers(u), numbers(u).map((leaf) => leaf.map(() => 0)))] as const),
    [`params after ${k} micro-steps vs one sgd step on the mean gradient`, () => tol.equals(ps[k], applyUpdates(params, oneStep))],
  );
}

/** Schedules are read at float64 steps here, so the laws can ask for near-exact values. */
const at = (s: ScheduleFn, step: number): number => s(scalar(step, 'float64')).item() as number;

/** A schedule takes the given values at the given steps (default tolerance 1e-9, relative and absolute). */
export function scheduleHits(s: ScheduleFn, points: readonly (readonly [step: number, value: number])[], tol: Approx = approx({ rtol: 1e-9, atol: 1e-9 })): LawResult {
  return allOf(...points.map(([step, value]) => [`schedule at step ${step}`, () => tol.equals(at(s, step), value)] as const));
}
