import { describe, expect, it } from 'vitest';
import { grad, makeJaxpr, vmap } from '../src/grad';
import {
  adagrad,
  adam,
  adamax,
  adamw,
  applyIfFinite,
  applyUpdates,
  chain,
  clip,
  clipByGlobalNorm,
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  freeze,
  globalNorm,
  identity,
  lamb,
  lion,
  masked,
  multiSteps,
  multiTransform,
  nadam,
  cosineOnecycleSchedule,
  partition,
  piecewiseConstantSchedule,
  polynomialSchedule,
  rmsprop,
  scale,
  scaleByLearningRate,
  setToZero,
  sgd,
  warmupCosineDecaySchedule,
  adadelta,
  type GradientTransformation,
} from '../src/optim';
import { mul, scalar, sum, tensor, type Tensor } from '../src/tensor';
import { map, structure } from '../src/tree';
import { expectClose as expectCloseShared } from './ops.helpers';

const f64 = (values: number[]) => tensor(values, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.dataSync());

/** Numbers, arrays of numbers or scalar tensors agree within `tol` (relative and absolute). */
const expectClose = (actual: unknown, expected: number | readonly number[], tol = 1e-6): void => expectCloseShared(actual, expected, tol);

/** Run `opt` over the gradient list from `params`; returns each step's updates of leaf `w`. */
function steps(opt: GradientTransformation<any>, params: { w: Tensor }, grads: number[][]): number[][] {
  let state = opt.init(params);
  let p = params;
  return grads.map((g) => {
    const [u, s] = opt.update({ w: f64(g) }, state, p);
    state = s;
    p = applyUpdates(p, u);
    return arr(u.w);
  });
}

