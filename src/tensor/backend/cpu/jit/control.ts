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
import type { HigherOrderParams, HigherOrderPrim } from '../../../higherOrder';
import type { ClosedJaxpr, Eqn } from '../../../jaxpr';
import { sizeOf } from '../../../shape';
import type { Runner } from './lower';

/** A compiled sub-program over typed arrays: outputs go into `outs` where given. */
export interface CpuProgram {
  run(args: readonly TypedArray[], outs?: readonly (TypedArray | undefined)[]): TypedArray[];
}

export type ControlLowering<P extends HigherOrderPrim> = (eqn: Eqn, params: HigherOrderParams[P], compile: (c: ClosedJaxpr) => CpuProgram) => Runner;

const inlined = (prim: string) => (): Runner => {
  throw new Error(`internal: ${prim} reached the CPU lowering; jit splices calls of closed programs in before lowering`);
};

/** Fresh arrays for values of these avals (loop scratch owned by the compiled program). */
const scratchFor = (avals: readonly { shape: readonly number[]; dtype: string }[]): TypedArray[] => avals.map((a) => arrayFor(a.dtype as never, sizeOf(a.shape)));

function copyInto(dst: readonly TypedArray[], src: readonly TypedArray[]): void {
  dst.forEach((d, i) => d !== src[i] && d.set(src[i]!));
}

export const cpuControl = {
  jitCall: inlined('jitCall'),
  customJvpCall: inlined('customJvpCall'),
  customVjpCall: inlined('customVjpCall'),
  checkpoint: inlined('checkpoint'),
  customVjpLinear: () => {
    throw new Error('customVjp: forward-mode differentiation (jvp, jacfwd, linearize applied forward) is not available for a function with a custom vjp rule; use customJvp for forward mode');
  },

  cond: (e, p, compile) => {
    const branches = p.branches.map(compile);
    const last = branches.length - 1;
    return (read, write) => {
      const k = Math.min(Math.max(read(e.inputs[0]!)[0]!, 0), last);
      branches[k]!.run(e.inputs.slice(1).map(read), e.outs.map(write));
    };
  },

  scan: (e, p, compile) => {
    const body = compile(p.body);
    const { nConsts, nCarry, length, reverse } = p;
    const xsIn = e.inputs.slice(nConsts + nCarry);
    const xSize = xsIn.map((a) => sizeOf(a.aval.shape.slice(1)));
    const ySize = e.outs.slice(nCarry).map((v) => sizeOf(v.aval.shape.slice(1)));
    let pingPong: TypedArray[][] | undefined;
    return (read, write) => {
      const consts = e.inputs.slice(0, nConsts).map(read);
      const init = e.inputs.slice(nConsts, nConsts + nCarry).map(read);
      const xs = xsIn.map(read);
      const carryOut = e.outs.slice(0, nCarry).map(write);
      const ys = e.outs.slice(nCarry).map(write);
      if (length === 0) return copyInto(carryOut, init);
      pingPong ??= [scratchFor(e.outs.slice(0, nCarry).map((v) => v.aval)), scratchFor(e.outs.slice(0, nCarry).map((v) => v.aval))];
      let carry = init;
      for (let k = 0; k < length; k++) {
        const i = reverse ? length - 1 - k : k;
        const next = k === length - 1 ? carryOut : pingPong[k % 2]!;
        body.run([...consts, ...carry, ...xs.map((x, j) => x.subarray(i * xSize[j]!, (i + 1) * xSize[j]!))], [...next, ...ys.map((y, j) => y.subarray(i * ySize[j]!, (i + 1) * ySize[j]!))]);
        carry = next;
      }
    };
  },

  whileLoop: (e, p, compile) => {
    const cond = compile(p.cond);
    const body = compile(p.body);
    const nc = p.nCondConsts, nb = p.nBodyConsts;
    const pred = new Uint8Array(1);
    let scratch: TypedArray[] | undefined;
    return (read, write) => {
      const condConsts = e.inputs.slice(0, nc).map(read);
      const bodyConsts = e.inputs.slice(nc, nc + nb).map(read);
      const out = e.outs.map(write);
      scratch ??= scratchFor(e.outs.map((v) => v.aval));
      let carry = e.inputs.slice(nc + nb).map(read);
      // Iteration k writes into `out` when k is even, into scratch when odd; the last carry lands in `out`.
      for (let k = 0; cond.run([...condConsts, ...carry], [pred])[0]![0]; k++) {
        const next = k % 2 === 0 ? out : scratch;
        body.run([...bodyConsts, ...carry], next);
        carry = next;
      }
      copyInto(out, carry);
    };
  },
} satisfies { [P in HigherOrderPrim]: ControlLowering<P> };
