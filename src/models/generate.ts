/**
 * Text generation with a key/value cache. The cache holds every layer's keys and values for a
 * fixed `maxLength` ([batch, heads, maxLength, dh] each), so each new token is one jitted step of
 * fixed shapes: the step embeds one token at position `pos` (a tensor, so it never retraces),
 * writes its key and value into the cache at `pos` (a one-hot position mask and `where`, since
 * the primitive set has no dynamic update-slice yet), attends over positions <= pos, and picks the
 * next token (greedy, or sampled at a temperature, optionally among the top k). n new tokens cost
 * one prefill of the prompt and n steps; the step is traced once per generator.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { jit } from '../grad';
import { dotProductAttention } from '../nn';
import * as R from '../random';
import { checkConfig, finishBlock, layerNorm, queryKeyValue, type GPT2Config, type GPT2Params } from './gpt2';

/**
 * How to pick tokens. `temperature: 0` is greedy (argmax); otherwise tokens are drawn from
 * softmax(logits / temperature), restricted to the `topK` most likely when given.
 *
 *   gpt2Generator(config, { maxLength: 64 });                              // greedy
 *   gpt2Generator(config, { maxLength: 64, temperature: 0.8, topK: 40 });  // sampled
 */
export interface GenerateOptions {
  /** Prompt plus new tokens may not exceed this (at most `nPositions`); it sizes the cache. */
  readonly maxLength: number;
  readonly temperature?: number;
  readonly topK?: number;
}

/** Every layer's cached keys and values, [batch, heads, maxLength, dh] each. */
export interface KVCache {
  readonly keys: readonly Tensor[];
  readonly values: readonly Tensor[];
}

/**
 * A generator: its jitted single-token `step` (inspect `step.stats.traces`) and `generate`.
 *
 *   const g = gpt2Generator(config, { maxLength: 32, temperature: 0 });
 *   const out = g.generate(params, prompt, 10);     // int32 [batch, prompt + 10]
 *   g.step.stats.traces;                            // 1
 */
export interface Generator {
  readonly step: ((params: GPT2Params, cache: KVCache, token: Tensor, position: Tensor, key: Tensor) => [Tensor, KVCache]) & { readonly stats: { readonly traces: number } };
  generate(params: GPT2Params, prompt: Tensor, newTokens: number, key?: Tensor): Tensor;
}

const optionKeys = T.optionKeys<GenerateOptions>({ maxLength: true, temperature: true, topK: true });

/**
 * Keep the `k` largest logits along the last axis (ties at the k-th value kept, as PyTorch's
 * `topk` threshold does) and set the rest to -infinity. k passes of max, so k should be small.
 *
 *   topKLogits(T.tensor([[1, 3, 2]]), 2); // [[-inf, 3, 2]]
 */
export function topKLogits(logits: Tensor, k: number): Tensor {
  if (!(logits instanceof T.Tensor) || logits.ndim === 0) throw new T.OpError('topKLogits', `logits must be a tensor with a last (vocabulary) axis, got ${T.describe(logits)}`);
  T.checkNumber('topKLogits', 'k', k, { integer: true, min: 1, max: logits.shape[logits.ndim - 1]! });
  let remaining = logits;
  let count = T.zeros([...logits.shape.slice(0, -1), 1], logits.dtype);
  let kth = T.full(count.shape, -Infinity, logits.dtype);
  for (let j = 0; j < k; j++) {
    const m = T.max(remaining, { axis: -1, keepdims: true });
    const isMax = T.equal(remaining, m);
    // m is the k-th value (with multiplicity) while fewer than k values were above it.
    kth = T.where(T.less(count, k), m, kth);
    count = T.add(count, T.sum(T.astype(isMax, logits.dtype), { axis: -1, keepdims: true }));
    remaining = T.where(isMax, -Infinity, remaining);
  }
  return T.where(T.greaterEqual(logits, kth), logits, -Infinity);
}

function pick(logits: Tensor, key: Tensor, temperature: number, topK: number | undefined): Tensor {
  if (temperature === 0) return T.argmax(logits, { axis: -1 });
  const scaled = T.div(logits, temperature);
  return R.categorical(key, topK === undefined ? scaled : topKLogits(scaled, topK));
}

/**
 * A generator for one config and sampling setup. Build it once and reuse it: its step is traced
 * on the first token and reused for every later one (and every later call of the same batch).
 *
 *   const g = gpt2Generator(config, { maxLength: 48, temperature: 0.8, topK: 20 });
 *   const tokens = g.generate(params, T.tensor([[464, 3290]], { dtype: 'int32' }), 20, key(1));
 */
