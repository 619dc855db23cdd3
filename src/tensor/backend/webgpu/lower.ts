/**
 * The WebGPU lowering of a fused program (the WebGPU backend's `lower`). Each cluster becomes one
 * generated WGSL kernel (its elementwise equations from the expression table, ./elementwise.ts,
 * and an optional closing reduction); every other equation runs its primitive's kernel plan
 * (./kernels.ts). jit's buffer plan gives each intermediate a program-owned buffer, reused within
 * a call by liveness and across calls, so repeated calls create no buffers but their outputs.
 * One call encodes the whole program into one command encoder and submits once.
 *
 * Donation: an output is computed directly into a donated argument's buffer when the plan allows
 * it (no step reads the argument from the one writing the output on: WebGPU forbids a dispatch
 * to bind one buffer as input and output); otherwise into program scratch that is copied into
 * the argument's buffer at the end of the call, after every read of it. The
 * argument tensor becomes invalid and says so if touched.
 */
import type { Tensor } from '../../core';
import type { DType } from '../../dtype';
import { Lit, Var, type Atom, type ClosedJaxpr, type Eqn } from '../../jaxpr';
import { isHigherOrder, type HigherOrderPrim } from '../../higherOrder';
import { gpuControl, type GpuControlLowering } from './control';
import { clusterWrites, type BufferSpec, type Cluster, type ClusterInput, type Executable, type LoweringInput, type PlannedStep } from '../../program';
import { contiguousStrides, shapeEqual, sizeOf } from '../../shape';
import { bufferOf, bytesFor, checkDtype, createBuffer, destroyBuffer, deviceGeneration, gpu, releaseOnCollect, takeDonated, wrapBuffer, type Releasable } from './device';
import { elementExpr } from './elementwise';
import { planFor } from './kernels';
import { dispatchGrids, dotIndex, encodeSteps, input, output, perElement, unravel, type Binding, type IndirectCounts, type Step as GpuStep } from './plan';
import { foldSteps, monoid, type FoldSource } from './reduce';
import { hostBits, writeBits } from './transfer';
import { Emit, literal, load, storageType, store } from './wgsl';

/** What a kernel ref names: a value, or the step's k-th temp. */
type Ref = { readonly v: Atom } | { readonly temp: number };

/** One step of the program: GPU work over refs, as the planner sees it too. */
interface ProgramStep extends PlannedStep {
  readonly plan: readonly GpuStep[];
  readonly refs: readonly Ref[];
  /** A step that encodes itself (control flow), given the buffer of each value. */
  readonly encode?: (encoder: GPUCommandEncoder, bufferOf: (a: Atom) => GPUBuffer) => void;
}

const litValue = (l: Lit): number => l.value.dataSync()[0]!;
const isInlineLit = (a: Atom): a is Lit => a instanceof Lit && a.value.size === 1 && a.value.device === 'cpu';
/** Temps are arrays of 4-byte elements. */
const tempSpec = (bytes: number): BufferSpec => ({ dtype: 'float32', size: Math.ceil(bytes / 4) });

// ---------------------------------------------------------------------------------------------
// Fused clusters

/**
 * One kernel for a cluster: its elementwise equations evaluated per element of the iteration
 * shape, storing the values needed outside, and an optional closing reduction folding the
 * reduced value (the elementwise chain becomes the reduction's prologue).
 */
