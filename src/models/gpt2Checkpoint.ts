/**
 * GPT-2 checkpoints in Hugging Face's layout. Real files name tensors with or without the
 * `transformer.` prefix (GPT2LMHeadModel vs GPT2Model), may carry `lm_head.weight` (tied to
 * `wte.weight`) and, in older ones, per-block causal-mask buffers `h.N.attn.bias` and
 * `h.N.attn.masked_bias`, which are not parameters. Loading takes F32, F16 or BF16 files (and
 * F64) by key with no renames, reads only the parameters' bytes, and checks every name and shape
 * against the config; saving writes `GPT2Model` names (`wte.weight`, `h.0.attn.c_attn.weight`).
 */
import { either as E } from 'fp-ts';
import { readCheckpoint, serialize, save, nestNames, type Checkpoint, type DecodeError, type ReadError, type SerializeOptions } from '../io';
import type { Tensor } from '../tensor';
import { gpt2ParameterShapes, type GPT2Config, type GPT2Params } from './gpt2';

/**
 * Why a checkpoint is not a GPT-2 of the given config: every missing and unexpected name and
 * every shape or dtype disagreement, one line each.
 *
 *   const r = gpt2FromCheckpoint(ck, config);
 *   if (E.isLeft(r)) console.error(r.left.problems.join('\n'));
 */
export interface GPT2LoadError {
  readonly _tag: 'GPT2LoadError';
  readonly message: string;
  readonly problems: readonly string[];
}

const prefix = 'transformer.';
const notParameters = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/** The checkpoint name of a GPT2Model name, or undefined for buffers and the tied head. */
function ourName(name: string): string | undefined {
  const n = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  if (notParameters.test(n) || n === 'lm_head.weight') return undefined;
  return n;
}

/**
 * GPT-2 parameters from a decoded checkpoint (`deserialize` or `readCheckpoint`), with or
 * without the `transformer.` prefix; float16/bfloat16 tensors arrive as float32.
 *
 *   const ck = await readCheckpoint('model.safetensors');
 *   const params = E.chainW((c: Checkpoint) => gpt2FromCheckpoint(c, config))(ck);
 */
export function gpt2FromCheckpoint(ck: Checkpoint, config: GPT2Config): E.Either<GPT2LoadError, GPT2Params> {
  const expected = new Map(gpt2ParameterShapes(config));
  const problems: string[] = [];
  const found: Record<string, Tensor> = Object.create(null);
  const seen = new Map<string, string>();
  for (const [name, info] of Object.entries(ck.entries)) {
    const n = ourName(name);
    if (n === undefined) continue;
    const shape = expected.get(n);
    if (shape === undefined) {
      problems.push(`${JSON.stringify(name)}: not a parameter of GPT-2 with ${config.nLayer} layers`);
      continue;
    }
    const earlier = seen.get(n);
    if (earlier !== undefined) {
      problems.push(`${JSON.stringify(name)} and ${JSON.stringify(earlier)} both give ${n}`);
      continue;
    }
    seen.set(n, name);
    if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) problems.push(`${JSON.stringify(name)}: dtype ${info.dtype}, expected a float dtype (F32, F16, BF16 or F64)`);
    else if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) problems.push(`${JSON.stringify(name)}: shape [${info.shape.join(', ')}], expected [${shape.join(', ')}] for the config (nEmbd ${config.nEmbd}, vocabSize ${config.vocabSize}, nPositions ${config.nPositions})`);
    else if (ck.tensors[name] === undefined) problems.push(`${JSON.stringify(name)}: listed in the header but not read`);
    else found[n] = ck.tensors[name]!.dtype === 'float64' ? ck.tensors[name]!.astype('float32') : ck.tensors[name]!;
  }
  for (const n of expected.keys()) if (!seen.has(n)) problems.push(`${n}: missing from the checkpoint`);
  if (problems.length > 0) return E.left({ _tag: 'GPT2LoadError', message: `gpt2FromCheckpoint: the checkpoint is not a GPT-2 of this config:\n  ${problems.slice(0, 30).join('\n  ')}${problems.length > 30 ? `\n  ... and ${problems.length - 30} more` : ''}`, problems });
  const tree = nestNames(found) as Record<string, unknown> & { h: Record<string, unknown> };
  // Block indices become an array, so the tree is GPT2Params (h[0], h[1], ...).
  return E.right({ ...tree, h: Array.from({ length: config.nLayer }, (_, i) => tree.h[String(i)]) } as unknown as GPT2Params);
}

/**
 * Load a GPT-2 checkpoint from a path, Blob or bytes, reading only the parameters' bytes.
 *
 *   const r = await gpt2Load('gpt2/model.safetensors', gpt2Configs.small);
 *   if (E.isRight(r)) generate(r.right, ...);
 */
export async function gpt2Load(source: string | Blob | Uint8Array, config: GPT2Config): Promise<E.Either<ReadError | DecodeError | GPT2LoadError, GPT2Params>> {
  const ck = await readCheckpoint(source, { names: (n) => ourName(n) !== undefined });
  return E.isLeft(ck) ? ck : gpt2FromCheckpoint(ck.right, config);
}

/**
 * GPT-2 parameters as safetensors bytes with HF GPT2Model names and `{ format: 'pt' }` metadata;
 * `dtype: 'float16' | 'bfloat16'` halves the file as HF's own releases do.
 *
 *   writeFileSync('model.safetensors', gpt2Serialize(params, { dtype: 'float16' }));
 */
export function gpt2Serialize(params: GPT2Params, options: SerializeOptions = {}): Uint8Array {
  return serialize(params, { ...options, metadata: { format: 'pt', ...options.metadata } });
}

/**
 * `gpt2Serialize` to a file, atomically.
 *
 *   await gpt2Save('out/gpt2-tiny/model.safetensors', params);
 */
export function gpt2Save(path: string, params: GPT2Params, options: SerializeOptions = {}): Promise<void> {
  return save(path, params, { ...options, metadata: { format: 'pt', ...options.metadata } });
}
