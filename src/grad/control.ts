/**
 * Control flow: cond, scan and fori. They are higher-order primitives whose meaning is written
 * with ordinary ops, so every interpreter inlines them: under grad and vmap a scan is its loop,
 * a cond with a known predicate runs one branch, and a cond with a traced predicate (inside jit
 * or vmap) computes both branches and selects elementwise, as JAX does for batched predicates.
 * Inside jit a scan is unrolled into the compiled program (compile time grows with its length).
 */
import * as T from '../tensor';
import { registerImpl, Tensor, Tracer } from '../tensor';
import { flatten, unflatten, type TreeDef } from '../tree';
import { flattenTensors, toTensor } from './args';

type Flat = (...xs: Tensor[]) => Tensor[];

function describeAvals(xs: readonly Tensor[]): string {
  return `[${xs.map((x) => T.fmtAval(x)).join(', ')}]`;
}

function sameAvals(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  return a.length === b.length && a.every((x, i) => x.dtype === b[i]!.dtype && T.shapeEqual(x.shape, b[i]!.shape));
}

// ---------------------------------------------------------------------------------------------
// cond

export interface CondParams {
  readonly branches: readonly [Flat, Flat];
  readonly outDef: { value?: TreeDef };
}

/** A concrete boolean for `pred`, when one is known (eagerly, or under forward mode). */
function concretePred(pred: Tensor): boolean | undefined {
  const c = pred instanceof Tracer ? pred.concreteValue() : pred;
  return c ? Boolean(c.dataSync()[0]) : undefined;
}

registerImpl('cond', (args, p: CondParams) => {
  const [pred, ...ops] = args as [Tensor, ...Tensor[]];
  const known = concretePred(pred);
  if (known !== undefined) return p.branches[known ? 0 : 1](...ops);
  const a = p.branches[0](...ops);
  const b = p.branches[1](...ops);
  if (!sameAvals(a, b)) throw new Error(`cond: both branches must return the same structure, shapes and dtypes; true branch gave ${describeAvals(a)}, false branch gave ${describeAvals(b)}`);
  return a.map((x, i) => T.where(pred, x, b[i]!));
});

/**
 * Run `trueFn(...operands)` if pred is true, else `falseFn(...operands)`. Both must return the
 * same structure, shapes and dtypes. Differentiable; batches under vmap; usable inside jit.
 * @example cond(greater(x, 0), (v) => log(v), (v) => neg(v), x)
 */
export function cond(pred: Tensor | boolean, trueFn: (...operands: any[]) => any, falseFn: (...operands: any[]) => any, ...operands: unknown[]): any {
  const predT = typeof pred === 'boolean' ? T.scalar(pred) : pred;
  if (!(predT instanceof Tensor) || predT.size !== 1) throw new Error(`cond: the predicate must be a boolean or a tensor with one element, got ${predT instanceof Tensor ? T.fmtAval(predT) : typeof pred}`);
  const [leaves, def] = flatten(operands);
  const ops = leaves.map((l, i) => toTensor('cond', l, `operand leaf ${i}`));
  const outDef: { value?: TreeDef } = {};
  const branch = (fn: (...a: any[]) => any): Flat => (...xs) => {
    const [outs, d] = flattenTensors('cond', fn(...(unflatten(def, xs) as unknown[])), 'branch output');
    if (outDef.value && !outDef.value.equals(d)) throw new Error(`cond: the branches return different structures: ${outDef.value} and ${d}`);
    outDef.value = d;
    return outs;
  };
  const outs = T.bind('cond', [T.reshape(T.astype(predT, 'bool'), []), ...ops], { branches: [branch(trueFn), branch(falseFn)], outDef } satisfies CondParams);
  return unflatten(outDef.value!, outs);
}

// ---------------------------------------------------------------------------------------------
// scan

export interface ScanParams {
  readonly body: Flat;
  readonly nCarry: number;
  readonly length: number;
  readonly reverse: boolean;
}

