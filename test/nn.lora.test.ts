/**
 * LoRA laws (zero adapters change nothing, merged = factored forward, frozen base bit-identical
 * after training) and the adapters' life cycle: only adapters get gradients and optimizer state,
 * under jit, with every optimizer; they save and load on their own.
 */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { describe, expect, it } from 'vitest';
import { frozenBaseBitIdentical, mergedMatchesFactoredForward, zeroAdaptersLeaveOutputsUnchanged } from '../laws/lora';
import { lawProperty } from '../laws/arbitraries/property';
import { jit, valueAndGrad } from '../src';
import { restore, serialize } from '../src/io';
import { gpt2Init, gpt2Logits, gpt2Loss, type GPT2Config, type GPT2Params } from '../src/models';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import { key, normal, splitList } from '../src/random';
import * as T from '../src/tensor';
import { leaves, map } from '../src/tree';

const seed = 31;
const config: GPT2Config = { nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 8, vocabSize: 32 };
const lora: nn.LoraConfig = { rank: 2, alpha: 4, targets: ['h.*.attn.c_attn.weight', '**.mlp.c_fc.weight'], layout: 'conv1d' };
const tokens = T.tensor([[1, 5, 9, 2, 7, 3, 30, 4], [8, 8, 1, 0, 12, 31, 6, 2]], { dtype: 'int32' });
const copy = (tree: unknown) => map((x: T.Tensor) => T.fromStorage(x.shape, x.dtype, x.dataSync().slice()), tree);

