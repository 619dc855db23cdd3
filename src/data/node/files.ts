/**
 * Reading files on Node, importing `node:fs` only when called. Files compressed with gzip (`*.gz`,
 * as MNIST is distributed) are inflated with the standard `DecompressionStream`, up to a size cap.
 */
import { either as E } from 'fp-ts';
import { nodeBuiltin } from '../../tensor/nodeBuiltins';

/**
 * A file could not be read or inflated (missing, unreadable, a directory, bad gzip, too large).
 *
 *   const r = await loadIdxLabels('missing.idx1-ubyte');
 *   if (E.isLeft(r) && r.left._tag === 'ReadError') r.left.code;   // 'ENOENT'
 */
export interface ReadError {
  readonly _tag: 'ReadError';
  readonly message: string;
  readonly code: string | undefined;
}

/**
 * The largest inflated size accepted from a gzip file (MNIST's training images are 47 MB); a
 * larger one is a ReadError, so a gzip bomb cannot exhaust memory.
 *
 *   MAX_INFLATED_BYTES;   // 512 MiB
 *   await loadIdx('bomb.gz');   // Left(ReadError: gzip content exceeds ...)
 */
export const MAX_INFLATED_BYTES = 512 * 2 ** 20;

function readError(path: string, e: unknown): ReadError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  return { _tag: 'ReadError', message: `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, code };
}

async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`gzip content exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}

/**
 * The bytes of a file, inflated when it is gzip-compressed (its first two bytes say so).
 *
 *   const r = await readFileBytes('data/train-labels-idx1-ubyte.gz');
 *   if (E.isRight(r)) r.right.length;   // 60008
 */
export async function readFileBytes(path: string): Promise<E.Either<ReadError, Uint8Array>> {
  try {
    const fs = nodeBuiltin('readFileBytes', 'node:fs');
    const bytes = new Uint8Array(await fs.promises.readFile(path));
    return E.right(bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes, MAX_INFLATED_BYTES) : bytes);
  } catch (e) {
    return E.left(readError(path, e));
  }
}
