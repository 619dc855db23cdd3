/**
 * jit: trace a function once per signature into a jaxpr, optimize it, lower it for the device
 * of its arguments, and run the compiled program on later calls with no tracing and no per-op
 * dispatch. jit binds a higher-order primitive ('jitCall') whose parameter is the closed jaxpr:
 * eagerly it runs the compiled program; under another transformation its rule applies (the jvp,
 * partial evaluation, transpose or vmap of a jitted program is a jitted program, derived once
 * and memoized on the jaxpr), so `grad(jit(f))` runs compiled code too; inside another jit it is
 * one equation, inlined when the outer program is compiled.
 */
import * as T from '../../tensor';
import { ClosedJaxpr, Tensor, type Jaxpr, type JitCallParams, type JitCounters } from '../../tensor';
import { flatten, unflatten, type TreeDef } from '../../tree';
import { flattenAs } from '../../tree/flatten';
import { traceHoisting } from '../higher/derive';
import { executableFor } from './execute';

export interface JitOptions {
  /** Positional arguments that are compile-time constants (configs, flags, sizes): part of the cache key. */
  readonly staticArgnums?: number | readonly number[];
  /** Arguments whose buffers the compiled program may reuse for its outputs; they become invalid. */
  readonly donateArgnums?: number | readonly number[];
  /**
   * How many compiled signatures to keep (least recently used ones are dropped first, and their
   * device buffers released); default 64, `Infinity` for no bound.
   */
  readonly cacheSize?: number;
}

/** The default number of signatures a jitted function keeps compiled. */
export const DEFAULT_JIT_CACHE_SIZE = 64;

export interface JitStats {
  /** How many times the function was traced (one per new signature). */
  readonly traces: number;
  /** Calls answered from the cache. */
  readonly cacheHits: number;
  /** Signatures in the cache now. */
  readonly cacheSize: number;
  /**
   * Runs of compiled programs of this function, including those reached through
   * transformations (grad(jit(f)) runs a compiled forward and a compiled backward program).
   */
  readonly executions: number;
}

interface Compiled {
  readonly closed: ClosedJaxpr;
  readonly outDef: TreeDef;
}

/** What a cache key was built from, kept so the next call can match it without building a key. */
interface Signature {
  readonly key: string;
  /** Per argument: its structure, or its static key. */
  readonly args: readonly ({ def: TreeDef } | { static: string })[];
  readonly avals: readonly { readonly dtype: string; readonly shape: readonly number[] }[];
  /** Per leaf: whether its argument is donated. */
  readonly donate: readonly boolean[];
}

/** staticArgnums/donateArgnums as a list of non-negative integers (checked when jit is called). */
function asList(option: string, x: number | readonly number[] | undefined): number[] {
  const list = x === undefined ? [] : typeof x === 'number' ? [x] : Array.isArray(x) ? [...x] : undefined;
  if (!list || !list.every((i) => Number.isInteger(i) && i >= 0)) throw new T.OpError('jit', `options.${option} must be a non-negative integer or an array of them, got ${T.describeValue(x)}`);
  return list;
}

/** A stable cache key for a static argument (by value for plain data, in any key order; by identity otherwise). */
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
    // Plain objects by value whatever their key order: { a, b } and { b, a } share one trace.
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
  /** Drop every compiled signature (releasing their device buffers); the next call traces again. */
  clearCache(): void;
};

/**
 * Compile f. Arguments are pytrees of tensors (numbers become traced float32 scalars); mark
 * configuration arguments with staticArgnums. Compiled signatures are kept in a
 * least-recently-used cache of `cacheSize` entries (default 64).
 * @example const step = jit((params, batch) => update(params, batch));
 */
