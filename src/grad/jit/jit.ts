/**
 * jit: trace a function once per signature into a jaxpr, optimize it, lower it for the device
 * of its arguments, and run the compiled program on later calls with no tracing and no per-op
 * dispatch. jit is a higher-order primitive ('jitCall'): applied to tracers (inside grad, vmap,
 * another jit...) it inlines its jaxpr into the enclosing transformation, so every
 * transformation composes with it.
 */
import * as T from '../../tensor';
import { debugNansEnabled, evalJaxpr, markDonated, registerImpl, Tensor, Tracer, type Device, type Executable, type Jaxpr } from '../../tensor';
import { LruCache } from '../../tensor/lru';
import { checkNumber } from '../../tensor/validate';
import { flatten, unflatten, type TreeDef } from '../../tree';
import { traceToJaxpr } from '../staging';
import { lowerFor } from './lower';
import { optimize } from './passes';

export interface JitOptions {
  /** Positional arguments that are compile-time constants (configs, flags, sizes): part of the cache key. */
  readonly staticArgnums?: number | readonly number[];
  /** Arguments whose buffers the compiled program may reuse for its outputs; they become invalid. */
  readonly donateArgnums?: number | readonly number[];
  /**
   * How many signatures (argument shapes, dtypes, tree structures, static values) keep their
   * compiled program; the least recently used beyond that are dropped, with their GPU buffers
   * (default 64).
   */
  readonly cacheSize?: number;
}

/** Signatures a jitted function keeps compiled unless `jit(f, { cacheSize })` says otherwise. */
export const DEFAULT_JIT_CACHE_SIZE = 64;

export interface JitStats {
  /** How many times the function was traced (one per new signature). */
  readonly traces: number;
  /** Calls answered from the cache. */
  readonly cacheHits: number;
  /** Signatures compiled and kept now (at most the cacheSize option). */
  readonly cacheSize: number;
}

interface Compiled {
  readonly jaxpr: Jaxpr;
  readonly consts: readonly Tensor[];
  readonly outDef: TreeDef;
  /** Compiled programs by device and donation pattern. */
  readonly executables: Map<string, Executable>;
}

export interface JitCallParams {
  readonly compiled: Compiled;
  readonly donate: readonly boolean[];
  readonly name: string;
}

const asList = (x: number | readonly number[] | undefined): number[] => (x === undefined ? [] : typeof x === 'number' ? [x] : [...x]);

/** A stable cache key for a static argument (by value for plain data, by identity otherwise). */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
function staticKey(x: unknown): string {
  return JSON.stringify(x, (_k, v) => {
    if (typeof v === 'function' || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype)) {
      if (v instanceof Tensor) throw new Error('jit: a Tensor cannot be a static argument (static arguments are part of the cache key); pass it as a regular argument');
      let id = identities.get(v);
      if (id === undefined) identities.set(v, (id = nextIdentity++));
      return `#obj${id}`;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v === undefined) return '#undefined';
    return v;
  });
}

export type Jitted<F> = F & {
  /** Trace and cache statistics. */
  readonly stats: JitStats;
  /** The optimized jaxpr for these arguments (traces if needed). */
  lower(...args: unknown[]): Jaxpr;
  /** Run once on CPU arguments and time every compiled step, slowest first. */
  profile(...args: unknown[]): { step: string; ms: number }[];
  /** Drop every compiled signature and its device buffers (the next call traces again). */
  clearCache(): void;
};

/**
 * Compile f. Arguments are pytrees of tensors (numbers become traced float32 scalars); mark
 * configuration arguments with staticArgnums.
 * @example const step = jit((params, batch) => update(params, batch));
 */
