/**
 * The WebGPU lowering of a jaxpr. Fusion (./fusion) groups elementwise chains, absorbed
 * broadcasts and closing reductions into clusters; each cluster becomes one generated WGSL
 * kernel and every other equation runs its primitive's kernel plan. A static buffer plan gives
 * each intermediate a program-owned buffer, reused within a call by liveness and across calls,
 * so repeated calls create no buffers but their outputs. One call encodes the whole program
 * into one command encoder and submits once.
 *
 * Donation: a donated argument's buffer receives an output of the same byte size (computed into
 * program scratch and copied at the end of the call, after every read of the argument); the
 * argument tensor becomes invalid and says so if touched.
 */
import { PRIMS, sizeOf, type Aval, type DType, type Tensor } from '../../tensor';
import { webgpuInternals as W } from '../../tensor';
import { Lit, Var, type Atom, type Eqn, type Jaxpr } from '../jaxpr';
import { contiguousStrides, fuse, type Cluster, type ClusterInput } from './fusion';
import { registerLowering, type Executable } from './jit';

/** What a kernel ref names before buffers are planned. */
type Ref = { readonly v: Var } | { readonly lit: Lit } | { readonly temp: number };

interface ProgramStep {
  readonly plan: readonly W.Step[];
  readonly refs: readonly Ref[];
  /** Values this step writes (their buffers must exist before it runs). */
  readonly writes: readonly Var[];
}

export interface LowerOptions {
  /** Per argument: may the program reuse its buffer for an output? (it becomes invalid) */
  readonly donate?: readonly boolean[];
}

const primSet = new Set<string>(PRIMS);


const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const litValue = (l: Lit): number => l.value.dataSync()[0]!;
const isInlineLit = (a: Atom): a is Lit => a instanceof Lit && a.value.size === 1 && a.value.device === 'cpu';

// ---------------------------------------------------------------------------------------------
// Fused clusters

/**
 * One kernel for a cluster: its elementwise equations evaluated per element of the iteration
 * shape, storing the values needed outside, and an optional closing reduction folding the
 * reduced value (the elementwise chain becomes the reduction's prologue).
 */
