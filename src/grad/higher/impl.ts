/**
 * Eager implementations of the higher-order primitives (concrete operands): a jit call runs its
 * compiled program; control flow and custom-rule calls evaluate their jaxprs primitive by
 * primitive, as eager code does. Installed into the tensor layer's evaluator (core.ts).
 */
import * as T from '../../tensor';
import { customVjpForwardError, evalClosed, installHigherOrderImpl, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import { runJitCall } from '../jit/execute';
import { selectByIndex, split } from './derive';

/** The value of a scalar operand that decides control flow, or undefined when it lives on a device that reads asynchronously. */
function hostScalar(x: Tensor): number | undefined {
  return x.device === 'cpu' ? Number(x.dataSync()[0]) : undefined;
}

/** Row i of x (its leading axis removed). */
const row = (x: Tensor, i: number): Tensor => T.reshape(T.slice(x, [{ start: i, stop: i + 1 }]), x.shape.slice(1));

export const higherOrderImpl = {
  jitCall: (args, p) => runJitCall(args, p),
  cond: ([index, ...ops], p) => {
    const k = hostScalar(index!);
    if (k !== undefined) return evalClosed(p.branches[Math.min(Math.max(k, 0), p.branches.length - 1)]!, ops);
    // An index on the device (WebGPU) cannot be read synchronously: compute every branch and select.
    const outs = p.branches.map((b) => evalClosed(b, ops));
    return outs[0]!.map((_, j) => selectByIndex(index!, outs.map((o) => o[j]!)));
  },
  scan: (args, p) => {
    const [consts, init, xs] = split(args, p.nConsts, p.nCarry);
    let carry = init!;
    const ys: Tensor[][] = [];
    for (let k = 0; k < p.length; k++) {
      const i = p.reverse ? p.length - 1 - k : k;
      const out = evalClosed(p.body, [...consts!, ...carry, ...xs!.map((x) => row(x, i))]);
      carry = out.slice(0, p.nCarry);
      ys.push(out.slice(p.nCarry));
    }
    if (p.reverse) ys.reverse();
    const yAvals = p.body.outAvals.slice(p.nCarry);
    return [...carry, ...yAvals.map((a, j) => (p.length === 0 ? T.zeros([0, ...a.shape], a.dtype) : T.stack(ys.map((y) => y[j]!), 0)))];
  },
  whileLoop: (args, p) => {
    const [condConsts, bodyConsts, init] = split(args, p.nCondConsts, p.nBodyConsts);
    let carry = init!;
    for (;;) {
      const pred = evalClosed(p.cond, [...condConsts!, ...carry])[0]!;
      const go = hostScalar(pred);
      if (go === undefined) throw new Error(`whileLoop: the predicate is a ${pred.device} tensor, and deciding whether to continue would need a synchronous read from the device, which it cannot do; use scan or fori with static bounds (a known trip count), or run the loop on CPU tensors`);
      if (!go) return carry;
      carry = evalClosed(p.body, [...bodyConsts!, ...carry]);
    }
  },
  customJvpCall: (args, p) => evalClosed(p.call, args),
  customVjpCall: (args, p) => evalClosed(p.call, args),
  customVjpLinear: () => {
    throw new Error(customVjpForwardError);
  },
  checkpoint: (args, p) => evalClosed(p.jaxpr, args),
} satisfies { [P in HigherOrderPrim]: (args: readonly Tensor[], params: HigherOrderParams[P]) => Tensor[] };

installHigherOrderImpl((prim, args, params) => (higherOrderImpl[prim] as (args: readonly Tensor[], params: unknown) => Tensor[])(args, params));