export function gpt2Generator(config: GPT2Config, options: GenerateOptions): Generator {
  const fn = 'gpt2Generator';
  checkConfig(fn, config);
  if (options === undefined) throw new T.OpError(fn, `expects options (${optionKeys.join(', ')}), at least { maxLength }`);
  T.checkOptions(fn, options, optionKeys);
  const { maxLength } = options;
  const temperature = options.temperature ?? 1;
  const topK = options.topK;
  if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > config.nPositions) throw new Error(`${fn}: maxLength must be an integer in [1, ${config.nPositions}] (nPositions), got ${String(maxLength)}`);
  if (!(typeof temperature === 'number' && temperature >= 0 && Number.isFinite(temperature))) throw new Error(`${fn}: temperature must be a finite number >= 0 (0 = greedy), got ${String(temperature)}`);
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1 || topK > config.vocabSize)) throw new Error(`${fn}: topK must be an integer in [1, ${config.vocabSize}], got ${String(topK)}`);
  const eps = config.layerNormEpsilon ?? 1e-5;
  const positions = T.arange(maxLength);

  /** The prompt's keys and values (all but its last token), padded to maxLength. */
  const prefill = jit((params: GPT2Params, tokens: Tensor): KVCache => {
    const time = tokens.shape[1]!;
    let x = T.add(T.take(params.wte.weight, tokens, { axis: 0 }), T.slice(params.wpe.weight, [{ start: 0, stop: time }]));
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    const padding = [[0, 0], [0, 0], [0, maxLength - time], [0, 0]] as [number, number][];
    for (const p of params.h) {
      const [q, k, v] = queryKeyValue(p, x, config);
      keys.push(T.pad(k, padding));
      values.push(T.pad(v, padding));
      x = finishBlock(p, x, dotProductAttention(q, k, v, { causal: true }), config);
    }
    return { keys, values };
  });

  const step = jit((params: GPT2Params, cache: KVCache, token: Tensor, position: Tensor, key: Tensor): [Tensor, KVCache] => {
    const at = T.reshape(T.equal(positions, position), [1, 1, maxLength, 1]);
    const visible = T.reshape(T.lessEqual(positions, position), [1, maxLength]);
    let x = T.expandDims(T.add(T.take(params.wte.weight, token, { axis: 0 }), T.take(params.wpe.weight, position, { axis: 0 })), 1);
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    params.h.forEach((p, i) => {
      const [q, k, v] = queryKeyValue(p, x, config);
      keys.push(T.where(at, k, cache.keys[i]!));
      values.push(T.where(at, v, cache.values[i]!));
      x = finishBlock(p, x, dotProductAttention(q, keys[i]!, values[i]!, { mask: visible }), config);
    });
    const logits = T.matmul(T.squeeze(layerNorm(params.ln_f, x, eps), 1), T.transpose(params.wte.weight));
    return [pick(logits, key, temperature, topK), { keys, values }];
  });

  function generate(params: GPT2Params, prompt: Tensor, newTokens: number, key: Tensor = R.key(0)): Tensor {
    if (!(prompt instanceof T.Tensor) || prompt.dtype !== 'int32' || prompt.ndim !== 2 || prompt.shape[1]! < 1) {
      throw new Error(`${fn}.generate: prompt must be int32 [batch, time] with time >= 1, got ${prompt instanceof T.Tensor ? `${prompt.dtype} [${prompt.shape.join(', ')}]` : typeof prompt}`);
    }
    const [batch, time] = [prompt.shape[0]!, prompt.shape[1]!];
    if (!Number.isInteger(newTokens) || newTokens < 0 || time + newTokens > maxLength) throw new Error(`${fn}.generate: ${time} prompt tokens + ${newTokens} new ones exceed maxLength ${maxLength}`);
    if (newTokens === 0) return prompt;
    const dh = config.nEmbd / config.nHead;
    let cache: KVCache =
      time > 1
        ? prefill(params, T.slice(prompt, [{}, { start: 0, stop: time - 1 }]))
        : { keys: params.h.map(() => T.zeros([batch, config.nHead, maxLength, dh], params.wte.weight.dtype)), values: params.h.map(() => T.zeros([batch, config.nHead, maxLength, dh], params.wte.weight.dtype)) };
    let token = T.reshape(T.slice(prompt, [{}, { start: time - 1, stop: time }]), [batch]);
    const out: Tensor[] = [prompt];
    const keys = R.splitList(key, newTokens);
    for (let i = 0; i < newTokens; i++) {
      [token, cache] = step(params, cache, token, T.scalar(time - 1 + i, 'int32'), keys[i]!);
      out.push(T.reshape(token, [batch, 1]));
    }
    return T.concatenate(out, 1);
  }

  return { step: step as unknown as Generator['step'], generate };
}
