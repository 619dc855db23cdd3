/**
 * Laws of the nn layers, losses and metrics as pure predicates over concrete values, returning
 * `true` or the reason; the fast-check runner is test/nn.laws.test.ts. Users can run them on
 * their own layers and losses.
 *
 *   layerGradientsMatchFiniteDifferences(myLayer, key(0), [2, 4]);  // true, or where the derivative is off
 */
import * as T from '../src/tensor';
import { Tensor } from '../src/tensor';
import * as R from '../src/random';
import { map } from '../src/tree';
import { applyLayer, batchNorm, confusionMatrix, f1, precision, recall, softmaxCrossEntropy, type AnyLayer, type ApplyOptions, type BatchNormState, type NormParams } from '../src/nn';
import { approx, exact, type Approx } from './approx';
import { gradsMatchFiniteDifferences, type CheckGradsOptions } from './checkGrads';
import { allOf, check, labelled, type LawResult } from './result';

/** Cast every float tensor leaf of a tree to float64 (the precise reference dtype). */
export function toFloat64<Tr>(tree: Tr): Tr {
  return map((x: unknown) => (x instanceof Tensor && T.isFloat(x.dtype) ? T.astype(x, 'float64') : x), tree) as Tr;
}

/** The default tolerance of the nn laws: float64 results of two formulations, to 1e-9. */
export const nnApprox: Approx = approx({ float64: { rtol: 1e-9, atol: 1e-9 } });

/**
 * The layer's derivatives with respect to params and input (float64) match central finite
 * differences (checkGrads, both modes). `options` are passed to apply (e.g. a dropout key).
 */
export function layerGradientsMatchFiniteDifferences(layer: AnyLayer, key: Tensor, inputShape: readonly number[], options: ApplyOptions<any> = {}, checkOptions: CheckGradsOptions = {}): LawResult {
  const [kInit, kx] = R.splitList(key);
  const init = layer.init(kInit!, inputShape);
  const params = toFloat64(init.params);
  const state = toFloat64(init.state);
  const x = R.normal(kx!, inputShape, { dtype: 'float64' });
  return gradsMatchFiniteDifferences((p: unknown, xs: Tensor) => applyLayer(layer, p, xs, { ...options, state }).y, [params, x], checkOptions);
}

/** Gradients with respect to params only (for layers whose input is not differentiable, like embedding). */
export function paramGradientsMatchFiniteDifferences(layer: AnyLayer, key: Tensor, inputShape: readonly number[], x: Tensor, checkOptions: CheckGradsOptions = {}): LawResult {
  const params = toFloat64(layer.init(key, inputShape).params);
  return gradsMatchFiniteDifferences((p: unknown) => applyLayer(layer, p, x).y, [params], checkOptions);
}

/** apply's output has exactly the shape init promised (for a concrete input shape). */
export function outputShapeMatchesInit(layer: AnyLayer, key: Tensor, inputShape: readonly number[], x: Tensor = R.normal(key, inputShape), options: ApplyOptions<any> = {}): LawResult {
  const init = layer.init(key, inputShape);
  const { y } = applyLayer(layer, init.params, x, { ...options, state: init.state });
  return check(y.shape.join() === init.outputShape.join(), () => `apply gave [${y.shape}], init promised [${init.outputShape}]`);
}

/** With the batch axis left open (-1), init's output shape is the concrete one with -1 for the batch. */
export function unknownBatchKeepsShape(layer: AnyLayer, key: Tensor, inputShape: readonly number[]): LawResult {
  const concrete = layer.init(key, inputShape).outputShape;
  const open = layer.init(key, [-1, ...inputShape.slice(1)]).outputShape;
  return check(open.join() === [-1, ...concrete.slice(1)].join(), () => `init with an open batch gave [${open}], expected [${[-1, ...concrete.slice(1)]}]`);
}

/** dropout with train false (or left out) returns its input unchanged. */
export function dropoutEvalIsIdentity(layer: AnyLayer, x: Tensor, key: Tensor): LawResult {
  return allOf(
    ['train: false', () => check(applyLayer(layer, {}, x, { train: false, key }).y === x, 'returned another tensor than its input')],
    ['train left out', () => check(applyLayer(layer, {}, x).y === x, 'returned another tensor than its input')],
  );
}

/**
 * In train mode every element is either 0 or x / (1 - rate), and the fraction of zeros is
 * within `tolerance` of `rate` (x must have no zeros).
 */
