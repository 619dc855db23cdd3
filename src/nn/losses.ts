/**
 * Loss functions. Each returns per-example losses reduced by `reduction`: 'mean' (default),
 * 'sum' or 'none' (the per-example tensor). Elementwise losses (mse, mae, huber, the binary
 * cross-entropies) are per element; the classification losses are per example (the class axis
 * is summed first), so 'mean' averages over the batch like PyTorch.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { flattenWithPath, type KeyPath } from '../tree';
import { fmt, layerError } from './layer';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossOptions {
  /** How to reduce the per-example losses (default 'mean'). */
  readonly reduction?: Reduction;
}

/**
 * Reduce per-example losses by a reduction.
 * @example reduceLoss(perExample, 'sum')
 * @example reduceLoss(T.square(T.sub(a, b)), options.reduction)
 */
export function reduceLoss(losses: Tensor, reduction: Reduction = 'mean'): Tensor {
  tensorArg('reduceLoss', 'losses', losses);
  if (reduction === 'mean') return T.mean(losses);
  if (reduction === 'sum') return T.sum(losses);
  if (reduction === 'none') return losses;
  return layerError('reduceLoss', `reduction must be 'mean', 'sum' or 'none', got ${T.describeValue(reduction)}`);
}

/** A loss's tensor argument, named in the error: a JS array or number is not taken silently. */
function tensorArg(op: string, what: string, x: unknown): void {
  if (!(x instanceof T.Tensor)) layerError(op, `${what} must be a tensor, got ${Array.isArray(x) ? 'a JS array (wrap it with tensor(...))' : T.describeValue(x)}`);
}

/** Check a loss's two tensors and its options (unknown keys, the reduction, numbers >= 0). */
function lossArgs(op: string, names: readonly [string, string], a: unknown, b: unknown, options: object | undefined, keys: readonly string[]): void {
  tensorArg(op, names[0], a);
  tensorArg(op, names[1], b);
  const o = T.checkOptions(`nn.${op}`, options as Record<string, unknown> | undefined, ['reduction', ...keys]);
  if (o.reduction !== undefined) T.checkOneOf(`nn.${op}`, 'reduction', o.reduction, ['mean', 'sum', 'none']);
  for (const k of keys) if (o[k] !== undefined && k !== 'axis') T.checkNumber(`nn.${op}`, k, o[k], { min: 0 });
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) layerError(op, `predictions ${fmt(a.shape)} and targets ${fmt(b.shape)} must have the same shape`);
}

/**
 * Mean squared error (x - y)^2.
 * @example mse(pred, target)
 * @example mse(pred, target, { reduction: 'none' })
 */
export function mse(predictions: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  lossArgs('mse', ['predictions', 'targets'], predictions, targets, options, []);
  sameShape('mse', predictions, targets);
  return reduceLoss(T.square(T.sub(predictions, targets)), options.reduction);
}

/**
 * Mean absolute error |x - y| (L1 loss).
 * @example mae(pred, target)
 * @example l1Loss(pred, target, { reduction: 'sum' })
 */
export function mae(predictions: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  lossArgs('mae', ['predictions', 'targets'], predictions, targets, options, []);
  sameShape('mae', predictions, targets);
  return reduceLoss(T.abs(T.sub(predictions, targets)), options.reduction);
}
/**
 * Alias of mae.
 * @example l1Loss(pred, target)
 * @example l1Loss(pred, target, { reduction: 'none' })
 */
export const l1Loss = mae;

/**
 * Huber loss (PyTorch's HuberLoss): 0.5 d^2 for |d| <= delta, delta (|d| - 0.5 delta) beyond.
 * @example huber(pred, target)
 * @example huber(pred, target, { delta: 0.5 })
 */
export function huber(predictions: Tensor, targets: Tensor, options: LossOptions & { readonly delta?: number } = {}): Tensor {
  lossArgs('huber', ['predictions', 'targets'], predictions, targets, options, ['delta']);
  sameShape('huber', predictions, targets);
  const delta = options.delta ?? 1;
  const a = T.abs(T.sub(predictions, targets));
  // 0.5 min(|d|, delta)^2 + delta max(|d| - delta, 0): both pieces stay finite (no NaN derivative
  // from an unused branch), and no two large terms cancel in the gradient (|d| - min(|d|, delta)
  // would absorb a derivative of 1e-30 into 1 - 1).
  const q = T.minimum(a, delta);
  return reduceLoss(T.add(T.mul(0.5, T.square(q)), T.mul(delta, T.maximum(T.sub(a, delta), 0))), options.reduction);
}