export function jit<F extends (...args: any[]) => any>(f: F, options: JitOptions = {}): Jitted<F> {
  T.checkFunction('jit', f);
  const { staticArgnums, donateArgnums, cacheSize = DEFAULT_JIT_CACHE_SIZE } = T.checkOptions('jit', options, ['staticArgnums', 'donateArgnums', 'cacheSize']);
  if (cacheSize !== Infinity) T.checkNumber('jit', 'options.cacheSize', cacheSize, { integer: true, min: 1 });
  const statics = asList('staticArgnums', staticArgnums);
  const donated = asList('donateArgnums', donateArgnums);
  const cache = new Map<string, Compiled>();
  const counters: JitCounters = { executions: 0 };
  const stats = { traces: 0, cacheHits: 0 };
  const name = f.name || 'f';

  const checkArgnums = (args: unknown[]) => {
    for (const list of [statics, donated]) for (const i of list) if (i >= args.length) throw new Error(`jit(${name}): argnum ${i} is out of range for ${args.length} arguments`);
  };

  const prepare = (args: unknown[]) => {
    const leaves: Tensor[] = [];
    const defs: (TreeDef | null)[] = [];
    const donate: boolean[] = [];
    const keyParts: string[] = [];
    const parts: Signature['args'][number][] = [];
    args.forEach((a, i) => {
      if (statics.includes(i)) {
        defs.push(null);
        const k = staticKey(a);
        parts.push({ static: k });
        keyParts.push(`s${i}=${k}`);
        return;
      }
      const [ls, def] = flatten(a);
      defs.push(def);
      parts.push({ def });
      ls.forEach((l, k) => {
        const t = toLeaf(name, l, i, k);
        leaves.push(t);
        donate.push(donated.includes(i));
        keyParts.push(`${t.dtype}[${t.shape.join(',')}]`);
      });
      keyParts.push(`d${i}=${def.toString()}`);
    });
    const key = keyParts.join(';');
    const signature: Signature = { key, args: parts, avals: leaves.map((l) => ({ dtype: l.dtype, shape: l.shape })), donate };
    return { leaves, defs, signature };
  };

  /**
   * The most recently used signature and its entry. A call matching it (the usual case: a
   * training loop) skips building the key: its arguments are flattened against the recorded
   * structures and their leaves' dtypes and shapes compared, which implies an equal key.
   */
  let last: { signature: Signature; compiled: Compiled } | undefined;
  const matchLast = (args: unknown[]): Tensor[] | undefined => {
    if (!last || args.length !== last.signature.args.length || cache.get(last.signature.key) !== last.compiled) return undefined;
    const { args: parts, avals } = last.signature;
    const raw: unknown[] = [];
    for (let i = 0; i < args.length; i++) {
      const part = parts[i]!;
      if ('static' in part) {
        if (staticKey(args[i]) !== part.static) return undefined;
      } else if (!flattenAs(part.def, args[i], raw)) return undefined;
    }
    if (raw.length !== avals.length) return undefined;
    const leaves = new Array<Tensor>(raw.length);
    for (let k = 0; k < raw.length; k++) {
      const x = raw[k];
      // Anything but a tensor, number or boolean takes the slow path, which reports it.
      const t = x instanceof Tensor ? x : typeof x === 'number' || typeof x === 'boolean' ? toLeaf(name, x, 0, k) : undefined;
      const want = avals[k]!;
      if (!t || t.dtype !== want.dtype || t.shape.length !== want.shape.length) return undefined;
      for (let d = 0; d < want.shape.length; d++) if (t.shape[d] !== want.shape[d]) return undefined;
      leaves[k] = t;
    }
    return leaves;
  };

  /** Trace f for these arguments. Values f closes over that are traced become leading operands (`hoisted`). */
  const compile = (args: unknown[], leaves: Tensor[], defs: (TreeDef | null)[]) => {
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
    const { closed, hoisted } = traceHoisting(flat, leaves.map((l) => ({ shape: l.shape, dtype: l.dtype })), 'jit');
    return { compiled: { closed, outDef: outDef! }, hoisted };
  };

  const evict = (key: string) => {
    if (last?.signature.key === key) last = undefined;
    cache.get(key)?.closed.disposeExecutables();
    cache.delete(key);
  };

  /** The compiled program for these arguments, tracing on a new signature. */
  const lookup = (args: unknown[], countHit: boolean) => {
    checkArgnums(args);
    const fast = matchLast(args);
    if (fast) {
      if (countHit) stats.cacheHits++;
      // Already the most recently used entry: the LRU order stands.
      return { compiled: last!.compiled, leaves: fast, donate: last!.signature.donate, hoisted: [] as Tensor[] };
    }
    const { leaves, defs, signature } = prepare(args);
    const { key, donate } = signature;
    const hit = cache.get(key);
    if (hit) {
      if (countHit) stats.cacheHits++;
      cache.delete(key); // most recently used last
      cache.set(key, hit);
      last = { signature, compiled: hit };
      return { compiled: hit, leaves, donate, hoisted: [] as Tensor[] };
    }
    const { compiled, hoisted } = compile(args, leaves, defs);
    // A program closing over values of an enclosing transformation is only valid for them: not cached.
    if (hoisted.length === 0) {
      cache.set(key, compiled);
      last = { signature, compiled };
      while (cache.size > cacheSize) evict(cache.keys().next().value!);
    }
    return { compiled, leaves, donate, hoisted };
  };

  const jitted = ((...args: unknown[]) => {
    const { compiled, leaves, donate, hoisted } = lookup(args, true);
    const operands = hoisted.length === 0 ? leaves : [...hoisted, ...leaves];
    const donation = hoisted.length === 0 ? donate : [...hoisted.map(() => false), ...donate];
    const outs = T.bind('jitCall', operands, { jaxpr: compiled.closed, donate: donation, name, _counters: counters } satisfies JitCallParams);
    return unflatten(compiled.outDef, outs);
  }) as Jitted<F>;
  Object.defineProperty(jitted, 'stats', { get: (): JitStats => ({ ...stats, cacheSize: cache.size, executions: counters.executions }) });
  Object.defineProperty(jitted, 'name', { value: `jit(${name})` });
  (jitted as { profile: unknown }).profile = (...args: unknown[]) => {
    const { compiled, leaves } = lookup(args, false);
    const exe = executableFor(compiled.closed, leaves, leaves.map(() => false), name);
    if (!exe.profile) throw new Error(`jit(${name}).profile: the ${leaves[0]?.device ?? 'cpu'} backend does not profile`);
    return exe.profile(leaves).sort((a, b) => b.ms - a.ms);
  };
  (jitted as { lower: unknown }).lower = (...args: unknown[]) => lookup(args, false).compiled.closed.jaxpr;
  (jitted as { clearCache: unknown }).clearCache = () => {
    for (const key of [...cache.keys()]) evict(key);
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
