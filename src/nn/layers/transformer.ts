/** A transformer block (pre- or post-norm) built from the attention, norm and linear layers. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { checkApplyArgs, checkInitArgs, checkInputShape, concreteAxis, layerError, layerOptions, positiveInteger, type Layer } from '../layer';
import { attentionApplyKeys, multiHeadAttention, type AttentionApplyOptions, type AttentionParams } from './attention';
import { dropoutApply } from './dropout';
import { linear, type LinearParams } from './linear';
import { layerNorm, type NormParams } from './norm';

/** The MLP's activation: GELU (erf, exact), GELU with the tanh approximation (GPT-2), or ReLU. */
export type TransformerActivation = 'gelu' | 'geluTanh' | 'relu';

export interface TransformerBlockOptions {
  /** Model width (the input's last axis). */
  readonly dim: number;
  readonly numHeads: number;
  /** Hidden width of the MLP as a multiple of dim (default 4); `feedforward` overrides it. */
  readonly mlpRatio?: number;
  /** Hidden width of the MLP (PyTorch's `dim_feedforward`). */
  readonly feedforward?: number;
  /** Causal self-attention (default false). */
  readonly causal?: boolean;
  /** Dropout on attention weights and on both residual branches in train mode (default 0). */
  readonly dropout?: number;
  /** LayerNorm eps (default 1e-5). */
  readonly eps?: number;
  /** The MLP's activation (default 'gelu', erf). PyTorch's TransformerEncoderLayer defaults to 'relu'. */
  readonly activation?: TransformerActivation;
  /**
   * Pre-norm `x + f(norm(x))` when true (the default; GPT-2 and most modern models), post-norm
   * `norm(x + f(x))` when false (PyTorch's `norm_first=False` default and the original paper).
   */
  readonly normFirst?: boolean;
  /**
   * Parameter names: 'tensorlaw' (`ln1`, `attn`, `ln2`, `mlp.fc1`, `mlp.fc2`; the default) or
   * 'torch' (`self_attn`, `linear1`, `linear2`, `norm1`, `norm2`), which match the keys of
   * PyTorch's `nn.TransformerEncoderLayer` state_dict once `io.torch.multiheadAttention` splits
   * its packed `in_proj_weight` (see `io.fromStateDict`).
   */
  readonly names?: 'tensorlaw' | 'torch';
}

export interface TransformerBlockParams {
  readonly ln1: NormParams;
  readonly attn: AttentionParams;
  readonly ln2: NormParams;
  readonly mlp: { readonly fc1: LinearParams; readonly fc2: LinearParams };
}

/** transformerBlock's parameters under PyTorch's names (`names: 'torch'`). */
export interface TorchTransformerBlockParams {
  readonly self_attn: AttentionParams;
  readonly linear1: LinearParams;
  readonly linear2: LinearParams;
  readonly norm1: NormParams;
  readonly norm2: NormParams;
}

const optionKeys = T.optionKeys<TransformerBlockOptions>({ dim: true, numHeads: true, mlpRatio: true, feedforward: true, causal: true, dropout: true, eps: true, activation: true, normFirst: true, names: true });
const activations: Record<TransformerActivation, (x: Tensor) => Tensor> = {
  gelu: (x) => T.gelu(x),
  geluTanh: (x) => T.gelu(x, { approximate: 'tanh' }),
  relu: (x) => T.relu(x),
};

/**
 * Transformer block over [..., seq, dim]: self-attention then an MLP dim -> hidden -> dim, each
 * with a residual connection and a LayerNorm, pre-norm by default (`x + attn(ln1(x))`, then
 * `x + mlp(ln2(x))`) or post-norm (`normFirst: false`: `ln1(x + attn(x))`, then
 * `ln2(h + mlp(h))`). The attention masks go in apply's options.
 * @example const block = transformerBlock({ dim: 64, numHeads: 4, causal: true }); const { params } = block.init(key(0), [-1, 16, 64]);
 * @example const torchLike = transformerBlock({ dim: 64, numHeads: 4, feedforward: 256, activation: 'relu', normFirst: false, names: 'torch' });
 */