describe(`LoRA laws (seed ${seed})`, () => {
  it('zero-initialized adapters leave a GPT-2 and an MLP unchanged', () => {
    const params = gpt2Init(key(seed), config);
    const adapters = nn.loraInit(key(seed + 1), params, lora);
    expect(zeroAdaptersLeaveOutputsUnchanged((p: GPT2Params) => gpt2Logits(p, tokens, config), params, adapters, lora)).toBe(true);
    const mlp = nn.sequential(nn.linear(6), nn.activation(nn.relu), nn.linear(3));
    const mp = mlp.init(key(2), [-1, 4]).params;
    const linearLora: nn.LoraConfig = { rank: 3, targets: ['*.weight'] };
    const x = normal(key(3), [5, 4]);
    expect(zeroAdaptersLeaveOutputsUnchanged((p: typeof mp) => mlp.apply(p, x), mp, nn.loraInit(key(4), mp, linearLora), linearLora)).toBe(true);
  });

  it('the merged weight gives the factored adapter forward (float64, both layouts, random shapes)', () => {
    fc.assert(
      lawProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('linear', 'conv1d') as fc.Arbitrary<'linear' | 'conv1d'>, fc.double({ min: 0.5, max: 32, noNaN: true }), fc.nat(1000), (inputs, outputs, rank, batch, layout, alpha, s) => {
        const [kx, kw, ka, kb] = splitList(key(s), 4);
        const linear = layout === 'linear';
        const w = normal(kw!, linear ? [outputs, inputs] : [inputs, outputs], { dtype: 'float64' });
        const a = normal(ka!, linear ? [rank, inputs] : [inputs, rank], { dtype: 'float64' });
        const b = normal(kb!, linear ? [outputs, rank] : [rank, outputs], { dtype: 'float64' });
        const x = normal(kx!, [batch, inputs], { dtype: 'float64' });
        return mergedMatchesFactoredForward(x, w, { a, b }, { rank, alpha, targets: ['w'], layout });
      }),
      { seed, numRuns: 60 },
    );
  });

  it('the laws fail with the element that differs: trained adapters change the output, a moved base weight shows', () => {
    const params = gpt2Init(key(seed), config);
    const trained = map((x: T.Tensor) => T.add(x, 0.01), nn.loraInit(key(seed + 1), params, lora));
    expect(zeroAdaptersLeaveOutputsUnchanged((p: GPT2Params) => gpt2Logits(p, tokens, config), params, trained, lora)).toMatch(/^the output with the adapters merged vs without them: index \[0, 0, 0\]: \S+ vs \S+$/);
    const bias = Float32Array.from(params.ln_f.bias.dataSync());
    bias[3] = 2 ** -20;
    const moved = { ...params, ln_f: { ...params.ln_f, bias: T.tensor(bias, { shape: [16] }) } };
    expect(frozenBaseBitIdentical(params, moved)).toMatch(/^the base parameters after training vs before: \.ln_f\.bias index \[3\]: 9\.5367431640625e-7 vs 0 differ in their bits \(0x35800000 vs 0x00000000\)$/);
  });

  const optimizers: [string, optim.Optimizer][] = [
    ['sgd', optim.sgd(0.1, { momentum: 0.9 })], ['adam', optim.adam(1e-2)], ['adamw', optim.adamw(1e-2)], ['nadam', optim.nadam(1e-2)],
    ['adamax', optim.adamax(1e-2)], ['adabelief', optim.adabelief(1e-2)], ['rmsprop', optim.rmsprop(1e-2)], ['adagrad', optim.adagrad(1e-1)],
    ['adadelta', optim.adadelta(1)], ['lamb', optim.lamb(1e-2)], ['lion', optim.lion(1e-3)],
  ];
  it(`only adapters train, under jit with donation, with each of ${optimizers.length} optimizers; the base stays bit-identical`, () => {
    const base = gpt2Init(key(seed), config);
    const snapshot = copy(base);
    const fresh = nn.loraInit(key(seed + 1), base, lora);
    const adapterLeaves = leaves(fresh).length;
    for (const [name, opt] of optimizers) {
      type State = { adapters: unknown; opt: unknown };
      const step = jit(
        (s: State, frozen: GPT2Params) => {
          const [l, g] = valueAndGrad((ad: unknown) => gpt2Loss(nn.loraMerge(frozen, ad, lora), tokens, config))(s.adapters);
          const [updates, o] = opt.update(g, s.opt as never, s.adapters);
          return [{ adapters: optim.applyUpdates(s.adapters, updates), opt: o }, l] as const;
        },
        { donateArgnums: 0 },
      );
      let state: State = { adapters: copy(fresh), opt: opt.init(copy(fresh)) };
      // Optimizer state exists for the adapters only: every tensor in it has an adapter's shape.
      const adapterShapes = new Set((leaves(fresh) as T.Tensor[]).map((t) => t.shape.join('x')));
      expect((leaves(state.opt) as unknown[]).filter((x) => x instanceof T.Tensor && x.ndim > 0).every((x) => adapterShapes.has((x as T.Tensor).shape.join('x')))).toBe(true);
      let first = NaN;
      let last = NaN;
      for (let i = 0; i < 4; i++) {
        const [next, l] = step(state, base);
        state = next;
        if (i === 0) first = Number(l.item());
        last = Number(l.item());
      }
      expect(Number.isFinite(last), name).toBe(true);
      expect(last, name).toBeLessThan(first);
      expect(leaves(state.adapters)).toHaveLength(adapterLeaves);
      expect(step.stats.traces, name).toBe(1);
      expect(frozenBaseBitIdentical(snapshot, base), name).toBe(true);
    }
  });

  it('adapters save and load on their own; merge folds them into plain weights', () => {
    const base = gpt2Init(key(seed), config);
    const adapters = map((x: T.Tensor) => T.add(x, 0.01), nn.loraInit(key(seed + 1), base, lora));
    const bytes = serialize(adapters);
    const back = restore(bytes, nn.loraInit(key(99), base, lora));
    if (E.isLeft(back)) throw new Error('restore failed');
    expect(leaves(back.right).map((t) => Array.from((t as T.Tensor).dataSync()))).toEqual(leaves(adapters).map((t) => Array.from((t as T.Tensor).dataSync())));
    expect(nn.loraParameterCount(adapters)).toBe(2 * (2 * (16 + 48) + 2 * (16 + 64)));
    expect(bytes.length).toBeLessThan(serialize(base).length / 4);
    const merged = nn.loraMerge(base, back.right, lora);
    expect(Array.from(gpt2Logits(merged, tokens, config).dataSync())).toEqual(Array.from(gpt2Logits(nn.loraMerge(base, adapters, lora), tokens, config).dataSync()));
    expect(merged.h[0]!.attn.c_proj.weight).toBe(base.h[0]!.attn.c_proj.weight);
  });

  it('bad configs and trees are clear errors', () => {
    const base = gpt2Init(key(seed), config);
    expect(() => nn.loraInit(key(0), base, { ...lora, targets: ['nope.*'] })).toThrow(/no weight matches the targets/);
    expect(() => nn.loraInit(key(0), base, { ...lora, targets: ['**.ln_1.weight'] })).toThrow(/is 1-d \[16\]; LoRA adapts 2-D weights/);
    expect(() => nn.loraInit(key(0), base, { ...lora, rnak: 2 } as never)).toThrow(/nn.loraInit: unknown option "rnak" \(valid options: rank, alpha, targets, layout\)/);
    expect(() => nn.loraMerge(base, nn.loraInit(key(0), base, lora), { ...lora, layout: 'linear' })).toThrow(/has a \[16, 2\], b \[2, 48\]; the 'linear' weight \[16, 48\] needs a \[rank, 48\], b \[16, rank\]/);
  });
});