/**
 * Binary cross-entropy on probabilities: -(y log p + (1 - y) log(1 - p)), with p clamped to
 * [eps, 1 - eps] (eps default 1e-7) so 0 and 1 stay finite. Prefer the logits form.
 * @example binaryCrossEntropy(sigmoid(logits), labels)
 * @example binaryCrossEntropy(probs, targets, { eps: 1e-12 })
 */
export function binaryCrossEntropy(probabilities: Tensor, targets: Tensor, options: LossOptions & { readonly eps?: number } = {}): Tensor {
  lossArgs('binaryCrossEntropy', ['probabilities', 'targets'], probabilities, targets, options, ['eps']);
  sameShape('binaryCrossEntropy', probabilities, targets);
  const eps = options.eps ?? 1e-7;
  const p = T.clip(probabilities, eps, 1 - eps);
  const y = T.astype(targets, p.dtype);
  return reduceLoss(T.neg(T.add(T.mul(y, T.log(p)), T.mul(T.sub(1, y), T.log1p(T.neg(p))))), options.reduction);
}

/**
 * Binary cross-entropy on logits, in the stable form softplus(x) - x y (finite for |x| = 1000).
 * @example binaryCrossEntropyWithLogits(logits, labels)
 * @example binaryCrossEntropyWithLogits(logits, soft, { reduction: 'sum' })
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: LossOptions = {}): Tensor {
  lossArgs('binaryCrossEntropyWithLogits', ['logits', 'targets'], logits, targets, options, []);
  sameShape('binaryCrossEntropyWithLogits', logits, targets);
  return reduceLoss(T.sub(T.softplus(logits), T.mul(logits, T.astype(targets, logits.dtype))), options.reduction);
}

export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /**
   * Mix the targets with the uniform distribution: t' = (1 - s) t + s / numClasses
   * (PyTorch's label_smoothing). Default 0.
   */
  readonly labelSmoothing?: number;
}

/**
 * Cross-entropy of softmax(logits) against labels over the last axis. Labels are int32 class
 * indices [...batch] or float targets (one-hot or soft) shaped like the logits; both give the
 * same numbers. Uses logSoftmax, so logits of +-1000 stay finite. An int32 label outside
 * [-classes, classes) gives a NaN loss for its example (takeAlongAxis's fill contract, as in
 * JAX), on every backend; `oneHot` of such a label is a zero row, whose loss is 0.
 * @example softmaxCrossEntropy(logits, labels)                       // labels int32 [batch]
 * @example softmaxCrossEntropy(logits, oneHot(labels, 10), { labelSmoothing: 0.1 })
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, options: SoftmaxCrossEntropyOptions = {}): Tensor {
  lossArgs('softmaxCrossEntropy', ['logits', 'labels'], logits, labels, options, ['labelSmoothing']);
  const s = options.labelSmoothing ?? 0;
  if (!(s >= 0 && s <= 1)) layerError('softmaxCrossEntropy', `labelSmoothing must be in [0, 1], got ${s}`);
  if (logits.ndim < 1) layerError('softmaxCrossEntropy', `logits need a class axis, got ${fmt(logits.shape)}`);
  const logp = T.logSoftmax(logits, { axis: -1 });
  const k = logits.shape[logits.ndim - 1]!;
  let losses: Tensor;
  if (labels.dtype === 'int32') {
    losses = pickNegLogProb('softmaxCrossEntropy', logp, labels);
    // Smoothing mixes in the uniform target: (1 - s) nll + s mean_k(-log p_k).
    if (s > 0) losses = T.add(T.mul(1 - s, losses), T.mul(s, T.neg(T.mean(logp, { axis: -1 }))));
  } else {
    sameShape('softmaxCrossEntropy', logits, labels);
    const t = s > 0 ? T.add(T.mul(1 - s, labels), s / k) : labels;
    losses = T.neg(T.sum(T.mul(T.astype(t, logp.dtype), logp), { axis: -1 }));
  }
  return reduceLoss(losses, options.reduction);
}

/** -logp[..., label] for int32 labels of the batch shape. */
function pickNegLogProb(op: string, logp: Tensor, labels: Tensor): Tensor {
  const batch = logp.shape.slice(0, -1);
  if (labels.shape.length !== batch.length || labels.shape.some((d, i) => d !== batch[i])) {
    layerError(op, `int32 labels ${fmt(labels.shape)} must have the batch shape ${fmt(batch)} of ${fmt(logp.shape)} (or pass float targets of the logits' shape)`);
  }
  return T.neg(T.squeeze(T.takeAlongAxis(logp, T.expandDims(labels, -1), -1), -1));
}

