/**
 * The CPU lowering of a fused program (the CPU backend's `lower`): fused clusters become
 * generated Wasm SIMD or JS loops, other equations call their CPU kernel directly (no dispatch,
 * no shape checks: both were done at trace time), and jit's buffer plan gives every
 * intermediate a slot that is reused within and across calls. Only the outputs are fresh
 * arrays, because they escape as new tensors, unless a donated argument's array backs one.
 */
import { cpuData, fromStorage, type Tensor } from '../../../core';
import { arrayFor, type DType, type TypedArray } from '../../../dtype';
import { Lit, type Atom, type Eqn, type Var } from '../../../jaxpr';
import { ELEMENTWISE, isPrim, REDUCE, rowsFor, type Prim } from '../../../primitives';
import { clusterWrites, inPlaceReads, type BufferSpec, type Executable, type LoweringInput, type PlannedStep, type Slot, type Step } from '../../../program';
import { shapeEqual, sizeOf } from '../../../shape';
import { cpuKernel } from '../kernels';
import { matmulKernel } from '../matmul';
import { compileCluster } from './js';
import { compileClusterWasm } from './wasm';
import { transposedOperands, type DotParams } from './transposedDots';

type Runner = (read: (a: Atom) => TypedArray, write: (v: Var) => TypedArray) => void;

/** How an unfused equation runs into planned buffers: one row per primitive. */
type EqnLowering = (e: Eqn) => Runner;

/** Call the primitive's CPU kernel on views of the planned buffers. */
const viaKernel: EqnLowering = (e) => {
  const kernel = cpuKernel(e.prim);
  const out = e.outs[0]!.aval;
  const views = e.inputs.map((a) => ({ shape: a.aval.shape, dtype: a.aval.dtype, data: undefined as unknown as TypedArray }));
  return (read, write) => {
    e.inputs.forEach((a, i) => (views[i]!.data = read(a)));
    kernel(views, e.params, out, write(e.outs[0]!));
  };
};

/** A matmul, reading operands transposed when transposedDots marked them. */
const viaMatmul: EqnLowering = (e) => {
  const out = e.outs[0]!.aval.shape;
  const r = out.length;
  const [m, n] = [out[r - 2]!, out[r - 1]!];
  const { transA = false, transB = false } = (e.params ?? {}) as DotParams;
  const aShape = e.inputs[0]!.aval.shape;
  const k = transA ? aShape[r - 2]! : aShape[r - 1]!;
  const batch = sizeOf(out.slice(0, -2));
  return (read, write) => matmulKernel(read(e.inputs[0]!), read(e.inputs[1]!), batch, m, k, n, write(e.outs[0]!), 'auto', { transA, transB });
};

/**
 * Every primitive's CPU lowering when it is not fused (elementwise ones and reductions are
 * fused by jit, and run their kernel only when fusion leaves one alone); reshape is an alias.
 */
const eqnLowerings = {
  ...rowsFor(ELEMENTWISE, () => viaKernel),
  ...rowsFor(REDUCE, () => viaKernel),
  argmax: viaKernel, argmin: viaKernel, cumsum: viaKernel,
  reshape: viaKernel, broadcast: viaKernel, transpose: viaKernel, slice: viaKernel, flip: viaKernel, pad: viaKernel, concatenate: viaKernel,
  dot: viaMatmul,
  gather: viaKernel, scatterAdd: viaKernel, patches: viaKernel, patchesTranspose: viaKernel, randomBits: viaKernel,
} satisfies { [P in Prim]: EqnLowering };

/** User primitives (tensorlaw/extend) run as an opaque call to their CPU kernel. */
const eqnLowering = (prim: string): EqnLowering => (isPrim(prim) ? eqnLowerings[prim] : viaKernel);

function makeRunner(step: Step): Runner {
  if (step.kind === 'alias') return () => {};
  if (step.kind === 'eqn') return eqnLowering(step.eqn.prim)(step.eqn);
  const c = step.cluster;
  const kernel = compileClusterWasm(c) ?? compileCluster(c);
  const outVars = clusterWrites(c);
  return (read, write) => kernel(c.inputs.map((i) => (i.atom instanceof Lit ? undefined : read(i.atom))), outVars.map(write));
}

function plannedStep(s: Step): PlannedStep {
  if (s.kind === 'fused') return { reads: s.cluster.inputs.map((i) => i.atom), writes: clusterWrites(s.cluster), inPlace: inPlaceReads(s.cluster) };
  return { reads: s.eqn.inputs, writes: s.eqn.outs, alias: s.kind === 'alias' ? { from: s.eqn.inputs[0]!, to: s.eqn.outs[0]! } : undefined };
}