function clusterStep(c: Cluster): ProgramStep {
  const refs: Ref[] = [];
  const bindings: Binding[] = [];
  const inputNames = new Map<number, string>();
  c.inputs.forEach((inp, k) => {
    if (isInlineLit(inp.atom)) return;
    bindings.push(input(refs.length, storageType(inp.atom.aval.dtype), `a${k}`));
    refs.push({ v: inp.atom });
    inputNames.set(k, `a${k}`);
  });
  const outNames = c.outputs.map((v, j) => {
    bindings.push(output(refs.length, storageType(v.aval.dtype), `o${j}`));
    refs.push({ v });
    return `o${j}`;
  });
  const shape = c.shape;
  const contiguous = contiguousStrides(shape);
  /** Emit the cluster at one element: `flat` (contiguous index) and per-axis `coords`. */
  const evaluate = (e: Emit, flat: () => string, coords: () => readonly string[]): Map<Atom, string> => {
    const values = new Map<Atom, string>();
    const inputs = new Map<number, string>();
    const read = (k: number): string => {
      let v = inputs.get(k);
      if (v === undefined) {
        const inp: ClusterInput = c.inputs[k]!;
        const dtype = inp.atom.aval.dtype;
        if (isInlineLit(inp.atom)) v = literal(dtype, litValue(inp.atom));
        else {
          const idx = shapeEqual(inp.strides, contiguous) ? flat() : dotIndex(coords(), inp.strides);
          v = e.let(load(inputNames.get(k)!, dtype, idx));
        }
        inputs.set(k, v);
      }
      return v;
    };
    const valueOf = (a: Atom): string => values.get(a) ?? read(c.reads.get(a)!);
    for (const eqn of c.eqns) {
      const xs = eqn.inputs.map(valueOf);
      values.set(eqn.outs[0]!, e.let(elementExpr(eqn.prim, eqn.params, eqn.inputs.map((a) => a.aval.dtype), xs)));
    }
    c.outputs.forEach((v, j) => e.line(`${outNames[j]}[${flat()}] = ${store(v.aval.dtype, values.get(v)!)};`));
    if (c.reduce) values.set(c.reduce.input, valueOf(c.reduce.input));
    return values;
  };

  const lazy = (f: () => string) => {
    let v: string | undefined;
    return () => (v ??= f());
  };
  // No in-place reads: WebGPU forbids binding one buffer as both an input and an output of a dispatch.
  const planned = { reads: c.inputs.map((i) => i.atom), writes: clusterWrites(c) };

  if (!c.reduce) {
    const n = sizeOf(shape);
    const step = perElement(n, bindings, (e, i) => {
      const coords = lazy(() => unravel(e, i, shape).join('|'));
      evaluate(e, () => i, () => coords().split('|'));
    });
    return { ...planned, plan: n === 0 ? [] : [step], refs };
  }

  const { prim, axes, input: reduced, out } = c.reduce;
  const dtype = reduced.aval.dtype;
  const m = monoid(prim, dtype);
  const keptShape = shape.filter((_, i) => !axes.includes(i));
  const redShape = axes.map((a) => shape[a]!);
  const outRef = refs.length;
  refs.push({ v: out });
  const tempRef = refs.length;
  const src: FoldSource = {
    bindings,
    element: (e, o, r) => {
      const coords = lazy(() => {
        const ko = unravel(e, o, keptShape);
        const kr = unravel(e, r, redShape);
        let a = 0, b = 0;
        return shape.map((_, i) => (axes.includes(i) ? kr[b++]! : ko[a++]!)).join('|');
      });
      const flat = lazy(() => e.let(dotIndex(coords().split('|'), contiguous), 'f'));
      const values = evaluate(e, flat, () => coords().split('|'));
      return store(dtype, values.get(reduced)!);
    },
  };
  const { steps, tempBytes } = foldSteps(m, sizeOf(out.aval.shape), sizeOf(redShape), src, outRef, tempRef);
  if (tempBytes) refs.push({ temp: 0 });
  return { ...planned, plan: steps, refs, temps: tempBytes ? [tempSpec(tempBytes)] : [] };
}

/** Storage buffers one kernel of the cluster binds. */
function bindingCount(c: Cluster): number {
  return c.inputs.filter((i) => !isInlineLit(i.atom)).length + c.outputs.length + (c.reduce ? 2 : 0);
}

/** A cluster too wide for the binding limit runs as one kernel per equation (all materialized). */
function splitCluster(c: Cluster): Cluster[] {
  const produced = new Set<Atom>(c.eqns.map((e) => e.outs[0]!));
  const contiguous = contiguousStrides(c.shape);
  const single = (operands: readonly Atom[], eqns: readonly Eqn[], outputs: readonly Var[], reduce?: Cluster['reduce']): Cluster => {
    const inputs: ClusterInput[] = [];
    const reads = new Map<Atom, number>();
    for (const a of operands) {
      if (reads.has(a)) continue;
      reads.set(a, inputs.length);
      inputs.push(produced.has(a) ? { atom: a, strides: contiguous } : c.inputs[c.reads.get(a)!]!);
    }
    return { shape: c.shape, eqns, inputs, outputs, reads, reduce };
  };
  const parts = c.eqns.map((e) => single(e.inputs, [e], [e.outs[0]!]));
  if (c.reduce) parts.push(single([c.reduce.input], [], [], c.reduce));
  return parts;
}

