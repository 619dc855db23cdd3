import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../src/tensor';
import { allOf, type LawResult } from '../laws/result';
import { arbProblem, arbQuadratic } from '../laws/arbitraries/optim';
import { lawProperty } from '../laws/arbitraries/property';
import {
  chainAssociative,
  chainIdentity,
  clipByGlobalNormBounds,
  decreasesQuadratic,
  frozenLeavesUnchanged,
  momentumMatchesClosedForm,
  multiStepsMatchesMean,
  scaleInvariant,
  scheduleHits,
  sgdMatchesClosedForm,
  updateIsPure,
  updatesKeepStructure,
} from '../laws/optim';
import {
  adabelief,
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  applyIfFinite,
  chain,
  clipByGlobalNorm,
  cosineDecaySchedule,
  exponentialDecay,
  freeze,
  lamb,
  linearSchedule,
  lion,
  multiSteps,
  nadam,
  cosineOnecycleSchedule,
  partition,
  piecewiseConstantSchedule,
  rmsprop,
  scaleByAdam,
  sgd,
  trace,
  warmupCosineDecaySchedule,
  type GradientTransformation,
} from '../src/optim';
import { add, greaterEqual, sub, where, type Tensor } from '../src/tensor';
import { map } from '../src/tree';

const seed = 11;
const runs = (numRuns: number) => ({ seed, numRuns });

/** Every optimizer, each with a learning rate that suits a quadratic with curvature in [0.5, 2]. */
const optimizers: Record<string, () => GradientTransformation<any>> = {
  sgd: () => sgd(0.1),
  momentum: () => sgd(0.05, { momentum: 0.9 }),
  nesterov: () => sgd(0.05, { momentum: 0.9, nesterov: true }),
  adam: () => adam(0.05),
  adamSchedule: () => adam(warmupCosineDecaySchedule({ initValue: 0, peakValue: 0.1, warmupSteps: 10, decaySteps: 100 })),
  adamw: () => adamw(0.05, { weightDecay: 1e-2 }),
  nadam: () => nadam(0.05),
  adamax: () => adamax(0.05),
  adabelief: () => adabelief(0.05),
  rmsprop: () => rmsprop(0.01),
  rmspropCentered: () => rmsprop(0.01, { centered: true, momentum: 0.5 }),
  adagrad: () => adagrad(0.3),
  adadelta: () => adadelta(1),
  lamb: () => lamb(0.05),
  lion: () => lion(0.02),
  clippedSgd: () => chain(clipByGlobalNorm(1), sgd(0.1)),
  guardedAdam: () => applyIfFinite(adam(0.05), 2),
  accumulatedSgd: () => multiSteps(sgd(0.2), 2),
};

/** A law over every optimizer, failing with the first optimizer's name and reason. */
const forEachOptimizer = (law: (make: () => GradientTransformation<any>) => LawResult): LawResult =>
  allOf(...Object.entries(optimizers).map(([name, make]) => [name, () => law(make)] as const));