export function dropoutTrainScalesAndDrops(layer: AnyLayer, rate: number, x: Tensor, key: Tensor, tolerance: number, tol: Approx = approx({ float32: { rtol: 1e-6, atol: 0 } })): LawResult {
  const y = applyLayer(layer, {}, x, { train: true, key }).y;
  const kept = Array.from(y.dataSync() as ArrayLike<number>, (v): number => (v === 0 ? 0 : 1));
  const zeros = kept.length - kept.reduce((a, b) => a + b, 0);
  return allOf(
    [`kept elements vs x / (1 - ${rate})`, () => tol.equals(y, T.mul(T.div(x, 1 - rate), T.tensor(kept, { shape: x.shape, dtype: x.dtype })))],
    ['fraction of zeros', () => check(Math.abs(zeros / kept.length - rate) <= tolerance, () => `${zeros / kept.length}, expected ${rate} ± ${tolerance}`)],
  );
}

/**
 * batchNorm in eval mode: the same input gives the same output twice, the state comes back
 * unchanged, and the output is (x - runningMean) / sqrt(runningVar + eps) * weight + bias.
 */
export function batchNormEvalUsesRunningStats(params: NormParams, state: BatchNormState, x: Tensor, eps = 1e-5, tol: Approx = nnApprox): LawResult {
  const bn = batchNorm({ eps });
  const a = bn.apply(params, x, { state });
  const b = bn.apply(params, x, { state });
  const c = params.weight.shape[0]!;
  const shape = [c, ...x.shape.slice(2).map(() => 1)];
  const v = (t: Tensor): Tensor => T.reshape(t, shape);
  const expected = T.add(T.mul(T.div(T.sub(x, v(state.runningMean)), T.sqrt(T.add(v(state.runningVar), eps))), v(params.weight)), v(params.bias));
  return allOf(
    ['two calls', () => exact.equals(a.y, b.y)],
    ['the state', () => check(a.state === state, 'eval mode returned a new state')],
    ['output vs (x - runningMean) / sqrt(runningVar + eps) * weight + bias', () => tol.equals(a.y, expected)],
  );
}

/**
 * batchNorm in train mode: the output is normalized per channel (mean 0, variance 1 with unit
 * weight and zero bias) and the running statistics follow PyTorch's update with the unbiased
 * batch variance.
 */
export function batchNormTrainUpdatesRunningStats(state: BatchNormState, x: Tensor, momentum: number, tol: Approx = nnApprox): LawResult {
  const bn = batchNorm({ momentum, eps: 0 });
  const c = x.shape[1]!;
  const params = { weight: T.ones([c], x.dtype), bias: T.zeros([c], x.dtype) };
  const { y, state: next } = bn.apply(params, x, { train: true, state });
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
  const mean = T.mean(x, { axis: axes });
  const unbiased = T.variance(x, { axis: axes, ddof: 1 });
  const expectMean = T.add(T.mul(state.runningMean, 1 - momentum), T.mul(mean, momentum));
  const expectVar = T.add(T.mul(state.runningVar, 1 - momentum), T.mul(unbiased, momentum));
  const ym = T.mean(y, { axis: axes });
  const yv = T.variance(y, { axis: axes });
  return allOf(
    ['batch', () => check(n > 1, () => `${n} values per channel; the unbiased variance needs 2`)],
    ['runningMean', () => tol.equals(next.runningMean, expectMean)],
    ['runningVar (unbiased batch variance)', () => tol.equals(next.runningVar, expectVar)],
    ['per-channel mean of the output vs 0', () => tol.equals(ym, T.zerosLike(ym))],
    ['per-channel variance of the output vs 1', () => tol.with({ float64: { rtol: 1e-6 } }).equals(yv, T.onesLike(yv))],
  );
}

/**
 * A causal attention layer does not look ahead: changing the tokens after position t leaves
 * outputs 0..t unchanged. x is [batch, seq, features]; `noise` replaces positions > t.
 */
export function causalAttentionDoesNotLookAhead(layer: AnyLayer, params: unknown, x: Tensor, noise: Tensor, t: number, tol: Approx = approx({ float64: { rtol: 1e-10, atol: 1e-12 } })): LawResult {
  const seq = x.shape[1]!;
  const positions = T.reshape(T.arange(seq), [1, seq, 1]);
  const changed = T.where(T.greater(positions, t), noise, x);
  const y1 = applyLayer(layer, params, x).y;
  const y2 = applyLayer(layer, params, changed).y;
  const head = (y: Tensor): Tensor => T.slice(y, [null, { stop: t + 1 }]);
  return labelled(`outputs 0..${t} with later tokens changed vs unchanged`, tol.equals(head(y2), head(y1)));
}

/** softmaxCrossEntropy with int32 labels equals the one-hot float form (any smoothing, any reduction). */
export function intLabelsMatchOneHot(logits: Tensor, labels: Tensor, labelSmoothing: number, tol: Approx = nnApprox): LawResult {
  const k = logits.shape[logits.ndim - 1]!;
  const a = softmaxCrossEntropy(logits, labels, { labelSmoothing, reduction: 'none' });
  const b = softmaxCrossEntropy(logits, T.oneHot(labels, k, { dtype: logits.dtype }), { labelSmoothing, reduction: 'none' });
  return labelled('int labels vs one-hot', tol.equals(a, b));
}

