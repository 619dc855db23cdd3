/**
 * Forward-mode rules of the higher-order primitives. Each maps the primitive on primals and
 * tangents to the same primitive over the jvp of its programs (JAX's jvp_jaxpr), so the jvp of
 * a jitted program is a jitted program and the jvp of a scan is a scan. Symbolic zeros decide
 * the patterns: inputs without a tangent get none in the derived program.
 */
import * as T from '../../tensor';
import { fmtAval, shapeEqual, type ClosedJaxpr, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import type { JvpRule } from '../rules/jvpRules';
import { instantiate, isZero, Zero, type MaybeZero } from '../zero';
import { count, falses, idOf, jvpJaxpr, permuted, pick, split, withExtraInputs } from './derive';

const nonzero = (ts: readonly MaybeZero[]): boolean[] => ts.map((t) => !isZero(t));

/** No input has a tangent: the primitive itself, with zero tangents. */
function primalOnly(prim: HigherOrderPrim, primals: Tensor[], params: unknown): [Tensor[], MaybeZero[]] {
  const outs = T.bind(prim, primals, params);
  return [outs, outs.map((o) => new Zero(o))];
}

/** Split [primals..., nonzero tangents...] outputs back into primals and (maybe zero) tangents. */
function unpack(outs: readonly Tensor[], nPrimal: number, outNonzero: readonly boolean[]): [Tensor[], MaybeZero[]] {
  const po = outs.slice(0, nPrimal);
  let k = nPrimal;
  return [po, po.map((o, j) => (outNonzero[j] ? outs[k++]! : new Zero(o)))];
}

/** Values a function closes over (hoisted operands) carry no derivative a user rule could know of. */
function checkClosure(what: string, tangents: readonly MaybeZero[]): void {
  if (tangents.some((t) => !isZero(t))) {
    throw new Error(`${what}: the function is differentiated with respect to a value it closes over; its rule only knows its arguments, so pass that value as an argument`);
  }
}

function checkRuleOutputs(what: string, got: readonly Tensor[], want: ClosedJaxpr, part: string): void {
  const avals = want.outAvals;
  if (got.length !== avals.length || got.some((g, i) => g.dtype !== avals[i]!.dtype || !shapeEqual(g.shape, avals[i]!.shape))) {
    throw new Error(`${what}: the rule's ${part} [${got.map(fmtAval).join(', ')}] differs from the function's output [${avals.map(fmtAval).join(', ')}]`);
  }
}

/** The carry-tangent fixpoint of a loop body: which carries have a tangent once the loop has run. */
function carryFixpoint(body: ClosedJaxpr, before: readonly boolean[], init: readonly boolean[], after: readonly boolean[], nOut: number): boolean[] {
  let carry = [...init];
  for (;;) {
    const { outNonzero } = jvpJaxpr(body, [...before, ...carry, ...after], [...carry, ...falses(nOut - carry.length)]);
    const out = outNonzero.slice(0, carry.length);
    if (out.every((b, i) => !b || carry[i])) return carry;
    carry = carry.map((b, i) => b || out[i]!);
  }
}

/** The tangent of init for a carry with a tangent (instantiated when it is a symbolic zero). */
const carryTangents = (ts: readonly MaybeZero[], nz: readonly boolean[]): Tensor[] => ts.flatMap((t, i) => (nz[i] ? [instantiate(t)] : []));

export const higherOrderJvp = {
  jitCall: (primals, tangents, p) => {
    const nz = nonzero(tangents);
    if (!nz.some(Boolean)) return primalOnly('jitCall', primals, p);
    const { closed, outNonzero } = jvpJaxpr(p.jaxpr, nz, falses(p.jaxpr.outAvals.length));
    const outs = T.bind('jitCall', [...primals, ...(pick(tangents, nz) as Tensor[])], { jaxpr: closed, donate: falses(primals.length + count(nz)), name: `jvp(${p.name})`, _counters: p._counters } satisfies HigherOrderParams['jitCall']);
    return unpack(outs, p.jaxpr.outAvals.length, outNonzero);
  },

  cond: ([index, ...ops], [, ...ts], p) => {
    const nz = nonzero(ts);
    if (!nz.some(Boolean)) return primalOnly('cond', [index!, ...ops], p);
    const nOut = p.branches[0]!.outAvals.length;
    // Every branch returns a tangent for an output any branch has one for.
    const union = falses(nOut);
    for (const b of p.branches) jvpJaxpr(b, nz, falses(nOut)).outNonzero.forEach((x, j) => (union[j] ||= x));
    const derived = p.branches.map((b) => jvpJaxpr(b, nz, union));
    const outs = T.bind('cond', [index!, ...ops, ...(pick(ts, nz) as Tensor[])], { branches: derived.map((d) => d.closed) } satisfies HigherOrderParams['cond']);
    return unpack(outs, nOut, derived[0]!.outNonzero);
  },

  scan: (primals, tangents, p) => {
    const nz = nonzero(tangents);
    if (!nz.some(Boolean)) return primalOnly('scan', primals, p);
    const nOut = p.body.outAvals.length;
    const [cNz, initNz, xNz] = split(nz, p.nConsts, p.nCarry) as [boolean[], boolean[], boolean[]];
    const carryNz = carryFixpoint(p.body, cNz, initNz, xNz, nOut);
    const derived = p.body.derive(`scan-jvp:${p.nConsts}:${p.nCarry}:${nz.map(Number).join('')}:${carryNz.map(Number).join('')}`, () => {
      const d = jvpJaxpr(p.body, [...cNz, ...carryNz, ...xNz], [...carryNz, ...falses(nOut - p.nCarry)]);
      // jvp order [consts, carry, xs, dconsts, dcarry, dxs] -> scan order [consts, dconsts, carry, dcarry, xs, dxs].
      const nX = xNz.length;
      const n = p.nConsts + p.nCarry + nX;
      const [tc, tk] = [count(cNz), count(carryNz)];
      const range = (from: number, len: number) => Array.from({ length: len }, (_, i) => from + i);
      const inOrder = [...range(0, p.nConsts), ...range(n, tc), ...range(p.nConsts, p.nCarry), ...range(n + tc, tk), ...range(p.nConsts + p.nCarry, nX), ...range(n + tc + tk, count(xNz))];
      const yNz = d.outNonzero.slice(p.nCarry);
      const outOrder = [...range(0, p.nCarry), ...range(nOut, tk), ...range(p.nCarry, nOut - p.nCarry), ...range(nOut + tk, count(yNz))];
      return { body: permuted(d.closed, inOrder, outOrder), tc, tk, yNz };
    });
    const [consts, init, xs] = split(primals, p.nConsts, p.nCarry) as [Tensor[], Tensor[], Tensor[]];
    const [dc, dInit, dx] = split(tangents, p.nConsts, p.nCarry);
    const outs = T.bind('scan', [...consts, ...(pick(dc!, cNz) as Tensor[]), ...init, ...carryTangents(dInit!, carryNz), ...xs, ...(pick(dx!, xNz) as Tensor[])], {
      body: derived.body, nConsts: p.nConsts + derived.tc, nCarry: p.nCarry + derived.tk, length: p.length, reverse: p.reverse,
    } satisfies HigherOrderParams['scan']);
    const [carry, dCarry, rest] = split(outs, p.nCarry, derived.tk) as [Tensor[], Tensor[], Tensor[]];
    const nY = nOut - p.nCarry;
    const [ys, dys] = split(rest, nY) as [Tensor[], Tensor[]];
    let kc = 0, ky = 0;
    return [[...carry, ...ys], [...carry.map((c, i) => (carryNz[i] ? dCarry[kc++]! : new Zero(c))), ...ys.map((y, j) => (derived.yNz[j] ? dys[ky++]! : new Zero(y)))]];
  },

  whileLoop: (primals, tangents, p) => {
    const [condConsts, bodyConsts, init] = split(primals, p.nCondConsts, p.nBodyConsts) as [Tensor[], Tensor[], Tensor[]];
    const [, dBody, dInit] = split(tangents, p.nCondConsts, p.nBodyConsts) as [MaybeZero[], MaybeZero[], MaybeZero[]];
    const bNz = nonzero(dBody);
    const initNz = nonzero(dInit);
    if (!bNz.some(Boolean) && !initNz.some(Boolean)) return primalOnly('whileLoop', primals, p);
    const carryNz = carryFixpoint(p.body, bNz, initNz, [], init.length);
    const derived = p.body.derive(`while-jvp:${idOf(p.cond)}:${bNz.map(Number).join('')}:${carryNz.map(Number).join('')}`, () => {
      const d = jvpJaxpr(p.body, [...bNz, ...carryNz], carryNz);
      // [bconsts, carry, dbconsts, dcarry] -> [bconsts, dbconsts, carry, dcarry]
      const [nb, nk, tb] = [bNz.length, init.length, count(bNz)];
      const range = (from: number, len: number) => Array.from({ length: len }, (_, i) => from + i);
      const body = permuted(d.closed, [...range(0, nb), ...range(nb + nk, tb), ...range(nb, nk), ...range(nb + nk + tb, count(carryNz))], null);
      // The predicate ignores the tangents.
      const cond = withExtraInputs(p.cond, p.cond.inAvals.length, pick(init, carryNz));
      return { body, cond };
    });
    const outs = T.bind('whileLoop', [...condConsts, ...bodyConsts, ...(pick(dBody, bNz) as Tensor[]), ...init, ...carryTangents(dInit, carryNz)], {
      cond: derived.cond, body: derived.body, nCondConsts: p.nCondConsts, nBodyConsts: p.nBodyConsts + count(bNz),
    } satisfies HigherOrderParams['whileLoop']);
    return unpack(outs, init.length, carryNz);
  },

  customJvpCall: (primals, tangents, p) => {
    const [, args] = split(primals, p.nConsts) as [Tensor[], Tensor[]];
    const [dClosure, dArgs] = split(tangents, p.nConsts) as [MaybeZero[], MaybeZero[]];
    checkClosure('customJvp', dClosure);
    if (dArgs.every(isZero)) return primalOnly('customJvpCall', primals, p);
    const [ys, dys] = p.jvp(args, dArgs.map(instantiate));
    checkRuleOutputs('customJvp', ys, p.call, 'output');
    checkRuleOutputs('customJvp', dys, p.call, 'tangent');
    return [ys, dys];
  },

  customVjpCall: (primals, tangents, p) => {
    const [, args] = split(primals, p.nConsts) as [Tensor[], Tensor[]];
    const [dClosure, dArgs] = split(tangents, p.nConsts) as [MaybeZero[], MaybeZero[]];
    checkClosure('customVjp', dClosure);
    if (dArgs.every(isZero)) return primalOnly('customVjpCall', primals, p);
    const { outs, res } = p.fwd(...args);
    checkRuleOutputs('customVjp', outs, p.call, 'fwd output');
    // Residuals are operands (not params), so partial evaluation keeps them as known values and
    // the backward pass receives them.
    const dOuts = T.bind('customVjpLinear', [...res, ...dArgs.map(instantiate)], { bwd: p.bwd, nRes: res.length, outAvals: outs.map((o) => ({ shape: o.shape, dtype: o.dtype })) } satisfies HigherOrderParams['customVjpLinear']);
    return [outs, dOuts];
  },

  // Linear in the argument tangents; the residuals are primal values of the enclosing computation.
  customVjpLinear: (primals, tangents, p) => {
    const [, dArgs] = split(tangents, p.nRes);
    checkClosure('customVjp (the tangent map, differentiated again)', tangents.slice(0, p.nRes));
    const ys = T.bind('customVjpLinear', primals, p);
    if (dArgs!.every(isZero)) return [ys, ys.map((y) => new Zero(y))];
    return [ys, T.bind('customVjpLinear', [...primals.slice(0, p.nRes), ...dArgs!.map(instantiate)], p)];
  },

  checkpoint: (primals, tangents, p) => {
    const nz = nonzero(tangents);
    if (!nz.some(Boolean)) return primalOnly('checkpoint', primals, p);
    const { closed, outNonzero } = jvpJaxpr(p.jaxpr, nz, falses(p.jaxpr.outAvals.length));
    const outs = T.bind('checkpoint', [...primals, ...(pick(tangents, nz) as Tensor[])], { jaxpr: closed, policy: p.policy } satisfies HigherOrderParams['checkpoint']);
    return unpack(outs, p.jaxpr.outAvals.length, outNonzero);
  },
} satisfies { [P in HigherOrderPrim]: JvpRule<HigherOrderParams[P]> };
