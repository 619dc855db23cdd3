/**
 * Transpose rules of the higher-order primitives, for equations of a linear jaxpr: operands
 * marked UndefPrimal are linear, the others are known residuals. The transpose of a jit call is
 * a jit call of the transposed program; of a cond, a cond over the transposed branches (so only
 * the taken branch is differentiated); of a scan, a scan in the other direction that carries the
 * cotangents of the loop's linear constants. A while loop has none: its trip count is known only
 * while it runs, so its residuals cannot be stacked.
 */
import * as T from '../../tensor';
import { evalClosed, type HigherOrderParams, type HigherOrderPrim, type Tensor } from '../../tensor';
import { partialEvalFlat } from '../partial';
import type { MultiTransposeRule, TransposeArg } from '../rules/transposeRules';
import { backwardPass, UndefPrimal } from '../transpose';
import { instantiate } from '../zero';
import { count, falses, pick, split, traceClosed, transposeJaxpr, trues, zerosOf } from './derive';

const isLinear = (args: readonly TransposeArg[]): boolean[] => args.map((a) => a instanceof UndefPrimal);
const known = (args: readonly TransposeArg[], linear: readonly boolean[]): Tensor[] => pick(args, linear, false) as Tensor[];

/** Cotangents in operand order: the computed ones at the linear operands, null elsewhere. */
function scatter(linear: readonly boolean[], cts: readonly Tensor[]): (Tensor | null)[] {
  let k = 0;
  return linear.map((l) => (l ? cts[k++]! : null));
}

/** Transpose a call of a program linear in its UndefPrimal operands (evaluated inline). */
const transposeCall = (program: (p: any) => HigherOrderParams['jitCall']['jaxpr']): MultiTransposeRule => (cts, args, p) => {
  const linear = isLinear(args);
  return scatter(linear, evalClosed(transposeJaxpr(program(p), linear), [...known(args, linear), ...cts]));
};

export const whileTransposeError = 'whileLoop: reverse-mode differentiation (grad, vjp) is not supported, because the trip count is known only while the loop runs and its residuals cannot be stored ahead; use scan, or fori with static bounds (a known trip count), which differentiate in reverse mode. Forward mode (jvp, jacfwd) works';

export const higherOrderTranspose = {
  jitCall: (cts, args, p) => {
    const linear = isLinear(args);
    const t = transposeJaxpr(p.jaxpr, linear);
    const xs = [...known(args, linear), ...cts];
    return scatter(linear, T.bind('jitCall', xs, { jaxpr: t, donate: falses(xs.length), name: `transpose(${p.name})`, _counters: p._counters } satisfies HigherOrderParams['jitCall']));
  },

  cond: (cts, [index, ...ops], p) => {
    if (index instanceof UndefPrimal) throw new Error('internal: the index of a transposed cond is linear');
    const linear = isLinear(ops);
    const branches = p.branches.map((b) => transposeJaxpr(b, linear));
    return [null, ...scatter(linear, T.bind('cond', [index!, ...known(ops, linear), ...cts], { branches } satisfies HigherOrderParams['cond']))];
  },

  scan: (cts, args, p) => {
    const [consts, init, xs] = split(args, p.nConsts, p.nCarry) as [TransposeArg[], TransposeArg[], TransposeArg[]];
    const cLin = isLinear(consts);
    const xLin = isLinear(xs);
    // The carry is linear as a whole (a known carry here is an instantiated zero tangent).
    const body = p.body.derive(`scan-transpose:${p.nConsts}:${p.nCarry}:${cLin.map(Number).join('')}:${xLin.map(Number).join('')}`, () => {
      const bt = transposeJaxpr(p.body, [...cLin, ...trues(p.nCarry), ...xLin]);
      const ins = p.body.inAvals;
      const [cAvals, kAvals, xAvals] = split(ins, p.nConsts, p.nCarry);
      const nRc = count(cLin.map((l) => !l));
      const nLc = count(cLin);
      const yAvals = p.body.outAvals.slice(p.nCarry);
      // [res consts] [ct consts accumulated, ct carry] [ct ys, res xs] -> [ct consts, ct carry] [ct xs]
      return traceClosed((...vs) => {
        const [resC, acc, ctCarry, ctY, resX] = split(vs, nRc, nLc, p.nCarry, yAvals.length) as Tensor[][];
        const d = evalClosed(bt, [...resC!, ...resX!, ...ctCarry!, ...ctY!]);
        const [dConsts, dCarry, dXs] = split(d, nLc, p.nCarry);
        return [...acc!.map((a, i) => T.add(a, dConsts![i]!)), ...dCarry!, ...dXs!];
      }, [...pick(cAvals!, cLin, false), ...pick(cAvals!, cLin), ...kAvals!, ...yAvals, ...pick(xAvals!, xLin, false)], 'scan-transpose');
    });
    const linConstAvals = pick(p.body.inAvals.slice(0, p.nConsts), cLin);
    const [ctCarry, ctYs] = split(cts, p.nCarry);
    const nLc = count(cLin);
    const outs = T.bind('scan', [...known(consts, cLin), ...linConstAvals.map(zerosOf), ...ctCarry!, ...ctYs!, ...known(xs, xLin)], {
      body, nConsts: count(cLin.map((l) => !l)), nCarry: nLc + p.nCarry, length: p.length, reverse: !p.reverse,
    } satisfies HigherOrderParams['scan']);
    const [ctConsts, ctInit, ctXs] = split(outs, nLc, p.nCarry);
    return [...scatter(cLin, ctConsts!), ...init.map((a, i) => (a instanceof UndefPrimal ? ctInit![i]! : null)), ...scatter(xLin, ctXs!)];
  },

  whileLoop: () => {
    throw new Error(whileTransposeError);
  },

  // A custom-rule function used linearly (its jvp rule is linear): transpose the function itself.
  customJvpCall: transposeCall((p: HigherOrderParams['customJvpCall']) => p.call),
  customVjpCall: transposeCall((p: HigherOrderParams['customVjpCall']) => p.call),

  customVjpLinear: (cts, args, p) => {
    const res = args.slice(0, p.nRes) as Tensor[];
    return [...res.map(() => null), ...p.bwd(res, cts)];
  },

  // Recompute the primal values from the known operands (now, in the backward pass), then
  // transpose the linear part: partial evaluation splits the two.
  checkpoint: (cts, args, p) => {
    const linear = isLinear(args);
    const pvals = args.map((a) => (a instanceof UndefPrimal ? { unknown: a.aval } : { known: a }));
    const r = partialEvalFlat((...xs) => evalClosed(p.jaxpr, xs), pvals, () => true, '');
    const lin = args.filter((a): a is UndefPrimal => a instanceof UndefPrimal);
    return scatter(linear, backwardPass(r.jaxpr, [...r.consts, ...lin], cts).map(instantiate));
  },
} satisfies { [P in HigherOrderPrim]: MultiTransposeRule<HigherOrderParams[P]> };
