/**
 * The CPU lowering of the higher-order primitives, one row each. Control flow runs compiled
 * sub-programs: a cond runs only the selected branch; a scan compiles its body once and loops,
 * reading each iteration's xs slice as a subarray view, writing each ys slice in place in the
 * stacked output, and passing the carry between two scratch arrays (ping-pong) — never
 * unrolled; a while loop alternates its compiled predicate and body. Calls of closed programs
 * (jit calls, custom-rule functions, checkpoints) never get here: jit splices them in before
 * lowering (src/grad/jit/inline.ts).
 */
import { arrayFor, type TypedArray } from '../../../dtype';
import { neverLowered, type HigherOrderParams, type HigherOrderPrim } from '../../../higherOrder';
import type { ClosedJaxpr, Eqn } from '../../../jaxpr';
import { sizeOf } from '../../../shape';
import type { At, Runner } from './lower';

/** A compiled sub-program over typed arrays: outputs go into `outs` where given. */
export interface CpuProgram {
  run(args: readonly TypedArray[], outs?: readonly (TypedArray | undefined)[]): TypedArray[];
}

export type ControlLowering<P extends HigherOrderPrim> = (eqn: Eqn, params: HigherOrderParams[P], compile: (c: ClosedJaxpr) => CpuProgram, at: At) => Runner;

/** Fresh arrays for values of these avals (loop scratch owned by the compiled program). */
const scratchFor = (avals: readonly { shape: readonly number[]; dtype: string }[]): TypedArray[] => avals.map((a) => arrayFor(a.dtype as never, sizeOf(a.shape)));

function copyInto(dst: readonly TypedArray[], src: readonly TypedArray[]): void {
  dst.forEach((d, i) => d !== src[i] && d.set(src[i]!));
}

export const cpuControl = {
  ...neverLowered('CPU lowering'),

  cond: (e, p, compile, at) => {
    const branches = p.branches.map(compile);
    const last = branches.length - 1;
    const [index, ...ops] = e.inputs.map(at);
    const outs = e.outs.map(at);
    const args: TypedArray[] = new Array(ops.length);
    const results: TypedArray[] = new Array(outs.length);
    return (env) => {
      const k = Math.min(Math.max(env[index!]![0]!, 0), last);
      for (let i = 0; i < ops.length; i++) args[i] = env[ops[i]!]!;
      for (let i = 0; i < outs.length; i++) results[i] = env[outs[i]!]!;
      branches[k]!.run(args, results);
    };
  },

  scan: (e, p, compile, at) => {
    const body = compile(p.body);
    const { nConsts, nCarry, length, reverse } = p;
    const ins = e.inputs.map(at);
    const outIdx = e.outs.map(at);
    const xSize = e.inputs.slice(nConsts + nCarry).map((a) => sizeOf(a.aval.shape.slice(1)));
    const ySize = e.outs.slice(nCarry).map((v) => sizeOf(v.aval.shape.slice(1)));
    const carryAvals = e.outs.slice(0, nCarry).map((v) => v.aval);
    let pingPong: TypedArray[][] | undefined;
    return (env) => {
      const consts = ins.slice(0, nConsts).map((i) => env[i]!);
      const init = ins.slice(nConsts, nConsts + nCarry).map((i) => env[i]!);
      const xs = ins.slice(nConsts + nCarry).map((i) => env[i]!);
      const carryOut = outIdx.slice(0, nCarry).map((i) => env[i]!);
      const ys = outIdx.slice(nCarry).map((i) => env[i]!);
      if (length === 0) return copyInto(carryOut, init);
      pingPong ??= [scratchFor(carryAvals), scratchFor(carryAvals)];
      // One argument list and one output list, refilled per iteration.
      const args: TypedArray[] = [...consts, ...init, ...xs];
      const outs: TypedArray[] = [...carryOut, ...ys];
      const xAt = nConsts + nCarry;
      for (let k = 0; k < length; k++) {
        const i = reverse ? length - 1 - k : k;
        const next = k === length - 1 ? carryOut : pingPong[k % 2]!;
        for (let j = 0; j < nCarry; j++) outs[j] = next[j]!;
        for (let j = 0; j < xs.length; j++) args[xAt + j] = xs[j]!.subarray(i * xSize[j]!, (i + 1) * xSize[j]!);
        for (let j = 0; j < ys.length; j++) outs[nCarry + j] = ys[j]!.subarray(i * ySize[j]!, (i + 1) * ySize[j]!);
        body.run(args, outs);
        for (let j = 0; j < nCarry; j++) args[nConsts + j] = next[j]!;
      }
    };
  },

  whileLoop: (e, p, compile, at) => {
    const cond = compile(p.cond);
    const body = compile(p.body);
    const nc = p.nCondConsts, nb = p.nBodyConsts;
    const ins = e.inputs.map(at);
    const outIdx = e.outs.map(at);
    const pred = [new Uint8Array(1)];
    let scratch: TypedArray[] | undefined;
    return (env) => {
      const condConsts = ins.slice(0, nc).map((i) => env[i]!);
      const bodyConsts = ins.slice(nc, nc + nb).map((i) => env[i]!);
      const out = outIdx.map((i) => env[i]!);
      scratch ??= scratchFor(e.outs.map((v) => v.aval));
      let carry = ins.slice(nc + nb).map((i) => env[i]!);
      // Iteration k writes into `out` when k is even, into scratch when odd; the last carry lands in `out`.
      for (let k = 0; cond.run([...condConsts, ...carry], pred)[0]![0]; k++) {
        const next = k % 2 === 0 ? out : scratch;
        body.run([...bodyConsts, ...carry], next);
        carry = next;
      }
      copyInto(out, carry);
    };
  },
} satisfies { [P in HigherOrderPrim]: ControlLowering<P> };
