/**
 * Laws of the Keras-style training helpers as pure predicates returning `true` or the reason
 * (the runner is test/training.laws.test.ts): `evaluate` does not depend on the batch size,
 * `predict` is the model applied to all examples, the classification report agrees with the
 * tensor metrics of nn, `reduceLROnPlateau` follows a plain reference of its rule, and
 * `addPenaltyGradients` adds exactly the gradient of `parameterPenalty`.
 *
 *   await evaluateIndependentOfBatchSize(apply, params, ds, { loss, accuracy }, 7);  // true, or the metric that moved
 *   reportMatchesMetrics([0, 1, 2], [0, 2, 2], 3);                                   // true
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { grad } from '../src/grad';
import { accuracy, confusionMatrix, precision, recall } from '../src/nn';
import { addPenaltyGradients, parameterPenalty, reduceLROnPlateau, type PenaltyOptions, type ReduceLROnPlateauOptions } from '../src/optim';
import { classificationReport, evaluate, predict, type Metric, type Model } from '../src/train';
import { map } from '../src/tree';
import type { Dataset } from '../src/data';
import { approx, exact, sameValue, type Approx } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

/**
 * A mean over batches, weighted by their sizes, against one mean over everything: the same sum
 * in another order, but metrics are often float32 (accuracy is a float32 mean), so 1e-5
 * relative and absolute.
 */
export const evaluateApprox: Approx = approx({ rtol: 1e-5, atol: 1e-5 });

/**
 * `evaluate` gives each metric's mean over all examples whatever the batch size (a ragged last
 * batch counts for its own size): equal, within `tol`, to the metric of one batch of everything.
 *
 *   await evaluateIndependentOfBatchSize(apply, params, ds, { loss: softmaxCrossEntropy }, 3); // true
 */
export async function evaluateIndependentOfBatchSize<P>(model: Model<P>, params: P, ds: Dataset<{ x: Tensor; y: Tensor }>, metrics: Record<string, Metric>, batchSize: number, tol: Approx = evaluateApprox): Promise<LawResult> {
  const batched = await evaluate(model, params, ds, { metrics, batchSize });
  const whole = await evaluate(model, params, ds, { metrics, batchSize: ds.size });
  return labelled(`metrics over batches of ${batchSize} vs over one batch of all ${ds.size} examples`, tol.equals(batched, whole));
}

/**
 * `predict` in batches equals the model applied to every example at once, within `tol`
 * (default `approx()`: a row's arithmetic does not depend on the batch it is in, up to the
 * blocking of matrix products).
 *
 *   await predictMatchesApply(apply, params, x, 16); // true
 */
export async function predictMatchesApply<P>(apply: (params: P, x: Tensor) => Tensor, params: P, x: Tensor, batchSize: number, tol: Approx = approx()): Promise<LawResult> {
  const predicted = await predict(apply, params, x, { batchSize });
  return labelled(`predictions in batches of ${batchSize} vs the model on all ${x.shape[0]} examples`, tol.equals(predicted, apply(params, x)));
}

/**
 * The report against nn's float32 tensor metrics: float32 to 1e-6; its own identities (F1, the
 * averages), computed in float64 from the same numbers: to 1e-12.
 */
export const reportApprox: Approx = approx({ float32: { rtol: 1e-6, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-12 } });

/**
 * The classification report agrees with nn's tensor metrics: the confusion matrix, per-class
 * precision and recall, accuracy; F1 is their harmonic mean; supports add up to the examples;
 * the macro average is the plain mean and the weighted average the support-weighted mean.
 *
 *   reportMatchesMetrics([0, 1, 1, 2], [0, 1, 2, 2], 3); // true
 */
