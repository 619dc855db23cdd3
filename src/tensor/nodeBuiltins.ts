/**
 * Node's built-in modules, reached at run time through `process.getBuiltinModule` (Node 20.16+)
 * rather than an import statement. Bundlers then have no `node:` specifier to resolve, so every
 * entry point (`tensorlaw/io`, `tensorlaw/train`, even `tensorlaw/data/node`) bundles for the
 * browser; there, a function that needs the file system throws an error naming itself and the
 * browser alternative, while everything else in the module works. No imports here, so the
 * child processes of the atomic-save tests stay cheap.
 *
 *   const fs = nodeBuiltin('save', 'node:fs');
 *   await fs.promises.rename(tmp, path);
 */
interface Builtins {
  'node:fs': typeof import('node:fs');
  'node:path': typeof import('node:path');
  'node:module': typeof import('node:module');
}

export function nodeBuiltin<K extends keyof Builtins>(op: string, id: K): Builtins[K] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const found = typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule(id) : undefined;
  if (found === undefined) {
    throw new Error(`${op}: needs Node's ${id.slice('node:'.length)} module (Node 20.16 or later); in a browser, work with bytes instead (serialize/deserialize, readCheckpoint of a Blob, mnistFromIdxBytes)`);
  }
  return found as Builtins[K];
}
