/**
 * Atomic file replacement on Node: the bytes go to a temporary file beside the target, which is
 * flushed to disk and renamed over the target, so the target is always the old file or the new
 * one, never a torn mix. A process killed mid-write cannot delete its temporary file, so each
 * save of a target also removes the stale temporary files of that target: those whose writer
 * process is gone, and this process's own that no save is still writing. Temporary names are
 * unique per process and call: `<target>.tmp-<pid>-<counter>-<random>`.
 *
 * This file imports nothing but `node:fs` (at run time, see nodeBuiltins.ts), so a child process
 * can use it cheaply.
 */
import { nodeBuiltin } from '../tensor/nodeBuiltins';

/**
 * The file operations a save needs, so a failure at any step can be simulated in tests.
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
  /** The names in a directory (for finding stale temporary files). */
  listDirectory(dir: string): Promise<string[]>;
  /** Whether a process with this id is running (a temporary file of a live writer is kept). */
  processAlive(pid: number): boolean;
}

const fs = async () => nodeBuiltin('save', 'node:fs');

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
  async listDirectory(dir) {
    return (await fs()).promises.readdir(dir);
  },
  processAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it exists but belongs to someone else.
      return (e as { code?: string }).code === 'EPERM';
    }
  },
};

let counter = 0;
const inFlight = new Set<string>();

/**
 * A temporary name for `path` that no other call, in this process or another, will use.
 *
 *   tempName('/ck/model.safetensors'); // '/ck/model.safetensors.tmp-4242-7-k3j9x2qa'
 */
export function tempName(path: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.tmp-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Replace `path` with `bytes` atomically (temp file, fsync, rename, directory fsync), then remove
 * stale temporary files of the same target. Throws, leaving the previous file intact and no
 * temporary file of this call behind, if any step fails.
 *
 *   await writeAtomic(nodeSystem, 'out/model.safetensors', bytes, 'save');
 */
export async function writeAtomic(system: SaveSystem, path: string, bytes: Uint8Array, caller = 'save'): Promise<void> {
  const temp = tempName(path);
  inFlight.add(temp);
  try {
    await system.writeTemp(temp, bytes);
    await system.rename(temp, path);
  } catch (e) {
    await system.remove(temp).catch(() => undefined);
    throw new Error(`${caller}: could not write ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    inFlight.delete(temp);
  }
  await system.syncDirectory(parentDirectory(path));
  await removeStaleTemps(system, path).catch(() => undefined);
}

/**
 * Remove the temporary files of `path` left by writers that died (or by this process's failed
 * calls); a live process's file is left alone, since it may still be renamed into place.
 *
 *   await removeStaleTemps(nodeSystem, 'out/model.safetensors'); // after a crash mid-save
 */
export async function removeStaleTemps(system: SaveSystem, path: string): Promise<string[]> {
  const dir = parentDirectory(path);
  const base = path.slice(path.length - baseName(path).length);
  const prefix = `${base}.tmp-`;
  const removed: string[] = [];
  for (const name of await system.listDirectory(dir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const full = `${path}${name.slice(base.length)}`;
    const stale = pid === process.pid ? !inFlight.has(full) : !system.processAlive(pid);
    if (!stale) continue;
    await system.remove(full);
    removed.push(full);
  }
  return removed;
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(cut + 1);
}

function parentDirectory(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}