describe('optimizers against hand-computed values', () => {
  const p0 = { w: f64([1, -2]) };
  const g1 = [0.5, -1];
  const g2 = [1, 2];

  it('adam: the first two steps', () => {
    const [lr, b1, b2, eps] = [0.1, 0.9, 0.999, 1e-8];
    const [u1, u2] = steps(adam(lr), p0, [g1, g2]);
    expectClose(u1, g1.map((g) => (-lr * g) / (Math.abs(g) + eps)), 1e-12);
    const expected2 = g1.map((a, i) => {
      const b = g2[i]!;
      const m = b1 * (1 - b1) * a + (1 - b1) * b;
      const v = b2 * (1 - b2) * a * a + (1 - b2) * b * b;
      return (-lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    });
    expectClose(u2, expected2, 1e-12);
  });

  it('nadam: the first step looks ahead', () => {
    const [lr, b1] = [0.1, 0.9];
    const [u1] = steps(nadam(lr, { eps: 0 }), p0, [g1]);
    // mu_hat = b1 * mu / (1 - b1^2) + (1 - b1) * g / (1 - b1), with mu = (1 - b1) g, over |g|.
    expectClose(u1, g1.map((g) => (-lr * ((b1 * (1 - b1) * g) / (1 - b1 ** 2) + g)) / Math.abs(g)), 1e-12);
  });

  it('adamw: the decay is decoupled and scaled by the learning rate', () => {
    const [lr, wd] = [0.1, 0.5];
    const [u1] = steps(adamw(lr, { weightDecay: wd }), p0, [g1]);
    expectClose(u1, g1.map((g, i) => -lr * (g / (Math.abs(g) + 1e-8) + wd * arr(p0.w)[i]!)), 1e-12);
  });

  it('adamw: the mask turns decay off per leaf', () => {
    const params = { w: f64([1, -2]), b: f64([3]) };
    const opt = adamw(0.1, { weightDecay: 0.5, mask: { w: true, b: false } });
    const [u] = opt.update({ w: f64([0, 0]), b: f64([0]) }, opt.init(params), params);
    expectClose(arr(u.w), [-0.05, 0.1], 1e-12);
    expectClose(arr(u.b), [0], 0);
  });

  it('lion: sign of the interpolated momentum, then decay', () => {
    const [lr, wd] = [0.1, 0.01];
    const [u1, u2] = steps(lion(lr, { weightDecay: wd }), p0, [g1, [-0.01, 0.01]]);
    expectClose(u1, [-lr * (1 + wd * 1), -lr * (-1 + wd * -2)], 1e-12);
    // After step 1 the params moved by u1; mu = 0.01 * g1, so sign(0.1 * g2 + 0.9 * mu) = sign(g1) here.
    const p1 = [1 + u1[0]!, -2 + u1[1]!];
    expectClose(u2, [-lr * (1 + wd * p1[0]!), -lr * (-1 + wd * p1[1]!)], 1e-12);
  });

  it('sgd with momentum: -lr * (g2 + decay * g1) on the second step', () => {
    const [, u2] = steps(sgd(0.1, { momentum: 0.9 }), p0, [g1, g2]);
    expectClose(u2, g2.map((g, i) => -0.1 * (g + 0.9 * g1[i]!)), 1e-12);
  });

  it('rmsprop and adagrad: the first step', () => {
    const [r1] = steps(rmsprop(0.1), p0, [g1]);
    expectClose(r1, g1.map((g) => (-0.1 * g) / Math.sqrt(0.1 * g * g + 1e-8)), 1e-12);
    const [a1] = steps(adagrad(0.1), p0, [g1]);
    expectClose(a1, g1.map((g) => (-0.1 * g) / Math.sqrt(0.1 + g * g + 1e-7)), 1e-12);
  });

  it('adamax: the first step divides by |g| + eps', () => {
    const [u1] = steps(adamax(0.1), p0, [g1]);
    expectClose(u1, g1.map((g) => (-0.1 * g) / (Math.abs(g) + 1e-8)), 1e-12);
  });

  it('adadelta: the first step is g * sqrt(eps) / sqrt(0.1 g^2 + eps)', () => {
    const [u1] = steps(adadelta(1), p0, [g1]);
    expectClose(u1, g1.map((g) => (-g * Math.sqrt(1e-6)) / Math.sqrt(0.1 * g * g + 1e-6)), 1e-12);
  });

  it('lamb: the update of each leaf is rescaled to lr * ||param||', () => {
    const [u1] = steps(lamb(0.1), p0, [g1]);
    const adamDir = g1.map((g) => g / (Math.abs(g) + 1e-6));
    const ratio = Math.sqrt(5) / Math.hypot(...adamDir);
    expectClose(u1, adamDir.map((d) => -0.1 * ratio * d), 1e-12);
  });
});

describe('building blocks', () => {
  it('globalNorm and clipByGlobalNorm', () => {
    expect(globalNorm({ a: f64([3]), b: [f64([4])] }).item()).toBe(5);
    const [u] = clipByGlobalNorm(1).update({ w: f64([3, 4]) }, {});
    expectClose(arr(u.w), [0.6, 0.8], 1e-15);
    const small = { w: f64([0.3, 0.4]) };
    expect(clipByGlobalNorm(1).update(small, {})[0].w.dataSync()).toEqual(small.w.dataSync());
  });

  it('clip, scale, identity, setToZero', () => {
    expect(arr(clip(1).update({ w: f64([-3, 0.5, 2]) }, {})[0].w)).toEqual([-1, 0.5, 1]);
    expect(arr(scale(-2).update({ w: f64([1, 2]) }, {})[0].w)).toEqual([-2, -4]);
    const g = { w: f64([1]) };
    expect(identity().update(g, {})[0]).toBe(g);
    expect(arr(setToZero().update(g, {})[0].w)).toEqual([0]);
  });

  it('applyUpdates keeps each parameter dtype', () => {
    const params = { a: tensor([1, 2]), b: f64([1]) };
    const out = applyUpdates(params, { a: f64([0.5, 0.5]), b: tensor([1]) });
    expect([out.a.dtype, out.b.dtype]).toEqual(['float32', 'float64']);
    expect(arr(out.a)).toEqual([1.5, 2.5]);
  });

  it('a schedule is read at the step count, starting from 0', () => {
    const opt = sgd(piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 2: 0.5 } }));
    const us = steps(opt, { w: f64([0]) }, [[1], [1], [1], [1]]);
    expect(us.map((u) => u[0])).toEqual([-1, -1, -0.5, -0.5]);
  });

  it('schedules follow the parameters precision: float64 training gets a float64 learning rate', () => {
    // The exact float64 value of each schedule at steps 0..3, as the schedule computes it in JS
    // doubles; float32 would be off by ~1e-9 (0.1 itself is 0.10000000149 in float32).
    const cosine = (t: number) => ((Math.cos(t * (Math.PI / 1000)) + 1) * 0.5 * 1 + 0) * 0.1;
    const schedules = [
      [cosineDecaySchedule({ initValue: 0.1, decaySteps: 1000 }), cosine],
      [exponentialDecay({ initValue: 0.1, transitionSteps: 7, decayRate: 0.3 }), (t: number) => (t <= 0 ? 0.1 : 0.3 ** (t / 7) * 0.1)],
    ] as const;
    for (const [schedule, exact] of schedules) {
      const us = steps(sgd(schedule), { w: f64([0]) }, [[1], [1], [1], [1]]);
      us.forEach((u, t) => expect(Math.abs(u[0]! + exact(t))).toBeLessThan(1e-16));
      // float32 parameters keep a float32 rate.
      const u32 = steps(sgd(schedule), { w: tensor([0]) }, [[1]]);
      expect(u32[0]![0]).toBe(Math.fround(-0.1));
    }
  });

  it('scaleByLearningRate with a schedule counts steps in an int32 state', () => {
    const t = scaleByLearningRate(constantSchedule({ value: 0.5 }));
    const s = t.init({});
    expect((s as { count: Tensor }).count.dtype).toBe('int32');
  });
});