// ---------------------------------------------------------------------------------------------
// The program

function eqnStep(eqn: Eqn): ProgramStep {
  const out = eqn.outs[0]!;
  const plan = planFor(eqn.prim, eqn.inputs.map((a) => a.aval), eqn.params, out.aval);
  const refs: Ref[] = [...eqn.inputs.map((v): Ref => ({ v })), { v: out }, ...plan.temps.map((_, k) => ({ temp: k }))];
  return { plan: plan.steps, refs, reads: eqn.inputs, writes: [out], temps: plan.temps.map(tempSpec) };
}

function aliasStep(eqn: Eqn): ProgramStep {
  return { plan: [], refs: [], reads: eqn.inputs, writes: eqn.outs, alias: { from: eqn.inputs[0]!, to: eqn.outs[0]! } };
}

/** A control-flow equation: its lowering encodes itself, reading and writing the planned buffers. */
function controlStep(eqn: Eqn, compile: (c: ClosedJaxpr) => GpuProgram, owned: Owned): ProgramStep {
  const encode = (gpuControl[eqn.prim as HigherOrderPrim] as GpuControlLowering<HigherOrderPrim>)(eqn, eqn.params, compile, (bytes, usage) => owned.make(bytes, usage));
  return { plan: [], refs: [], reads: eqn.inputs, writes: eqn.outs, encode };
}

/** The buffers a program owns on one device generation (given back together). */
class Owned implements Releasable {
  readonly buffers: GPUBuffer[] = [];
  readonly generation = deviceGeneration();
  released = false;
  make(bytes: number, usage?: number): GPUBuffer {
    const b = createBuffer(bytes, usage);
    this.buffers.push(b);
    return b;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    // A closed or lost device took its buffers with it.
    if (this.generation === deviceGeneration()) this.buffers.forEach(destroyBuffer);
  }
}

/** All 4-byte element types share buffers of one byte size. */
const storageKey = (b: BufferSpec): string => String(bytesFor(b.size));

/** A program's steps, buffer plan and owned buffers; `encodeAll` encodes it over given value buffers. */
function buildProgram(input: LoweringInput, owned: Owned) {
  const { jaxpr, consts, steps: fused, donate, planBuffers } = input;
  for (const v of [...jaxpr.constvars, ...jaxpr.invars]) checkDtype('jit', v.aval.dtype);
  const constBuffers = consts.map((t) => (t.device === 'webgpu' ? bufferOf(t, 'jit') : upload(owned, t)));
  const litBuffers = new Map<Lit, GPUBuffer>();
  const compile = (c: ClosedJaxpr): GpuProgram => compileGpuProgram(input.prepare(c), owned);
  const steps: ProgramStep[] = [];
  let fusedCount = 0, kernelCount = 0;
  for (const s of fused) {
    if (s.kind === 'fused') {
      const parts = bindingCount(s.cluster) <= gpu().maxStorageBuffers ? [s.cluster] : splitCluster(s.cluster);
      parts.forEach((c) => steps.push(clusterStep(c)));
      fusedCount++;
    } else if (s.kind === 'alias') steps.push(aliasStep(s.eqn));
    else {
      steps.push(isHigherOrder(s.eqn.prim) ? controlStep(s.eqn, compile, owned) : eqnStep(s.eqn));
      kernelCount++;
    }
  }
  const plan = planBuffers(jaxpr, steps, { donate, storageKey });
  const slots = plan.buffers.map((b) => owned.make(bytesFor(b.size)));
  /** Encode every step; `valueBuffer` gives the buffer of an argument or output slot. */
  const encodeAll = (encoder: GPUCommandEncoder, valueBuffer: (slot: { kind: 'arg' | 'output'; index: number }) => GPUBuffer, indirect?: IndirectCounts) => {
    const bufferOfAtom = (a: Atom): GPUBuffer => {
      if (a instanceof Lit) {
        let b = litBuffers.get(a);
        if (!b) litBuffers.set(a, (b = upload(owned, a.value)));
        return b;
      }
      const slot = plan.slotOf.get(a)!;
      switch (slot.kind) {
        case 'arg': return valueBuffer(slot);
        case 'const': return constBuffers[slot.index]!;
        case 'buffer': return slots[slot.index]!;
        case 'output': return valueBuffer(slot);
      }
    };
    steps.forEach((st, k) => {
      if (st.encode) return st.encode(encoder, bufferOfAtom);
      const temps = plan.temps[k]!;
      encodeSteps(encoder, st.plan, st.refs.map((r) => ('v' in r ? bufferOfAtom(r.v) : slots[temps[r.temp]!]!)), indirect);
    });
    return bufferOfAtom;
  };
  // The grids of every dispatch, when the program is only dispatches (no copies, no control flow).
  const grids = steps.some((st) => st.encode) ? undefined : steps.reduce<[number, number][] | undefined>((all, st) => {
    const g = dispatchGrids(st.plan);
    return all && g ? [...all, ...g] : undefined;
  }, []);
  return { steps, plan, slots, constBuffers, encodeAll, grids, stats: { steps: steps.length, fused: fusedCount, kernels: kernelCount, buffers: slots.length } };
}