/**
 * Negative log-likelihood of int32 labels under log-probabilities [..., classes] (PyTorch's
 * nll_loss). A label outside [-classes, classes) gives NaN (takeAlongAxis's fill contract).
 * @example nll(logSoftmax(logits), labels)
 * @example nll(logProbs, labels, { reduction: 'none' })
 */
export function nll(logProbs: Tensor, labels: Tensor, options: LossOptions = {}): Tensor {
  lossArgs('nll', ['logProbs', 'labels'], logProbs, labels, options, []);
  if (labels.dtype !== 'int32') layerError('nll', `labels must be int32 class indices, got ${labels.dtype} ${fmt(labels.shape)}`);
  return reduceLoss(pickNegLogProb('nll', logProbs, labels), options.reduction);
}

/**
 * KL(p || q) = sum p (log p - log q) over the last axis, for probability tensors p (the target)
 * and q (the model), with 0 log 0 = 0. Note the order: PyTorch's F.kl_div(input, target) takes
 * log q first and p second, so klDivergence(p, q) equals F.kl_div(q.log(), p,
 * reduction='batchmean') under the default 'mean' here (a mean over examples, not elements).
 * @example klDivergence(targetProbs, softmax(logits))
 * @example klDivergence(p, q, { reduction: 'none' })     // one value per example
 */
export function klDivergence(p: Tensor, q: Tensor, options: LossOptions = {}): Tensor {
  lossArgs('klDivergence', ['p', 'q'], p, q, options, []);
  sameShape('klDivergence', p, q);
  const positive = T.greater(p, 0);
  // log of 1 where p = 0: the branch is discarded, and its derivative stays finite.
  const safeP = T.where(positive, p, 1);
  const terms = T.where(positive, T.mul(p, T.sub(T.log(safeP), T.log(q))), 0);
  return reduceLoss(T.sum(terms, { axis: -1 }), options.reduction);
}

/**
 * Cosine similarity along an axis: x.y / (max(|x|, eps) max(|y|, eps)) (eps 1e-8, like
 * PyTorch). It is a similarity, not a loss: use `1 - cosineSimilarity(a, b)` as a distance.
 * The norms are eps-guarded inside the square root, sqrt(max(|x|^2, eps^2)), so the gradient is
 * finite everywhere: at a zero vector x the similarity is 0 and its gradient with respect to x is
 * y / (eps max(|y|, eps)) (about 1e8 y/|y| with the default eps), as with a constant norm eps.
 * @example cosineSimilarity(a, b)                 // [batch]
 * @example T.mean(T.sub(1, cosineSimilarity(emb1, emb2)))
 */
export function cosineSimilarity(x: Tensor, y: Tensor, options: { readonly axis?: number; readonly eps?: number } = {}): Tensor {
  lossArgs('cosineSimilarity', ['x', 'y'], x, y, options, ['axis', 'eps']);
  const axis = options.axis ?? -1;
  const eps = options.eps ?? 1e-8;
  // max(|v|, eps) as sqrt(max(|v|^2, eps^2)): the sqrt never sees 0, so its derivative stays finite.
  const norm = (v: Tensor): Tensor => T.sqrt(T.maximum(T.sum(T.square(v), { axis }), eps * eps));
  return T.div(T.sum(T.mul(x, y), { axis }), T.mul(norm(x), norm(y)));
}

/** Picks which parameter leaves a penalty covers, e.g. weights but not biases. */
export type LeafFilter = (leaf: Tensor, path: KeyPath) => boolean;

function penalty(params: unknown, f: (t: Tensor) => Tensor, filter?: LeafFilter): Tensor {
  let total: Tensor = T.scalar(0);
  for (const [path, leaf] of flattenWithPath(params)) {
    if (leaf instanceof T.Tensor && T.isFloat(leaf.dtype) && (filter === undefined || filter(leaf, path))) total = T.add(total, T.sum(f(leaf)));
  }
  return total;
}

/**
 * Sum of |w| over every float tensor leaf of a params tree (optionally only those `filter` keeps).
 * @example T.add(loss, T.mul(1e-4, l1Penalty(params)))
 * @example l1Penalty(params, (_w, path) => path.at(-1) === 'weight')
 */
export function l1Penalty(params: unknown, filter?: LeafFilter): Tensor {
  return penalty(params, T.abs, filter);
}

/**
 * Sum of w^2 over every float tensor leaf of a params tree (no factor 1/2).
 * @example T.add(loss, T.mul(5e-4, l2Penalty(params)))
 * @example l2Penalty(params, (w) => w.ndim > 1)         // weights only, not biases
 */
export function l2Penalty(params: unknown, filter?: LeafFilter): Tensor {
  return penalty(params, T.square, filter);
}
