/**
 * The WebGPU lowering of the higher-order primitives, one row each. Everything is encoded into
 * the caller's one command encoder, so a compiled program with control flow still submits once:
 *
 * - scan: the body is compiled once and encoded once per iteration; each iteration's xs slices
 *   are copied (copyBufferToBuffer at the slice's offset) into the body's input buffers, its ys
 *   outputs copied into the stacked outputs at their offset, and the carry passes between two
 *   scratch buffer sets (ping-pong).
 * - cond: the index lives on the device and a synchronous call cannot read it, so every branch is
 *   encoded and a select kernel picks the taken branch's outputs (as the batched-index cond
 *   does). Values are right; the untaken branches cost their time. A cheaper design — each
 *   branch's dispatches made indirect, their workgroup counts written by a tiny kernel from the
 *   index (zero for untaken branches), with copies turned into copy kernels — is not done yet.
 * - whileLoop: refused. Deciding whether to run another iteration needs the predicate, computed
 *   on the device, on the host; a synchronous jitted call cannot wait for that read. Use scan or
 *   fori with static bounds (a known trip count), or run the loop on the CPU.
 *
 * Calls of closed programs never get here: jit splices them in before lowering.
 */
import type { HigherOrderParams, HigherOrderPrim } from '../../higherOrder';
import type { Atom, ClosedJaxpr, Eqn } from '../../jaxpr';
import { sizeOf } from '../../shape';
import { bytesFor } from './device';
import { copyBuffer, type GpuProgram } from './lower';
import { encodeSteps, input, output, perElement } from './plan';

/** Encodes one control-flow equation, given the buffer of each of its values. */
export type GpuEncode = (encoder: GPUCommandEncoder, bufferOf: (a: Atom) => GPUBuffer) => void;

export type GpuControlLowering<P extends HigherOrderPrim> = (eqn: Eqn, params: HigherOrderParams[P], compile: (c: ClosedJaxpr) => GpuProgram, scratch: (bytes: number) => GPUBuffer) => GpuEncode;

const inlined = (prim: string) => (): GpuEncode => {
  throw new Error(`internal: ${prim} reached the WebGPU lowering; jit splices calls of closed programs in before lowering`);
};

/** out = values[index] elementwise; every value is moved as its 4-byte bit pattern. */
function selectKernel(nBranches: number, elements: number) {
  const bindings = [input(0, 'i32', 'idx'), ...Array.from({ length: nBranches }, (_, b) => input(b + 1, 'u32', `b${b}`)), output(nBranches + 1, 'u32', 'o')];
  return perElement(elements, bindings, (e, i) => {
    let v = `b${nBranches - 1}[${i}]`;
    for (let b = nBranches - 2; b >= 0; b--) v = `select(${v}, b${b}[${i}], idx[0] == ${b})`;
    e.line(`o[${i}] = ${v};`);
  });
}

export const whileOnWebGPUError = 'whileLoop: a compiled WebGPU program cannot run a while loop: whether to run another iteration depends on the predicate, computed on the device, and a synchronous jitted call cannot wait to read it on the host. Use scan or fori with static bounds (a known trip count), or run this function on CPU tensors';

export const gpuControl = {
  jitCall: inlined('jitCall'),
  customJvpCall: inlined('customJvpCall'),
  customVjpCall: inlined('customVjpCall'),
  checkpoint: inlined('checkpoint'),
  customVjpLinear: () => {
    throw new Error('customVjp: forward-mode differentiation (jvp, jacfwd, linearize applied forward) is not available for a function with a custom vjp rule; use customJvp for forward mode');
  },

  cond: (e, p, compile, scratch) => {
    const branches = p.branches.map(compile);
    if (branches.length === 1) return (encoder, bufferOf) => branches[0]!.encode(encoder, e.inputs.slice(1).map(bufferOf), e.outs.map(bufferOf));
    const outs = branches.map(() => e.outs.map((v) => scratch(bytesFor(sizeOf(v.aval.shape)))));
    const kernels = e.outs.map((v) => selectKernel(branches.length, sizeOf(v.aval.shape)));
    return (encoder, bufferOf) => {
      const ops = e.inputs.slice(1).map(bufferOf);
      branches.forEach((b, k) => b.encode(encoder, ops, outs[k]!));
      const index = bufferOf(e.inputs[0]!);
      e.outs.forEach((v, j) => encodeSteps(encoder, sizeOf(v.aval.shape) === 0 ? [] : [kernels[j]!], [index, ...outs.map((o) => o[j]!), bufferOf(v)]));
    };
  },

  scan: (e, p, compile, scratch) => {
    const body = compile(p.body);
    const { nConsts, nCarry, length, reverse } = p;
    const xsIn = e.inputs.slice(nConsts + nCarry);
    const xSize = xsIn.map((a) => sizeOf(a.aval.shape.slice(1)));
    const ySize = e.outs.slice(nCarry).map((v) => sizeOf(v.aval.shape.slice(1)));
    const carrySize = e.outs.slice(0, nCarry).map((v) => sizeOf(v.aval.shape));
    const xStage = xSize.map((n) => scratch(bytesFor(n)));
    const yStage = ySize.map((n) => scratch(bytesFor(n)));
    const pingPong = [carrySize.map((n) => scratch(bytesFor(n))), carrySize.map((n) => scratch(bytesFor(n)))];
    return (encoder, bufferOf) => {
      const consts = e.inputs.slice(0, nConsts).map(bufferOf);
      const init = e.inputs.slice(nConsts, nConsts + nCarry).map(bufferOf);
      const xs = xsIn.map(bufferOf);
      const carryOut = e.outs.slice(0, nCarry).map(bufferOf);
      const ys = e.outs.slice(nCarry).map(bufferOf);
      if (length === 0) return carryOut.forEach((b, j) => copyBuffer(encoder, init[j]!, b, carrySize[j]!));
      let carry = init;
      for (let k = 0; k < length; k++) {
        const i = reverse ? length - 1 - k : k;
        xs.forEach((x, j) => copyBuffer(encoder, x, xStage[j]!, xSize[j]!, i * xSize[j]!));
        const next = k === length - 1 ? carryOut : pingPong[k % 2]!;
        body.encode(encoder, [...consts, ...carry, ...xStage], [...next, ...yStage]);
        ys.forEach((y, j) => copyBuffer(encoder, yStage[j]!, y, ySize[j]!, 0, i * ySize[j]!));
        carry = next;
      }
    };
  },

  whileLoop: () => {
    throw new Error(whileOnWebGPUError);
  },
} satisfies { [P in HigherOrderPrim]: GpuControlLowering<P> };
