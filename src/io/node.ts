/**
 * Checkpoint files on Node. Kept apart from the byte functions, and importing `node:fs` only when
 * called, so `tensorlaw/io` still loads in a browser (where `serialize`/`deserialize` work).
 *
 * `save` is atomic (see atomic.ts): a crash or error at any point leaves either the old file or
 * the new one, never a torn mix; a process killed mid-save leaves a temporary file, which the
 * next save of the same target removes. `load` reads the header, then only the tensors needed.
 */
import { either as E } from 'fp-ts';
import { describeValue, OpError, type Tensor } from '../tensor';
import { writeAtomic, nodeSystem, type SaveSystem } from './atomic';
import { serialize, type Checkpoint, type SerializeOptions } from './bytes';
import { fromCheckpoint, templateNames, type RestoreError } from './restore';
import { readCheckpoint, type ReadError } from './source';

export { nodeSystem, type SaveSystem };

/**
 * `save` with explicit file operations (for fault-injection tests, or another file system).
 *
 *   await saveWith({ ...nodeSystem, writeTemp: halfThenFail }, path, tree); // rejects
 *   readFileSync(path); // still the previous checkpoint
 */
/** A file path argument: a non-empty string (a wrong type is the caller's mistake, so it throws). */
function checkPath(fn: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new OpError(fn, `path must be a non-empty string, got ${describeValue(path)}`);
}

export async function saveWith(system: SaveSystem, path: string, tree: unknown, options: SerializeOptions = {}): Promise<void> {
  checkPath('save', path);
  // Serialize first: an unsavable tree must fail before the disk is touched.
  const bytes = serialize(tree, options);
  await writeAtomic(system, path, bytes, 'save');
}

/**
 * Write a tree to `path` in the safetensors layout, atomically (temp file, fsync, rename,
 * directory fsync), then remove stale temporary files of `path` left by killed writers. Throws,
 * leaving any previous file intact, if the tree cannot be serialized or the file cannot be
 * written. Options as for `serialize` (metadata, float16/bfloat16 storage, per-name dtypes).
 *
 *   await save('model.safetensors', params);
 *   await save('model.safetensors', params, { metadata: { epoch: '3' }, dtype: 'bfloat16' });
 */
export function save(path: string, tree: unknown, options: SerializeOptions = {}): Promise<void> {
  return saveWith(nodeSystem, path, tree, options);
}

export type { ReadError };

/** Why `load` failed: the file could not be read, was not a valid checkpoint, or did not fit the template. */
export type LoadError = ReadError | RestoreError;

/**
 * Read a checkpoint file. Without a template: its tensors and metadata. With one: a tree of the
 * template's structure, checked leaf by leaf (see `restore`). Never throws; errors are `Left`.
 *
 *   const ck = await load('model.safetensors');            // Either<LoadError, Checkpoint>
 *   const params = await load('model.safetensors', init); // Either<LoadError, typeof init>
 */
export function load(path: string): Promise<E.Either<LoadError, Checkpoint>>;
export function load<T>(path: string, template: T): Promise<E.Either<LoadError, T>>;
export async function load(path: string, ...template: [unknown?]): Promise<E.Either<LoadError, unknown>> {
  checkPath('load', path);
  // With a template, only its tensors' bytes are read; every other name is checked from the header.
  const ck = await readCheckpoint(path, template.length === 0 ? {} : { names: templateNames(template[0]) });
  if (E.isLeft(ck) || template.length === 0) return ck;
  return fromCheckpoint(ck.right, template[0]);
}

/**
 * A typical training state. Any extra fields ride along; everything is one tree.
 *
 *   const state: TrainingState = { params, optState, step: 0, key: key(0) };
 *   await saveCheckpoint('run/ckpt.safetensors', state);
 */
export interface TrainingState {
  readonly params: unknown;
  readonly optState?: unknown;
  readonly step?: number;
  readonly key?: Tensor;
  readonly [extra: string]: unknown;
}

/**
 * Save a training state (params, optimizer state, step, RNG key, ...) atomically; `save` of the
 * state tree, so the file opens in any safetensors tool (`optState.0.mu.w`, `step`, `key`).
 *
 *   await saveCheckpoint('ckpt.safetensors', { params, optState, step, key });
 *   await saveCheckpoint('ckpt.safetensors', state, { metadata: { run: 'baseline' } });
 */
export function saveCheckpoint(path: string, state: TrainingState, options: SerializeOptions = {}): Promise<void> {
  return save(path, state, options);
}

/**
 * Load a training state saved by `saveCheckpoint`, checked against a template of the same shape
 * (typically a freshly initialized state); `step` comes back as a JS number.
 *
 *   const r = await loadCheckpoint('ckpt.safetensors', { params: init(k), optState: opt.init(p), step: 0, key: k });
 *   if (E.isRight(r)) ({ params, optState, step, key } = r.right);
 */
export function loadCheckpoint<T extends TrainingState>(path: string, template: T): Promise<E.Either<LoadError, T>> {
  return load(path, template);
}