describe('wrappers', () => {
  it('applyIfFinite skips non-finite steps and counts them', () => {
    const opt = applyIfFinite(sgd(0.1, { momentum: 0.9 }), 1);
    const params = { w: f64([1, 1]) };
    let state = opt.init(params);
    let u: any;
    [u, state] = opt.update({ w: f64([1, 1]) }, state, params);
    expectClose(arr(u.w), [-0.1, -0.1], 1e-15);
    const traceBefore = arr((state.inner[0] as any).trace.w);
    [u, state] = opt.update({ w: f64([NaN, 1]) }, state, params);
    expect(arr(u.w)).toEqual([0, 0]);
    expect(arr((state.inner[0] as any).trace.w)).toEqual(traceBefore);
    expect([state.notfiniteCount.item(), state.totalNotfinite.item(), state.lastFinite.item()]).toEqual([1, 1, false]);
    // A second bad step in a row exceeds maxConsecutiveErrors = 1, so it goes through.
    [u, state] = opt.update({ w: f64([Infinity, 1]) }, state, params);
    expect(Number.isFinite(arr(u.w)[0]!)).toBe(false);
    [u, state] = opt.update({ w: f64([1, 1]) }, state, params);
    expect([state.notfiniteCount.item(), state.totalNotfinite.item(), state.lastFinite.item()]).toEqual([0, 2, true]);
  });

  it('multiSteps returns zeros between emissions and applies the inner update on the mean', () => {
    const opt = multiSteps(sgd(1), 3);
    const us = steps(opt, { w: f64([0]) }, [[1], [2], [6], [3], [3], [3]]);
    expect(us.map((u) => u[0])).toEqual([0, 0, -3, 0, 0, -3]);
  });
});

describe('masking', () => {
  const params = { enc: { w: f64([1, 2]) }, head: f64([3]) };
  const grads = { enc: { w: f64([1, 1]) }, head: f64([1]) };

  it('masked applies the inner transformation only where the mask is true; elsewhere updates pass through', () => {
    const opt = masked(scale(-10), { enc: true, head: false });
    const [u] = opt.update(grads, opt.init(params), params);
    expect(arr(u.enc.w)).toEqual([-10, -10]);
    expect(arr(u.head)).toEqual([1]);
    const byFunction = masked(scale(-10), (p: typeof params) => map((x: Tensor) => x.size > 1, p));
    expect(arr(byFunction.update(grads, byFunction.init(params), params)[0].head)).toEqual([1]);
  });

  it('freeze gives -0 updates, so frozen params keep their bits (even -0)', () => {
    const p = { w: f64([-0, 1]), b: f64([2]) };
    const opt = chain(adam(0.1), freeze({ w: true, b: false }));
    const [u] = opt.update({ w: f64([1, 1]), b: f64([1]) }, opt.init(p), p);
    const next = applyUpdates(p, u);
    expect(Object.is(arr(next.w)[0], -0)).toBe(true);
    expect(arr(next.w)[1]).toBe(1);
    expect(arr(next.b)[0]).not.toBe(2);
  });

  it('partition sends each labelled leaf to its transformation and rejects unknown labels', () => {
    const opt = partition({ fast: scale(-10), slow: scale(-1) }, { enc: 'slow', head: 'fast' });
    const [u] = opt.update(grads, opt.init(params), params);
    expect(arr(u.enc.w)).toEqual([-1, -1]);
    expect(arr(u.head)).toEqual([-10]);
    expect(multiTransform).toBe(partition);
    expect(() => partition({ fast: scale(-1) }, { enc: 'slow', head: 'fast' }).init(params)).toThrow(/"slow"/);
  });
});