function clusterSteps(c: Cluster): ProgramStep {
  const refs: Ref[] = [];
  const bindings: W.Binding[] = [];
  const inputNames = new Map<number, string>();
  c.inputs.forEach((inp, k) => {
    if (isInlineLit(inp.atom)) return;
    const ref = refs.length;
    refs.push(inp.atom instanceof Var ? { v: inp.atom } : { lit: inp.atom as Lit });
    bindings.push(W.input(ref, W.storageType(inp.atom.aval.dtype), `a${k}`));
    inputNames.set(k, `a${k}`);
  });
  const outNames = c.outputs.map((v, j) => {
    const ref = refs.length;
    refs.push({ v });
    bindings.push(W.output(ref, W.storageType(v.aval.dtype), `o${j}`));
    return `o${j}`;
  });
  const shape = c.shape;
  const contiguous = contiguousStrides(shape);
  /** Emit the cluster at one element: `flat` (contiguous index) and per-axis `coords`. */
  const evaluate = (e: W.Emit, flat: () => string, coords: () => readonly string[]): Map<Atom, string> => {
    const values = new Map<Atom, string>();
    const inputs = new Map<number, string>();
    const read = (k: number): string => {
      let v = inputs.get(k);
      if (v === undefined) {
        const inp: ClusterInput = c.inputs[k]!;
        const dtype = inp.atom.aval.dtype;
        if (isInlineLit(inp.atom)) v = W.literal(dtype, litValue(inp.atom));
        else {
          const idx = sameList(inp.strides, contiguous) ? flat() : W.dotIndex(coords(), inp.strides);
          v = e.let(W.load(inputNames.get(k)!, dtype, idx));
        }
        inputs.set(k, v);
      }
      return v;
    };
    const valueOf = (a: Atom): string => values.get(a) ?? read(c.reads.get(a)!);
    for (const eqn of c.eqns) {
      const xs = eqn.inputs.map(valueOf);
      values.set(eqn.outs[0]!, e.let(W.elementExpr(eqn.prim, eqn.params, eqn.inputs.map((a) => a.aval.dtype), xs)));
    }
    c.outputs.forEach((v, j) => e.line(`${outNames[j]}[${flat()}] = ${W.store(v.aval.dtype, values.get(v)!)};`));
    if (c.reduce) values.set(c.reduce.input, valueOf(c.reduce.input));
    return values;
  };

  const lazy = (f: () => string) => {
    let v: string | undefined;
    return () => (v ??= f());
  };

  if (!c.reduce) {
    const n = sizeOf(shape);
    const step = W.perElement(n, bindings, (e, i) => {
      const coords = lazy(() => W.unravel(e, i, shape).join('|'));
      evaluate(e, () => i, () => coords().split('|'));
    });
    return { plan: n === 0 ? [] : [step], refs, writes: c.outputs };
  }

  const { prim, axes, input, out } = c.reduce;
  const dtype = input.aval.dtype;
  const m = W.monoid(prim, dtype);
  const keptShape = shape.filter((_, i) => !axes.includes(i));
  const redShape = axes.map((a) => shape[a]!);
  const outRef = refs.length;
  refs.push({ v: out });
  const tempRef = refs.length;
  const src: W.FoldSource = {
    bindings,
    element: (e, o, r) => {
      const coords = lazy(() => {
        const ko = W.unravel(e, o, keptShape);
        const kr = W.unravel(e, r, redShape);
        let a = 0, b = 0;
        return shape.map((_, i) => (axes.includes(i) ? kr[b++]! : ko[a++]!)).join('|');
      });
      const flat = lazy(() => e.let(W.dotIndex(coords().split('|'), contiguous), 'f'));
      const values = evaluate(e, flat, () => coords().split('|'));
      return W.store(dtype, values.get(input)!);
    },
  };
  const { steps, tempBytes } = W.foldSteps(m, sizeOf(out.aval.shape), sizeOf(redShape), src, outRef, tempRef);
  if (tempBytes) refs.push({ temp: tempBytes });
  return { plan: steps, refs, writes: [...c.outputs, out] };
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
  if (!primSet.has(eqn.prim)) throw new Error(`webgpu jit: primitive '${eqn.prim}' has no WebGPU lowering (higher-order primitives must be inlined before lowering)`);
  const out = eqn.outs[0]!;
  const plan = W.planFor(eqn.prim as never, eqn.inputs.map((a) => a.aval), eqn.params, out.aval);
  const refs: Ref[] = [...eqn.inputs.map((a): Ref => (a instanceof Var ? { v: a } : { lit: a })), { v: out }, ...plan.temps.map((t) => ({ temp: t }))];
  return { plan: plan.steps, refs, writes: [out] };
}

function copyStep(from: Atom, to: Var): ProgramStep {
  return { plan: [{ kind: 'copy', src: 0, dst: 1, bytes: sizeOf(to.aval.shape) * 4 }], refs: [from instanceof Var ? { v: from } : { lit: from }, { v: to }], writes: [to] };
}

class Owned implements W.Releasable {
  readonly buffers: GPUBuffer[] = [];
  released = false;
  make(bytes: number): GPUBuffer {
    const b = W.createBuffer(bytes);
    this.buffers.push(b);
    return b;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.buffers.forEach(W.destroyBuffer);
  }
}

/**
 * Compile a jaxpr for WebGPU. `consts` bind its constvars; `run(args)` takes the invars' values
 * (webgpu tensors, or CPU tensors that are uploaded) and returns webgpu tensors.
 * @example const exe = lowerWebGPU(makeJaxpr(f)(x), []);
 * @example const [y] = exe.run([toDevice(x, 'webgpu')]);
 */
