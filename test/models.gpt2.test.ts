/**
 * GPT-2 against an independent float64 forward pass written with plain loops: an HF-layout
 * checkpoint built by hand in F32, F16 and BF16 (with and without the `transformer.` prefix,
 * with the causal-mask buffers old files carry) gives the same logits and loss; gradients equal
 * central differences of the reference loss; greedy generation with the KV cache equals the
 * reference's greedy tokens, with the step traced once. Plus the real GPT-2 tokenizer.
 */
import { either as E } from 'fp-ts';
import { describe, expect, it } from 'vitest';
import { grad } from '../src';
import { deserialize } from '../src/io';
import { gpt2ConfigFromJson, gpt2FromCheckpoint, gpt2Generator, gpt2Init, gpt2Logits, gpt2Loss, gpt2ParameterShapes, gpt2Serialize, gpt2Tokenizer, topKLogits, type GPT2Config, type GPT2Params } from '../src/models';
import { key } from '../src/random';
import * as T from '../src/tensor';
import { flattenWithPath, map } from '../src/tree';
import { buildSafetensors, exactValues, rng, type HandDType, type HandTensor } from './safetensors.helpers';

const seed = 21;
const config: GPT2Config = { nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 12, vocabSize: 40 };
const random = rng(seed);

/** HF names -> values exact in F32, F16 and BF16. LayerNorm weights near 1, the rest small. */
const weights: Record<string, number[]> = Object.fromEntries(
  gpt2ParameterShapes(config).map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNormWeight = /(ln_\d|ln_f)\.weight$/.test(name);
    const values = isNormWeight ? exactValues(random, n, { range: 63 }).map((v) => 0.75 + Math.abs(v)) : exactValues(random, n, { range: 127, bits: /wte|wpe/.test(name) ? 7 : 8 });
    return [name, values];
  }),
);
const shapes = new Map(gpt2ParameterShapes(config));

function checkpointFile(dtype: HandDType, options: { prefix?: boolean; buffers?: boolean } = {}): Uint8Array {
  const tensors: Record<string, HandTensor> = {};
  const p = options.prefix ? 'transformer.' : '';
  for (const [name, values] of Object.entries(weights)) {
    tensors[p + name] = { dtype, shape: shapes.get(name)!, values };
    const block = /^h\.(\d+)\.ln_1\.weight$/.exec(name);
    if (options.buffers && block) {
      // The causal-mask buffers older HF files carry: not parameters.
      const n = config.nPositions;
      tensors[`${p}h.${block[1]}.attn.bias`] = { dtype, shape: [1, 1, n, n], values: Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0)) };
      tensors[`${p}h.${block[1]}.attn.masked_bias`] = { dtype: 'F32', shape: [], values: [-1e4] };
    }
  }
  if (options.prefix) tensors['lm_head.weight'] = { dtype, shape: shapes.get('wte.weight')!, values: weights['wte.weight']! };
  return buildSafetensors(tensors, { format: 'pt' });
}

// ---------------------------------------------------------------------------------------------
// The float64 reference, from the HF description of GPT-2 (no tensorlaw code).

type W = Record<string, number[]>;
const D = config.nEmbd;
const layerNorm = (x: number[], w: number[], b: number[]) => {
  const mean = x.reduce((a, c) => a + c, 0) / x.length;
  const variance = x.reduce((a, c) => a + (c - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i]! + b[i]!);
};
const conv1d = (x: number[], w: number[], b: number[]) => b.map((bias, o) => x.reduce((s, xi, i) => s + xi * w[i * b.length + o]!, bias));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function referenceLogits(w: W, tokens: readonly number[]): number[][] {
  const dh = D / config.nHead;
  let xs = tokens.map((tok, t) => Array.from({ length: D }, (_, i) => w['wte.weight']![tok * D + i]! + w['wpe.weight']![t * D + i]!));
  for (let l = 0; l < config.nLayer; l++) {
    const g = (k: string) => w[`h.${l}.${k}`]!;
    const qkv = xs.map((x) => conv1d(layerNorm(x, g('ln_1.weight'), g('ln_1.bias')), g('attn.c_attn.weight'), g('attn.c_attn.bias')));
    xs = xs.map((x, t) => {
      const merged: number[] = [];
      for (let h = 0; h < config.nHead; h++) {
        const q = qkv[t]!.slice(h * dh, (h + 1) * dh);
        const scores = qkv.slice(0, t + 1).map((r) => r.slice(D + h * dh, D + (h + 1) * dh).reduce((s, kj, j) => s + kj * q[j]!, 0) / Math.sqrt(dh));
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < dh; j++) merged.push(e.reduce((s, ei, u) => s + (ei / z) * qkv[u]![2 * D + h * dh + j]!, 0));
      }
      const a = conv1d(merged, g('attn.c_proj.weight'), g('attn.c_proj.bias'));
      const hidden = x.map((v, i) => v + a[i]!);
      const f = conv1d(conv1d(layerNorm(hidden, g('ln_2.weight'), g('ln_2.bias')), g('mlp.c_fc.weight'), g('mlp.c_fc.bias')).map(geluTanh), g('mlp.c_proj.weight'), g('mlp.c_proj.bias'));
      return hidden.map((v, i) => v + f[i]!);
    });
  }
  return xs.map((x) => {
    const y = layerNorm(x, w['ln_f.weight']!, w['ln_f.bias']!);
    return Array.from({ length: config.vocabSize }, (_, v) => y.reduce((s, yi, i) => s + yi * w['wte.weight']![v * D + i]!, 0));
  });
}

