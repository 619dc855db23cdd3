/**
 * Batching rules of the higher-order primitives: the same primitive over batched programs
 * (JAX's batch_jaxpr), with batch axes moved to the front. Two rules change shape: a cond whose
 * index is batched becomes a select over every branch's results (each example may take another
 * branch), and a while loop whose predicate is batched runs while any example continues,
 * keeping the finished examples' carries unchanged.
 */
import * as T from '../../tensor';
import { evalClosed, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import { moveBatchAxis, type BatchDim, type BatchRule } from '../rules/batchRules';
import { vmapFlat } from '../vmap';
import { batchFront, falses, idOf, selectByIndex, split, traceClosed, trues, vmapJaxpr } from './derive';

const dimsOf = (batched: readonly boolean[], at: 0 | 1 = 0): BatchDim[] => batched.map((b) => (b ? at : null));

/** The carry-batching fixpoint of a loop body: carries batched initially or by an update stay batched. */
function carryFixpoint(body: HigherOrderParams['scan']['body'], size: number, before: readonly boolean[], init: readonly boolean[], after: readonly boolean[], nOut: number): boolean[] {
  let carry = [...init];
  for (;;) {
    const out = vmapJaxpr(body, size, [...before, ...carry, ...after], [...carry, ...falses(nOut - carry.length)]).outBatched.slice(0, carry.length);
    if (out.every((b, i) => !b || carry[i])) return carry;
    carry = carry.map((b, i) => b || out[i]!);
  }
}

/** Operands with the batch axis at the front where `batched` (unbatched ones broadcast when forced). */
const front = (args: readonly Tensor[], dims: readonly BatchDim[], batched: readonly boolean[], size: number): Tensor[] =>
  args.map((a, i) => (batched[i] ? moveBatchAxis(size, dims[i]!, 0, a) : a));

/** A user rule run under vmap: its operands batched as given, its outputs all batched at the front. */
const batchedFlat = (f: (...xs: Tensor[]) => Tensor[], size: number, dims: readonly BatchDim[]) => (...xs: Tensor[]): Tensor[] => {
  let n = 0;
  return vmapFlat((...ys) => {
    const r = f(...ys);
    n = r.length;
    return r;
  }, size, xs, dims, () => new Array<BatchDim>(n).fill(0), '');
};

export const higherOrderBatch = {
  jitCall: (args, dims, p, size) => {
    const { xs, batched } = batchFront(args, dims, size);
    const { closed, outBatched } = vmapJaxpr(p.jaxpr, size, batched, falses(p.jaxpr.outAvals.length));
    return [T.bind('jitCall', xs, { jaxpr: closed, donate: falses(xs.length), name: `vmap(${p.name})`, _counters: p._counters } satisfies HigherOrderParams['jitCall']), dimsOf(outBatched)];
  },

  cond: ([index, ...ops], [indexDim, ...opDims], p, size) => {
    const { xs, batched } = batchFront(ops, opDims, size);
    const nOut = p.branches[0]!.outAvals.length;
    if (indexDim === null) {
      const union = falses(nOut);
      for (const b of p.branches) vmapJaxpr(b, size, batched, falses(nOut)).outBatched.forEach((x, j) => (union[j] ||= x));
      const branches = p.branches.map((b) => vmapJaxpr(b, size, batched, union).closed);
      return [T.bind('cond', [index!, ...xs], { branches } satisfies HigherOrderParams['cond']), dimsOf(union)];
    }
    // Each example may take another branch: compute every branch for the batch, then select.
    const idx = moveBatchAxis(size, indexDim!, 0, index!);
    const outs = p.branches.map((b) => evalClosed(vmapJaxpr(b, size, batched, new Array<boolean>(nOut).fill(true)).closed, xs));
    return [outs[0]!.map((_, j) => selectByIndex(idx, outs.map((o) => o[j]!))), new Array<BatchDim>(nOut).fill(0)];
  },

  scan: (args, dims, p, size) => {
    const nOut = p.body.outAvals.length;
    const batched = dims.map((d) => d !== null);
    const [cB, initB, xB] = split(batched, p.nConsts, p.nCarry) as [boolean[], boolean[], boolean[]];
    const carryB = carryFixpoint(p.body, size, cB, initB, xB, nOut);
    const { closed, outBatched } = vmapJaxpr(p.body, size, [...cB, ...carryB, ...xB], [...carryB, ...falses(nOut - p.nCarry)]);
    const [consts, init, xs] = split(args, p.nConsts, p.nCarry) as [Tensor[], Tensor[], Tensor[]];
    const [cD, initD, xD] = split(dims, p.nConsts, p.nCarry) as [BatchDim[], BatchDim[], BatchDim[]];
    // A batched xs has its batch axis right after the scanned axis, so each slice is batched at 0.
    const operands = [...front(consts, cD, cB, size), ...init.map((x, i) => (carryB[i] ? moveBatchAxis(size, initD[i]!, 0, x) : x)), ...xs.map((x, i) => (xB[i] ? moveBatchAxis(size, xD[i]!, 1, x) : x))];
    const outs = T.bind('scan', operands, { ...p, body: closed } satisfies HigherOrderParams['scan']);
    return [outs, [...dimsOf(carryB), ...dimsOf(outBatched.slice(p.nCarry), 1)]];
  },

  whileLoop: (args, dims, p, size) => {
    const batched = dims.map((d) => d !== null);
    const [ccB, bcB, initB] = split(batched, p.nCondConsts, p.nBodyConsts) as [boolean[], boolean[], boolean[]];
    const nK = initB.length;
    let carryB = carryFixpoint(p.body, size, bcB, initB, [], nK);
    const predBatched = vmapJaxpr(p.cond, size, [...ccB, ...carryB], [false]).outBatched[0]!;
    if (predBatched) carryB = trues(nK);
    const [cc, bc, init] = split(args, p.nCondConsts, p.nBodyConsts) as [Tensor[], Tensor[], Tensor[]];
    const [ccD, bcD, initD] = split(dims, p.nCondConsts, p.nBodyConsts) as [BatchDim[], BatchDim[], BatchDim[]];
    const ccX = front(cc, ccD, ccB, size), bcX = front(bc, bcD, bcB, size), initX = front(init, initD, carryB, size);
    const body = vmapJaxpr(p.body, size, [...bcB, ...carryB], carryB).closed;
    if (!predBatched) {
      const cond = vmapJaxpr(p.cond, size, [...ccB, ...carryB], [false]).closed;
      const outs = T.bind('whileLoop', [...ccX, ...bcX, ...initX], { cond, body, nCondConsts: cc.length, nBodyConsts: bc.length } satisfies HigherOrderParams['whileLoop']);
      return [outs, dimsOf(carryB)];
    }
    // Per-example predicates: loop while any example continues; finished ones keep their carry.
    const derived = p.body.derive(`while-batch:${idOf(p.cond)}:${size}:${batched.map(Number).join('')}`, () => {
      const condB = vmapJaxpr(p.cond, size, [...ccB, ...carryB], [true]).closed;
      const carryAvals = body.outAvals;
      const cond = traceClosed((...xs) => [T.any(evalClosed(condB, xs)[0]!)], [...condB.inAvals], 'while-any');
      const stepped = traceClosed((...xs) => {
        const [c, b, carry] = split(xs, cc.length, bc.length) as [Tensor[], Tensor[], Tensor[]];
        const go = evalClosed(condB, [...c, ...carry])[0]!;
        const next = evalClosed(body, [...b, ...carry]);
        return next.map((n, j) => selectByIndex(T.astype(go, 'int32'), [carry[j]!, n]));
      }, [...condB.inAvals.slice(0, cc.length), ...body.inAvals.slice(0, bc.length), ...carryAvals], 'while-select');
      return { cond, body: stepped };
    });
    const outs = T.bind('whileLoop', [...ccX, ...ccX, ...bcX, ...initX], { cond: derived.cond, body: derived.body, nCondConsts: cc.length, nBodyConsts: cc.length + bc.length } satisfies HigherOrderParams['whileLoop']);
    return [outs, dimsOf(carryB)];
  },

  // The function and its rule are batched together, so the rule still applies under vmap.
  customJvpCall: (args, dims, p, size) => {
    const { xs, batched } = batchFront(args, dims, size);
    const call = vmapJaxpr(p.call, size, batched, new Array<boolean>(p.call.outAvals.length).fill(true)).closed;
    const argDims = dimsOf(batched.slice(p.nConsts));
    const jvp = (ps: Tensor[], ts: Tensor[]): [Tensor[], Tensor[]] => {
      const both = batchedFlat((...ys) => {
        const [y, dy] = p.jvp(ys.slice(0, ps.length), ys.slice(ps.length));
        return [...y, ...dy];
      }, size, [...argDims, ...argDims])(...ps, ...ts);
      return [both.slice(0, both.length / 2), both.slice(both.length / 2)];
    };
    const outs = T.bind('customJvpCall', xs, { call, jvp, nConsts: p.nConsts } satisfies HigherOrderParams['customJvpCall']);
    return [outs, outs.map(() => 0)];
  },

  customVjpCall: (args, dims, p, size) => {
    const { xs, batched } = batchFront(args, dims, size);
    const call = vmapJaxpr(p.call, size, batched, new Array<boolean>(p.call.outAvals.length).fill(true)).closed;
    const argDims = dimsOf(batched.slice(p.nConsts));
    let nOuts = 0;
    const fwdAll = batchedFlat((...ys) => {
      const r = p.fwd(...ys);
      nOuts = r.outs.length;
      return [...r.outs, ...r.res];
    }, size, argDims);
    const fwd = (...ys: Tensor[]) => {
      const all = fwdAll(...ys);
      return { outs: all.slice(0, nOuts), res: all.slice(nOuts) };
    };
    const bwd = (res: Tensor[], cts: Tensor[]): Tensor[] => {
      const per = batchedFlat((...ys) => p.bwd(ys.slice(0, res.length), ys.slice(res.length)), size, [...res, ...cts].map(() => 0))(...res, ...cts);
      // An unbatched argument receives the sum of its per-example cotangents.
      return per.map((c, i) => (argDims[i] === null ? T.sum(c, { axis: 0 }) : c));
    };
    const outs = T.bind('customVjpCall', xs, { call, fwd, bwd, nConsts: p.nConsts } satisfies HigherOrderParams['customVjpCall']);
    return [outs, outs.map(() => 0)];
  },

  customVjpLinear: (args, dims, p, size) => {
    const { xs, batched } = batchFront(args, dims, size);
    const resDims = dimsOf(batched.slice(0, p.nRes));
    const argB = batched.slice(p.nRes);
    const bwd = (res: Tensor[], cts: Tensor[]): Tensor[] => {
      const per = batchedFlat((...ys) => p.bwd(ys.slice(0, res.length), ys.slice(res.length)), size, [...resDims, ...cts.map(() => 0 as BatchDim)])(...res, ...cts);
      return per.map((c, i) => (argB[i] ? c : T.sum(c, { axis: 0 })));
    };
    const outAvals = p.outAvals.map((a) => ({ shape: [size, ...a.shape], dtype: a.dtype }));
    const outs = T.bind('customVjpLinear', xs, { bwd, nRes: p.nRes, outAvals } satisfies HigherOrderParams['customVjpLinear']);
    return [outs, outs.map(() => 0)];
  },

  checkpoint: (args, dims, p, size) => {
    const { xs, batched } = batchFront(args, dims, size);
    const { closed, outBatched } = vmapJaxpr(p.jaxpr, size, batched, falses(p.jaxpr.outAvals.length));
    return [T.bind('checkpoint', xs, { jaxpr: closed, policy: p.policy } satisfies HigherOrderParams['checkpoint']), dimsOf(outBatched)];
  },
} satisfies { [P in HigherOrderPrim]: BatchRule<HigherOrderParams[P]> };