/** A sub-program (a branch, a loop body) encoded into its caller's command encoder. */
export interface GpuProgram {
  /**
   * Encode: `args` are the inputs' buffers; output j lands in `outs[j]` (which no input may share).
   * With `indirect`, every dispatch reads its workgroup counts from there (see `grids`).
   */
  encode(encoder: GPUCommandEncoder, args: readonly GPUBuffer[], outs: readonly GPUBuffer[], indirect?: IndirectCounts): void;
  /**
   * The (x, y) workgroup grid of each dispatch `encode` records, in order, when the program is
   * dispatches only (its outputs computed in place: no copies, no control flow), else undefined.
   */
  readonly grids?: readonly (readonly [number, number])[];
}

function compileGpuProgram(input: LoweringInput, owned: Owned): GpuProgram {
  const program = buildProgram(input, owned);
  const { jaxpr } = input;
  const outSlot = jaxpr.outs.map((a) => (a instanceof Var ? program.plan.slotOf.get(a) : undefined));
  const firstOf = new Map<number, number>();
  outSlot.forEach((s, j) => s?.kind === 'output' && !firstOf.has(s.index) && firstOf.set(s.index, j));
  const copies = jaxpr.outs.some((a, j) => {
    const s = outSlot[j];
    return !(s?.kind === 'output' && firstOf.get(s.index) === j);
  });
  return {
    grids: copies ? undefined : program.grids,
    encode(encoder, args, outs, indirect) {
      const read = program.encodeAll(encoder, (slot) => (slot.kind === 'arg' ? args[slot.index]! : outs[firstOf.get(slot.index)!]!), indirect);
      // Outputs that are arguments, constants, literals or repeats are copied into place.
      jaxpr.outs.forEach((a, j) => {
        const s = outSlot[j];
        if (s?.kind === 'output' && firstOf.get(s.index) === j) return;
        copyBuffer(encoder, read(a), outs[j]!, sizeOf(a.aval.shape));
      });
    },
  };
}

export function copyBuffer(encoder: GPUCommandEncoder, from: GPUBuffer, to: GPUBuffer, elements: number, fromElement = 0, toElement = 0): void {
  if (elements > 0 && from !== to) encoder.copyBufferToBuffer(from, fromElement * 4, to, toElement * 4, elements * 4);
}

/**
 * Compile a fused program for WebGPU. `run(args)` takes the invars' values (webgpu tensors, or
 * CPU tensors that are uploaded) and returns webgpu tensors.
 */