export function transformerBlock(options: TransformerBlockOptions & { readonly names: 'torch' }): Layer<TorchTransformerBlockParams, undefined, AttentionApplyOptions>;
export function transformerBlock(options: TransformerBlockOptions & { readonly names?: 'tensorlaw' }): Layer<TransformerBlockParams, undefined, AttentionApplyOptions>;
export function transformerBlock(options: TransformerBlockOptions): Layer<TransformerBlockParams | TorchTransformerBlockParams, undefined, AttentionApplyOptions>;
export function transformerBlock(options: TransformerBlockOptions): Layer<any, undefined, AttentionApplyOptions> {
  if (typeof options !== 'object' || options === null) layerError('transformerBlock', `expects options { dim, numHeads, ... }, got ${T.describeValue(options)}`);
  const { dim, numHeads } = options;
  const name = `transformerBlock(${dim}, ${numHeads} heads)`;
  layerOptions(name, options, optionKeys);
  positiveInteger(name, 'dim', dim);
  positiveInteger(name, 'numHeads', numHeads);
  const activationName = options.activation ?? 'gelu';
  if (!Object.prototype.hasOwnProperty.call(activations, activationName)) layerError(name, `activation must be one of ${Object.keys(activations).join(', ')}, got ${JSON.stringify(activationName)}`);
  const names = options.names ?? 'tensorlaw';
  if (names !== 'tensorlaw' && names !== 'torch') layerError(name, `names must be 'tensorlaw' or 'torch', got ${JSON.stringify(names)}`);
  const hidden = options.feedforward ?? Math.round((options.mlpRatio ?? 4) * dim);
  if (!Number.isInteger(hidden) || hidden < 1) layerError(name, `the MLP width (feedforward, or mlpRatio * dim) must be a positive integer, got ${hidden}`);
  const rate = options.dropout ?? 0;
  const normFirst = options.normFirst ?? true;
  const act = activations[activationName];
  const ln = layerNorm(dim, { eps: options.eps });
  const attn = multiHeadAttention({ numHeads, dim, causal: options.causal, dropout: rate });
  const fc1 = linear(hidden);
  const fc2 = linear(dim);
  // One internal layout; the torch names are a renaming of it.
  const toTorch = (p: TransformerBlockParams): TorchTransformerBlockParams => ({ self_attn: p.attn, linear1: p.mlp.fc1, linear2: p.mlp.fc2, norm1: p.ln1, norm2: p.ln2 });
  const fromTorch = (p: TorchTransformerBlockParams): TransformerBlockParams => ({ ln1: p.norm1, attn: p.self_attn, ln2: p.norm2, mlp: { fc1: p.linear1, fc2: p.linear2 } });
  return {
    name,
    stateful: false,
    init(key, inputShape) {
      checkInitArgs(name, key, inputShape);
      checkInputShape(name, inputShape, 2, '[..., seq, dim]');
      if (concreteAxis(name, inputShape, -1, 'model width') !== dim) layerError(name, `init: input shape [${inputShape.join(', ')}] must end in dim ${dim}`);
      // One key per part, so no two parts ever share randomness.
      const [ka, k1, k2, kn1, kn2] = R.splitList(key, 5);
      const params: TransformerBlockParams = {
        ln1: ln.init(kn1!, inputShape).params,
        attn: attn.init(ka!, inputShape).params,
        ln2: ln.init(kn2!, inputShape).params,
        mlp: { fc1: fc1.init(k1!, inputShape).params, fc2: fc2.init(k2!, [-1, hidden]).params },
      };
      return { params: names === 'torch' ? toTorch(params) : params, state: undefined, outputShape: inputShape.slice() };
    },
    apply(given, x, options_?: AttentionApplyOptions) {
      const opts = checkApplyArgs<AttentionApplyOptions>(name, x, options_, attentionApplyKeys);
      if (typeof given !== 'object' || given === null) layerError(name, `apply: params must be the object init returned, got ${T.describeValue(given)}`);
      const params = names === 'torch' ? fromTorch(given as TorchTransformerBlockParams) : (given as TransformerBlockParams);
      const train = opts.train === true && rate > 0;
      if (train && opts.key === undefined) layerError(name, `train mode with dropout ${rate} needs options.key`);
      const [ka, k1, k2] = train ? R.splitList(opts.key!, 3) : [];
      const drop = (h: Tensor, k: Tensor | undefined): Tensor => (train ? dropoutApply(h, rate, k!) : h);
      const attention = (h: Tensor) => drop(attn.apply(params.attn, h, { ...opts, key: ka, train }), k1);
      const mlp = (h: Tensor) => drop(fc2.apply(params.mlp.fc2, act(fc1.apply(params.mlp.fc1, h))), k2);
      if (normFirst) {
        const h = T.add(x, attention(ln.apply(params.ln1, x)));
        return T.add(h, mlp(ln.apply(params.ln2, h)));
      }
      const h = ln.apply(params.ln1, T.add(x, attention(x)));
      return ln.apply(params.ln2, T.add(h, mlp(h)));
    },
  };
}
