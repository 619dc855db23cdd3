/**
 * Pretrained-model families as plain functions over parameter trees with the original
 * checkpoints' names and layouts. GPT-2 (Hugging Face names, Conv1D layouts, tied LM head,
 * learned positions, tanh GELU, pre-LN): init, forward, loss, checkpoints in F32/F16/BF16,
 * generation with a key/value cache, and the real GPT-2 tokenizer (optional peer `js-tiktoken`).
 *
 *   const params = gpt2Init(key(0), { nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 128, vocabSize: 50257 });
 *   const tok = await gpt2Tokenizer();
 *   const out = gpt2Generator(config, { maxLength: 32 }).generate(params, T.tensor([tok.encode('Hello')], { dtype: 'int32' }), 8);
 */
export {
  gpt2Init, gpt2Hidden, gpt2Logits, gpt2Loss, gpt2ParameterShapes, gpt2ConfigFromJson, gpt2Configs, checkConfig as checkGPT2Config,
  type GPT2Config, type GPT2Params, type GPT2Block, type Affine,
} from './gpt2';
export { gpt2FromCheckpoint, gpt2Load, gpt2Serialize, gpt2Save, type GPT2LoadError } from './gpt2Checkpoint';
export { gpt2Generator, topKLogits, type Generator, type GenerateOptions, type KVCache } from './generate';
export { gpt2Tokenizer, type Tokenizer } from './tokenizer';