export function lowerWebGPU(jaxpr: Jaxpr, consts: readonly Tensor[], options: LowerOptions = {}): Executable & { dispose(): void } {
  const avals: Aval[] = [...jaxpr.constvars, ...jaxpr.invars].map((v) => v.aval);
  for (const a of avals) W.checkDtype('jit', a.dtype);
  const owned = new Owned();

  // Where each value lives: constants are uploaded once; arguments and outputs come per call.
  const constBuffers = consts.map((t) => (t.device === 'webgpu' ? W.bufferOf(t, 'jit') : upload(owned, t)));
  const litBuffers = new Map<Lit, GPUBuffer>();
  const root = new Map<Var, Var>(); // reshape aliases share their source's buffer
  const rootOf = (v: Var): Var => root.get(v) ?? v;
  const outIndex = new Map<Var, number>();
  const boundary = new Set<Var>([...jaxpr.constvars, ...jaxpr.invars]);
  jaxpr.outs.forEach((a, j) => {
    if (a instanceof Var && !boundary.has(a) && !outIndex.has(a)) outIndex.set(a, j);
  });

  const steps: ProgramStep[] = [];
  let fusedCount = 0, kernelCount = 0;
  for (const s of fuse(jaxpr)) {
    if (s.kind === 'fused') {
      const parts = bindingCount(s.cluster) <= W.gpu().maxStorageBuffers ? [s.cluster] : splitCluster(s.cluster);
      parts.forEach((c) => steps.push(clusterSteps(c)));
      fusedCount++;
    } else if (s.kind === 'alias') {
      const [src] = s.eqn.inputs;
      const v = s.eqn.outs[0]!;
      if (src instanceof Var && !outIndex.has(v)) root.set(v, rootOf(src));
      else steps.push(copyStep(src!, v));
    } else {
      steps.push(eqnStep(s.eqn));
      kernelCount++;
    }
  }

  // Liveness: the last step reading each buffer root; intermediates get pooled slots.
  const lastUse = new Map<Var, number>();
  steps.forEach((st, k) => st.refs.forEach((r) => 'v' in r && lastUse.set(rootOf(r.v), k)));
  const isIntermediate = (v: Var) => !boundary.has(rootOf(v)) && !outIndex.has(rootOf(v));
  const slotOf = new Map<Var, number>();
  const slotBytes: number[] = [];
  const free = new Map<number, number[]>();
  const take = (bytes: number): number => free.get(bytes)?.pop() ?? (slotBytes.push(bytes) - 1);
  const give = (slot: number) => {
    const bytes = slotBytes[slot]!;
    free.set(bytes, [...(free.get(bytes) ?? []), slot]);
  };
  const tempSlots: number[][] = [];
  steps.forEach((st, k) => {
    for (const v of st.writes) if (isIntermediate(v) && !slotOf.has(rootOf(v))) slotOf.set(rootOf(v), take(W.bytesFor(sizeOf(v.aval.shape))));
    const temps = st.refs.flatMap((r) => ('temp' in r ? [take(r.temp)] : []));
    tempSlots.push(temps);
    temps.forEach(give);
    for (const v of new Set(st.writes.map(rootOf))) if (slotOf.has(v) && (lastUse.get(v) ?? -1) <= k) give(slotOf.get(v)!);
    for (const r of st.refs) if ('v' in r && slotOf.has(rootOf(r.v)) && lastUse.get(rootOf(r.v)) === k && !st.writes.includes(r.v)) give(slotOf.get(rootOf(r.v))!);
  });
  const slots = slotBytes.map((b) => owned.make(b));

  // Donation: each donated argument takes the first unmatched output of its byte size.
  const donorOf = new Map<number, number>(); // output index -> argument index
  (options.donate ?? []).forEach((d, i) => {
    if (!d) return;
    const bytes = sizeOf(jaxpr.invars[i]!.aval.shape);
    const j = jaxpr.outs.findIndex((a, j) => !donorOf.has(j) && a instanceof Var && outIndex.get(a) === j && sizeOf(a.aval.shape) === bytes);
    if (j >= 0) donorOf.set(j, i);
  });
  const scratch = new Map<number, GPUBuffer>([...donorOf.keys()].map((j) => [j, owned.make(W.bytesFor(sizeOf(jaxpr.outs[j]!.aval.shape)))]));
  const argStaging: (GPUBuffer | undefined)[] = [];

  const program: Executable & { dispose(): void } = {
    stats: { steps: steps.length, fused: fusedCount, kernels: kernelCount, buffers: slots.length },
    dispose: () => owned.release(),
    run(args) {
      if (owned.released) throw new Error('webgpu jit: this compiled program was disposed');
      if (args.length !== jaxpr.invars.length) throw new Error(`webgpu jit: expected ${jaxpr.invars.length} arguments, got ${args.length}`);
      const argBuffers = args.map((a, i) => {
        const want = jaxpr.invars[i]!.aval;
        if (a.dtype !== want.dtype || !sameList(a.shape, want.shape)) throw new Error(`webgpu jit: argument ${i} is ${a.dtype}[${a.shape}], the program was compiled for ${want.dtype}[${want.shape}]`);
        if (a.device === 'webgpu') return W.bufferOf(a, 'jit');
        const bits = W.hostBits(a, 'jit');
        const b = (argStaging[i] ??= owned.make(W.bytesFor(bits.length)));
        if (bits.length > 0) W.writeBits(b, bits);
        return b;
      });
      const outBuffers = jaxpr.outs.map((a, j) => scratch.get(j) ?? W.createBuffer(W.bytesFor(sizeOf(a.aval.shape))));
      const bufferOfVar = (v: Var): GPUBuffer => {
        const r = rootOf(v);
        const slot = slotOf.get(r);
        if (slot !== undefined) return slots[slot]!;
        const ci = jaxpr.constvars.indexOf(r);
        if (ci >= 0) return constBuffers[ci]!;
        const ai = jaxpr.invars.indexOf(r);
        if (ai >= 0) return argBuffers[ai]!;
        return outBuffers[outIndex.get(r)!]!;
      };
      const litBuffer = (l: Lit): GPUBuffer => {
        let b = litBuffers.get(l);
        if (!b) litBuffers.set(l, (b = upload(owned, l.value)));
        return b;
      };
      const { device } = W.gpu();
      const encoder = device.createCommandEncoder();
      steps.forEach((st, k) => {
        let t = 0;
        const buffers = st.refs.map((r) => ('v' in r ? bufferOfVar(r.v) : 'lit' in r ? litBuffer(r.lit) : slots[tempSlots[k]![t++]!]!));
        W.encodeSteps(encoder, st.plan, buffers);
      });
      // Outputs that are arguments, constants, literals or repeats are copied into their own buffer.
      jaxpr.outs.forEach((a, j) => {
        if (a instanceof Var && outIndex.get(a) === j) return;
        const src = a instanceof Var ? bufferOfVar(a) : litBuffer(a);
        const bytes = sizeOf(a.aval.shape) * 4;
        if (bytes > 0) encoder.copyBufferToBuffer(src, 0, outBuffers[j]!, 0, bytes);
      });
      // Donated arguments receive their outputs last, after every read of them.
      const donated = new Map<number, GPUBuffer>();
      for (const [j, i] of donorOf) {
        const arg = args[i]!;
        const ok = arg.device === 'webgpu' && args.filter((x) => x === arg).length === 1;
        const target = ok ? argBuffers[i]! : W.createBuffer(W.bytesFor(sizeOf(jaxpr.outs[j]!.aval.shape)));
        const bytes = sizeOf(jaxpr.outs[j]!.aval.shape) * 4;
        if (bytes > 0) encoder.copyBufferToBuffer(scratch.get(j)!, 0, target, 0, bytes);
        donated.set(j, target);
      }
      device.queue.submit([encoder.finish()]);
      return jaxpr.outs.map((a, j) => {
        const { shape, dtype } = a.aval;
        const i = donorOf.get(j);
        if (i === undefined) return W.wrapBuffer(shape, dtype as DType, outBuffers[j]!);
        const target = donated.get(j)!;
        return target === argBuffers[i] ? W.takeDonated(args[i]!, shape, dtype) : W.wrapBuffer(shape, dtype, target);
      });
    },
  };
  W.releaseOnCollect(program, owned);
  return program;
}

function upload(owned: Owned, t: Tensor): GPUBuffer {
  const bits = W.hostBits(t, 'jit');
  const b = owned.make(W.bytesFor(bits.length));
  if (bits.length > 0) W.writeBits(b, bits);
  return b;
}

registerLowering('webgpu', (jaxpr, consts, options) => lowerWebGPU(jaxpr, consts, options));
