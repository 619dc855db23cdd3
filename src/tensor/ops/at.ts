/**
 * Functional index updates, JAX's `x.at[index]`: `.get()`, `.set(v)`, `.add(v)`, `.mul(v)`,
 * `.min(v)`, `.max(v)` each return a new tensor; x is never written.
 *
 * An index is an entry or a tuple (JS array) of entries, one per leading axis:
 * - an integer, or a traced int32 scalar tensor (a negative index counts from the end);
 * - a slice `{ start, stop, step }` or a string `'1:3'`, `'::2'`, `':'`; `'...'` fills the axes
 *   in between; a whole string `'1:3, ::2, -1'` is a tuple;
 * - one index array along its axis: an int32 tensor, or a nested JS array inside the tuple
 *   (`x.at([[0, 2]])`; a top-level JS array is always a tuple, as in JAX's `x.at[0, 2]`).
 * With an index array, integers count as advanced indices too (NumPy): the array's axes replace
 * its axis, or move to the front when a slice separates the array from an integer.
 *
 * Out-of-range static integers and JS index arrays are errors (NumPy). Traced indices follow
 * JAX: `get` clamps them, updates at out-of-range positions are dropped. With duplicate indices
 * `add`, `mul`, `min` and `max` combine every update (like JAX's scatter ops) and `set` keeps
 * the last one in index order (NumPy's assignment; JAX leaves it unspecified).
 *
 * How it is built: traced integers cut a block with dynamicSlice (written back with
 * dynamicUpdateSlice); static integers and slices select a region with slice, placed back by
 * gathers and a mask; an index array updates by scatterAdd (add) or by a stable argsort of the
 * indices followed by a segmented log-depth scan (mul, min, max; set keeps each segment's last).
 * Everything is ops over primitives, so grad, vmap and jit apply, on every backend.
 */
import { bind1, Tensor } from '../core';
import { fmtAval } from '../aval';
import { fmtShape, opError } from '../shape';
import { describeValue, isPlainObject } from '../validate';
import { arange, asTensor, scalar, tensor, zeros, type NestedArray, type TensorLike } from './create';
import { astype, broadcastTo, reshapeExact } from './broadcast';
import { add, clip, equal, greater, greaterEqual, less, logicalAnd, maximum, minimum, mul, notEqual, where } from './elementwise';
import { all } from './reduce';
import { moveaxis } from './shape';
import { concatenate } from './join';
import { take } from './indexing';
import { argsort } from './sort';
import { dynamicSlice, dynamicUpdateSlice } from './dynamic';
import { pad, slice, type SliceRange } from './slice';
import { resolveRange, type ResolvedRange } from './ranges';

/** One entry of an index: see the module comment. */
export type IndexEntry = number | Tensor | SliceRange | string | readonly NestedArray[];
/** An index: one entry, or a tuple of entries (a JS array) for the leading axes. */
export type Index = IndexEntry | readonly IndexEntry[];

/** The updates `x.at[index]` offers; each returns a new tensor. */
export interface IndexUpdate {
  /** x[index]. @example x.at[0].get() */
  get(): Tensor;
  /** x with x[index] replaced by v (broadcast to x[index]'s shape, cast to x's dtype). */
  set(v: TensorLike): Tensor;
  /** x with v added at index (duplicate indices accumulate). */
  add(v: TensorLike): Tensor;
  /** x with x[index] multiplied by v (duplicate indices multiply in every update). */
  mul(v: TensorLike): Tensor;
  /** x with x[index] replaced by minimum(x[index], v). */
  min(v: TensorLike): Tensor;
  /** x with x[index] replaced by maximum(x[index], v). */
  max(v: TensorLike): Tensor;
}

/**
 * `x.at`: index it with brackets (`x.at[1]`, `x.at['1:3, 0']`) for integers and slice strings, or
 * call it (`x.at(i)`, `x.at([i, { start: 1 }])`) for tensors, slice objects and tuples.
 */
export interface AtIndexer {
  (index: Index): IndexUpdate;
  readonly [index: number]: IndexUpdate;
  readonly [index: string]: IndexUpdate;
}

type Update = 'set' | 'add' | 'mul' | 'min' | 'max';
const combine: Record<Exclude<Update, 'set'>, (a: Tensor, b: Tensor) => Tensor> = { add, mul, min: minimum, max: maximum };

