/**
 * Classification metrics as tensor programs (so they also run inside jit). `predictions` may be
 * logits/probabilities [..., classes] (argmax is taken) or int32 class predictions shaped like
 * the labels. The confusion matrix follows scikit-learn: rows are true labels, columns predictions.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { fmt, layerError } from './layer';

/** Class predictions from logits (one more axis than labels) or from int32 predictions. */
function classes(op: string, predictions: Tensor, labels: Tensor): Tensor {
  for (const [what, x] of [['predictions', predictions], ['labels', labels]] as const) {
    if (!(x instanceof T.Tensor)) layerError(op, `${what} must be a tensor, got ${Array.isArray(x) ? 'a JS array (wrap it with tensor(...))' : T.describeValue(x)}`);
  }
  if (labels.dtype !== 'int32') layerError(op, `labels must be int32 class indices, got ${labels.dtype} ${fmt(labels.shape)}`);
  const p = predictions.ndim === labels.ndim + 1 ? T.argmax(predictions, { axis: -1 }) : predictions;
  if (p.dtype !== 'int32' || p.ndim !== labels.ndim || p.shape.some((d, i) => d !== labels.shape[i])) {
    layerError(op, `predictions ${predictions.dtype} ${fmt(predictions.shape)} must be logits [..., classes] or int32 classes shaped like labels ${fmt(labels.shape)}`);
  }
  return p;
}

/**
 * Fraction of correct predictions, a float32 scalar.
 * @example accuracy(logits, labels).item()        // 0.93
 * @example accuracy(predictedClasses, labels)
 */
export function accuracy(predictions: Tensor, labels: Tensor): Tensor {
  return T.mean(T.equal(classes('accuracy', predictions, labels), labels));
}

/**
 * Counts [numClasses, numClasses] (int32): entry [i, j] counts examples of true class i
 * predicted as j. Labels or predictions outside [0, numClasses) are not counted.
 * @example confusionMatrix(logits, labels, 10).toArray()
 * @example confusionMatrix(tensor([0, 1, 1], { dtype: 'int32' }), tensor([0, 1, 0], { dtype: 'int32' }), 2)   // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predictions: Tensor, labels: Tensor, numClasses: number): Tensor {
  const p = classes('confusionMatrix', predictions, labels);
  T.checkNumber('nn.confusionMatrix', 'numClasses', numClasses, { integer: true, min: 1 });
  const truth = T.reshape(T.oneHot(labels, numClasses, { dtype: 'int32' }), [-1, numClasses]);
  const pred = T.reshape(T.oneHot(p, numClasses, { dtype: 'int32' }), [-1, numClasses]);
  return T.matmul(T.transpose(truth), pred);
}

export interface AverageOptions {
  /** 'macro' (unweighted mean over classes, default), 'micro' (from global counts) or 'none' (per class). */
  readonly average?: 'macro' | 'micro' | 'none';
}

/** a / b where b > 0, else 0 (scikit-learn's zero_division=0). */
const safeDiv = (a: Tensor, b: Tensor): Tensor => T.where(T.greater(b, 0), T.div(a, T.maximum(b, 1)), 0);

function scores(op: string, predictions: Tensor, labels: Tensor, numClasses: number, options: AverageOptions, score: (tp: Tensor, fp: Tensor, fn: Tensor) => Tensor): Tensor {
  const o = T.checkOptions(`nn.${op}`, options, ['average']);
  const average = T.checkOneOf(`nn.${op}`, 'average', o.average ?? 'macro', ['macro', 'micro', 'none']);
  const cm = T.astype(confusionMatrix(predictions, labels, numClasses), 'float32');
  const tp = T.sum(T.mul(cm, T.eye(numClasses)), { axis: 1 });
  const fp = T.sub(T.sum(cm, { axis: 0 }), tp);
  const fn = T.sub(T.sum(cm, { axis: 1 }), tp);
  if (average === 'micro') return score(T.sum(tp), T.sum(fp), T.sum(fn));
  const perClass = score(tp, fp, fn);
  return average === 'none' ? perClass : T.mean(perClass);
}

/**
 * Precision tp / (tp + fp) per class, macro- or micro-averaged (0 where a class is never predicted).
 * @example precision(logits, labels, 3)                        // macro
 * @example precision(preds, labels, 3, { average: 'none' })    // [3]
 */
export function precision(predictions: Tensor, labels: Tensor, numClasses: number, options: AverageOptions = {}): Tensor {
  return scores('precision', predictions, labels, numClasses, options, (tp, fp) => safeDiv(tp, T.add(tp, fp)));
}

/**
 * Recall tp / (tp + fn) per class, macro- or micro-averaged (0 where a class never occurs).
 * @example recall(logits, labels, 3)
 * @example recall(preds, labels, 3, { average: 'micro' })
 */
export function recall(predictions: Tensor, labels: Tensor, numClasses: number, options: AverageOptions = {}): Tensor {
  return scores('recall', predictions, labels, numClasses, options, (tp, _fp, fn) => safeDiv(tp, T.add(tp, fn)));
}

/**
 * F1 = 2 tp / (2 tp + fp + fn) per class (the harmonic mean of precision and recall);
 * 'macro' averages the per-class F1 like scikit-learn.
 * @example f1(logits, labels, 3)
 * @example f1(preds, labels, 3, { average: 'none' })
 */
export function f1(predictions: Tensor, labels: Tensor, numClasses: number, options: AverageOptions = {}): Tensor {
  return scores('f1', predictions, labels, numClasses, options, (tp, fp, fn) => safeDiv(T.mul(2, tp), T.add(T.mul(2, tp), T.add(fp, fn))));
}