function referenceLoss(w: W, rows: readonly (readonly number[])[]): number {
  let total = 0;
  let count = 0;
  for (const row of rows) {
    const logits = referenceLogits(w, row.slice(0, -1));
    logits.forEach((l, t) => {
      const m = Math.max(...l);
      const lse = m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0));
      total += lse - l[row[t + 1]!]!;
      count++;
    });
  }
  return total / count;
}

const rows = [[3, 17, 5, 39, 0, 22, 8], [11, 11, 2, 30, 7, 19, 25]];
const tokens = T.tensor(rows, { dtype: 'int32' });
const load = (bytes: Uint8Array): GPT2Params => {
  const ck = deserialize(bytes);
  if (E.isLeft(ck)) throw new Error(ck.left.message);
  const r = gpt2FromCheckpoint(ck.right, config);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const maxAbs = (a: ArrayLike<number>, b: readonly number[]) => Math.max(...b.map((v, i) => Math.abs(a[i]! - v)));

/** Our float64 gradients of the loss (themselves checked against finite differences below). */
let float64Gradients: GPT2Params | undefined;
const gradients64 = () => (float64Gradients ??= grad((p: GPT2Params) => gpt2Loss(p, tokens, config))(map((x: T.Tensor) => x.astype('float64'), load(checkpointFile('F32'))) as GPT2Params));

describe(`GPT-2 in HF layout against a float64 reference (seed ${seed})`, () => {
  const expectedLogits = rows.flatMap((r) => referenceLogits(weights, r).flat());
  const expectedLoss = referenceLoss(weights, rows);

  for (const [dtype, options] of [['F32', {}], ['F16', { prefix: true }], ['BF16', { prefix: true, buffers: true }]] as const) {
    it(`${dtype}${options.prefix ? ', transformer. prefix' : ''}${'buffers' in options ? ', attn.bias buffers' : ''}: logits and loss`, () => {
      const params = load(checkpointFile(dtype, options));
      expect(params.h[1]!.attn.c_attn.weight.dtype).toBe('float32');
      expect(Array.from(params.h[1]!.mlp.c_fc.weight.dataSync())).toEqual(weights['h.1.mlp.c_fc.weight']);
      const logits = gpt2Logits(params, tokens, config);
      expect(logits.shape).toEqual([2, 7, config.vocabSize]);
      expect(maxAbs(logits.dataSync(), expectedLogits)).toBeLessThan(1e-4);
      expect(Math.abs(Number(gpt2Loss(params, tokens, config).item()) - expectedLoss)).toBeLessThan(1e-5);
      // float32 gradients from this file agree with the float64 ones.
      const g32 = flattenWithPath(grad((p: GPT2Params) => gpt2Loss(p, tokens, config))(params));
      const g64 = flattenWithPath(gradients64());
      g32.forEach(([path, leaf], i) => {
        const [a, b] = [(leaf as T.Tensor).dataSync(), (g64[i]![1] as T.Tensor).dataSync()];
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(maxAbs(a, Array.from(b)) / scale, path.join('.')).toBeLessThan(1e-4);
      });
    });
  }

  it('gradients (float64) equal central differences of the reference loss', () => {
    const g = gradients64();
    const pick = rng(seed + 1);
    let worst = 0;
    for (const [path, leaf] of flattenWithPath(g)) {
      const name = path.join('.');
      const data = (leaf as T.Tensor).dataSync();
      for (let s = 0; s < 2; s++) {
        const i = Math.floor(pick() * data.length);
        const h = 1e-5;
        const plus = { ...weights, [name]: weights[name]!.map((v, j) => (j === i ? v + h : v)) };
        const minus = { ...weights, [name]: weights[name]!.map((v, j) => (j === i ? v - h : v)) };
        const fd = (referenceLoss(plus, rows) - referenceLoss(minus, rows)) / (2 * h);
        worst = Math.max(worst, Math.abs(data[i]! - fd) / (1e-6 + Math.abs(fd)));
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('greedy generation with the KV cache equals the reference greedy tokens; one trace', () => {
    const params = load(checkpointFile('BF16', { prefix: true }));
    const prompt = [[5, 9, 1], [33, 2, 14]];
    const expected = prompt.map((p) => {
      const out = [...p];
      for (let i = 0; i < 6; i++) {
        const logits = referenceLogits(weights, out).at(-1)!;
        out.push(logits.indexOf(Math.max(...logits)));
      }
      return out;
    });
    const g = gpt2Generator(config, { maxLength: 10, temperature: 0 });
    expect(g.generate(params, T.tensor(prompt, { dtype: 'int32' }), 6).toArray()).toEqual(expected);
    expect(g.step.stats.traces).toBe(1);
    // A one-token prompt (no prefill) and a second call reuse the same trace.
    expect(g.generate(params, T.tensor([[5], [33]], { dtype: 'int32' }), 3).shape).toEqual([2, 4]);
    expect(g.step.stats.traces).toBe(1);
  });

  it('sampling: seeded keys reproduce, top-1 is greedy, top-k keeps ties', () => {
    const params = gpt2Init(key(3), config);
    const prompt = T.tensor([[1, 2]], { dtype: 'int32' });
    const sampler = gpt2Generator(config, { maxLength: 12, temperature: 1.5, topK: 5 });
    const a = sampler.generate(params, prompt, 8, key(7)).toArray();
    expect(sampler.generate(params, prompt, 8, key(7)).toArray()).toEqual(a);
    expect(sampler.generate(params, prompt, 8, key(8)).toArray()).not.toEqual(a);
    const top1 = gpt2Generator(config, { maxLength: 12, temperature: 0.7, topK: 1 }).generate(params, prompt, 8, key(9));
    expect(top1.toArray()).toEqual(gpt2Generator(config, { maxLength: 12, temperature: 0 }).generate(params, prompt, 8).toArray());
    expect(topKLogits(T.tensor([[1, 3, 2, 3, 0]]), 2).toArray()).toEqual([[-Infinity, 3, -Infinity, 3, -Infinity]]);
    expect(topKLogits(T.tensor([[1, 3, 2, 3, 0]]), 3).toArray()).toEqual([[-Infinity, 3, 2, 3, -Infinity]]);
    expect(() => gpt2Generator(config, { maxLength: 13 })).toThrow(/maxLength must be an integer in \[1, 12\]/);
    expect(() => gpt2Generator(config, { maxLength: 8, topk: 3 } as never)).toThrow(/unknown option "topk"/);
  });

  it('saves in HF layout (names, Conv1D shapes, F16/BF16) and reloads; bad files name every problem', () => {
    const params = load(checkpointFile('F32'));
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const bytes = gpt2Serialize(params, { dtype });
      const ck = deserialize(bytes);
      if (E.isLeft(ck)) throw new Error(ck.left.message);
      expect(Object.keys(ck.right.entries).sort()).toEqual([...shapes.keys()].sort());
      expect(ck.right.entries['h.0.attn.c_attn.weight']).toEqual({ dtype: dtype === 'float16' ? 'F16' : 'BF16', shape: [D, 3 * D] });
      expect(ck.right.metadata['format']).toBe('pt');
      expect(Array.from(load(bytes).h[0]!.attn.c_proj.weight.dataSync())).toEqual(weights['h.0.attn.c_proj.weight']);
    }
    const ck = deserialize(checkpointFile('F32'));
    if (E.isLeft(ck)) throw new Error('unreachable');
    const r = gpt2FromCheckpoint(ck.right, { ...config, nLayer: 3, nEmbd: 8, nHead: 2 });
    if (E.isRight(r)) throw new Error('expected a Left');
    expect(r.left.message).toContain('"wte.weight": shape [40, 16], expected [40, 8]');
    expect(r.left.message).toContain('h.2.ln_1.weight: missing from the checkpoint');
  });

  it('reads a Hugging Face config.json', () => {
    const hf = { n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' };
    expect(gpt2ConfigFromJson(hf)).toEqual(E.right({ nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, vocabSize: 50257, layerNormEpsilon: 1e-5 }));
    const bad = gpt2ConfigFromJson({ ...hf, n_head: 1.5, vocab_size: '50257' });
    expect(E.isLeft(bad) && bad.left).toMatch(/n_head: expected PositiveInteger, got 1.5.*vocab_size/);
  });
});

describe('the GPT-2 tokenizer (js-tiktoken, real BPE ranks)', () => {
  it('encodes known strings to the published ids and decodes back', async () => {
    const tok = await gpt2Tokenizer();
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode(' the quick brown fox')).toEqual([262, 2068, 7586, 21831]);
    expect(tok.vocabSize).toBe(50257);
    expect(tok.endOfText).toBe(50256);
    // Special tokens in user text stay text.
    expect(tok.encode('<|endoftext|>')).not.toContain(50256);
    for (const text of ['naïve café 😀', '  spaces\tand\nlines', '']) expect(tok.decode(tok.encode(text))).toBe(text);
    expect(() => tok.decode([50257])).toThrow(/token ids in \[0, 50256\]/);
  });
});
