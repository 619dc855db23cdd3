/**
 * A tiny causal transformer that learns to spell English words one character at a time, then
 * invents new ones. Words of 5-8 letters from the `an-array-of-english-words` package become
 * token sequences `.word` -> `word.` ('.' marks both start and end; padding after the end is
 * left out of the loss). The model: token + learned position embeddings, two pre-norm
 * transformer blocks with causal self-attention, a final layerNorm and a linear head over the
 * 27 characters. New words are sampled with `random.categorical` at a temperature.
 *
 * Loops live inside the compiled program, as JAX users write them: the blocks' parameters are
 * stacked along a leading axis and the forward pass scans over them (one traced block, however
 * deep the model), and each jitted call runs `--stepsPerCall` Adam steps with a scan over that
 * many batches (the training loop inside one program; one call per group of steps).
 *
 *   npx tsx examples/char-transformer/main.ts
 *   npx tsx examples/char-transformer/main.ts --steps 50 --words 500 --samples 5 --temperature 0.8
 */
import { createRequire } from 'node:module';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as random from '../../src/random';
import { Dataset } from '../../src/data';
import * as tree from '../../src/tree';
import { numberArg } from '../common/args';

const steps = numberArg('steps', 800);
const batchSize = numberArg('batch', 64);
const numWords = numberArg('words', 8000);
const dim = numberArg('dim', 48);
const numBlocks = numberArg('blocks', 2);
const numSamples = numberArg('samples', 20);
const temperature = numberArg('temperature', 0.8);
const stepsPerCall = numberArg('stepsPerCall', 10);
const [minLen, maxLen] = [5, 8];

// Token 0 is '.', both the start and the end of a word; 1..26 are 'a'..'z'.
const vocab = '.abcdefghijklmnopqrstuvwxyz';
const seqLen = maxLen + 1;

const tokenEmbedding = nn.embedding(vocab.length, dim, { init: nn.initializers.normal(0.02) });
const positionEmbedding = nn.embedding(seqLen, dim, { init: nn.initializers.normal(0.02) });
const block = nn.transformerBlock({ dim, numHeads: 4, causal: true });
const finalNorm = nn.layerNorm(dim);
const head = nn.linear(vocab.length);

/** Stack equally shaped trees leafwise along a new leading axis (the blocks' parameters, batches). */
const stackTrees = <Tree>(trees: readonly Tree[]): Tree => tree.map((...leaves: T.Tensor[]) => T.stack(leaves), trees[0], ...trees.slice(1));

function initParams(k: T.Tensor) {
  const [kt, kp, kh, ...kb] = random.splitList(k, 3 + numBlocks);
  const shape = [-1, seqLen, dim];
  return {
    tokens: tokenEmbedding.init(kt!, [-1, seqLen]).params,
    positions: positionEmbedding.init(kp!, [seqLen]).params,
    // Every block's parameters stacked along a leading axis of size numBlocks.
    blocks: stackTrees(kb.map((kk) => block.init(kk, shape).params)),
    norm: finalNorm.init(kh!, shape).params,
    head: head.init(kh!, shape).params,
  };
}
type Params = ReturnType<typeof initParams>;

/** Next-character logits [batch, seqLen, 27] for int32 tokens [batch, seqLen]. */
function logitsOf(params: Params, tokens: T.Tensor): T.Tensor {
  const h0 = T.add(tokenEmbedding.apply(params.tokens, tokens), positionEmbedding.apply(params.positions, T.arange(seqLen)));
  // A scan over the stacked blocks: one block traced, applied numBlocks times.
  const [h] = T.scan((h: T.Tensor, p: typeof params.blocks) => [block.apply(p, h), null] as const, h0, params.blocks);
  return head.apply(params.head, finalNorm.apply(params.norm, h));
}

type Batch = { input: T.Tensor; target: T.Tensor; mask: T.Tensor };

/** Mean cross-entropy per predicted character (padding excluded). */
const loss = (params: Params, b: Batch) => {
  const losses = nn.softmaxCrossEntropy(logitsOf(params, b.input), b.target, { reduction: 'none' });
  return T.div(T.sum(T.mul(losses, b.mask)), T.sum(b.mask));
};

const optimizer = optim.adam(optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 3e-3, warmupSteps: Math.min(50, steps / 10), decaySteps: steps, endValue: 3e-4 }));
type State = { params: Params; opt: optim.AdamState };

const step = (state: State, b: Batch): [State, T.Tensor] => {
  const [l, grads] = T.valueAndGrad(loss)(state.params, b);
  const [updates, opt] = optimizer.update(grads, state.opt, state.params);
  return [{ params: optim.applyUpdates(state.params, updates), opt }, l];
};
/** Several training steps in one compiled call: a scan over stacked batches [k, batch, seqLen]. */
const train = T.jit((state: State, batches: Batch) => T.scan((s: State, b: Batch) => step(s, b), state, batches));
const evaluate = T.jit(loss);
const sampleLogits = T.jit(logitsOf);