/** Typed arrays of one dtype and length are interchangeable. */
const storageKey = (b: BufferSpec): string => `${b.dtype}:${b.size}`;

/**
 * Arrays that more than one tensor may view (compiled constants, outputs that alias an input, a
 * constant or another output). Donated storage is reused only when it is not in here, so reuse
 * never writes under another live tensor.
 */
const sharedStorage = new WeakSet<object>();

export function lowerCpu({ jaxpr, consts, steps: fused, donate, planBuffers }: LoweringInput): Executable {
  const steps = transposedOperands(jaxpr, fused);
  const plan = planBuffers(jaxpr, steps.map(plannedStep), { donate, storageKey });
  for (const c of consts) if (c.device === 'cpu') sharedStorage.add(cpuData(c));
  const runners = steps.map(makeRunner);
  const buffers: (TypedArray | undefined)[] = new Array(plan.buffers.length);
  const slotOfOut = jaxpr.outs.map((o) => (o instanceof Lit ? undefined : plan.slotOf.get(o)!));
  // An output slot returned at several positions is viewed by several tensors.
  const repeated = new Set(slotOfOut.filter((s, j) => s?.kind === 'output' && slotOfOut.findIndex((t) => t === s) !== j).map((s) => s!.index));
  const anyDonated = donate.some(Boolean);

  let timings: number[] | undefined;
  const run = (args: readonly Tensor[]): Tensor[] => {
    const donors = anyDonated ? plan.donors(args.map((a) => (sharedStorage.has(cpuData(a)) ? undefined : cpuData(a)))).arg : undefined;
    const fresh: TypedArray[] = plan.outputs.map((o, k) => {
      const i = donors ? donors[k]! : -1;
      return i >= 0 ? cpuData(args[i]!) : arrayFor(o.dtype as DType, o.size);
    });
    const storageOf = (slot: Slot): TypedArray => {
      switch (slot.kind) {
        case 'arg': return cpuData(args[slot.index]!);
        case 'const': return cpuData(consts[slot.index]!);
        case 'output': return fresh[slot.index]!;
        case 'buffer': return (buffers[slot.index] ??= arrayFor(plan.buffers[slot.index]!.dtype, plan.buffers[slot.index]!.size));
      }
    };
    const read = (a: Atom): TypedArray => (a instanceof Lit ? cpuData(a.value) : storageOf(plan.slotOf.get(a)!));
    const write = (v: Var): TypedArray => storageOf(plan.slotOf.get(v)!);
    if (timings) {
      runners.forEach((r, i) => {
        const t = performance.now();
        r(read, write);
        timings![i] = performance.now() - t;
      });
    } else for (const r of runners) r(read, write);
    return jaxpr.outs.map((o, j) => {
      if (o instanceof Lit) return o.value;
      const slot = slotOfOut[j]!;
      if (slot.kind === 'arg' && shapeEqual(args[slot.index]!.shape, o.aval.shape)) return args[slot.index]!;
      const storage = storageOf(slot);
      if (slot.kind !== 'output' || repeated.has(slot.index)) sharedStorage.add(storage);
      return fromStorage(o.aval.shape, o.aval.dtype, storage);
    });
  };
  const profile = (args: readonly Tensor[]) => {
    timings = new Array(runners.length).fill(0);
    try {
      run(args);
      return steps.map((s, i) => ({ step: describeStep(s), ms: timings![i]! }));
    } finally {
      timings = undefined;
    }
  };
  const count = (kind: Step['kind']) => steps.filter((s) => s.kind === kind).length;
  return { run, profile, stats: { steps: steps.length, fused: count('fused'), kernels: count('eqn'), buffers: plan.buffers.length } };
}

function describeStep(s: Step): string {
  const shape = (v: { aval: { shape: readonly number[] } }) => `[${v.aval.shape.join(',')}]`;
  if (s.kind === 'fused') {
    const ops = [...new Set(s.cluster.eqns.map((e) => e.prim))].join(',');
    return `fused ${s.cluster.reduce ? `${s.cluster.reduce.prim} ` : ''}[${s.cluster.shape.join(',')}] ${s.cluster.eqns.length} eqns (${ops})`;
  }
  const e = s.eqn;
  const flags = e.prim === 'dot' ? Object.entries(e.params ?? {}).filter(([, v]) => v).map(([k]) => k).join(',') : '';
  return `${s.kind === 'alias' ? 'alias ' : ''}${e.prim}${flags ? `(${flags})` : ''} ${e.inputs.map(shape).join('x')} -> ${shape(e.outs[0]!)}`;
}
