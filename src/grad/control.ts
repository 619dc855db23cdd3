/**
 * Control flow as staged primitives, as in JAX's lax: `cond` and `switch` (one branch runs),
 * `scan` (a loop over a leading axis), `whileLoop` (a loop while a predicate holds) and `fori`.
 * Each traces its functions once, on abstract values, into closed jaxprs (in every mode, eager
 * included, so mismatched branches or carries are reported at once) and binds one higher-order
 * primitive. Every transformation then has a rule for it (src/grad/higher/): grad of a scan is a
 * scan, grad of a cond differentiates only the taken branch, a compiled program runs one branch
 * and loops without unrolling. Reverse mode through `whileLoop` is an error (its trip count is
 * only known while it runs): use `scan` or `fori` with static bounds.
 */
import * as T from '../tensor';
import { checkFunction, checkNumber, checkOptions, fmtAval, shapeEqual, Tensor, Tracer, type Aval } from '../tensor';
import { flatten, unflatten, type TensorTree, type TreeDef } from '../tree';
import { flattenArgs, flattenTensors } from './args';
import { traceHoisting, withExtraInputs } from './higher/derive';

/** What a function receives for a value: numbers and booleans become tensors, containers keep their shape. */
export type Traced<T> = T extends Tensor ? Tensor
  // A tree that already holds only tensors (an optimizer state's TensorTree) is its own traced
  // form; checking this first also stops the recursion on recursive tree types.
  : T extends TensorTree ? T
  : T extends number | boolean ? Tensor
  : T extends null | undefined ? T
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Traced<T[K]> }
  : T extends object ? { [K in keyof T]: Traced<T[K]> }
  : T;

/** A list of arguments as a function receives them (each one `Traced`). */
export type TracedArgs<A extends readonly unknown[]> = { -readonly [K in keyof A]: Traced<A[K]> };

type Flat = (...xs: Tensor[]) => Tensor[];

const describe = (xs: readonly Aval[]) => `[${xs.map(fmtAval).join(', ')}]`;
const sameAvals = (a: readonly Aval[], b: readonly Aval[]) => a.length === b.length && a.every((x, i) => x.dtype === b[i]!.dtype && shapeEqual(x.shape, b[i]!.shape));
const avalsOf = (xs: readonly Tensor[]): Aval[] => xs.map((x) => ({ shape: x.shape, dtype: x.dtype }));

/** A function of flat tensors calling `fn` on the unflattened tree; records its output structure. */
function treeFunction(op: string, what: string, fn: (...args: any[]) => unknown, argDefs: readonly TreeDef[], onOutput: (out: Tensor[], def: TreeDef) => void): Flat {
  return (...xs) => {
    let k = 0;
    const args = argDefs.map((d) => unflatten(d, xs.slice(k, (k += d.numLeaves))));
    const [outs, def] = flattenTensors(op, fn(...args), what);
    onOutput(outs, def);
    return outs;
  };
}

// ---------------------------------------------------------------------------------------------
// switch and cond

/** The index of `switch`: an integer, or an integer scalar tensor (clamped into range, as in JAX). */
function switchIndex(op: string, index: unknown, n: number): Tensor {
  if (typeof index === 'number') return T.scalar(Math.min(Math.max(checkNumber(op, 'the index', index, { integer: true }), 0), n - 1), 'int32');
  if (!(index instanceof Tensor) || index.size !== 1 || (index.dtype !== 'int32' && index.dtype !== 'bool')) {
    throw new Error(`${op}: the index must be an integer or an int32 tensor with one element, got ${index instanceof Tensor ? fmtAval(index) : T.describeValue(index)}`);
  }
  return T.clip(T.astype(T.reshape(index, []), 'int32'), 0, n - 1);
}

/**
 * Bind a cond over the branches: each is traced into a closed jaxpr; values they close over
 * that belong to enclosing transformations become operands every branch receives.
 */