/**
 * Label smoothing s gives -sum_k ((1 - s) [k = y] + s / K) log softmax(logits)_k per example,
 * computed here in plain JS.
 */
export function labelSmoothingMatchesFormula(logits: Tensor, labels: Tensor, s: number, tol: Approx = nnApprox): LawResult {
  const [n, k] = logits.shape as [number, number];
  const z = logits.dataSync(), y = labels.dataSync();
  const expected = Array.from({ length: n }, (_, i) => {
    const row = Array.from(z.subarray(i * k, (i + 1) * k));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0));
    return -row.reduce((acc, v, j) => acc + ((1 - s) * (j === y[i] ? 1 : 0) + s / k) * (v - lse), 0);
  });
  const got = Array.from(softmaxCrossEntropy(logits, labels, { labelSmoothing: s, reduction: 'none' }).dataSync());
  return labelled('per-example losses vs the formula', tol.equals(got, expected));
}

/** A loss stays finite (and non-negative) at extreme inputs such as logits of +-1000. */
export function lossIsFiniteAndNonNegative(loss: Tensor): LawResult {
  const bad = loss.dataSync().findIndex((v) => !(Number.isFinite(v) && v >= 0));
  return check(bad < 0, () => `loss element ${bad} is ${loss.dataSync()[bad]}`);
}

/** The confusion matrix equals counting (label, prediction) pairs in a JS loop. */
export function confusionMatrixMatchesCounts(predictions: readonly number[], labels: readonly number[], numClasses: number): LawResult {
  const expected = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  labels.forEach((l, i) => expected[l]![predictions[i]!]!++);
  const got = confusionMatrix(T.tensor(predictions, { dtype: 'int32' }), T.tensor(labels, { dtype: 'int32' }), numClasses).toArray() as number[][];
  return labelled('confusion matrix vs counted pairs', exact.equals(got, expected));
}

/**
 * precision, recall and f1 ('none', 'macro', 'micro') equal scikit-learn's definitions computed
 * in JS from the counted confusion matrix (0 where a denominator is 0).
 */
export function classificationMetricsMatchCounts(predictions: readonly number[], labels: readonly number[], numClasses: number, tol: Approx = approx({ float32: { rtol: 0, atol: 1e-6 } })): LawResult {
  const tp = new Array<number>(numClasses).fill(0), fp = tp.slice(), fn = tp.slice();
  labels.forEach((l, i) => {
    const p = predictions[i]!;
    if (p === l) tp[l]!++;
    else {
      fp[p]!++;
      fn[l]!++;
    }
  });
  const div = (a: number, b: number): number => (b > 0 ? a / b : 0);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const mean = (xs: number[]): number => sum(xs) / xs.length;
  const prec = tp.map((t, c) => div(t, t + fp[c]!));
  const rec = tp.map((t, c) => div(t, t + fn[c]!));
  const f = tp.map((t, c) => div(2 * t, 2 * t + fp[c]! + fn[c]!));
  const [TP, FP, FN] = [sum(tp), sum(fp), sum(fn)];
  const p = T.tensor(predictions, { dtype: 'int32' }), y = T.tensor(labels, { dtype: 'int32' });
  const metric = (t: Tensor, e: number | number[]) => () => tol.equals(t, T.tensor(e, { dtype: t.dtype }));
  return allOf(
    ['precision, none', metric(precision(p, y, numClasses, { average: 'none' }), prec)],
    ['recall, none', metric(recall(p, y, numClasses, { average: 'none' }), rec)],
    ['f1, none', metric(f1(p, y, numClasses, { average: 'none' }), f)],
    ['precision, macro', metric(precision(p, y, numClasses), mean(prec))],
    ['recall, macro', metric(recall(p, y, numClasses), mean(rec))],
    ['f1, macro', metric(f1(p, y, numClasses), mean(f))],
    ['precision, micro', metric(precision(p, y, numClasses, { average: 'micro' }), div(TP, TP + FP))],
    ['recall, micro', metric(recall(p, y, numClasses, { average: 'micro' }), div(TP, TP + FN))],
    ['f1, micro', metric(f1(p, y, numClasses, { average: 'micro' }), div(2 * TP, 2 * TP + FP + FN))],
  );
}

/** sequential(a, b) applies a then b, with params [pa, pb]. */
export function sequentialComposes(a: AnyLayer, b: AnyLayer, seq: AnyLayer, key: Tensor, inputShape: readonly number[], x: Tensor): LawResult {
  const { params } = seq.init(key, inputShape);
  const ps = params as [unknown, unknown];
  const direct = applyLayer(b, ps[1], applyLayer(a, ps[0], x).y).y;
  return labelled('sequential(a, b) vs b after a', exact.equals(applyLayer(seq, params, x).y, direct));
}