export function lowerWebGPU(input: LoweringInput): Executable & { dispose(): void } {
  const { jaxpr, donate } = input;
  // Per output slot of a donated argument's byte size: where it is computed before a late copy.
  const donatedBytes = new Set(jaxpr.invars.filter((_, i) => donate[i]).map((v) => bytesFor(sizeOf(v.aval.shape))));
  /**
   * The program's GPU side on one device: constants, planned buffers, scratch, staging. Built
   * again when the device changed (closeWebGPU or a lost device), so the compiled program keeps
   * working on the next device without tracing again.
   */
  const build = () => {
    const owned = new Owned();
    const program = buildProgram(input, owned);
    const scratch = program.plan.outputs.map((o) => (donatedBytes.has(bytesFor(o.size)) ? owned.make(bytesFor(o.size)) : undefined));
    return { owned, program, constSet: new Set<object>(program.constBuffers), scratch, argStaging: [] as (GPUBuffer | undefined)[] };
  };
  let side = build();
  let disposed = false;
  // The buffer plan depends only on the jaxpr and its fused steps, so a rebuilt side plans the
  // same slots: the output bookkeeping below is computed once.
  const { plan } = side.program;
  const outSlot = jaxpr.outs.map((a) => (a instanceof Var ? plan.slotOf.get(a) : undefined));
  /** Output j owns its output slot's buffer when it is the first position returning that slot. */
  const ownsSlot = outSlot.map((s, j) => s?.kind === 'output' && outSlot.findIndex((t) => t === s) === j);
  const anyDonated = donate.some(Boolean);
  const holder: Releasable = { release: () => side.owned.release() };

  const executable: Executable & { dispose(): void } = {
    stats: side.program.stats,
    dispose: () => {
      disposed = true;
      holder.release();
    },
    run(args) {
      if (disposed) throw new Error('webgpu jit: this compiled program was disposed');
      if (side.owned.generation !== deviceGeneration()) {
        side.owned.release();
        side = build();
      }
      const { owned, program, constSet, scratch, argStaging } = side;
      if (args.length !== jaxpr.invars.length) throw new Error(`webgpu jit: expected ${jaxpr.invars.length} arguments, got ${args.length}`);
      const argBuffers = args.map((a, i) => {
        const want = jaxpr.invars[i]!.aval;
        if (a.dtype !== want.dtype || !shapeEqual(a.shape, want.shape)) throw new Error(`webgpu jit: argument ${i} is ${a.dtype}[${a.shape}], the program was compiled for ${want.dtype}[${want.shape}]`);
        if (a.device === 'webgpu') return bufferOf(a, 'jit');
        const bits = hostBits(a, 'jit');
        const b = (argStaging[i] ??= owned.make(bytesFor(bits.length)));
        if (bits.length > 0) writeBits(b, bits);
        return b;
      });
      // Only webgpu arguments' own buffers can be donated (not staging copies, not constants).
      const donors = anyDonated ? plan.donors(args.map((a, i) => (a.device === 'webgpu' && !constSet.has(argBuffers[i]!) ? argBuffers[i] : undefined)), true) : undefined;
      const outBuffers = plan.outputs.map((o, k) => {
        const i = donors ? donors.arg[k]! : -1;
        if (i < 0) return createBuffer(bytesFor(o.size));
        if (!donors!.late[k]) return argBuffers[i]!;
        return scratch[k]!;
      });
      const { device } = gpu();
      const encoder = device.createCommandEncoder();
      const bufferOfAtom = program.encodeAll(encoder, (slot) => (slot.kind === 'arg' ? argBuffers[slot.index]! : outBuffers[slot.index]!));
      // Late donations: the output lands in its argument's buffer after every read of it.
      plan.outputs.forEach((o, k) => donors?.late[k] && copyBuffer(encoder, outBuffers[k]!, argBuffers[donors.arg[k]!]!, o.size));
      // Outputs that are arguments, constants, literals or repeats are copied into their own buffer.
      const results = jaxpr.outs.map((a, j) => {
        if (ownsSlot[j]) return undefined;
        const b = createBuffer(bytesFor(sizeOf(a.aval.shape)));
        copyBuffer(encoder, bufferOfAtom(a), b, sizeOf(a.aval.shape));
        return b;
      });
      device.queue.submit([encoder.finish()]);
      return jaxpr.outs.map((a, j) => {
        const { shape, dtype } = a.aval;
        const own = results[j];
        if (own) return wrapBuffer(shape, dtype as DType, own);
        const k = outSlot[j]!.index;
        const i = donors ? donors.arg[k]! : -1;
        return i >= 0 ? takeDonated(args[i]!, shape, dtype) : wrapBuffer(shape, dtype, outBuffers[k]!);
      });
    },
  };
  releaseOnCollect(executable, holder);
  return executable;
}

function upload(owned: Owned, t: Tensor): GPUBuffer {
  const bits = hostBits(t, 'jit');
  const b = owned.make(bytesFor(bits.length));
  if (bits.length > 0) writeBits(b, bits);
  return b;
}