export function reportMatchesMetrics(yTrue: readonly number[], yPred: readonly number[], numClasses: number, tol: Approx = reportApprox): LawResult {
  const labels = Array.from({ length: numClasses }, (_, i) => i);
  const r = classificationReport(yTrue, yPred, { labels });
  const t = T.tensor(Int32Array.from(yTrue), { shape: [yTrue.length], dtype: 'int32' });
  const p = T.tensor(Int32Array.from(yPred), { shape: [yPred.length], dtype: 'int32' });
  const float32 = { precision: 'float32' } as const;
  const n = yTrue.length;
  type Row = (typeof r.classes)[number];
  const mean = (f: (c: Row) => number, w: (c: Row) => number) => r.classes.reduce((s, c) => s + w(c) * f(c), 0) / r.classes.reduce((s, c) => s + w(c), 0);
  return allOf(
    ['confusion matrix vs nn.confusionMatrix', () => sameValue.equals(r.confusionMatrix, confusionMatrix(p, t, numClasses).toArray())],
    ['per-class precision vs nn.precision', () => tol.equals(r.classes.map((c) => c.precision), Array.from(precision(p, t, numClasses, { average: 'none' }).dataSync()), float32)],
    ['per-class recall vs nn.recall', () => tol.equals(r.classes.map((c) => c.recall), Array.from(recall(p, t, numClasses, { average: 'none' }).dataSync()), float32)],
    ['per-class F1 vs the harmonic mean of precision and recall', () => tol.equals(r.classes.map((c) => c.f1), r.classes.map((c) => (c.precision + c.recall > 0 ? (2 * c.precision * c.recall) / (c.precision + c.recall) : 0)))],
    ['supports', () => check(r.classes.reduce((s, c) => s + c.support, 0) === n && r.macroAverage.support === n, () => `classes add up to ${r.classes.reduce((s, c) => s + c.support, 0)} and the macro average to ${r.macroAverage.support}, expected ${n}`)],
    ['macro F1 vs the mean of the F1s', () => tol.equals(r.macroAverage.f1, mean((c) => c.f1, () => 1))],
    ['weighted recall vs the support-weighted mean', () => tol.equals(r.weightedAverage.recall, mean((c) => c.recall, (c) => c.support))],
    ['accuracy vs nn.accuracy', () => tol.equals(r.accuracy, Number(accuracy(p, t).item()), float32)],
  );
}

/** The scale `reduceLROnPlateau` should apply after each value: the rule written as a plain loop. */
export function plateauReference(values: readonly number[], options: Required<ReduceLROnPlateauOptions>): number[] {
  let [scale, best, plateau, cooldown, count, avg] = [1, Infinity, 0, 0, 0, 0];
  const scales: number[] = [];
  for (const v of values) {
    avg = (avg * count + v) / (count + 1);
    count++;
    if (count === options.accumulationSize) {
      const improved = avg < (1 - options.rtol) * best - options.atol;
      if (improved) best = avg;
      if (cooldown > 0) {
        cooldown--;
        plateau = 0;
      } else {
        plateau = improved ? 0 : plateau + 1;
        if (plateau === options.patience) {
          scale = Math.max(scale * options.factor, options.minScale);
          plateau = 0;
          cooldown = options.cooldown;
        }
      }
      [count, avg] = [0, 0];
    }
    scales.push(scale);
  }
  return scales;
}

/**
 * Fed `values` one update at a time (as `extra.value`), `reduceLROnPlateau` scales unit updates
 * by the scale of `plateauReference`, step by step. Choose values and options exactly
 * representable in float32 (small integers, dyadic fractions) so the comparison is exact.
 *
 *   plateauMatchesReference([3, 3, 3, 2], { factor: 0.5, patience: 1, ... }); // true
 */
export function plateauMatchesReference(values: readonly number[], options: Required<ReduceLROnPlateauOptions>, step: (t: ReturnType<typeof reduceLROnPlateau>) => (g: Tensor, s: any, v: number) => [Tensor, any] = (t) => (g, s, v) => t.update(g, s, undefined, { value: v })): LawResult {
  const t = reduceLROnPlateau(options);
  const update = step(t);
  let state = t.init(undefined);
  const expected = plateauReference(values, options);
  for (const [i, v] of values.entries()) {
    const [u, next] = update(T.ones([2]), state, v);
    state = next;
    const r = exact.equals(Array.from(u.dataSync()), [expected[i]!, expected[i]!]);
    if (r !== true) return `update ${i + 1} (values [${values.slice(0, i + 1).join(', ')}]) of unit gradients vs the reference scale: ${r}`;
  }
  return true;
}

/** One addition away from the reference (g + grad of the penalty): float64 to 1e-12 (float32 to 1e-5). */
export const penaltyApprox: Approx = approx({ float64: { rtol: 1e-12, atol: 1e-12 } });

/**
 * `addPenaltyGradients(o)` turns gradients g into g + grad(parameterPenalty(., o)) at the params:
 * the optimizer then sees the gradient of loss + penalty, as if the term were in the loss.
 *
 *   penaltyGradientMatchesGrad(params, grads, { l2: 1e-4, paths: '*.weight' }); // true
 */
export function penaltyGradientMatchesGrad(params: unknown, grads: unknown, options: PenaltyOptions, tol: Approx = penaltyApprox): LawResult {
  const [updated] = addPenaltyGradients(options).update(grads, {}, params);
  const penaltyGrad = grad((p: unknown) => parameterPenalty(p, options))(params);
  const expected = map((g: Tensor, d: Tensor) => T.add(g, d), grads, penaltyGrad);
  return labelled('the transformed gradients vs the gradients plus grad(parameterPenalty)', tol.equals(updated, expected));
}
