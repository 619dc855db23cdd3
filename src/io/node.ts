/**
 * Checkpoint files on Node. Kept apart from the byte functions, and importing `node:fs` only when
 * called, so `tensorlaw/io` still loads in a browser (where `serialize`/`deserialize` work).
 *
 * `save` is atomic: the bytes go to a temporary file beside the target, which is flushed to disk
 * and then renamed over the target. A crash or error at any point leaves either the old file or
 * the new one, never a torn mix, and no temporary file behind (short of the process dying).
 */
import { either as E } from 'fp-ts';
import type { Tensor } from '../tensor';
import { deserialize, serialize, type Checkpoint, type SerializeOptions } from './bytes';
import { fromCheckpoint, type RestoreError } from './restore';

/**
 * A file could not be read (missing, unreadable, a directory, too large for memory).
 *
 *   const r = await load('missing.safetensors');
 *   if (E.isLeft(r) && !Array.isArray(r.left) && r.left._tag === 'ReadError') r.left.code; // 'ENOENT'
 */
export interface ReadError {
  readonly _tag: 'ReadError';
  readonly message: string;
  readonly code: string | undefined;
}

/**
 * The file operations `save` needs, so a failure at any step can be simulated in tests.
 * `writeTemp` creates a new file (failing if it exists), writes all bytes, flushes and closes it.
 *
 *   const failing = { ...nodeSystem, rename: async () => { throw new Error('disk gone'); } };
 *   await saveWith(failing, 'ck.safetensors', tree); // throws; the old file is untouched
 */
export interface SaveSystem {
  writeTemp(path: string, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  syncDirectory(dir: string): Promise<void>;
}

const fs = () => import('node:fs');

/**
 * The real file system.
 *
 *   await saveWith(nodeSystem, 'ck.safetensors', tree); // same as save(...)
 *   await nodeSystem.remove('old.safetensors');
 */
export const nodeSystem: SaveSystem = {
  async writeTemp(path, bytes) {
    const handle = await (await fs()).promises.open(path, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async rename(from, to) {
    await (await fs()).promises.rename(from, to);
  },
  async remove(path) {
    await (await fs()).promises.rm(path, { force: true });
  },
  async syncDirectory(dir) {
    // Makes the rename itself durable. Some platforms (Windows) cannot open a directory; the
    // rename is still atomic there, only its durability across power loss is weaker.
    try {
      const handle = await (await fs()).promises.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      /* best effort */
    }
  },
};

/**
 * `save` with explicit file operations (for fault-injection tests, or another file system).
 *
 *   await saveWith({ ...nodeSystem, writeTemp: halfThenFail }, path, tree); // rejects
 *   readFileSync(path); // still the previous checkpoint
 */
export async function saveWith(system: SaveSystem, path: string, tree: unknown, options: SerializeOptions = {}): Promise<void> {
  // Serialize first: an unsavable tree must fail before the disk is touched.
  const bytes = serialize(tree, options);
  const temp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await system.writeTemp(temp, bytes);
    await system.rename(temp, path);
  } catch (e) {
    await system.remove(temp).catch(() => undefined);
    throw new Error(`save: could not write ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  await system.syncDirectory(parentDirectory(path));
}

function parentDirectory(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

/**
 * Write a tree to `path` in the safetensors layout, atomically (temp file, fsync, rename,
 * directory fsync). Throws, leaving any previous file intact, if the tree cannot be serialized
 * or the file cannot be written.
 *
 *   await save('model.safetensors', params);
 *   await save('model.safetensors', params, { metadata: { epoch: '3' } });
 */
export function save(path: string, tree: unknown, options: SerializeOptions = {}): Promise<void> {
  return saveWith(nodeSystem, path, tree, options);
}

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
  let bytes: Uint8Array;
  try {
    bytes = await (await fs()).promises.readFile(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return E.left({ _tag: 'ReadError', message: `load: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, code: typeof code === 'string' ? code : undefined });
  }
  const ck = deserialize(bytes);
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
