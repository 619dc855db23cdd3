/**
 * Laws of the Keras-style training helpers as pure predicates (the runner is
 * test/training.laws.test.ts): `evaluate` does not depend on the batch size, `predict` is the
 * model applied to all examples, the classification report agrees with the tensor metrics of
 * nn, `reduceLROnPlateau` follows a plain reference of its rule, and `addPenaltyGradients` adds
 * exactly the gradient of `parameterPenalty`.
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { grad } from '../src/grad';
import { accuracy, confusionMatrix, precision, recall } from '../src/nn';
import { addPenaltyGradients, parameterPenalty, reduceLROnPlateau, type PenaltyOptions, type ReduceLROnPlateauOptions } from '../src/optim';
import { classificationReport, evaluate, predict, type Metric, type Model } from '../src/train';
import { flatten } from '../src/tree';
import type { Dataset } from '../src/data';

const close = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/**
 * `evaluate` gives each metric's mean over all examples whatever the batch size (a ragged last
 * batch counts for its own size): equal, up to rounding, to the metric of one batch of everything.
 */
export async function evaluateIndependentOfBatchSize<P>(model: Model<P>, params: P, ds: Dataset<{ x: Tensor; y: Tensor }>, metrics: Record<string, Metric>, batchSize: number, tol = 1e-5): Promise<boolean> {
  const batched = await evaluate(model, params, ds, { metrics, batchSize });
  const whole = await evaluate(model, params, ds, { metrics, batchSize: ds.size });
  return Object.keys(metrics).every((k) => close(batched[k]!, whole[k]!, tol));
}

/** `predict` in batches equals the model applied to every example at once. */
export async function predictMatchesApply<P>(apply: (params: P, x: Tensor) => Tensor, params: P, x: Tensor, batchSize: number, tol = 1e-5): Promise<boolean> {
  const predicted = await predict(apply, params, x, { batchSize });
  const direct = apply(params, x);
  if (predicted.shape.join() !== direct.shape.join() || predicted.dtype !== direct.dtype) return false;
  const [a, b] = [predicted.dataSync(), direct.dataSync()];
  return a.every((v, i) => close(v, b[i]!, tol));
}

/**
 * The classification report agrees with nn's tensor metrics: the confusion matrix, per-class
 * precision and recall, accuracy; F1 is their harmonic mean; supports add up to the examples;
 * the macro average is the plain mean and the weighted average the support-weighted mean.
 */
export function reportMatchesMetrics(yTrue: readonly number[], yPred: readonly number[], numClasses: number): boolean {
  const labels = Array.from({ length: numClasses }, (_, i) => i);
  const r = classificationReport(yTrue, yPred, { labels });
  const t = T.tensor(Int32Array.from(yTrue), { shape: [yTrue.length], dtype: 'int32' });
  const p = T.tensor(Int32Array.from(yPred), { shape: [yPred.length], dtype: 'int32' });
  const cm = confusionMatrix(p, t, numClasses).toArray() as number[][];
  const prec = Array.from(precision(p, t, numClasses, { average: 'none' }).dataSync());
  const rec = Array.from(recall(p, t, numClasses, { average: 'none' }).dataSync());
  const tol = 1e-6;
  const perClass = r.classes.every((c, i) => close(c.precision, prec[i]!, tol) && close(c.recall, rec[i]!, tol) && close(c.f1, c.precision + c.recall > 0 ? (2 * c.precision * c.recall) / (c.precision + c.recall) : 0, 1e-12));
  const n = yTrue.length;
  const support = r.classes.reduce((s, c) => s + c.support, 0) === n && r.macroAverage.support === n;
  const mean = (f: (c: (typeof r.classes)[number]) => number, w: (c: (typeof r.classes)[number]) => number) =>
    r.classes.reduce((s, c) => s + w(c) * f(c), 0) / r.classes.reduce((s, c) => s + w(c), 0);
  const averages =
    close(r.macroAverage.f1, mean((c) => c.f1, () => 1), 1e-12) && close(r.weightedAverage.recall, mean((c) => c.recall, (c) => c.support), 1e-12);
  return JSON.stringify(r.confusionMatrix) === JSON.stringify(cm) && perClass && support && averages && close(r.accuracy, Number(accuracy(p, t).item()), tol);
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
 */
export function plateauMatchesReference(values: readonly number[], options: Required<ReduceLROnPlateauOptions>, step: (t: ReturnType<typeof reduceLROnPlateau>) => (g: Tensor, s: any, v: number) => [Tensor, any] = (t) => (g, s, v) => t.update(g, s, undefined, { value: v })): boolean {
  const t = reduceLROnPlateau(options);
  const update = step(t);
  let state = t.init(undefined);
  const expected = plateauReference(values, options);
  return values.every((v, i) => {
    const [u, next] = update(T.ones([2]), state, v);
    state = next;
    return Array.from(u.dataSync()).every((x) => x === expected[i]);
  });
}

/**
 * `addPenaltyGradients(o)` turns gradients g into g + grad(parameterPenalty(., o)) at the params:
 * the optimizer then sees the gradient of loss + penalty, as if the term were in the loss.
 */
export function penaltyGradientMatchesGrad(params: unknown, grads: unknown, options: PenaltyOptions, tol = 1e-12): boolean {
  const [updated] = addPenaltyGradients(options).update(grads, {}, params);
  const penaltyGrad = grad((p: unknown) => parameterPenalty(p, options))(params);
  const [u] = flatten(updated);
  const [g] = flatten(grads);
  const [d] = flatten(penaltyGrad);
  return u.every((x, i) => {
    const [a, b, c] = [(x as Tensor).dataSync(), (g[i] as Tensor).dataSync(), (d[i] as Tensor).dataSync()];
    return a.every((v, j) => close(v, b[j]! + c[j]!, tol));
  });
}
