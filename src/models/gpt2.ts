/**
 * GPT-2 as plain functions over a parameter tree with Hugging Face's names and layouts, so a
 * tree saved here is an HF `GPT2Model` checkpoint and an HF checkpoint loads here by key:
 *
 *   wte.weight [vocab, d]          token embeddings (the LM head is tied to them)
 *   wpe.weight [positions, d]      learned position embeddings
 *   h.N.ln_1.{weight,bias}         pre-attention LayerNorm
 *   h.N.attn.c_attn.{weight,bias}  q, k, v projection, a Conv1D: weight [d, 3d] (in, out)
 *   h.N.attn.c_proj.{weight,bias}  attention output, Conv1D [d, d]
 *   h.N.ln_2.{weight,bias}         pre-MLP LayerNorm
 *   h.N.mlp.c_fc.{weight,bias}     Conv1D [d, 4d], then GELU (tanh approximation)
 *   h.N.mlp.c_proj.{weight,bias}   Conv1D [4d, d]
 *   ln_f.{weight,bias}             final LayerNorm
 *
 * Conv1D computes x @ weight + bias (the transpose of nn.Linear's layout).
 */
import * as t from 'io-ts';
import { either as E } from 'fp-ts';
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { causalMask, dotProductAttention, softmaxCrossEntropy } from '../nn';
import * as R from '../random';

/**
 * Model sizes. `layerNormEpsilon` defaults to 1e-5 as in every released GPT-2.
 *
 *   const tiny: GPT2Config = { nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 128, vocabSize: 4096 };
 *   gpt2Configs.small; // the 124M model
 */
export interface GPT2Config {
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly nPositions: number;
  readonly vocabSize: number;
  readonly layerNormEpsilon?: number;
}

/**
 * The released sizes (Radford et al. 2019), all with 1024 positions and 50,257 tokens.
 *
 *   gpt2Init(key(0), gpt2Configs.small); // 124M parameters
 */
export const gpt2Configs = {
  small: { nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, vocabSize: 50257 },
  medium: { nLayer: 24, nHead: 16, nEmbd: 1024, nPositions: 1024, vocabSize: 50257 },
  large: { nLayer: 36, nHead: 20, nEmbd: 1280, nPositions: 1024, vocabSize: 50257 },
  xl: { nLayer: 48, nHead: 25, nEmbd: 1600, nPositions: 1024, vocabSize: 50257 },
} as const satisfies Record<string, GPT2Config>;

/** An affine map with HF names: Conv1D (`weight` [in, out]) or a LayerNorm (`weight`, `bias` [d]). */
export interface Affine {
  readonly weight: Tensor;
  readonly bias: Tensor;
}

/** One transformer block's parameters. */
export interface GPT2Block {
  readonly ln_1: Affine;
  readonly attn: { readonly c_attn: Affine; readonly c_proj: Affine };
  readonly ln_2: Affine;
  readonly mlp: { readonly c_fc: Affine; readonly c_proj: Affine };
}

/** The whole model's parameters, named exactly as in Hugging Face's GPT2Model. */
export interface GPT2Params {
  readonly wte: { readonly weight: Tensor };
  readonly wpe: { readonly weight: Tensor };
  readonly h: readonly GPT2Block[];
  readonly ln_f: Affine;
}

const configKeys = T.optionKeys<GPT2Config>({ nLayer: true, nHead: true, nEmbd: true, nPositions: true, vocabSize: true, layerNormEpsilon: true });

/**
 * Check a config: positive integer sizes, heads dividing the width, no unknown keys.
 *
 *   checkConfig('gpt2Init', { nLayer: 2, nHead: 3, nEmbd: 64, ... }); // throws: 3 heads do not divide 64
 */