type Entry =
  | { readonly kind: 'int'; readonly index: number }
  | { readonly kind: 'dynamic'; readonly index: Tensor }
  | { readonly kind: 'slice'; readonly range: ResolvedRange; readonly spec: SliceRange | null }
  | { readonly kind: 'array'; readonly indices: Tensor; readonly traced: boolean };

/** The index resolved against x: one entry per axis, and where an index array's axes go. */
interface Plan {
  readonly entries: readonly Entry[];
  readonly arrayAxis: number;
  /** NumPy: advanced indices separated by a slice put the array's axes first. */
  readonly arrayFirst: boolean;
}

const SLICE_TEXT = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

/** An entry written as text: '3', '-1', '1:3', '::2', ':', '...'. */
function parseText(op: string, text: string): IndexEntry | 'ellipsis' {
  const t = text.trim();
  if (t === '...') return 'ellipsis';
  if (/^-?\d+$/.test(t)) return Number(t);
  const m = SLICE_TEXT.exec(t);
  if (!m) opError(op, `cannot read index ${JSON.stringify(text)} (expected an integer, a slice like '1:3' or '::2', or '...'; tensors and slice objects go through the call form x.at(index))`);
  const num = (s: string | undefined) => (s === undefined ? null : Number(s));
  return { start: num(m[1]), stop: num(m[2]), step: num(m[3]) };
}

function entriesOf(op: string, index: Index): (IndexEntry | 'ellipsis')[] {
  if (typeof index === 'string') return index.split(',').map((e) => parseText(op, e));
  if (Array.isArray(index)) {
    return (index as readonly IndexEntry[]).map((e) => {
      if (typeof e !== 'string') return e;
      if (e.includes(',')) opError(op, `a tuple entry must be one index, got ${JSON.stringify(e)} (write the whole index as one string, or one entry per element)`);
      return parseText(op, e);
    });
  }
  return [index as IndexEntry];
}

function resolvePlan(op: string, x: Tensor, index: Index): Plan {
  const raw = entriesOf(op, index);
  const ellipses = raw.filter((e) => e === 'ellipsis').length;
  if (ellipses > 1) opError(op, `an index can hold one '...', got ${ellipses}`);
  const consuming = raw.length - ellipses;
  if (consuming > x.ndim) opError(op, `too many indices (${consuming}) for ${fmtAval(x)}`);
  const expanded: (IndexEntry | null)[] = [];
  const advancedAt: number[] = [];
  for (const e of raw) {
    if (e === 'ellipsis') for (let k = 0; k < x.ndim - consuming; k++) expanded.push(null);
    else expanded.push(e);
  }
  while (expanded.length < x.ndim) expanded.push(null);
  let arrayAxis = -1;
  const entries = expanded.map((e, axis): Entry => {
    const n = x.shape[axis]!;
    const resolved = entryAt(op, x, e, axis, n);
    if (resolved.kind === 'array') {
      if (arrayAxis >= 0) opError(op, `one index array at a time is supported, got arrays for axes ${arrayAxis} and ${axis}`);
      arrayAxis = axis;
    }
    if (resolved.kind !== 'slice') advancedAt.push(axis);
    return resolved;
  });
  const contiguous = advancedAt.every((a, i) => i === 0 || a === advancedAt[i - 1]! + 1);
  return { entries, arrayAxis, arrayFirst: arrayAxis >= 0 && !contiguous };
}