export function jit<F extends (...args: any[]) => any>(f: F, options: JitOptions = {}): Jitted<F> {
  const statics = asList(options.staticArgnums);
  const donated = asList(options.donateArgnums);
  const cacheSize = options.cacheSize === undefined ? DEFAULT_JIT_CACHE_SIZE : checkNumber('jit', 'cacheSize', options.cacheSize, { integer: true, min: 1 });
  const cache = new LruCache<string, Compiled>(cacheSize, release);
  const stats = { traces: 0, cacheHits: 0, cacheSize: 0 };
  const name = f.name || 'f';

  const prepare = (args: unknown[]) => {
    for (const i of [...statics, ...donated]) if (!Number.isInteger(i) || i < 0 || i >= args.length) throw new Error(`jit(${name}): argnum ${i} is out of range for ${args.length} arguments`);
    const leaves: Tensor[] = [];
    const defs: (TreeDef | null)[] = [];
    const donate: boolean[] = [];
    const keyParts: string[] = [];
    args.forEach((a, i) => {
      if (statics.includes(i)) {
        defs.push(null);
        keyParts.push(`s${i}=${staticKey(a)}`);
        return;
      }
      const [ls, def] = flatten(a);
      defs.push(def);
      ls.forEach((l, k) => {
        const t = toLeaf(name, l, i, k);
        leaves.push(t);
        donate.push(donated.includes(i));
        keyParts.push(`${t.dtype}[${t.shape.join(',')}]`);
      });
      keyParts.push(`d${i}=${def.toString()}`);
    });
    return { leaves, defs, donate, key: keyParts.join(';') };
  };

  const compile = (args: unknown[], leaves: Tensor[], defs: (TreeDef | null)[]): Compiled => {
    stats.traces++;
    let outDef: TreeDef | undefined;
    const flat = (...xs: Tensor[]): Tensor[] => {
      let k = 0;
      const full = args.map((a, i) => {
        const d = defs[i];
        if (!d) return a;
        const part = xs.slice(k, (k += d.numLeaves));
        return unflatten(d, part);
      });
      const [outs, def] = flatten(f(...full));
      outDef = def;
      return outs.map((o, i) => toLeaf(name, o, -1, i));
    };
    const traced = traceToJaxpr(flat, leaves.map((l) => ({ shape: l.shape, dtype: l.dtype })), `jit`);
    const { jaxpr, consts } = optimize(traced);
    return { jaxpr, consts, outDef: outDef!, executables: new Map() };
  };

  /** The compiled program for these arguments, tracing on a new signature. */
  const lookup = (args: unknown[], countHit: boolean) => {
    const { leaves, defs, donate, key } = prepare(args);
    let compiled = cache.get(key);
    if (compiled) {
      if (countHit) stats.cacheHits++;
    } else {
      compiled = compile(args, leaves, defs);
      cache.set(key, compiled);
      stats.cacheSize = cache.size;
    }
    return { compiled, leaves, donate };
  };

  const jitted = ((...args: unknown[]) => {
    const { compiled, leaves, donate } = lookup(args, true);
    const outs = T.bind('jitCall', leaves, { compiled, donate, name } satisfies JitCallParams);
    return unflatten(compiled.outDef, outs);
  }) as Jitted<F>;
  Object.defineProperty(jitted, 'stats', { get: () => ({ ...stats }) });
  Object.defineProperty(jitted, 'name', { value: `jit(${name})` });
  (jitted as { profile: unknown }).profile = (...args: unknown[]) => {
    const { compiled, leaves } = lookup(args, false);
    const exe = executableFor(compiled, leaves, leaves.map(() => false), name);
    if (!exe.profile) throw new Error(`jit(${name}).profile: the ${leaves[0]?.device ?? 'cpu'} backend does not profile`);
    return exe.profile(leaves).sort((a, b) => b.ms - a.ms);
  };
  (jitted as { lower: unknown }).lower = (...args: unknown[]) => lookup(args, false).compiled.jaxpr;
  (jitted as { clearCache: unknown }).clearCache = () => {
    cache.clear();
    stats.cacheSize = 0;
  };
  return jitted;
}

function toLeaf(name: string, x: unknown, arg: number, k: number): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return T.scalar(x, 'float32');
  if (typeof x === 'boolean') return T.scalar(x, 'bool');
  const where = arg < 0 ? `output leaf ${k}` : `argument ${arg} leaf ${k}`;
  throw new Error(`jit(${name}): ${where} is ${x === null ? 'null' : typeof x}, not a tensor; mark non-tensor arguments with staticArgnums`);
}

/**
 * A signature left the cache: give its programs' device buffers back now rather than at garbage
 * collection. Whoever still holds it (a jaxpr staged by an outer trace) compiles it again on use.
 */
function release(compiled: Compiled): void {
  for (const exe of compiled.executables.values()) exe.dispose?.();
  compiled.executables.clear();
}

/** The compiled program for the arguments' device (compiled on first use). */
function executableFor(compiled: Compiled, args: readonly Tensor[], donate: readonly boolean[], name: string): Executable {
  const device: Device = args.length > 0 ? args[0]!.device : 'cpu';
  for (const a of args) if (a.device !== device) throw new Error(`jit(${name}): arguments live on different devices (${device} and ${a.device}); move them with toDevice first`);
  const key = `${device}:${donate.map((d) => (d ? 1 : 0)).join('')}`;
  let exe = compiled.executables.get(key);
  if (!exe) {
    exe = lowerFor(device, compiled.jaxpr, compiled.consts, { donate });
    compiled.executables.set(key, exe);
  }
  return exe;
}

// Eager meaning: run the compiled program when every argument is concrete; otherwise (inside
// another transformation, or staged into an outer jit) inline the jaxpr.
registerImpl('jitCall', (args, p: JitCallParams) => {
  // Inside another transformation, or in NaN-debug mode (which checks each primitive), run the
  // program primitive by primitive.
  if (args.some((a) => a instanceof Tracer) || debugNansEnabled()) return evalJaxpr(p.compiled.jaxpr, [...p.compiled.consts, ...args]);
  const outs = executableFor(p.compiled, args, p.donate, p.name).run(args);
  // Donated arguments are invalid from now on (an output may own their storage); an argument
  // returned unchanged as an output stays valid, since it is that output.
  if (p.donate.some(Boolean)) {
    const returned = new Set(outs);
    args.forEach((a, i) => {
      if (p.donate[i] && !returned.has(a)) markDonated(a, `jit(${p.name})`);
    });
  }
  return outs;
});