export function checkConfig(fn: string, config: GPT2Config): void {
  if (config === undefined) throw new T.OpError(fn, `expects a config (${configKeys.join(', ')})`);
  T.checkOptions(`${fn} (config)`, config, configKeys);
  for (const k of ['nLayer', 'nHead', 'nEmbd', 'nPositions', 'vocabSize'] as const) {
    if (!Number.isInteger(config[k]) || config[k] < 1) throw new Error(`${fn}: config.${k} must be a positive integer, got ${String(config[k])}`);
  }
  if (config.nEmbd % config.nHead !== 0) throw new Error(`${fn}: config.nHead ${config.nHead} must divide config.nEmbd ${config.nEmbd}`);
  const eps = config.layerNormEpsilon;
  if (eps !== undefined && !(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) throw new Error(`${fn}: config.layerNormEpsilon must be a positive number, got ${String(eps)}`);
}

/**
 * Every parameter's HF name and shape, in the order HF lists them.
 *
 *   gpt2ParameterShapes(config)[0]; // ['wte.weight', [vocab, d]]
 */
export function gpt2ParameterShapes(config: GPT2Config): [name: string, shape: number[]][] {
  checkConfig('gpt2ParameterShapes', config);
  const { nEmbd: d, vocabSize: v, nPositions: p } = config;
  const out: [string, number[]][] = [['wte.weight', [v, d]], ['wpe.weight', [p, d]]];
  for (let i = 0; i < config.nLayer; i++) {
    const b = `h.${i}.`;
    out.push(
      [`${b}ln_1.weight`, [d]], [`${b}ln_1.bias`, [d]],
      [`${b}attn.c_attn.weight`, [d, 3 * d]], [`${b}attn.c_attn.bias`, [3 * d]],
      [`${b}attn.c_proj.weight`, [d, d]], [`${b}attn.c_proj.bias`, [d]],
      [`${b}ln_2.weight`, [d]], [`${b}ln_2.bias`, [d]],
      [`${b}mlp.c_fc.weight`, [d, 4 * d]], [`${b}mlp.c_fc.bias`, [4 * d]],
      [`${b}mlp.c_proj.weight`, [4 * d, d]], [`${b}mlp.c_proj.bias`, [d]],
    );
  }
  out.push(['ln_f.weight', [d]], ['ln_f.bias', [d]]);
  return out;
}

/**
 * Fresh parameters initialized as HF does: weights N(0, 0.02), the residual projections
 * (`c_proj`) N(0, 0.02 / sqrt(2 nLayer)), biases 0, LayerNorms weight 1 and bias 0.
 *
 *   const params = gpt2Init(key(0), { nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 128, vocabSize: 4096 });
 *   params.h[0].attn.c_attn.weight.shape; // [64, 192]
 */
export function gpt2Init(key: Tensor, config: GPT2Config, options: { readonly dtype?: 'float32' | 'float64' } = {}): GPT2Params {
  checkConfig('gpt2Init', config);
  const dtype = options.dtype ?? 'float32';
  const { nEmbd: d } = config;
  const keys = R.splitList(key, 2 + config.nLayer);
  const normal = (k: Tensor, shape: number[], std: number) => T.mul(R.normal(k, shape, { dtype }), std);
  const zeros = (n: number) => T.zeros([n], dtype);
  const norm = (): Affine => ({ weight: T.ones([d], dtype), bias: zeros(d) });
  const projStd = 0.02 / Math.sqrt(2 * config.nLayer);
  return {
    wte: { weight: normal(keys[0]!, [config.vocabSize, d], 0.02) },
    wpe: { weight: normal(keys[1]!, [config.nPositions, d], 0.02) },
    h: keys.slice(2).map((k) => {
      const [ka, kp, kf, km] = R.splitList(k, 4);
      return {
        ln_1: norm(),
        attn: { c_attn: { weight: normal(ka!, [d, 3 * d], 0.02), bias: zeros(3 * d) }, c_proj: { weight: normal(kp!, [d, d], projStd), bias: zeros(d) } },
        ln_2: norm(),
        mlp: { c_fc: { weight: normal(kf!, [d, 4 * d], 0.02), bias: zeros(4 * d) }, c_proj: { weight: normal(km!, [4 * d, d], projStd), bias: zeros(d) } },
      };
    }),
    ln_f: norm(),
  };
}

/** x @ weight + bias with weight [in, out] (HF's Conv1D). */
export function conv1d(p: Affine, x: Tensor): Tensor {
  return T.add(T.matmul(x, p.weight), p.bias);
}

/** LayerNorm over the last axis. */
export function layerNorm(p: Affine, x: Tensor, eps: number): Tensor {
  const mean = T.mean(x, { axis: -1, keepdims: true });
  const variance = T.variance(x, { axis: -1, keepdims: true });
  return T.add(T.mul(T.mul(T.sub(x, mean), T.rsqrt(T.add(variance, eps))), p.weight), p.bias);
}

/** [..., t, h * dh] -> [..., h, t, dh] and back. */
export const splitHeads = (x: Tensor, h: number): Tensor => T.moveaxis(T.reshape(x, [...x.shape.slice(0, -1), h, x.shape[x.ndim - 1]! / h]), -2, -3);
export const mergeHeads = (x: Tensor): Tensor => {
  const y = T.moveaxis(x, -3, -2);
  return T.reshape(y, [...y.shape.slice(0, -2), y.shape[y.ndim - 2]! * y.shape[y.ndim - 1]!]);
};

/** The q, k, v heads [batch, heads, t, dh] of a block's attention input. */
export function queryKeyValue(p: GPT2Block, x: Tensor, config: GPT2Config): [Tensor, Tensor, Tensor] {
  const qkv = conv1d(p.attn.c_attn, layerNorm(p.ln_1, x, config.layerNormEpsilon ?? 1e-5));
  const [q, k, v] = T.split(qkv, 3, -1);
  return [splitHeads(q!, config.nHead), splitHeads(k!, config.nHead), splitHeads(v!, config.nHead)];
}

/** The rest of a block once attention has its output heads: projection, residuals and the MLP. */
export function finishBlock(p: GPT2Block, x: Tensor, heads: Tensor, config: GPT2Config): Tensor {
  const h = T.add(x, conv1d(p.attn.c_proj, mergeHeads(heads)));
  const m = conv1d(p.mlp.c_proj, T.gelu(conv1d(p.mlp.c_fc, layerNorm(p.ln_2, h, config.layerNormEpsilon ?? 1e-5)), { approximate: 'tanh' }));
  return T.add(h, m);
}

function checkTokens(fn: string, tokens: Tensor, config: GPT2Config): void {
  if (!(tokens instanceof T.Tensor) || tokens.dtype !== 'int32' || tokens.ndim !== 2) {
    throw new Error(`${fn}: tokens must be an int32 tensor [batch, time], got ${tokens instanceof T.Tensor ? `${tokens.dtype} [${tokens.shape.join(', ')}]` : typeof tokens}`);
  }
  if (tokens.shape[1]! > config.nPositions) throw new Error(`${fn}: ${tokens.shape[1]} tokens exceed the model's ${config.nPositions} positions`);
}

/**
 * The final hidden states [batch, time, d] (after `ln_f`) of int32 tokens [batch, time]: what
 * a classification head reads. Causal: position t sees tokens 0..t only.
 *
 *   const h = gpt2Hidden(params, tokens, config); // [2, 16, 64]
 */
export function gpt2Hidden(params: GPT2Params, tokens: Tensor, config: GPT2Config): Tensor {
  checkTokens('gpt2Hidden', tokens, config);
  const time = tokens.shape[1]!;
  let x = T.add(T.take(params.wte.weight, tokens, { axis: 0 }), T.slice(params.wpe.weight, [{ start: 0, stop: time }]));
  const mask = causalMask(time, time);
  for (const p of params.h) {
    const [q, k, v] = queryKeyValue(p, x, config);
    x = finishBlock(p, x, dotProductAttention(q, k, v, { mask }), config);
  }
  return layerNorm(params.ln_f, x, config.layerNormEpsilon ?? 1e-5);
}

/**
 * Next-token logits [batch, time, vocab]: the hidden states times the token embeddings (the LM
 * head is tied to `wte`, as in HF's GPT2LMHeadModel).
 *
 *   const logits = gpt2Logits(params, tokens, config);
 */
export function gpt2Logits(params: GPT2Params, tokens: Tensor, config: GPT2Config): Tensor {
  return T.matmul(gpt2Hidden(params, tokens, config), T.transpose(params.wte.weight));
}

/**
 * Mean next-token cross-entropy: logits at 0..T-2 against tokens 1..T-1. With `mask` (float
 * [batch, time], 1 for real tokens), targets whose mask is 0 are left out of the mean.
 *
 *   const loss = gpt2Loss(params, tokens, config);
 *   const [l, g] = valueAndGrad((p) => gpt2Loss(p, tokens, config))(params);
 */
export function gpt2Loss(params: GPT2Params, tokens: Tensor, config: GPT2Config, options: { readonly mask?: Tensor } = {}): Tensor {
  checkTokens('gpt2Loss', tokens, config);
  const time = tokens.shape[1]!;
  if (time < 2) throw new Error(`gpt2Loss: needs at least 2 tokens per row to predict one, got ${time}`);
  const logits = gpt2Logits(params, T.slice(tokens, [{}, { start: 0, stop: time - 1 }]), config);
  const targets = T.slice(tokens, [{}, { start: 1, stop: time }]);
  const losses = softmaxCrossEntropy(logits, targets, { reduction: 'none' });
  if (options.mask === undefined) return T.mean(losses);
  const m = T.slice(options.mask, [{}, { start: 1, stop: time }]);
  return T.div(T.sum(T.mul(losses, m)), T.maximum(T.sum(m), 1));
}

/**
 * Hugging Face's `config.json` fields for GPT-2 (`n_layer`, `n_head`, `n_embd`, `n_positions`,
 * `vocab_size`, `layer_norm_epsilon`), decoded into a config; other fields are ignored.
 *
 *   gpt2ConfigFromJson(JSON.parse(readFileSync('config.json', 'utf8'))); // Right({ nLayer: 12, ... })
 */
export function gpt2ConfigFromJson(json: unknown): E.Either<string, GPT2Config> {
  const Size = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, 'PositiveInteger');
  const Codec = t.intersection([
    t.type({ n_layer: Size, n_head: Size, n_embd: Size, n_positions: Size, vocab_size: Size }),
    t.partial({ layer_norm_epsilon: t.refinement(t.number, (n) => n > 0, 'PositiveNumber') }),
  ]);
  const r = Codec.decode(json);
  if (E.isLeft(r)) {
    const lines = r.left.map((e) => `${e.context.map((c) => c.key).filter(Boolean).join('.') || 'config'}: expected ${e.context[e.context.length - 1]?.type.name}, got ${JSON.stringify(e.value)}`);
    return E.left(`gpt2ConfigFromJson: ${[...new Set(lines)].join('; ')}`);
  }
  const c = r.right;
  const config = { nLayer: c.n_layer, nHead: c.n_head, nEmbd: c.n_embd, nPositions: c.n_positions, vocabSize: c.vocab_size, layerNormEpsilon: c.layer_norm_epsilon ?? 1e-5 };
  if (config.nEmbd % config.nHead !== 0) return E.left(`gpt2ConfigFromJson: n_head ${config.nHead} must divide n_embd ${config.nEmbd}`);
  return E.right(config);
}