function entryAt(op: string, x: Tensor, e: IndexEntry | null, axis: number, n: number): Entry {
  if (e === null || e === undefined) return { kind: 'slice', range: { start: 0, count: n, step: 1 }, spec: null };
  if (typeof e === 'number') {
    if (!Number.isInteger(e)) opError(op, `index ${e} for axis ${axis} must be an integer`);
    if (e < -n || e >= n) opError(op, `index ${e} is out of bounds for axis ${axis} of size ${n} in ${fmtShape(x.shape)}`);
    return { kind: 'int', index: e < 0 ? e + n : e };
  }
  if (e instanceof Tensor) {
    if (e.dtype !== 'int32') opError(op, `a tensor index must be int32, got ${fmtAval(e)} for axis ${axis}${e.dtype === 'bool' ? ' (boolean masks are not supported: use where)' : ''}`);
    return e.ndim === 0 ? { kind: 'dynamic', index: e } : { kind: 'array', indices: e, traced: true };
  }
  if (Array.isArray(e)) {
    const flat = (e as readonly NestedArray[]).flat(Infinity as 1) as unknown[];
    const bad = flat.find((v) => typeof v !== 'number' || !Number.isInteger(v) || v < -n || v >= n);
    if (bad !== undefined) opError(op, `index array entry ${describeValue(bad)} is not an integer in [${-n}, ${n}) for axis ${axis} of size ${n}`);
    const shape = tensor(e as NestedArray, { dtype: 'int32' }).shape;
    return { kind: 'array', indices: tensor((flat as number[]).map((v) => (v < 0 ? v + n : v)), { shape, dtype: 'int32' }), traced: false };
  }
  if (isPlainObject(e)) {
    const unknown = Object.keys(e).filter((k) => k !== 'start' && k !== 'stop' && k !== 'step');
    if (unknown.length > 0) opError(op, `a slice has keys start, stop and step, got ${describeValue(e)}`);
    return { kind: 'slice', range: resolveRange(op, e as SliceRange, n, axis), spec: e as SliceRange };
  }
  return opError(op, `cannot index axis ${axis} with ${describeValue(e)} (expected an integer, an int32 tensor, a slice, a string like '1:3' or a nested array of integers)`);
}

/** The index array's values normalized (negative from the end) and, for get, clamped like JAX. */
function normalized(e: Extract<Entry, { kind: 'array' }>, n: number): Tensor {
  if (!e.traced) return e.indices;
  return clip(where(less(e.indices, 0), add(e.indices, n), e.indices), 0, Math.max(n - 1, 0));
}

const intKind = (e: Entry): boolean => e.kind === 'int' || e.kind === 'dynamic';

/** The block traced integers select (size 1 on their axes), and its starts for writing back. */
function dynamicBlock(x: Tensor, plan: Plan): { block: Tensor; starts: Tensor[] | null } {
  if (!plan.entries.some((e) => e.kind === 'dynamic')) return { block: x, starts: null };
  const starts = plan.entries.map((e) => (e.kind === 'dynamic' ? e.index : scalar(0, 'int32')));
  return { block: dynamicSlice(x, starts, plan.entries.map((e, k) => (e.kind === 'dynamic' ? 1 : x.shape[k]!))), starts };
}

/** The region static integers and slices select (integers keep a size-1 axis). */
function regionOf(block: Tensor, plan: Plan): Tensor {
  return slice(block, plan.entries.map((e) => (e.kind === 'int' ? { start: e.index, stop: e.index + 1 } : e.kind === 'slice' ? e.spec : null)));
}

function getAt(x: Tensor, plan: Plan): Tensor {
  const region = regionOf(dynamicBlock(x, plan).block, plan);
  let y = reshapeExact(region, region.shape.filter((_, k) => !intKind(plan.entries[k]!)));
  if (plan.arrayAxis < 0) return y;
  const e = plan.entries[plan.arrayAxis] as Extract<Entry, { kind: 'array' }>;
  const pos = arrayPosition(plan);
  y = take(y, normalized(e, x.shape[plan.arrayAxis]!), { axis: pos });
  return plan.arrayFirst ? toFront(y, pos, e.indices.ndim) : y;
}

const span = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
/** The m axes at `pos` moved to the front (NumPy's placement of separated advanced indices), and back. */
const toFront = (t: Tensor, pos: number, m: number): Tensor => (pos === 0 ? t : moveaxis(t, span(pos, m), span(0, m)));
const fromFront = (t: Tensor, pos: number, m: number): Tensor => (pos === 0 ? t : moveaxis(t, span(0, m), span(pos, m)));

/** Position of the index array's axes among the axes get() keeps. */
const arrayPosition = (plan: Plan): number => plan.entries.slice(0, plan.arrayAxis).filter((u) => !intKind(u)).length;

