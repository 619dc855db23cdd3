/** Scaled dot-product attention and the multi-head attention layer. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { glorotUniform, zeros } from '../init';
import { applyKeys, checkApplyArgs, checkInitArgs, checkInputShape, concreteAxis, fmt, layerError, layerOptions, positiveInteger, type ApplyOptions, type Layer } from '../layer';
import { dropoutApply } from './dropout';
import { linear, linearApply, type LinearParams } from './linear';

/**
 * The score that masked positions get before the softmax. Finite, so a row with every key
 * masked gives no NaN (its weights are then zeroed explicitly); far enough below any real
 * score that exp() underflows to exactly 0.
 */
const MASKED = -1e9;

export interface DotProductAttentionOptions {
  /** Bool, broadcastable to [..., heads, queryLen, keyLen]; true = may attend. */
  readonly mask?: Tensor;
  /**
   * Query i may attend key j only when j <= i + (keyLen - queryLen): the usual lower triangle
   * when the lengths agree, aligned to the end otherwise (queries are the last positions).
   */
  readonly causal?: boolean;
  /** Dropout rate on the attention weights; needs `key` (default 0). */
  readonly dropout?: number;
  readonly key?: Tensor;
}

/**
 * The causal mask [queryLen, keyLen] (true = may attend), a constant of the lengths only.
 * @example causalMask(3, 3)       // lower triangle
 * @example dotProductAttention(q, k, v, { mask: causalMask(1, 8) })   // one new query, 8 cached keys
 */
export function causalMask(queryLen: number, keyLen: number): Tensor {
  const offset = keyLen - queryLen;
  return T.greaterEqual(T.add(T.reshape(T.arange(queryLen), [queryLen, 1]), offset), T.reshape(T.arange(keyLen), [1, keyLen]));
}

/**
 * softmax(q k^T / sqrt(d) where allowed) v, per head: q [..., tq, d], k [..., tk, d],
 * v [..., tk, dv] -> [..., tq, dv]. Query rows whose keys are all masked output zeros.
 * @example const y = dotProductAttention(q, k, v, { causal: true });
 * @example const y = dotProductAttention(q, k, v, { mask: padMask, dropout: 0.1, key: k1 });
 */
export function dotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: DotProductAttentionOptions = {}): Tensor {
  const d = q.shape[q.ndim - 1]!;
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim || k.shape[k.ndim - 1] !== d || v.shape[v.ndim - 2] !== k.shape[k.ndim - 2]) {
    layerError('dotProductAttention', `expects q [..., tq, d], k [..., tk, d], v [..., tk, dv], got q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}`);
  }
  const [tq, tk] = [q.shape[q.ndim - 2]!, k.shape[k.ndim - 2]!];
  const scores = T.div(T.matmul(q, T.moveaxis(k, -1, -2)), Math.sqrt(d));
  let allowed = options.mask;
  if (allowed !== undefined && allowed.dtype !== 'bool') layerError('dotProductAttention', `mask must be bool (true = attend), got ${allowed.dtype} ${fmt(allowed.shape)}`);
  if (options.causal) allowed = allowed === undefined ? causalMask(tq, tk) : T.logicalAnd(allowed, causalMask(tq, tk));
  let weights = T.softmax(allowed === undefined ? scores : T.where(allowed, scores, MASKED), { axis: -1 });
  if (allowed !== undefined) weights = T.where(allowed, weights, 0);
  if (options.dropout && options.key !== undefined) weights = dropoutApply(weights, options.dropout, options.key);
  return T.matmul(weights, v);
}

/** Multi-head attention parameters: four linear projections in PyTorch's [out, in] layout. */
export interface AttentionParams {
  readonly query: LinearParams;
  readonly key: LinearParams;
  readonly value: LinearParams;
  readonly out: LinearParams;
}

export interface MultiHeadAttentionOptions {
  readonly numHeads: number;
  /** Model width: the projections' output size (default: the input features). */
  readonly dim?: number;
  /** Features of `context` for cross-attention (default: the input features). */
  readonly contextFeatures?: number;
  /** Biases on the projections (default true). */
  readonly bias?: boolean;
  /** Mask future keys (see dotProductAttention's `causal`). */
  readonly causal?: boolean;
  /** Dropout on the attention weights in train mode (default 0). */
  readonly dropout?: number;
}

export interface AttentionApplyOptions extends ApplyOptions {
  /** Bool [..., keyLen], true for real tokens: padding keys are never attended. */
  readonly keyMask?: Tensor;
  /** Bool, broadcastable to [..., heads, queryLen, keyLen]; true = may attend. */
  readonly mask?: Tensor;
  /** Keys and values come from here (cross-attention); default: the input itself. */
  readonly context?: Tensor;
}

export const attentionApplyKeys = [...applyKeys, 'keyMask', 'mask', 'context'] as const;

