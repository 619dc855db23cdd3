/**
 * The WebGPU lowering of the higher-order primitives, one row each. Everything is encoded into
 * the caller's one command encoder, so a compiled program with control flow still submits once:
 *
 * - scan: the body is compiled once and encoded once per iteration; each iteration's xs slices
 *   are copied (copyBufferToBuffer at the slice's offset) into the body's input buffers, its ys
 *   outputs copied into the stacked outputs at their offset, and the carry passes between two
 *   scratch buffer sets (ping-pong).
 * - cond: the index lives on the device and a synchronous call cannot read it. Every branch is
 *   encoded with indirect dispatches whose workgroup counts a small kernel writes from the index
 *   (zero for the untaken branches), so only the taken branch works and nothing waits for the
 *   host. A branch that needs copies (an output that is an input or a constant, a copy step, a
 *   nested loop) cannot be skipped that way: then every branch is encoded into scratch and a
 *   select kernel picks the taken branch's outputs (values right, untaken branches cost time).
 * - whileLoop: refused. Deciding whether to run another iteration needs the predicate, computed
 *   on the device, on the host; a synchronous jitted call cannot wait for that read. Use scan or
 *   fori with static bounds (a known trip count), or run the loop on the CPU.
 *
 * Calls of closed programs never get here: jit splices them in before lowering.
 */
import { neverLowered, type HigherOrderParams, type HigherOrderPrim } from '../../higherOrder';
import type { Atom, ClosedJaxpr, Eqn } from '../../jaxpr';
import { sizeOf } from '../../shape';
import { bytesFor, STORAGE_USAGE, USAGE } from './device';
import { writeBits } from './transfer';
import { copyBuffer, type GpuProgram } from './lower';
import { encodeSteps, input, output, perElement } from './plan';

/** Encodes one control-flow equation, given the buffer of each of its values. */
export type GpuEncode = (encoder: GPUCommandEncoder, bufferOf: (a: Atom) => GPUBuffer) => void;

/** `scratch(bytes, usage)` makes a buffer the compiled program owns. */
export type GpuControlLowering<P extends HigherOrderPrim> = (eqn: Eqn, params: HigherOrderParams[P], compile: (c: ClosedJaxpr) => GpuProgram, scratch: (bytes: number, usage?: number) => GPUBuffer) => GpuEncode;

/**
 * A cond whose branches are dispatches only: every branch is encoded with indirect dispatches,
 * whose workgroup counts a small kernel first copies from a template for the taken branch and
 * zeroes for the others, so only the taken branch does any work, with no host round trip. Every
 * branch computes straight into the cond's outputs.
 */
function indirectCond(e: Eqn, branches: readonly GpuProgram[], scratch: (bytes: number, usage?: number) => GPUBuffer): GpuEncode {
  const offsets: number[] = [];
  let n = 0;
  for (const b of branches) {
    offsets.push(n);
    n += b.grids!.length;
  }
  const template = new Uint32Array(Math.max(1, n) * 3);
  branches.forEach((b, k) => b.grids!.forEach(([x, y], d) => template.set([x, y, 1], (offsets[k]! + d) * 3)));
  const counts = scratch(template.byteLength, USAGE.INDIRECT | STORAGE_USAGE);
  const source = scratch(template.byteLength);
  writeBits(source, template);
  const bindings = [input(0, 'i32', 'idx'), input(1, 'u32', 't'), output(2, 'u32', 'o')];
  const masks = branches.flatMap((b, k) => {
    const len = b.grids!.length * 3;
    return len === 0 ? [] : [perElement(len, bindings, (em, i) => {
      const j = em.let(`${i} + ${offsets[k]! * 3}u`, 'j');
      em.line(`o[${j}] = select(0u, t[${j}], idx[0] == ${k});`);
    })];
  });
  return (encoder, bufferOf) => {
    encodeSteps(encoder, masks, [bufferOf(e.inputs[0]!), source, counts]);
    const ops = e.inputs.slice(1).map(bufferOf);
    const outs = e.outs.map(bufferOf);
    branches.forEach((b, k) => {
      let d = offsets[k]!;
      b.encode(encoder, ops, outs, { buffer: counts, next: () => 12 * d++ });
    });
  };
}

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
  ...neverLowered('WebGPU lowering'),

  cond: (e, p, compile, scratch) => {
    const branches = p.branches.map(compile);
    if (branches.length === 1) return (encoder, bufferOf) => branches[0]!.encode(encoder, e.inputs.slice(1).map(bufferOf), e.outs.map(bufferOf));
    if (branches.every((b) => b.grids)) return indirectCond(e, branches, scratch);
    // Branches with copies or control flow of their own: compute all of them and select.
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