function bindSwitch(op: string, index: Tensor, fns: readonly ((...args: any[]) => unknown)[], operands: readonly unknown[], branchName: (k: number) => string): unknown {
  const { leaves, defs } = flattenArgs(op, operands, 'operand');
  const traced = fns.map((fn, k) => {
    let outDef: TreeDef | undefined;
    const r = traceHoisting(treeFunction(op, `${branchName(k)}'s output`, fn, defs, (_, d) => (outDef = d)), avalsOf(leaves), op);
    return { ...r, outDef: outDef! };
  });
  const first = traced[0]!;
  traced.forEach((t, k) => {
    if (!t.outDef.equals(first.outDef)) throw new Error(`${op}: every branch must return the same structure; ${branchName(0)} returns ${first.outDef}, ${branchName(k)} returns ${t.outDef}`);
    if (!sameAvals(t.closed.outAvals, first.closed.outAvals)) {
      throw new Error(`${op}: every branch must return the same shapes and dtypes; ${branchName(0)} returns ${describe(first.closed.outAvals)}, ${branchName(k)} returns ${describe(t.closed.outAvals)}`);
    }
  });
  // Every branch takes every branch's hoisted values (JAX's common consts).
  const hoisted = traced.flatMap((t) => t.hoisted);
  let offset = 0;
  const branches = traced.map((t) => {
    const before = hoisted.slice(0, offset);
    const after = hoisted.slice(offset + t.hoisted.length);
    offset += t.hoisted.length;
    return withExtraInputs(withExtraInputs(t.closed, t.hoisted.length, avalsOf(after)), 0, avalsOf(before));
  });
  const outs = T.bind('cond', [index, ...hoisted, ...leaves], { branches });
  return unflatten(first.outDef, outs);
}

/**
 * JAX's `lax.switch`: run `branches[index](...operands)`, the index clamped into range. Every
 * branch is traced (with abstract operands) and must return the same structure, shapes and
 * dtypes; only the selected one runs, including inside jit. Under vmap with a batched index
 * every branch runs and the results are selected per example. Differentiable (only the taken
 * branch is differentiated). Also exported as `switch`.
 * @example const y = switchCase(k, [(v) => sin(v), (v) => cos(v), (v) => neg(v)], x);
 */
export function switchCase<Ops extends readonly unknown[], R>(index: Tensor | number, branches: readonly ((...operands: TracedArgs<Ops>) => R)[], ...operands: Ops): Traced<R> {
  if (!Array.isArray(branches) || branches.length === 0) throw new Error(`switch: branches must be a non-empty array of functions, got ${T.describeValue(branches)}`);
  branches.forEach((b, k) => checkFunction('switch', b, `branch ${k}`));
  return bindSwitch('switch', switchIndex('switch', index, branches.length), branches, operands, (k) => `branch ${k}`) as Traced<R>;
}

/**
 * Run `trueFn(...operands)` if `pred` is true, else `falseFn(...operands)`: JAX's `lax.cond`,
 * a switch with index `pred` over [falseFn, trueFn]. Both branches are traced and must return
 * the same structure, shapes and dtypes; only the taken one runs (inside jit too) and is
 * differentiated, so a NaN in the other one's derivative cannot leak into the gradient.
 * @example cond(greater(x, 0), (v) => sqrt(v), (v) => mul(v, 0), x)
 */
export function cond<Ops extends readonly unknown[], R>(pred: Tensor | boolean, trueFn: (...operands: TracedArgs<Ops>) => R, falseFn: (...operands: TracedArgs<Ops>) => R, ...operands: Ops): Traced<R> {
  checkFunction('cond', trueFn, 'trueFn');
  checkFunction('cond', falseFn, 'falseFn');
  const p = typeof pred === 'boolean' ? T.scalar(pred) : pred;
  if (!(p instanceof Tensor) || p.size !== 1) throw new Error(`cond: the predicate must be a boolean or a tensor with one element, got ${p instanceof Tensor ? fmtAval(p) : T.describeValue(pred)}`);
  const scalar = T.reshape(p, []);
  const index = T.astype(p.dtype === 'bool' ? scalar : T.notEqual(scalar, 0), 'int32');
  return bindSwitch('cond', index, [falseFn, trueFn], operands, (k) => (k === 1 ? 'trueFn' : 'falseFn')) as Traced<R>;
}

// ---------------------------------------------------------------------------------------------
// scan

export interface ScanOptions {
  /** Number of steps; required when xs is null. */
  readonly length?: number;
  /** Scan from the last element to the first (ys keep the input order). */
  readonly reverse?: boolean;
}