describe('schedules', () => {
  it('hit documented values', () => {
    expectClose(polynomialSchedule({ initValue: 1, endValue: 0, power: 2, transitionSteps: 100 })(50), 0.25);
    expectClose(exponentialDecay({ initValue: 1, transitionSteps: 100, decayRate: 0.5 })(200), 0.25);
    expectClose(exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5, staircase: true })(19), 0.5);
    expectClose(exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5, endValue: 0.3 })(100), 0.3);
    expectClose(exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5 })(3), 1);
    expectClose(piecewiseConstantSchedule({ initValue: 0.1, boundariesAndScales: { 100: 0.1, 200: 0.1 } })(150), 0.01);
    const wc = warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110 });
    expectClose([wc(5), wc(10), wc(60), wc(110)], [0.5, 1, 0.5, 0]);
    expectClose(cosineOnecycleSchedule({ transitionSteps: 1000, peakValue: 0.1 })(300), 0.1);
  });

  it('accept int32, float and number steps and compute in the step float dtype', () => {
    const s = warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110 });
    expect(s(scalar(5, 'int32')).dtype).toBe('float32');
    expect(s(scalar(5, 'float64')).dtype).toBe('float64');
    expect(s(5).dtype).toBe('float32');
  });
});

describe('traceability', () => {
  const params = { w: f64([1, -2]), b: f64([0.5]) };
  const grads = { w: f64([0.3, -0.1]), b: f64([2]) };
  const optimizers: Record<string, GradientTransformation<any>> = {
    adamw: adamw(warmupCosineDecaySchedule({ initValue: 0, peakValue: 1e-3, warmupSteps: 10, decaySteps: 100 })),
    lion: lion(cosineOnecycleSchedule({ transitionSteps: 100, peakValue: 1e-3 })),
    lamb: lamb(exponentialDecay({ initValue: 1e-3, transitionSteps: 10, decayRate: 0.9, staircase: true })),
    guarded: applyIfFinite(chain(clipByGlobalNorm(1), adam(1e-3)), 3),
    accumulated: multiSteps(rmsprop(1e-3, { centered: true, momentum: 0.9 }), 4),
    frozen: partition({ a: adam(1e-3), f: freeze(true) }, { w: 'a', b: 'f' }),
  };

  it('a whole update stages to a jaxpr: no JS branch reads tensor data', () => {
    for (const [name, opt] of Object.entries(optimizers)) {
      const state = opt.init(params);
      const jaxpr = makeJaxpr((p: unknown, g: unknown, s: unknown) => opt.update(g, s, p))(params, grads, state);
      expect(jaxpr.eqns.length, name).toBeGreaterThan(0);
    }
  });

  it('vmap over a batch of gradients matches separate updates', () => {
    const opt = adam(0.1);
    const state = opt.init(params);
    const batch = { w: tensor([[0.3, -0.1], [1, 2]], { dtype: 'float64' }), b: tensor([[2], [-1]], { dtype: 'float64' }) };
    const batched: any = vmap((g: unknown) => opt.update(g, state, params)[0], { inAxes: [0] })(batch);
    const second = opt.update({ w: f64([1, 2]), b: f64([-1]) }, state, params)[0];
    expectClose(arr(batched.w).slice(2), arr(second.w), 1e-12);
  });

  it('grad flows through an update (meta-gradient of the loss after one sgd step w.r.t. the learning rate)', () => {
    const loss = (x: Tensor) => sum(mul(x, x));
    const x0 = f64([1, 2]);
    const after = (lr: Tensor) => {
      const opt = chain(scaleByLearningRate((_step: Tensor) => lr));
      const [u] = opt.update(grad(loss)(x0), opt.init(x0));
      return loss(applyUpdates(x0, u));
    };
    // loss(x - lr * 2x) = (1 - 2 lr)^2 * 5; d/dlr = -20 (1 - 2 lr)
    expectClose(grad(after)(scalar(0.1, 'float64')), -16, 1e-12);
  });

  it('states keep their structure across steps', () => {
    const opt = optimizers.accumulated!;
    const s0 = opt.init(params);
    const [, s1] = opt.update(grads, s0, params);
    expect(structure(s1).equals(structure(s0))).toBe(true);
  });
});