registerImpl('scan', (args, p: ScanParams) => {
  let carry = args.slice(0, p.nCarry);
  const xs = args.slice(p.nCarry);
  const ys: Tensor[][] = [];
  for (let k = 0; k < p.length; k++) {
    const i = p.reverse ? p.length - 1 - k : k;
    const xi = xs.map((x) => T.reshape(T.slice(x, [{ start: i, stop: i + 1 }]), x.shape.slice(1)));
    const out = p.body(...carry, ...xi);
    const next = out.slice(0, p.nCarry);
    if (!sameAvals(next, carry)) throw new Error(`scan: the body must return a carry of the same shapes and dtypes as it received: got ${describeAvals(next)}, expected ${describeAvals(carry)}`);
    carry = next;
    ys.push(out.slice(p.nCarry));
  }
  if (p.reverse) ys.reverse();
  const nY = ys[0]?.length ?? 0;
  const stacked = Array.from({ length: nY }, (_, j) => T.stack(ys.map((y) => y[j]!), 0));
  return [...carry, ...stacked];
});

export interface ScanOptions {
  /** Number of steps; required when xs is null. */
  readonly length?: number;
  /** Scan from the last element to the first (ys keep the input order). */
  readonly reverse?: boolean;
}

/**
 * JAX's scan: `f(carry, x) => [carry, y]` applied along the leading axis of xs (a pytree);
 * returns [finalCarry, ys] with ys stacked along a new leading axis.
 * @example const [total, partials] = scan((c, x) => [add(c, x), add(c, x)], 0, xs)
 */
export function scan(f: (carry: any, x: any) => [any, any], init: unknown, xs: unknown, options: ScanOptions = {}): [any, any] {
  const [carryLeaves, carryDef] = flattenTensors('scan', init, 'carry');
  const [xLeaves, xDef] = xs === null || xs === undefined ? [[] as Tensor[], flatten(null)[1]] : flattenTensors('scan', xs, 'xs');
  const lengths = xLeaves.map((x) => (x.ndim === 0 ? -1 : x.shape[0]!));
  if (lengths.includes(-1)) throw new Error('scan: every xs leaf needs a leading axis to scan over; got a 0-d tensor');
  const length = options.length ?? lengths[0];
  if (length === undefined) throw new Error('scan: pass options.length when xs is null');
  if (lengths.some((n) => n !== length)) throw new Error(`scan: xs leaves must share their leading axis length ${length}, got ${JSON.stringify(lengths)}`);
  let yDef: TreeDef | undefined;
  const body: Flat = (...vals) => {
    const carry = unflatten(carryDef, vals.slice(0, carryLeaves.length));
    const x = xs === null || xs === undefined ? undefined : unflatten(xDef, vals.slice(carryLeaves.length));
    const r = f(carry, x);
    if (!Array.isArray(r) || r.length !== 2) throw new Error('scan: the body must return [carry, y]');
    const [c, cDef] = flattenTensors('scan', r[0], 'carry');
    if (!cDef.equals(carryDef)) throw new Error(`scan: the body changed the carry's structure from ${carryDef} to ${cDef}`);
    const [ys, d] = flattenTensors('scan', r[1] ?? null, 'y');
    yDef = d;
    return [...c, ...ys];
  };
  const outs = T.bind('scan', [...carryLeaves, ...xLeaves], { body, nCarry: carryLeaves.length, length, reverse: options.reverse ?? false } satisfies ScanParams);
  const carryOut = unflatten(carryDef, outs.slice(0, carryLeaves.length));
  if (yDef === undefined) yDef = flatten(null)[1];
  return [carryOut, unflatten(yDef, outs.slice(carryLeaves.length))];
}

/**
 * `for i in [lower, upper): carry = body(i, carry)`, with i an int32 scalar tensor.
 * @example fori(0, 10, (i, x) => mul(x, 2), ones([3]))
 */
export function fori(lower: number, upper: number, body: (i: Tensor, carry: any) => any, init: unknown): any {
  if (!Number.isInteger(lower) || !Number.isInteger(upper)) throw new Error(`fori: bounds must be integers, got ${lower} and ${upper}`);
  const n = Math.max(0, upper - lower);
  if (n === 0) return init;
  const [carry] = scan((c, i: Tensor) => [body(i, c), null], init, T.arange(lower, upper, 1, 'int32'));
  return carry;
}