/** Check that a loop body returned the carry it received (structure, shapes and dtypes). */
function checkCarry(op: string, def: TreeDef, avals: readonly Aval[], gotDef: TreeDef, got: readonly Tensor[]): void {
  if (!gotDef.equals(def)) throw new Error(`${op}: the body must return a carry of the structure it received: got ${gotDef}, expected ${def}`);
  avals.forEach((a, i) => {
    const g = got[i]!;
    if (g.dtype !== a.dtype || !shapeEqual(g.shape, a.shape)) {
      throw new Error(`${op}: the body changes carry leaf ${i} from ${fmtAval(a)} to ${fmtAval(g)}; a carry keeps its shape and dtype (give the initial carry the dtype the body computes, e.g. with astype)`);
    }
  });
}

/** A slice along the leading axis. */
const slice0 = (a: Aval): Aval => ({ shape: a.shape.slice(1), dtype: a.dtype });

/**
 * JAX's `lax.scan`: `f(carry, x) => [carry, y]` applied along the leading axis of xs (a
 * pytree, or null with `options.length`); returns [finalCarry, ys], ys stacked along a new
 * leading axis. The body is traced once: inside jit the loop is compiled once and runs
 * `length` times (never unrolled); grad of a scan is a scan in the other direction.
 * @example const [total, partials] = scan((c, x) => [add(c, x), add(c, x)], scalar(0), xs)
 */
export function scan<C, X, Y>(f: (carry: Traced<C>, x: X extends null | undefined ? undefined : Traced<X>) => readonly [Traced<C> | C, Y], init: C, xs: X, options: ScanOptions = {}): [Traced<C>, Traced<Y>] {
  checkFunction('scan', f, 'the body');
  const { length: len, reverse = false } = checkOptions('scan', options, ['length', 'reverse']);
  const [carry, carryDef] = flattenTensors('scan', init, 'carry');
  const noXs = xs === null || xs === undefined;
  const [xLeaves, xDef] = noXs ? [[] as Tensor[], flatten(null)[1]] : flattenTensors('scan', xs, 'xs');
  for (const x of xLeaves) if (x.ndim === 0) throw new Error(`scan: every xs leaf needs a leading axis to scan over; got ${fmtAval(x)}`);
  const lengths = xLeaves.map((x) => x.shape[0]!);
  const length = len === undefined ? lengths[0] : checkNumber('scan', 'options.length', len, { integer: true, min: 0 });
  if (length === undefined) throw new Error('scan: pass options.length when xs is null');
  if (lengths.some((n) => n !== length)) throw new Error(`scan: xs leaves must share their leading axis length ${length}, got ${JSON.stringify(lengths)}`);
  const carryAvals = avalsOf(carry);
  let yDef: TreeDef | undefined;
  const body: Flat = (...vals) => {
    const c = unflatten(carryDef, vals.slice(0, carry.length));
    const x = noXs ? undefined : unflatten(xDef, vals.slice(carry.length));
    const r = (f as (c: unknown, x: unknown) => unknown)(c, x);
    if (!Array.isArray(r) || r.length !== 2) throw new Error(`scan: the body must return [carry, y], got ${T.describeValue(r)}`);
    const [cOut, cDef] = flattenTensors('scan', r[0], 'carry');
    checkCarry('scan', carryDef, carryAvals, cDef, cOut);
    const [ys, d] = flattenTensors('scan', r[1] ?? null, 'y');
    yDef = d;
    return [...cOut, ...ys];
  };
  const { closed, hoisted } = traceHoisting(body, [...carryAvals, ...avalsOf(xLeaves).map(slice0)], 'scan');
  const outs = T.bind('scan', [...hoisted, ...carry, ...xLeaves], { body: closed, nConsts: hoisted.length, nCarry: carry.length, length, reverse: reverse === true });
  return [unflatten(carryDef, outs.slice(0, carry.length)) as Traced<C>, unflatten(yDef!, outs.slice(carry.length)) as Traced<Y>];
}

// ---------------------------------------------------------------------------------------------
// whileLoop and fori

/**
 * JAX's `lax.while_loop`: `while (condFn(carry)) carry = bodyFn(carry)`, staged as one
 * primitive (a real loop inside jit). condFn returns a boolean scalar; bodyFn returns a carry of
 * the structure, shapes and dtypes it received. Forward-mode differentiable (jvp, jacfwd);
 * reverse mode is an error, since the trip count is only known while the loop runs: use scan or
 * fori with static bounds. Under vmap with a per-example predicate it runs while any example
 * continues. A compiled WebGPU program cannot run it (see the README).
 * @example const n = whileLoop((c) => less(c, 100), (c) => mul(c, 2), scalar(1))   // 128
 */