/** [..., t, h * dh] -> [..., h, t, dh] and back. */
const splitHeads = (x: Tensor, h: number): Tensor => T.moveaxis(T.reshape(x, [...x.shape.slice(0, -1), h, x.shape[x.ndim - 1]! / h]), -2, -3);
const mergeHeads = (x: Tensor): Tensor => {
  const y = T.moveaxis(x, -3, -2);
  return T.reshape(y, [...y.shape.slice(0, -2), y.shape[y.ndim - 2]! * y.shape[y.ndim - 1]!]);
};

/**
 * Multi-head scaled dot-product attention over [..., seq, features] (batch first):
 * query/key/value/out projections, heads of width dim / numHeads, softmax over keys.
 * Projections start Glorot-uniform with zero biases (like PyTorch's in_proj); PyTorch's packed
 * `in_proj_weight` is the concatenation [query.weight; key.weight; value.weight] and
 * `out_proj` is `out`. Masks follow JAX (true = attend), the opposite of PyTorch's
 * `key_padding_mask`.
 * @example const mha = multiHeadAttention({ numHeads: 4, causal: true }); const { params } = mha.init(key(0), [-1, 16, 64]);
 * @example const y = mha.apply(params, x, { keyMask: notPadding });      // [batch, 16, 64]
 */
export function multiHeadAttention(options: MultiHeadAttentionOptions): Layer<AttentionParams, undefined, AttentionApplyOptions> {
  if (typeof options !== 'object' || options === null) layerError('multiHeadAttention', `expects options { numHeads, ... }, got ${T.describeValue(options)}`);
  const { numHeads } = options;
  const name = `multiHeadAttention(${numHeads} heads)`;
  layerOptions(name, options, ['numHeads', 'dim', 'contextFeatures', 'bias', 'causal', 'dropout']);
  positiveInteger(name, 'numHeads', numHeads);
  if (options.dim !== undefined) positiveInteger(name, 'dim', options.dim);
  if (options.contextFeatures !== undefined) positiveInteger(name, 'contextFeatures', options.contextFeatures);
  if (options.dropout !== undefined) T.checkNumber(`nn.${name}`, 'dropout', options.dropout, { min: 0, max: 1 });
  const projection = { bias: options.bias ?? true, init: glorotUniform, biasInit: zeros };
  return {
    name,
    stateful: false,
    init(key, inputShape) {
      checkInitArgs(name, key, inputShape);
      checkInputShape(name, inputShape, 2, '[..., seq, features]');
      const features = concreteAxis(name, inputShape, -1, 'input features');
      const dim = options.dim ?? features;
      if (dim % numHeads !== 0) layerError(name, `init: dim ${dim} must divide into ${numHeads} heads`);
      const kv = [-1, options.contextFeatures ?? features];
      const [kq, kk, kvv, ko] = R.splitList(key, 4);
      const params: AttentionParams = {
        query: linear(dim, projection).init(kq!, [-1, features]).params,
        key: linear(dim, projection).init(kk!, kv).params,
        value: linear(dim, projection).init(kvv!, kv).params,
        out: linear(dim, projection).init(ko!, [-1, dim]).params,
      };
      return { params, state: undefined, outputShape: [...inputShape.slice(0, -1), dim] };
    },
    apply(params, x, options_?: AttentionApplyOptions) {
      const opts = checkApplyArgs<AttentionApplyOptions>(name, x, options_, attentionApplyKeys);
      if (typeof params !== 'object' || params === null) layerError(name, `apply: params must be the object init returned ({ query, key, value, out }), got ${T.describeValue(params)}`);
      for (const k of ['keyMask', 'mask', 'context'] as const) {
        if (opts[k] !== undefined && !(opts[k] instanceof T.Tensor)) layerError(name, `apply: ${k} must be a tensor, got ${T.describeValue(opts[k])}`);
      }
      if (x.ndim < 2) layerError(name, `expects [..., seq, features], got ${fmt(x.shape)}`);
      const context = opts.context ?? x;
      const q = splitHeads(linearApply(`${name}.query`, params.query, x), numHeads);
      const k = splitHeads(linearApply(`${name}.key`, params.key, context), numHeads);
      const v = splitHeads(linearApply(`${name}.value`, params.value, context), numHeads);
      let mask = opts.mask;
      if (opts.keyMask !== undefined) {
        const km = opts.keyMask;
        if (km.dtype !== 'bool' || km.shape[km.ndim - 1] !== context.shape[context.ndim - 2]) {
          layerError(name, `keyMask must be bool [..., keyLen] with keyLen ${context.shape[context.ndim - 2]}, got ${km.dtype} ${fmt(km.shape)}`);
        }
        const padding = T.expandDims(km, [-2, -3]);
        mask = mask === undefined ? padding : T.logicalAnd(mask, padding);
      }
      const train = opts.train === true && (options.dropout ?? 0) > 0;
      if (train && opts.key === undefined) layerError(name, `train mode with dropout ${options.dropout} needs options.key`);
      const y = dotProductAttention(q, k, v, { mask, causal: options.causal, dropout: train ? options.dropout : 0, key: opts.key });
      return linearApply(`${name}.out`, params.out, mergeHeads(y));
    },
  };
}
