/**
 * Partial evaluation of the higher-order primitives when some operands are unknown: the known
 * part runs now (as the same primitive over the known part of its programs) and the unknown
 * part is staged, fed by residuals (JAX's partial_eval_jaxpr_nounits and the per-primitive
 * rules of lax's control flow). Applied to a jvp, this is what makes `grad` of a jit call two
 * jit calls, of a scan two scans (residuals stacked per iteration), of a cond two conds that
 * differentiate only the taken branch, and of a checkpoint a recomputation.
 */
import * as T from '../../tensor';
import { ClosedJaxpr, evalClosed, fmtAval, Jaxpr, Var, type Atom, type Aval, type CheckpointPolicy, type Eqn, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import type { PartialEvalRule, PartialEvalTrace, PartialEvalTracer } from '../partial';
import { closeProgram, count, dependents, falses, idOf, partialEvalJaxpr, pick, restricted, split, traceClosed, zerosOf, type PartialJaxpr } from './derive';

const knownValue = (t: PartialEvalTracer): Tensor => t.fullLower();
const unknownMask = (ts: readonly PartialEvalTracer[]): boolean[] => ts.map((t) => !t.isKnown);
const avalKey = (a: Aval): string => fmtAval(a);

/** Interleave known and unknown outputs back into the primitive's output order. */
function merge(outUnknowns: readonly boolean[], known: readonly Tensor[], unknown: readonly Tensor[]): Tensor[] {
  let k = 0, u = 0;
  return outUnknowns.map((uk) => (uk ? unknown[u++]! : known[k++]!));
}

/** The residual operands of a staged unknown program: forwarded known inputs or values the known part computed. */
function residualTracers(trace: PartialEvalTrace, s: PartialJaxpr, inputs: readonly PartialEvalTracer[], computed: readonly Tensor[]): PartialEvalTracer[] {
  return s.residuals.map((r) => ('input' in r ? trace.instantiateConst(inputs[r.input]!) : trace.residual(computed[r.output]!)));
}

/**
 * The common case, a call of one program: run its known part as the same primitive over the
 * known program (when it computes anything) and stage the unknown part as another.
 */
function splitCall(trace: PartialEvalTrace, ts: readonly PartialEvalTracer[], s: PartialJaxpr, bindKnown: (known: ClosedJaxpr, xs: Tensor[]) => Tensor[], stageUnknown: (unknown: ClosedJaxpr, xs: PartialEvalTracer[]) => Tensor[]): Tensor[] {
  const uk = unknownMask(ts);
  const knownOuts = s.known.outAvals.length > 0 ? bindKnown(s.known, pick(ts, uk, false).map(knownValue)) : [];
  const nKnown = count(s.outUnknowns.map((u) => !u));
  const res = residualTracers(trace, s, ts, knownOuts.slice(nKnown));
  const unknownOuts = stageUnknown(s.unknown, [...res, ...pick(ts, uk)]);
  return merge(s.outUnknowns, knownOuts.slice(0, nKnown), unknownOuts);
}

// ---------------------------------------------------------------------------------------------
// cond

interface CondSplit {
  readonly outUnknowns: readonly boolean[];
  /** Known branches: known operands -> known outputs, then every residual slot. */
  readonly known: readonly ClosedJaxpr[];
  /** Unknown branches: [forwarded known operands, residual slots, unknown operands] -> unknown outputs. */
  readonly unknown: readonly ClosedJaxpr[];
  /** Operand indices forwarded to the unknown branches. */
  readonly forwarded: readonly number[];
}

/**
 * Partially evaluate every branch with one output pattern (the union). Residuals differ per
 * branch: each gets slots by aval (branches share slots of equal avals) and fills the slots of
 * the others with zeros, so the known cond has one output signature (JAX's _cond_partial_eval).
 */
function condSplit(branches: readonly ClosedJaxpr[], uk: readonly boolean[]): CondSplit {
  const nOut = branches[0]!.outAvals.length;
  const outUk = falses(nOut);
  for (const b of branches) partialEvalJaxpr(b, uk, falses(nOut)).outUnknowns.forEach((u, j) => (outUk[j] ||= u));
  const splits = branches.map((b) => partialEvalJaxpr(b, uk, outUk));
  const forwarded = [...new Set(splits.flatMap((s) => s.residuals.flatMap((r) => ('input' in r ? [r.input] : []))))].sort((a, b) => a - b);
  // Slots: the computed residuals of each branch, assigned greedily to slots of equal aval.
  const slots: Aval[] = [];
  const slotOf = splits.map((s) => {
    const used = new Set<number>();
    const resAvals = s.known.outAvals.slice(s.known.outAvals.length - s.nComputed);
    return resAvals.map((a) => {
      let q = slots.findIndex((b, i) => !used.has(i) && avalKey(b) === avalKey(a));
      if (q < 0) q = slots.push(a) - 1;
      used.add(q);
      return q;
    });
  });
  const ops = branches[0]!.inAvals;
  const knownOps = pick(ops, uk, false);
  const nKnownOut = count(outUk.map((u) => !u));
  const known = splits.map((s, b) => traceClosed((...xs) => {
    const r = evalClosed(s.known, xs);
    const own = r.slice(nKnownOut);
    return [...r.slice(0, nKnownOut), ...slots.map((a, q) => {
      const j = slotOf[b]!.indexOf(q);
      return j >= 0 ? own[j]! : zerosOf(a);
    })];
  }, knownOps, 'cond-known'));
  const unknown = splits.map((s, b) => traceClosed((...xs) => {
    const [fwd, slotVals, uops] = split(xs, forwarded.length, slots.length) as [Tensor[], Tensor[], Tensor[]];
    const res = s.residuals.map((r) => ('input' in r ? fwd[forwarded.indexOf(r.input)]! : slotVals[slotOf[b]![r.output]!]!));
    return evalClosed(s.unknown, [...res, ...uops]);
  }, [...forwarded.map((i) => ops[i]!), ...slots, ...pick(ops, uk)], 'cond-unknown'));
  return { outUnknowns: outUk, known, unknown, forwarded };
}

// ---------------------------------------------------------------------------------------------
// scan

interface ScanSplit {
  readonly carryUk: readonly boolean[];
  readonly outUnknowns: readonly boolean[];
  /** Known consts -> loop-invariant residuals (hoisted out of the loop). */
  readonly invariant: ClosedJaxpr;
  /** The known scan's body: [known consts, known carry, known xs] -> [known carry, known ys, stacked residuals]. */
  readonly knownBody: ClosedJaxpr;
  readonly nKnownYs: number;
  /** The unknown scan's body: [unknown consts, hoisted residuals, forwarded consts | unknown carry | unknown xs, stacked residuals, forwarded xs]. */
  readonly unknownBody: ClosedJaxpr;
  readonly nHoisted: number;
  /** Known consts and xs forwarded to the unknown scan (operand indices). */
  readonly constFwd: readonly number[];
  readonly xsFwd: readonly number[];
}

function scanSplit(p: HigherOrderParams['scan'], uk: readonly boolean[]): ScanSplit {
  const body = p.body;
  const nOut = body.outAvals.length;
  const [cUk, initUk, xUk] = split(uk, p.nConsts, p.nCarry) as [boolean[], boolean[], boolean[]];
  // The unknown-carry fixpoint: a carry is unknown if its init or its update is.
  let carryUk = [...initUk];
  let s: PartialJaxpr;
  for (;;) {
    s = partialEvalJaxpr(body, [...cUk, ...carryUk, ...xUk], [...carryUk, ...falses(nOut - p.nCarry)]);
    const out = s.outUnknowns.slice(0, p.nCarry);
    if (out.every((u, i) => !u || carryUk[i])) break;
    carryUk = carryUk.map((u, i) => u || out[i]!);
  }
  const unknowns = [...cUk, ...carryUk, ...xUk];
  const knownIdx = unknowns.map((_, i) => i).filter((i) => !unknowns[i]);
  const kc = count(cUk.map((u) => !u));
  const knownJ = s.known.jaxpr;
  const nKnownOuts = knownJ.outs.length - s.nComputed;
  // Classify residuals: forwarded consts and xs stay whole; a forwarded carry is per iteration.
  const isConst = (i: number) => i < p.nConsts;
  const isXs = (i: number) => i >= p.nConsts + p.nCarry;
  const variant = dependents(knownJ, knownJ.invars.map((_, k) => k >= kc));
  const computedOut = (o: number) => knownJ.outs[nKnownOuts + o]!;
  const kind = s.residuals.map((r): 'hoisted' | 'constFwd' | 'stacked' | 'xsFwd' => {
    if ('input' in r) return isConst(r.input) ? 'constFwd' : isXs(r.input) ? 'xsFwd' : 'stacked';
    const v = computedOut(r.output);
    return v instanceof Var && variant.has(v) ? 'stacked' : 'hoisted';
  });
  const stackedAtoms = s.residuals.flatMap((r, k) => (kind[k] !== 'stacked' ? [] : ['input' in r ? knownJ.invars[knownIdx.indexOf(r.input)]! : computedOut(r.output)]));
  const hoistedAtoms = s.residuals.flatMap((r, k) => (kind[k] === 'hoisted' && 'output' in r ? [computedOut(r.output)] : []));
  const knownBody = restricted(s.known, knownJ.invars, [...knownJ.outs.slice(0, nKnownOuts), ...stackedAtoms]);
  const invariant = restricted(s.known, knownJ.invars.slice(0, kc), hoistedAtoms);
  // The unknown body's inputs: [residuals in s.residuals order, unknown consts, unknown carry, unknown xs].
  const R = s.residuals.length;
  const order = (which: string) => s.residuals.map((_, k) => k).filter((k) => kind[k] === which);
  const nUc = count(cUk), nUk = count(carryUk), nUx = count(xUk);
  const range = (from: number, len: number) => Array.from({ length: len }, (_, i) => from + i);
  const inOrder = [...range(R, nUc), ...order('hoisted'), ...order('constFwd'), ...range(R + nUc, nUk), ...range(R + nUc + nUk, nUx), ...order('stacked'), ...order('xsFwd')];
  const uj = s.unknown.jaxpr;
  const unknownBody = new ClosedJaxpr(new Jaxpr(uj.constvars, inOrder.map((i) => uj.invars[i]!), uj.eqns, uj.outs), s.unknown.consts);
  const fwdOf = (which: string) => s.residuals.flatMap((r, k) => (kind[k] === which && 'input' in r ? [r.input] : []));
  return {
    carryUk, outUnknowns: [...carryUk, ...s.outUnknowns.slice(p.nCarry)], invariant, knownBody,
    nKnownYs: nKnownOuts - count(carryUk.map((u) => !u)), unknownBody,
    nHoisted: hoistedAtoms.length, constFwd: fwdOf('constFwd'), xsFwd: fwdOf('xsFwd'),
  };
}

const stackedAval = (length: number, a: Aval): Aval => ({ shape: [length, ...a.shape], dtype: a.dtype });

// ---------------------------------------------------------------------------------------------
// checkpoint (remat)

interface RematSplit {
  /** Known inputs -> known outputs, then the saved residuals. */
  readonly known: ClosedJaxpr;
  /** [known inputs it reads, saved residuals, unknown inputs] -> unknown outputs, recomputing the rest. */
  readonly unknown: ClosedJaxpr;
  /** Which known inputs (operand indices) the unknown part reads. */
  readonly knownInputs: readonly number[];
  readonly outUnknowns: readonly boolean[];
}

const saveable: { readonly [P in CheckpointPolicy]: (e: Eqn) => boolean } = {
  nothingSaveable: () => false,
  dotsSaveable: (e) => e.prim === 'dot',
  everythingSaveable: () => true,
};

/**
 * Split a checkpointed program (JAX's remat partial evaluation with a saveable policy). Ordinary
 * partial evaluation gives a known program and an unknown one fed by residuals; here the known
 * side keeps only the residuals the policy saves, and the unknown side recomputes the others
 * from the known inputs (the known program's equations that produce them, spliced in front).
 */
function rematSplit(c: ClosedJaxpr, uk: readonly boolean[], policy: CheckpointPolicy): RematSplit {
  return c.derive(`remat:${policy}:${uk.map(Number).join('')}`, () => {
    const s = partialEvalJaxpr(c, uk, falses(c.outAvals.length));
    const k = s.known.jaxpr;
    const u = s.unknown.jaxpr;
    const knownIndex = uk.map((_, i) => i).filter((i) => !uk[i]);
    const nKnownOut = k.outs.length - s.nComputed;
    const producer = new Map<Var, Eqn>();
    for (const e of k.eqns) for (const v of e.outs) producer.set(v, e);
    // Walk back from the residuals: saved by the policy, or recomputed from the known inputs.
    const saved: Var[] = [];
    const recomputed = new Set<Eqn>();
    const seen = new Set<Var>();
    const stack: Atom[] = s.residuals.flatMap((r) => ('output' in r ? [k.outs[nKnownOut + r.output]!] : []));
    while (stack.length) {
      const a = stack.pop()!;
      if (!(a instanceof Var) || seen.has(a)) continue;
      seen.add(a);
      const e = producer.get(a);
      if (!e) continue; // a known input or a constant
      if (saveable[policy](e)) saved.push(a);
      else if (!recomputed.has(e)) {
        recomputed.add(e);
        stack.push(...e.inputs);
      }
    }
    const known = closeProgram(new Jaxpr(k.constvars, k.invars, k.eqns, [...k.outs.slice(0, nKnownOut), ...saved]), s.known.consts);
    // The unknown program reads each residual from a known input, a saved value or its recomputation.
    const env = new Map<Var, Atom>();
    s.residuals.forEach((r, i) => env.set(u.invars[i]!, 'input' in r ? k.invars[knownIndex.indexOf(r.input)]! : k.outs[nKnownOut + r.output]!));
    const read = (a: Atom): Atom => (a instanceof Var ? env.get(a) ?? a : a);
    const eqns = [...k.eqns.filter((e) => recomputed.has(e)), ...u.eqns.map((e) => ({ ...e, inputs: e.inputs.map(read) }))];
    const unknownIns = u.invars.slice(s.residuals.length);
    const outs = u.outs.map(read);
    const used = new Set<Atom>([...eqns.flatMap((e) => e.inputs), ...outs]);
    const knownInputs = knownIndex.filter((i) => used.has(k.invars[knownIndex.indexOf(i)]!));
    const unknown = closeProgram(new Jaxpr([...k.constvars, ...u.constvars], [...knownInputs.map((i) => k.invars[knownIndex.indexOf(i)]!), ...saved, ...unknownIns], eqns, outs), [...s.known.consts, ...s.unknown.consts]);
    return { known, unknown, knownInputs, outUnknowns: s.outUnknowns };
  });
}

// ---------------------------------------------------------------------------------------------
// The table

const none = (n: number) => falses(n);

export const higherOrderPartialEval = {
  jitCall: (trace, ts, p) => splitCall(trace, ts, partialEvalJaxpr(p.jaxpr, unknownMask(ts), none(p.jaxpr.outAvals.length)),
    (known, xs) => T.bind('jitCall', xs, { jaxpr: known, donate: none(xs.length), name: p.name, _counters: p._counters }),
    (unknown, xs) => trace.stage('jitCall', xs, { jaxpr: unknown, donate: none(xs.length), name: p.name, _counters: p._counters }, unknown.outAvals)),

  cond: (trace, [index, ...ops], p) => {
    // With an unknown index, nothing can be known about which branch runs.
    if (!index!.isKnown) return trace.stageAll('cond', [index!, ...ops], p);
    const uk = unknownMask(ops);
    const s = p.branches[0]!.derive(`cond-pe:${p.branches.map(idOf).join(',')}:${uk.map(Number).join('')}`, () => condSplit(p.branches, uk));
    const knownOps = pick(ops, uk, false).map(knownValue);
    const nKnownOut = count(s.outUnknowns.map((u) => !u));
    const knownOuts = s.known[0]!.outAvals.length > 0 ? T.bind('cond', [knownValue(index!), ...knownOps], { branches: s.known }) : [];
    const slots = knownOuts.slice(nKnownOut).map((v) => trace.residual(v));
    const fwd = s.forwarded.map((i) => trace.instantiateConst(ops[i]!));
    const unknownOuts = trace.stage('cond', [trace.instantiateConst(index!), ...fwd, ...slots, ...pick(ops, uk)], { branches: s.unknown }, s.unknown[0]!.outAvals);
    return merge(s.outUnknowns, knownOuts.slice(0, nKnownOut), unknownOuts);
  },

  scan: (trace, ts, p) => {
    const uk = unknownMask(ts);
    const s = p.body.derive(`scan-pe:${p.nConsts}:${p.nCarry}:${uk.map(Number).join('')}`, () => scanSplit(p, uk));
    const [consts, init, xs] = split(ts, p.nConsts, p.nCarry) as [PartialEvalTracer[], PartialEvalTracer[], PartialEvalTracer[]];
    const [cUk, , xUk] = split(uk, p.nConsts, p.nCarry) as [boolean[], boolean[], boolean[]];
    const knownConsts = pick(consts, cUk, false).map(knownValue);
    const hoisted = evalClosed(s.invariant, knownConsts);
    const knownInit = pick(init, s.carryUk, false).map(knownValue);
    const knownXs = pick(xs, xUk, false).map(knownValue);
    const nKnownCarry = knownInit.length;
    const knownOuts = s.knownBody.outAvals.length > 0 ? T.bind('scan', [...knownConsts, ...knownInit, ...knownXs], { body: s.knownBody, nConsts: knownConsts.length, nCarry: nKnownCarry, length: p.length, reverse: p.reverse }) : [];
    const stacked = knownOuts.slice(nKnownCarry + s.nKnownYs).map((v) => trace.residual(v));
    const instantiate = (t: PartialEvalTracer) => trace.instantiateConst(t);
    const operands = [
      ...pick(consts, cUk), ...hoisted.map((v) => trace.residual(v)), ...s.constFwd.map((i) => instantiate(ts[i]!)),
      ...pick(init, s.carryUk).map(instantiate),
      ...pick(xs, xUk), ...stacked, ...s.xsFwd.map((i) => instantiate(ts[i]!)),
    ];
    const nUc = count(cUk) + s.nHoisted + s.constFwd.length;
    const nUk = count(s.carryUk);
    const outAvals = s.unknownBody.outAvals.map((a, j) => (j < nUk ? a : stackedAval(p.length, a)));
    const unknownOuts = trace.stage('scan', operands, { body: s.unknownBody, nConsts: nUc, nCarry: nUk, length: p.length, reverse: p.reverse }, outAvals);
    return merge(s.outUnknowns, knownOuts.slice(0, nKnownCarry + s.nKnownYs), unknownOuts);
  },

  // The known carries are computed by a loop over the known part of the body (when the predicate
  // is known); the unknown ones by the whole loop, recomputing the known part (JAX's
  // _while_partial_eval): a loop's trip count is not known ahead, so there is nothing to stack.
  whileLoop: (trace, ts, p) => {
    const uk = unknownMask(ts);
    const [ccUk, bcUk, initUk] = split(uk, p.nCondConsts, p.nBodyConsts) as [boolean[], boolean[], boolean[]];
    let carryUk = [...initUk];
    for (;;) {
      const out = partialEvalJaxpr(p.body, [...bcUk, ...carryUk], carryUk).outUnknowns;
      if (out.every((u, i) => !u || carryUk[i])) break;
      carryUk = carryUk.map((u, i) => u || out[i]!);
    }
    const condPe = partialEvalJaxpr(p.cond, [...ccUk, ...carryUk], [false]);
    if (condPe.outUnknowns[0] || carryUk.every(Boolean)) return trace.stageAll('whileLoop', ts, p);
    const bodyPe = partialEvalJaxpr(p.body, [...bcUk, ...carryUk], carryUk);
    const nKnownCarry = count(carryUk.map((u) => !u));
    const knownBody = restricted(bodyPe.known, bodyPe.known.jaxpr.invars, bodyPe.known.jaxpr.outs.slice(0, nKnownCarry));
    const knownCond = restricted(condPe.known, condPe.known.jaxpr.invars, condPe.known.jaxpr.outs.slice(0, 1));
    const [cc, bc, init] = split(ts, p.nCondConsts, p.nBodyConsts) as [PartialEvalTracer[], PartialEvalTracer[], PartialEvalTracer[]];
    const kcc = pick(cc, ccUk, false).map(knownValue);
    const kbc = pick(bc, bcUk, false).map(knownValue);
    const knownOuts = T.bind('whileLoop', [...kcc, ...kbc, ...pick(init, carryUk, false).map(knownValue)], { cond: knownCond, body: knownBody, nCondConsts: kcc.length, nBodyConsts: kbc.length });
    const all = trace.stageAll('whileLoop', ts, p);
    return merge(carryUk, knownOuts, pick(all, carryUk));
  },

  // A custom rule applies to the whole function: with an unknown operand it is staged whole.
  customJvpCall: (trace, ts, p) => trace.stageAll('customJvpCall', ts, p),
  customVjpCall: (trace, ts, p) => trace.stageAll('customVjpCall', ts, p),
  customVjpLinear: (trace, ts, p) => trace.stageAll('customVjpLinear', ts, p),

  checkpoint: (trace, ts, p) => {
    const uk = unknownMask(ts);
    const s = rematSplit(p.jaxpr, uk, p.policy);
    const nKnownOut = count(s.outUnknowns.map((u) => !u));
    const knownOuts = s.known.outAvals.length > 0 ? T.bind('checkpoint', pick(ts, uk, false).map(knownValue), { jaxpr: s.known, policy: p.policy }) : [];
    const saved = knownOuts.slice(nKnownOut).map((v) => trace.residual(v));
    const inputs = [...s.knownInputs.map((i) => trace.instantiateConst(ts[i]!)), ...saved, ...pick(ts, uk)];
    const unknownOuts = trace.stage('checkpoint', inputs, { jaxpr: s.unknown, policy: p.policy }, s.unknown.outAvals);
    return merge(s.outUnknowns, knownOuts.slice(0, nKnownOut), unknownOuts);
  },
} satisfies { [P in HigherOrderPrim]: PartialEvalRule<HigherOrderParams[P]> };