export function whileLoop<C>(condFn: (carry: Traced<C>) => Tensor | boolean, bodyFn: (carry: Traced<C>) => Traced<C> | C, init: C): Traced<C> {
  checkFunction('whileLoop', condFn, 'condFn');
  checkFunction('whileLoop', bodyFn, 'bodyFn');
  const [carry, def] = flattenTensors('whileLoop', init, 'carry');
  const avals = avalsOf(carry);
  const condFlat: Flat = (...xs) => {
    const p = condFn(unflatten(def, xs) as Traced<C>);
    const t = typeof p === 'boolean' ? T.scalar(p) : p;
    if (!(t instanceof Tensor) || t.dtype !== 'bool' || t.size !== 1) throw new Error(`whileLoop: condFn must return a boolean or a bool tensor with one element, got ${t instanceof Tensor ? fmtAval(t) : T.describeValue(p)}`);
    return [T.reshape(t, [])];
  };
  const bodyFlat: Flat = (...xs) => {
    const [out, d] = flattenTensors('whileLoop', bodyFn(unflatten(def, xs) as Traced<C>), 'carry');
    checkCarry('whileLoop', def, avals, d, out);
    return out;
  };
  const c = traceHoisting(condFlat, avals, 'whileLoop');
  const b = traceHoisting(bodyFlat, avals, 'whileLoop');
  const outs = T.bind('whileLoop', [...c.hoisted, ...b.hoisted, ...carry], { cond: c.closed, body: b.closed, nCondConsts: c.hoisted.length, nBodyConsts: b.hoisted.length });
  return unflatten(def, outs) as Traced<C>;
}

/** A loop bound known while tracing: a number, or a concrete (non-traced) CPU tensor. */
function staticBound(x: number | Tensor): number | undefined {
  if (typeof x === 'number') return x;
  if (x instanceof Tracer || x.device !== 'cpu' || x.size !== 1) return undefined;
  return Number(x.dataSync()[0]);
}

/**
 * `for i in [lower, upper): carry = body(i, carry)`, with i an int32 scalar tensor (JAX's
 * `fori_loop`). With bounds known while tracing (numbers) it is a scan of `upper - lower`
 * steps, so reverse mode works; with traced bounds it is a whileLoop (forward mode only).
 * @example fori(0, 10, (i, x) => mul(x, 2), ones([3]))
 */
export function fori<C>(lower: number | Tensor, upper: number | Tensor, body: (i: Tensor, carry: Traced<C>) => Traced<C> | C, init: C): Traced<C> {
  checkFunction('fori', body, 'the body');
  for (const [name, b] of [['lower', lower], ['upper', upper]] as const) {
    if (typeof b === 'number') checkNumber('fori', name, b, { integer: true });
    else if (!(b instanceof Tensor) || b.size !== 1 || b.dtype !== 'int32') throw new Error(`fori: ${name} must be an integer or an int32 tensor with one element, got ${b instanceof Tensor ? fmtAval(b) : T.describeValue(b)}`);
  }
  const lo = staticBound(lower);
  const hi = staticBound(upper);
  type Carry = [Tensor, Traced<C>];
  if (lo !== undefined && hi !== undefined) {
    const step = ([i, c]: Carry): readonly [Carry, null] => [[T.add(i, 1), body(i, c) as Traced<C>], null];
    const [[, out]] = scan<Carry, null, null>(step as never, [T.scalar(lo, 'int32'), init as Traced<C>], null, { length: Math.max(0, hi - lo) }) as unknown as [Carry];
    return out;
  }
  const toInt = (b: number | Tensor) => (typeof b === 'number' ? T.scalar(b, 'int32') : T.reshape(b, []));
  type Bounded = [Tensor, Tensor, Traced<C>];
  const keepGoing = ([i, u]: Bounded) => T.less(i, u);
  const step = ([i, u, c]: Bounded): Bounded => [T.add(i, 1), u, body(i, c) as Traced<C>];
  const [, , out] = whileLoop<Bounded>(keepGoing as never, step as never, [toInt(lower), toInt(upper), init as Traced<C>]) as unknown as Bounded;
  return out;
}


