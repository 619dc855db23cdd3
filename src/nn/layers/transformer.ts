/** A pre-norm transformer block built from the attention, norm and linear layers. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { checkInputShape, concreteAxis, layerError, type Layer } from '../layer';
import { multiHeadAttention, type AttentionApplyOptions, type AttentionParams } from './attention';
import { dropoutApply } from './dropout';
import { linear, type LinearParams } from './linear';
import { layerNorm, type NormParams } from './norm';

export interface TransformerBlockOptions {
  /** Model width (the input's last axis). */
  readonly dim: number;
  readonly numHeads: number;
  /** Hidden width of the MLP as a multiple of dim (default 4). */
  readonly mlpRatio?: number;
  /** Causal self-attention (default false). */
  readonly causal?: boolean;
  /** Dropout on attention weights and on both residual branches in train mode (default 0). */
  readonly dropout?: number;
  /** LayerNorm eps (default 1e-5). */
  readonly eps?: number;
}

export interface TransformerBlockParams {
  readonly ln1: NormParams;
  readonly attn: AttentionParams;
  readonly ln2: NormParams;
  readonly mlp: { readonly fc1: LinearParams; readonly fc2: LinearParams };
}

/**
 * Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) with a GELU MLP
 * dim -> mlpRatio * dim -> dim. Takes [..., seq, dim] and the attention masks in its options.
 * @example const block = transformerBlock({ dim: 64, numHeads: 4, causal: true }); const { params } = block.init(key(0), [-1, 16, 64]);
 * @example const y = block.apply(params, x, { train: true, key: k });
 */
export function transformerBlock(options: TransformerBlockOptions): Layer<TransformerBlockParams, undefined, AttentionApplyOptions> {
  const { dim, numHeads } = options;
  const name = `transformerBlock(${dim}, ${numHeads} heads)`;
  const hidden = Math.round((options.mlpRatio ?? 4) * dim);
  const rate = options.dropout ?? 0;
  const ln = layerNorm(dim, { eps: options.eps });
  const attn = multiHeadAttention({ numHeads, dim, causal: options.causal, dropout: rate });
  const fc1 = linear(hidden);
  const fc2 = linear(dim);
  return {
    name,
    stateful: false,
    init(key, inputShape) {
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
      return { params, state: undefined, outputShape: inputShape.slice() };
    },
    apply(params, x, opts: AttentionApplyOptions = {}) {
      const train = opts.train === true && rate > 0;
      if (train && opts.key === undefined) layerError(name, `train mode with dropout ${rate} needs options.key`);
      const [ka, k1, k2] = train ? R.splitList(opts.key!, 3) : [];
      const drop = (h: Tensor, k: Tensor | undefined): Tensor => (train ? dropoutApply(h, rate, k!) : h);
      const a = attn.apply(params.attn, ln.apply(params.ln1, x), { ...opts, key: ka, train });
      const h = T.add(x, drop(a, k1));
      const m = fc2.apply(params.mlp.fc2, T.gelu(fc1.apply(params.mlp.fc1, ln.apply(params.ln2, h))));
      return T.add(h, drop(m, k2));
    },
  };
}