describe(`optimizer laws (seed ${seed})`, () => {
  it('chain identity: chain(identity(), t) and chain(t, identity()) behave as t', () => {
    fc.assert(lawProperty(arbProblem(2), ({ params, grads }) => allOf(['adamw', () => chainIdentity(adamw(0.1), params, grads)], ['sgd with momentum', () => chainIdentity(sgd(0.1, { momentum: 0.9 }), params, grads)])), runs(30));
  });

  it('chain is associative', () => {
    fc.assert(lawProperty(arbProblem(2), ({ params, grads }) => chainAssociative(clipByGlobalNorm(1), scaleByAdam(), trace({ decay: 0.5 }), params, grads)), runs(30));
  });

  it('updates keep the gradients structure, shapes and dtypes; the state structure is stable', () => {
    fc.assert(lawProperty(arbProblem(2), ({ params, grads }) => forEachOptimizer((make) => updatesKeepStructure(make(), params, grads))), runs(10));
  });

  it('purity: init and update mutate nothing and are deterministic', () => {
    fc.assert(lawProperty(arbProblem(2), ({ params, grads }) => forEachOptimizer((make) => updateIsPure(make(), params, grads))), runs(5));
  });

  it('sgd matches params - lr * sum of gradients', () => {
    fc.assert(lawProperty(arbProblem(3), fc.double({ min: 1e-3, max: 1, noNaN: true }), ({ params, grads }, lr) => sgdMatchesClosedForm(lr, params, grads)), runs(30));
  });

  it('momentum (heavy ball and Nesterov) matches its closed form', () => {
    fc.assert(
      lawProperty(arbProblem(3), fc.double({ min: 0, max: 0.99, noNaN: true }), fc.boolean(), ({ params, grads }, decay, nesterov) => momentumMatchesClosedForm(0.1, decay, nesterov, params, grads)),
      runs(30),
    );
  });

  for (const [name, make] of Object.entries(optimizers)) {
    it(`frozen leaves are bit-identical after 3 steps: ${name} with freeze and with partition`, () => {
      fc.assert(
        lawProperty(arbProblem(3), ({ params, grads, mask }) => {
          const labels = map((frozen: boolean) => (frozen ? 'frozen' : 'train'), mask);
          return allOf(
            ['chain(optimizer, freeze(mask))', () => frozenLeavesUnchanged(chain(make(), freeze(mask)), params, grads, mask)],
            ['partition({ train, frozen: freeze(true) })', () => frozenLeavesUnchanged(partition({ train: make(), frozen: freeze(true) }, labels), params, grads, mask)],
          );
        }),
        runs(8),
      );
    });
  }

  it('clipByGlobalNorm bounds the norm and is the identity below it', () => {
    fc.assert(lawProperty(arbProblem(1), fc.double({ min: 0.01, max: 10, noNaN: true }), ({ grads }, maxNorm) => clipByGlobalNormBounds(maxNorm, grads[0])), runs(30));
  });

  it('Adam with eps = 0 is invariant to the gradient scale', () => {
    // Away from zero, so squares neither vanish nor underflow (0/0 and denormals break the law).
    const awayFromZero = (g: unknown) => map((x: Tensor) => where(greaterEqual(x, 0), add(x, 0.01), sub(x, 0.01)), g);
    const nonzero = arbProblem(3).map((p) => ({ ...p, grads: p.grads.map(awayFromZero) }));
    fc.assert(
      lawProperty(nonzero, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), ({ params, grads }, c) => scaleInvariant(() => adam(0.1, { eps: 0 }), c, params, grads)),
      runs(30),
    );
  });

  for (const [name, make] of Object.entries(optimizers)) {
    it(`${name} cuts a random convex quadratic's loss by 10% or more in 60 steps`, () => {
      fc.assert(
        lawProperty(arbQuadratic, (q) => decreasesQuadratic(make(), q, 60, 0.9)),
        runs(4),
      );
    });
  }

  it('multiSteps over k micro-batches equals one sgd step on the mean gradient', () => {
    fc.assert(lawProperty(fc.integer({ min: 1, max: 4 }).chain((k) => arbProblem(k)), fc.double({ min: 1e-3, max: 1, noNaN: true }), ({ params, grads }, lr) => multiStepsMatchesMean(lr, params, grads)), runs(30));
  });

  it('schedules hit their boundary values', () => {
    const value = fc.double({ min: -10, max: 10, noNaN: true });
    const steps = fc.integer({ min: 1, max: 1000 });
    fc.assert(
      lawProperty(value, value, steps, fc.integer({ min: 0, max: 100 }), (init, end, n, begin) =>
        scheduleHits(linearSchedule({ initValue: init, endValue: end, transitionSteps: n, transitionBegin: begin }), [[0, init], [begin, init], [begin + n, end], [begin + n + 7, end], [begin + n / 2, (init + end) / 2]]),
      ),
      runs(30),
    );
    fc.assert(
      lawProperty(fc.double({ min: 1e-4, max: 1, noNaN: true }), steps, steps, fc.double({ min: 0, max: 1, noNaN: true }), (peak, warmup, decay, endFrac) =>
        scheduleHits(warmupCosineDecaySchedule({ initValue: 0, peakValue: peak, warmupSteps: warmup, decaySteps: warmup + decay, endValue: peak * endFrac }), [
          [0, 0],
          [warmup, peak],
          [warmup + decay, peak * endFrac],
          [warmup + decay + 5, peak * endFrac],
        ]),
      ),
      runs(30),
    );
    fc.assert(
      lawProperty(value, steps, fc.double({ min: 0, max: 1, noNaN: true }), (init, n, alpha) => scheduleHits(cosineDecaySchedule({ initValue: init, decaySteps: n, alpha }), [[0, init], [n, alpha * init], [2 * n, alpha * init]])),
      runs(30),
    );
    fc.assert(
      lawProperty(value, fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 4 }), fc.array(fc.double({ min: 0.1, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }), (init, bounds, scales) => {
        const sorted = [...bounds].sort((a, b) => a - b);
        const pairs = sorted.map((b, i) => [b, scales[i]!] as const);
        const expected = (upTo: number) => pairs.slice(0, upTo).reduce((v, [, s]) => v * s, init);
        const points = sorted.flatMap((b, i) => [[b - 1, expected(i)], [b, expected(i + 1)]] as [number, number][]);
        return scheduleHits(piecewiseConstantSchedule({ initValue: init, boundariesAndScales: pairs }), [[0, init], ...points]);
      }),
      runs(30),
    );
    fc.assert(
      lawProperty(value, fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.1, max: 0.99, noNaN: true }), fc.boolean(), (init, n, rate, staircase) =>
        scheduleHits(exponentialDecay({ initValue: init, transitionSteps: n, decayRate: rate, staircase }), [[0, init], [n, init * rate], [3 * n, init * rate ** 3]]),
      ),
      runs(30),
    );
    fc.assert(
      lawProperty(fc.integer({ min: 10, max: 10_000 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (n, peak) =>
        scheduleHits(cosineOnecycleSchedule({ transitionSteps: n, peakValue: peak }), [[0, peak / 25], [Math.floor(0.3 * n), peak], [n, peak / 25 / 1e4], [n + 1, peak / 25 / 1e4]]),
      ),
      runs(30),
    );
  });

  it('the laws say why a broken transformation fails them', () => {
    const params = { w: tensor([1, 2], { dtype: 'float64' }) };
    const grads = [{ w: tensor([0.5, -1], { dtype: 'float64' }) }];
    let calls = 0;
    const impure: GradientTransformation<null> = { init: () => null, update: (g) => [map((x: Tensor) => add(x, calls++), g), null] };
    expect(updateIsPure(impure, params, grads)).toBe('step 1: updates of two identical calls: .w index [0]: 0.5 vs 1.5');
    expect(sgdMatchesClosedForm(0.1, params, grads)).toBe(true);
    expect(chainIdentity(impure, params, grads)).toMatch(/^chain\(identity\(\), t\) vs t: updates, step 1: \.w index \[0\]: /);
  });
});
