import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import * as nn from '../src/nn';
import { key, normal, randint } from '../src/random';
import { map } from '../src/tree';
import { fromTensors } from '../src/data';
import type { Metric } from '../src/train';
import { evaluateApprox, evaluateIndependentOfBatchSize, penaltyGradientMatchesGrad, plateauMatchesReference, predictMatchesApply, reportMatchesMetrics } from '../laws/training';
import { approx } from '../laws/approx';
import { asyncLawProperty, lawProperty } from '../laws/arbitraries/property';

const seed = 20250116;
const params = { seed, numRuns: 40 };

const model = nn.sequential(nn.linear(5), nn.activation(nn.tanh), nn.linear(3));
type Params = ReturnType<typeof model.init>['params'];
const apply = (p: Params, x: T.Tensor) => model.apply(p, x);

/** float64 inputs, so batched and whole evaluations differ only by summation order (accuracy is a float32 mean). */
const arbProblem = fc.record({ n: fc.integer({ min: 1, max: 40 }), seed: fc.nat() }).map(({ n, seed: s }) => {
  const { params: p } = model.init(key(s), [-1, 4]);
  const p64 = map((w: T.Tensor) => T.astype(w, 'float64'), p) as Params;
  const x = T.astype(normal(key(s + 1), [n, 4]), 'float64');
  const y = randint(key(s + 2), [n], 0, 3);
  return { params: p64, ds: fromTensors({ x, y }), x };
});

describe(`training laws (seed ${seed})`, () => {
  it('evaluateIndependentOfBatchSize: ragged last batches count for their size', async () => {
    const metrics = { loss: nn.softmaxCrossEntropy, accuracy: nn.accuracy };
    const tol = evaluateApprox.with({ rtol: 1e-6, atol: 1e-6 });
    await fc.assert(asyncLawProperty(arbProblem, fc.integer({ min: 1, max: 16 }), ({ params: p, ds }, b) => evaluateIndependentOfBatchSize(apply, p, ds, metrics, b, tol)), params);
  });

  it('predictMatchesApply: batched predictions are the model on every example', async () => {
    const tol = approx({ float64: { rtol: 1e-12, atol: 1e-12 } });
    await fc.assert(asyncLawProperty(arbProblem, fc.integer({ min: 1, max: 16 }), ({ params: p, x }, b) => predictMatchesApply(apply, p, x, b, tol)), params);
  });

  it('reportMatchesMetrics: the report agrees with nn.confusionMatrix, precision, recall and accuracy', () => {
    const arbLabels = fc.integer({ min: 1, max: 5 }).chain((k) =>
      fc.integer({ min: 1, max: 50 }).chain((n) =>
        fc.record({ k: fc.constant(k), yTrue: fc.array(fc.nat({ max: k - 1 }), { minLength: n, maxLength: n }), yPred: fc.array(fc.nat({ max: k - 1 }), { minLength: n, maxLength: n }) }),
      ),
    );
    fc.assert(lawProperty(arbLabels, ({ k, yTrue, yPred }) => reportMatchesMetrics(yTrue, yPred, k)), params);
  });

  it('plateauMatchesReference: the scale follows the rule, eagerly and under jit', () => {
    const arbOptions = fc.record({
      factor: fc.constantFrom(0.5, 0.25),
      patience: fc.integer({ min: 1, max: 3 }),
      rtol: fc.constantFrom(0, 0.25, 0.5),
      atol: fc.constantFrom(0, 0.5, 1),
      cooldown: fc.integer({ min: 0, max: 2 }),
      accumulationSize: fc.constantFrom(1, 2),
      minScale: fc.constantFrom(0, 0.125),
    });
    const values = fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 30 });
    fc.assert(lawProperty(values, arbOptions, (v, o) => plateauMatchesReference(v, o)), params);
    // Under jit: the value is a traced scalar and the decisions are `where`s.
    const jitted = (t: Parameters<typeof plateauMatchesReference>[2] extends ((t: infer U) => unknown) | undefined ? U : never) => {
      const f = T.jit((g: T.Tensor, s: unknown, v: T.Tensor) => t.update(g, s as never, undefined, { value: v }));
      return (g: T.Tensor, s: unknown, v: number) => f(g, s, T.scalar(v)) as [T.Tensor, unknown];
    };
    fc.assert(lawProperty(values, arbOptions, (v, o) => plateauMatchesReference(v, o, jitted)), { seed, numRuns: 10 });
  });

  it('penaltyGradientMatchesGrad: the transformation adds the gradient of the penalty', () => {
    const arbCase = fc.record({
      seed: fc.nat(),
      l1: fc.constantFrom(0, 1e-3, 0.5),
      l2: fc.constantFrom(0, 1e-4, 2),
      paths: fc.constantFrom(undefined, '*.weight', /^\[2\]\./, (path: string) => path.endsWith('bias')),
    });
    fc.assert(
      lawProperty(arbCase, ({ seed: s, l1, l2, paths }) => {
        const { params: p } = model.init(key(s), [-1, 4]);
        const p64 = map((w: T.Tensor) => T.astype(w, 'float64'), p);
        const g = map((w: T.Tensor) => normal(key(s + w.size), w.shape, { dtype: 'float64' }), p64);
        return penaltyGradientMatchesGrad(p64, g, paths === undefined ? { l1, l2 } : { l1, l2, paths });
      }),
      params,
    );
  });

  it('the laws explain a failure: a metric that is not a mean, a rule fed the wrong values', async () => {
    const { params: p, ds } = fc.sample(arbProblem, { seed, numRuns: 1 })[0]!;
    const largest: Metric = (logits) => T.max(logits);
    expect(await evaluateIndependentOfBatchSize(apply, p, ds, { largest }, 1)).toMatch(/^metrics over batches of 1 vs over one batch of all \d+ examples: \.largest: \S+ vs \S+ differ by /);
    const options = { factor: 0.5, patience: 1, rtol: 0, atol: 0, cooldown: 0, accumulationSize: 1, minScale: 0 };
    const blind = (t: Parameters<NonNullable<Parameters<typeof plateauMatchesReference>[2]>>[0]) => (g: T.Tensor, s: unknown, _v: number) => t.update(g, s as never, undefined, { value: 0 }) as [T.Tensor, unknown];
    expect(plateauMatchesReference([5, 4, 3], options, blind)).toBe('update 2 (values [5, 4]) of unit gradients vs the reference scale: [0]: 0.5 vs 1');
  });
});
