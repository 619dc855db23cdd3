/**
 * Reading checkpoints from where they live without reading more than asked: a file path (Node:
 * a file handle and positioned reads), a `Blob`/`File` (browsers: slices), or bytes already in
 * memory. The header is read and checked first; then only the selected tensors' byte ranges are
 * read, so loading a few tensors of a 2 GB checkpoint reads a few of its bytes.
 */
import { either as E } from 'fp-ts';
import { readTensors, type Checkpoint, type ReadOptions } from './bytes';
import { decodeError, type DecodeError } from './header';
import { headerLengthOf, parseLayout } from './layout';
import { nodeBuiltin } from '../tensor/nodeBuiltins';

/**
 * A file could not be read (missing, unreadable, a directory).
 *
 *   const r = await load('missing.safetensors');
 *   if (E.isLeft(r) && !Array.isArray(r.left) && r.left._tag === 'ReadError') r.left.code; // 'ENOENT'
 */
export interface ReadError {
  readonly _tag: 'ReadError';
  readonly message: string;
  readonly code: string | undefined;
}

/** Random access to a file's bytes. */
interface ByteSource {
  readonly size: number;
  read(begin: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const fs = async () => nodeBuiltin('readCheckpoint', 'node:fs');

/**
 * Read a checkpoint's header and the tensors `options.names` selects (default: all) from a path,
 * a Blob (a browser File) or bytes (Uint8Array or ArrayBuffer). Never throws: a file that cannot be read is a `ReadError`, a bad file a
 * `DecodeError`.
 *
 *   const ck = await readCheckpoint('gpt2.safetensors', { names: ['wte.weight'] }); // reads one tensor
 *   const all = await readCheckpoint(fileInput.files[0]);                             // a browser File
 */
export async function readCheckpoint(source: string | Blob | Uint8Array | ArrayBuffer, options: ReadOptions = {}): Promise<E.Either<ReadError | DecodeError, Checkpoint>> {
  let bytes: ByteSource;
  try {
    bytes = await open(source);
  } catch (e) {
    return E.left(readError(source, e));
  }
  try {
    const prefix = await bytes.read(0, Math.min(8, bytes.size));
    const n = headerLengthOf(prefix, bytes.size);
    if (E.isLeft(n)) return n;
    const layout = parseLayout(await bytes.read(8, 8 + n.right), bytes.size);
    if (E.isLeft(layout)) return layout;
    return await readTensors(layout.right, options, (begin, end) => bytes.read(begin, end));
  } catch (e) {
    if (e instanceof Error && 'code' in e) return E.left(readError(source, e));
    return E.left(decodeError([`internal error while reading: ${e instanceof Error ? e.message : String(e)}`]));
  } finally {
    await bytes.close().catch(() => undefined);
  }
}

function readError(source: unknown, e: unknown): ReadError {
  const code = (e as { code?: unknown } | undefined)?.code;
  const what = typeof source === 'string' ? source : 'the checkpoint';
  return { _tag: 'ReadError', message: `load: cannot read ${what}: ${e instanceof Error ? e.message : String(e)}`, code: typeof code === 'string' ? code : undefined };
}

async function open(given: string | Blob | Uint8Array | ArrayBuffer): Promise<ByteSource> {
  const source = given instanceof ArrayBuffer ? new Uint8Array(given) : given;
  if (source instanceof Uint8Array) return { size: source.length, read: async (b, e) => source.subarray(b, e), close: async () => undefined };
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { size: source.size, read: async (b, e) => new Uint8Array(await source.slice(b, e).arrayBuffer()), close: async () => undefined };
  }
  if (typeof source !== 'string') throw new TypeError(`expected a file path, a Blob or a Uint8Array, got ${source === null ? 'null' : typeof source}`);
  const handle = await (await fs()).promises.open(source, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${source} is not a regular file`), { code: stat.isDirectory() ? 'EISDIR' : 'EINVAL' });
    return {
      size: stat.size,
      async read(begin, end) {
        const out = new Uint8Array(end - begin);
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, out.length - done, begin + done);
          if (bytesRead === 0) throw Object.assign(new Error(`${source} ended early (changed while reading?)`), { code: 'EIO' });
          done += bytesRead;
        }
        return out;
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