/** The shape get() returns, from the region's shape (no data touched). */
function getShape(regionShape: readonly number[], plan: Plan): number[] {
  const kept = regionShape.filter((_, k) => !intKind(plan.entries[k]!));
  if (plan.arrayAxis < 0) return kept;
  const pos = arrayPosition(plan);
  const idx = (plan.entries[plan.arrayAxis] as Extract<Entry, { kind: 'array' }>).indices.shape;
  kept.splice(pos, 1, ...idx);
  return plan.arrayFirst ? [...idx, ...kept.filter((_, i) => i < pos || i >= pos + idx.length)] : kept;
}

function updateAt(op: string, kind: Update, x: Tensor, plan: Plan, value: TensorLike): Tensor {
  const v0 = astype(asTensor(op, value, x.dtype), x.dtype);
  const { block, starts } = dynamicBlock(x, plan);
  const region = regionOf(block, plan);
  const want = getShape(region.shape, plan);
  let v = broadcastTo(v0, want);
  // Back to the region's layout: the index array's axes flattened in its place, integer axes as size 1.
  const arrayEntry = plan.arrayAxis >= 0 ? (plan.entries[plan.arrayAxis] as Extract<Entry, { kind: 'array' }>) : null;
  if (arrayEntry && plan.arrayFirst) v = fromFront(v, arrayPosition(plan), arrayEntry.indices.ndim);
  v = reshapeExact(v, region.shape.map((d, k) => (k === plan.arrayAxis ? arrayEntry!.indices.size : d)));
  let updated: Tensor;
  if (plan.arrayAxis < 0) updated = kind === 'set' ? v : combine[kind](region, v);
  else updated = indexedUpdate(kind, region, plan.arrayAxis, arrayEntry!, v);
  const newBlock = placeRegion(block, updated, plan);
  if (!starts) return newBlock;
  // JAX drops updates at out-of-range traced integers.
  const inRange = plan.entries.map((e, k) => {
    if (e.kind !== 'dynamic') return null;
    const n = x.shape[k]!;
    return logicalAnd(greaterEqual(e.index, -n), less(e.index, n));
  }).filter((c): c is Tensor => c !== null);
  return where(all(stackScalars(inRange)), dynamicUpdateSlice(x, newBlock, starts), x);
}

const stackScalars = (xs: readonly Tensor[]): Tensor => concatenate(xs.map((t) => reshapeExact(t, [1])));

/** Reshape a [k] vector to lie along `axis` of a rank-`rank` tensor. */
const along = (t: Tensor, axis: number, rank: number): Tensor => reshapeExact(t, Array.from({ length: rank }, (_, i) => (i === axis ? t.size : 1)));

/**
 * The region put back into the block: per sliced axis a gather spreads the region's entries to
 * their positions (an exact copy, no arithmetic), then a mask of those positions picks them.
 */
function placeRegion(block: Tensor, region: Tensor, plan: Plan): Tensor {
  const rank = block.ndim;
  let placed = region;
  let mask: Tensor | undefined;
  for (let k = 0; k < rank; k++) {
    const e = plan.entries[k]!;
    const n = block.shape[k]!;
    const range = e.kind === 'int' ? { start: e.index, count: 1, step: 1 } : e.kind === 'slice' ? e.range : null;
    if (!range || (range.start === 0 && range.step === 1 && range.count === n)) continue;
    if (range.count === 0) return block;
    const source = new Array<number>(n).fill(0);
    const hit = new Array<boolean>(n).fill(false);
    for (let j = 0; j < range.count; j++) {
      source[range.start + j * range.step] = j;
      hit[range.start + j * range.step] = true;
    }
    const idx = broadcastTo(along(tensor(source, { dtype: 'int32' }), k, rank), placed.shape.map((d, i) => (i === k ? n : d)));
    placed = bind1('gather', [placed, idx], { axis: k });
    const m = along(tensor(hit), k, rank);
    mask = mask ? logicalAnd(mask, m) : m;
  }
  return mask ? where(mask, placed, block) : placed;
}

/**
 * Updates along `axis` at an index array: `add` is scatterAdd; the others sort the indices
 * (stably), combine the updates of each run of equal indices with a segmented log-depth scan
 * (`set` needs no scan: each run's last update wins), and apply each run's result at its index.
 */