/** '.word' -> input [. w o r d . . . .], target [w o r d . . . . .], mask 1 up to the end token. */
function encode(words: readonly string[]): Dataset<Batch> {
  const input = new Int32Array(words.length * seqLen);
  const target = new Int32Array(words.length * seqLen);
  const mask = new Float32Array(words.length * seqLen);
  words.forEach((w, i) => {
    const ids = [...w].map((c) => vocab.indexOf(c));
    ids.forEach((id, j) => {
      input[i * seqLen + j + 1] = id;
      target[i * seqLen + j] = id;
    });
    mask.fill(1, i * seqLen, i * seqLen + ids.length + 1);
  });
  const shape = [words.length, seqLen];
  return Dataset.fromTensors({ input: T.tensor(input, { shape, dtype: 'int32' }), target: T.tensor(target, { shape, dtype: 'int32' }), mask: T.tensor(mask, { shape }) });
}

/** Sample n words: feed the prefix, draw the next character from softmax(logits / temperature). */
function sample(params: Params, k: T.Tensor, n: number): string[] {
  const tokens = new Int32Array(n * seqLen);
  const done = new Array<boolean>(n).fill(false);
  for (let t = 0; t < maxLen; t++) {
    const logits = sampleLogits(params, T.tensor(tokens, { shape: [n, seqLen], dtype: 'int32' }));
    const atT = T.squeeze(T.slice(logits, [{}, { start: t, stop: t + 1 }]), 1);
    const next = random.categorical(random.foldIn(k, t), T.div(atT, temperature)).dataSync() as Int32Array;
    next.forEach((c, i) => {
      if (c === 0) done[i] = true;
      if (!done[i]) tokens[i * seqLen + t + 1] = c;
    });
    if (done.every(Boolean)) break;
  }
  return Array.from({ length: n }, (_, i) => Array.from(tokens.subarray(i * seqLen + 1, (i + 1) * seqLen)).filter((c) => c > 0).map((c) => vocab[c]).join(''));
}

async function main(): Promise<void> {
  const all = (createRequire(import.meta.url)('an-array-of-english-words') as string[]).filter((w) => w.length >= minLen && w.length <= maxLen && /^[a-z]+$/.test(w));
  const dictionary = new Set(all);
  const [pickKey, initKey, runKey, sampleKey] = random.splitList(random.key(0), 4);
  const picked = Array.from(random.permutation(pickKey!, all.length).dataSync().subarray(0, numWords + 500), (i) => all[i]!);
  const [trainWords, validWords] = [picked.slice(0, numWords), picked.slice(numWords)];
  const trainSet = encode(trainWords);
  const valid = encode(validWords).tree;
  console.log(`${all.length} words of ${minLen}-${maxLen} letters; training on ${trainSet.size} (e.g. ${trainWords.slice(0, 5).join(', ')}), validating on ${validWords.length}`);

  const params = initParams(initKey!);
  const count = (x: unknown): number => (x instanceof T.Tensor ? x.size : Array.isArray(x) ? x.reduce((n: number, v) => n + count(v), 0) : x && typeof x === 'object' ? Object.values(x).reduce((n: number, v) => n + count(v), 0) : 0);
  console.log(`model: dim ${dim}, ${numBlocks} causal transformer blocks (4 heads), ${count(params).toLocaleString('en-US')} parameters`);
  console.log(`validation loss before training ${Number(evaluate(params, valid).item()).toFixed(3)} nats/char (uniform guessing: ln 27 = ${Math.log(27).toFixed(3)})`);

  const start = performance.now();
  let state: State = { params, opt: optimizer.init(params) };
  const perEpoch = Math.floor(trainSet.size / batchSize);
  let shuffled = trainSet;
  let running = 0;
  let reported = 0;
  for (let s = 0; s < steps; ) {
    const k = Math.min(stepsPerCall, steps - s);
    const batches: Batch[] = [];
    for (let i = s; i < s + k; i++) {
      if (i % perEpoch === 0) shuffled = trainSet.shuffle(random.foldIn(runKey!, i / perEpoch));
      batches.push(shuffled.batch(batchSize, { dropRemainder: true }).at(i % perEpoch));
    }
    const [next, losses] = train(state, stackTrees(batches));
    state = next;
    for (const l of (losses as T.Tensor).dataSync()) running = s++ === 0 ? l : 0.9 * running + 0.1 * l;
    if (s - reported >= Math.max(1, Math.round(steps / 8)) || s === steps) {
      reported = s;
      const elapsed = (performance.now() - start) / 1000;
      console.log(`step ${String(s).padStart(4)}  train loss ${running.toFixed(3)}  validation loss ${Number(evaluate(state.params, valid).item()).toFixed(3)}  ${elapsed.toFixed(1)}s`);
    }
  }

  const words = sample(state.params, sampleKey!, numSamples);
  const seen = new Set(trainWords);
  const mark = (w: string) => (seen.has(w) ? `${w} (train)` : dictionary.has(w) ? `${w} (real word)` : w);
  console.log(`\nsampled words (temperature ${temperature}):\n  ${words.map(mark).join('\n  ')}`);
  const novelReal = words.filter((w) => !seen.has(w) && dictionary.has(w)).length;
  console.log(`${novelReal} of ${words.length} samples are real words not in the training set`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