function indexedUpdate(kind: Update, base: Tensor, axis: number, e: Extract<Entry, { kind: 'array' }>, updates: Tensor): Tensor {
  const n = base.shape[axis]!;
  const k = e.indices.size;
  const rank = base.ndim;
  if (k === 0 || n === 0) return base;
  const raw = reshapeExact(e.indices, [k]);
  const valid = e.traced ? logicalAnd(greaterEqual(raw, -n), less(raw, n)) : null;
  const wrapped = e.traced ? where(less(raw, 0), add(raw, n), raw) : raw;
  if (kind === 'add') {
    const at = valid ? where(valid, wrapped, 0) : wrapped;
    const u = valid ? where(along(valid, axis, rank), updates, zeros([], updates.dtype)) : updates;
    return bind1('scatterAdd', [base, broadcastTo(along(at, axis, rank), u.shape), u], { axis });
  }
  // Out-of-range traced indices get the key n: a run of their own past every real index.
  const key = valid ? where(valid, wrapped, n) : wrapped;
  const order = argsort(key);
  const sortedKey = take(key, order);
  let run = take(updates, order, { axis });
  const whole = run.shape.map(() => null);
  const cut = (t: Tensor, start?: number, stop?: number) => slice(t, whole.map((_, i) => (i === axis ? { start, stop } : null)));
  if (kind !== 'set') {
    for (let s = 1; s < k; s *= 2) {
      const same = concatenate([zeros([s], 'bool'), equal(slice(sortedKey, [{ start: s }]), slice(sortedKey, [{ stop: k - s }]))]);
      const earlier = pad(cut(run, undefined, k - s), run.shape.map((_, i): [number, number] => (i === axis ? [s, 0] : [0, 0])));
      run = where(along(same, axis, rank), combine[kind](earlier, run), run);
    }
  }
  const last = concatenate([notEqual(slice(sortedKey, [{ stop: k - 1 }]), slice(sortedKey, [{ start: 1 }])), tensor([true])]);
  const positions = arange(k);
  const counts = bind1('scatterAdd', [zeros([n + 1], 'int32'), sortedKey, astype(last, 'int32')], { axis: 0 });
  const winner = bind1('scatterAdd', [zeros([n + 1], 'int32'), sortedKey, where(last, positions, 0)], { axis: 0 });
  const touched = greater(slice(counts, [{ stop: n }]), 0);
  const source = broadcastTo(along(slice(winner, [{ stop: n }]), axis, rank), run.shape.map((d, i) => (i === axis ? n : d)));
  const result = bind1('gather', [run, source], { axis });
  return where(along(touched, axis, rank), kind === 'set' ? result : combine[kind](base, result), base);
}

/** The object `x.at[...]` and `x.at(...)` return. */
class IndexUpdateImpl implements IndexUpdate {
  constructor(private readonly x: Tensor, private readonly index: Index) {}
  private plan(op: string): Plan {
    return resolvePlan(op, this.x, this.index);
  }
  get(): Tensor {
    return getAt(this.x, this.plan('at.get'));
  }
  set(v: TensorLike): Tensor {
    return updateAt('at.set', 'set', this.x, this.plan('at.set'), v);
  }
  add(v: TensorLike): Tensor {
    return updateAt('at.add', 'add', this.x, this.plan('at.add'), v);
  }
  mul(v: TensorLike): Tensor {
    return updateAt('at.mul', 'mul', this.x, this.plan('at.mul'), v);
  }
  min(v: TensorLike): Tensor {
    return updateAt('at.min', 'min', this.x, this.plan('at.min'), v);
  }
  max(v: TensorLike): Tensor {
    return updateAt('at.max', 'max', this.x, this.plan('at.max'), v);
  }
}

/**
 * The `x.at` indexer of a tensor (what the Tensor getter returns). Bracket keys are strings
 * (`x.at[2]` passes '2'), so slice objects, tensors and tuples go through the call form.
 * @example at(x)[0].set(1)                      // x.at[0].set(1)
 * @example at(x)([i, '1:3']).add(v)             // x.at([i, '1:3']).add(v), i traced
 */
export function at(x: Tensor): AtIndexer {
  const call = (index: Index): IndexUpdate => new IndexUpdateImpl(x, index);
  return new Proxy(call, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key, receiver);
      if (key === '[object Object]') opError('at', 'x.at[...] was given an object; use the call form for slices, tensors and tuples: x.at({ start: 1 }), x.at([i, { stop: 2 }])');
      return new IndexUpdateImpl(x, key);
    },
  }) as unknown as AtIndexer;
}

