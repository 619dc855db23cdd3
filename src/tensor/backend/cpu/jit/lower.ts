/**
 * The CPU lowering of a fused program (the CPU backend's `lower`): fused clusters become
 * generated Wasm SIMD or JS loops, other equations call their CPU kernel directly (no dispatch,
 * no shape checks: both were done at trace time), and jit's buffer plan gives every
 * intermediate a slot that is reused within and across calls. Only the outputs are fresh
 * arrays, because they escape as new tensors, unless a donated argument's array backs one.
 */
import { cpuData, fromStorage, type Tensor } from '../../../core';
import { arrayFor, type DType, type TypedArray } from '../../../dtype';
import { Lit, type Atom, type ClosedJaxpr, type Eqn } from '../../../jaxpr';
import { isHigherOrder, type HigherOrderPrim } from '../../../higherOrder';
import { ELEMENTWISE, isPrim, REDUCE, rowsFor, type Prim } from '../../../primitives';
import { clusterWrites, inPlaceReads, type BufferSpec, type Executable, type LoweringInput, type PlannedStep, type Step } from '../../../program';
import { shapeEqual, sizeOf } from '../../../shape';
import { cpuKernel } from '../kernels';
import { matmulKernel } from '../matmul';
import { compileCluster } from './js';
import { compileClusterWasm } from './wasm';
import { transposedOperands, type DotParams } from './transposedDots';
import { cpuControl, type ControlLowering, type CpuProgram } from './control';
import { allocateStorage, sharedStorage } from '../pool';

/**
 * A compiled step: it reads and writes the program's storage table, where every value has a
 * fixed index (arguments, constants, outputs, pooled buffers, literals) resolved when the step
 * is compiled, so running it costs no lookups.
 */
export type Runner = (env: readonly TypedArray[]) => void;

/** The storage-table index of a value. */
export type At = (a: Atom) => number;

/** How an unfused equation runs into planned buffers: one row per primitive. */
type EqnLowering = (e: Eqn, at: At) => Runner;

/** Call the primitive's CPU kernel on views of the planned buffers. */
const viaKernel: EqnLowering = (e, at) => {
  const kernel = cpuKernel(e.prim);
  const out = e.outs[0]!.aval;
  const views = e.inputs.map((a) => ({ shape: a.aval.shape, dtype: a.aval.dtype, data: undefined as unknown as TypedArray }));
  const ins = e.inputs.map(at);
  const o = at(e.outs[0]!);
  return (env) => {
    for (let i = 0; i < ins.length; i++) views[i]!.data = env[ins[i]!]!;
    kernel(views, e.params, out, env[o]!);
  };
};

/** A matmul, reading operands transposed when transposedDots marked them. */
const viaMatmul: EqnLowering = (e, at) => {
  const out = e.outs[0]!.aval.shape;
  const r = out.length;
  const [m, n] = [out[r - 2]!, out[r - 1]!];
  const { transA = false, transB = false } = (e.params ?? {}) as DotParams;
  const aShape = e.inputs[0]!.aval.shape;
  const k = transA ? aShape[r - 2]! : aShape[r - 1]!;
  const batch = sizeOf(out.slice(0, -2));
  const [a, b, o] = [at(e.inputs[0]!), at(e.inputs[1]!), at(e.outs[0]!)];
  return (env) => matmulKernel(env[a]!, env[b]!, batch, m, k, n, env[o]!, 'auto', { transA, transB });
};

/**
 * Every primitive's CPU lowering when it is not fused (elementwise ones and reductions are
 * fused by jit, and run their kernel only when fusion leaves one alone); reshape is an alias.
 */
const eqnLowerings = {
  ...rowsFor(ELEMENTWISE, () => viaKernel),
  ...rowsFor(REDUCE, () => viaKernel),
  argmax: viaKernel, argmin: viaKernel, cumsum: viaKernel,
  argsort: viaKernel, dynamicSlice: viaKernel, dynamicUpdateSlice: viaKernel,
  reshape: viaKernel, broadcast: viaKernel, transpose: viaKernel, slice: viaKernel, flip: viaKernel, pad: viaKernel, concatenate: viaKernel,
  dot: viaMatmul,
  gather: viaKernel, scatterAdd: viaKernel, patches: viaKernel, patchesTranspose: viaKernel, randomBits: viaKernel,
  cholesky: viaKernel, triangularSolve: viaKernel, lu: viaKernel, qr: viaKernel, eigh: viaKernel, svd: viaKernel,
} satisfies { [P in Prim]: EqnLowering };

/** User primitives (tensorlaw/extend) run as an opaque call to their CPU kernel. */
const eqnLowering = (prim: string): EqnLowering => (isPrim(prim) ? eqnLowerings[prim] : viaKernel);

function makeRunner(step: Step, at: At, compile: (c: ClosedJaxpr) => CpuProgram): Runner {
  if (step.kind === 'alias') return () => {};
  if (step.kind === 'eqn') {
    const e = step.eqn;
    if (isHigherOrder(e.prim)) return (cpuControl[e.prim] as ControlLowering<HigherOrderPrim>)(e, e.params, compile, at);
    return eqnLowering(e.prim)(e, at);
  }
  const c = step.cluster;
  const kernel = compileClusterWasm(c) ?? compileCluster(c);
  const inputs = c.inputs.map((i) => (i.atom instanceof Lit ? -1 : at(i.atom)));
  const outputs = clusterWrites(c).map(at);
  const ins: (TypedArray | undefined)[] = new Array(inputs.length);
  const outs: TypedArray[] = new Array(outputs.length);
  return (env) => {
    for (let i = 0; i < inputs.length; i++) ins[i] = inputs[i]! < 0 ? undefined : env[inputs[i]!];
    for (let i = 0; i < outputs.length; i++) outs[i] = env[outputs[i]!]!;
    kernel(ins, outs);
  };
}

function plannedStep(s: Step): PlannedStep {
  if (s.kind === 'fused') return { reads: s.cluster.inputs.map((i) => i.atom), writes: clusterWrites(s.cluster), inPlace: inPlaceReads(s.cluster) };
  return { reads: s.eqn.inputs, writes: s.eqn.outs, alias: s.kind === 'alias' ? { from: s.eqn.inputs[0]!, to: s.eqn.outs[0]! } : undefined };
}

/** Typed arrays of one dtype and length are interchangeable. */
const storageKey = (b: BufferSpec): string => `${b.dtype}:${b.size}`;

/**
 * Arrays that more than one tensor may view (compiled constants, outputs that alias an input, a
 * constant or another output), shared with the storage pool (../pool.ts). Donated storage is
 * reused only when it is not in here, so reuse never writes under another live tensor.
 */

/** A compiled program over typed arrays (also the form control flow runs its sub-programs in). */
interface Program {
  /**
   * Run on the arguments' storage. `outs[j]`, when given, receives output j (the program
   * computes into it directly when it can, else copies); `donors[k]` gives output slot k a
   * donated argument's storage. Returns each output's storage.
   */
  run(args: readonly TypedArray[], outs?: readonly (TypedArray | undefined)[], donors?: readonly number[]): TypedArray[];
  readonly steps: readonly Step[];
  readonly plan: ReturnType<LoweringInput['planBuffers']>;
  timings?: number[];
}

/**
 * Compile a program. Its storage table holds, at fixed indices: the arguments, the constants,
 * the outputs, the pooled buffers (allocated once, reused by every call) and the literals.
 */
function compileProgram(input: LoweringInput): Program {
  const { jaxpr, consts, steps: fused, donate, planBuffers } = input;
  const steps = transposedOperands(jaxpr, fused);
  const plan = planBuffers(jaxpr, steps.map(plannedStep), { donate, storageKey });
  for (const c of consts) if (c.device === 'cpu') sharedStorage.add(cpuData(c));
  const nArgs = jaxpr.invars.length;
  const base = { const: nArgs, output: nArgs + consts.length, buffer: nArgs + consts.length + plan.outputs.length };
  const env: TypedArray[] = new Array(base.buffer + plan.buffers.length);
  consts.forEach((c, i) => (env[base.const + i] = cpuData(c)));
  plan.buffers.forEach((b, i) => (env[base.buffer + i] = arrayFor(b.dtype, b.size)));
  const litIndex = new Map<Lit, number>();
  const at: At = (a) => {
    if (a instanceof Lit) {
      let k = litIndex.get(a);
      if (k === undefined) {
        k = env.length;
        env.push(cpuData(a.value));
        litIndex.set(a, k);
      }
      return k;
    }
    const slot = plan.slotOf.get(a)!;
    return slot.kind === 'arg' ? slot.index : base[slot.kind] + slot.index;
  };
  const compile = (c: ClosedJaxpr): CpuProgram => compileProgram(input.prepare(c));
  const runners = steps.map((s) => makeRunner(s, at, compile));
  const outAt = jaxpr.outs.map(at);
  /** The first output position returning each output slot (it may compute straight into a given array). */
  const firstOf = plan.outputs.map((_, k) => outAt.indexOf(base.output + k));
  const program: Program = {
    steps,
    plan,
    run(args, outs, donors) {
      for (let i = 0; i < nArgs; i++) env[i] = args[i]!;
      for (let k = 0; k < plan.outputs.length; k++) {
        const d = donors ? donors[k]! : -1;
        const o = plan.outputs[k]!;
        env[base.output + k] = d >= 0 ? args[d]! : outs?.[firstOf[k]!] ?? allocateStorage(o.dtype as DType, o.size);
      }
      const timings = program.timings;
      if (timings) {
        runners.forEach((r, i) => {
          const t = performance.now();
          r(env);
          timings[i] = performance.now() - t;
        });
      } else for (let i = 0; i < runners.length; i++) runners[i]!(env);
      const results = new Array<TypedArray>(outAt.length);
      for (let j = 0; j < outAt.length; j++) {
        const value = env[outAt[j]!]!;
        const want = outs?.[j];
        if (want && want !== value) want.set(value);
        results[j] = want ?? value;
      }
      return results;
    },
  };
  return program;
}

export function lowerCpu(input: LoweringInput): Executable {
  const { jaxpr, donate } = input;
  const program = compileProgram(input);
  const { plan, steps } = program;
  const slotOfOut = jaxpr.outs.map((o) => (o instanceof Lit ? undefined : plan.slotOf.get(o)!));
  // An output slot returned at several positions is viewed by several tensors.
  const repeated = new Set(slotOfOut.filter((s, j) => s?.kind === 'output' && slotOfOut.findIndex((t) => t === s) !== j).map((s) => s!.index));
  const anyDonated = donate.some(Boolean);

  const run = (args: readonly Tensor[]): Tensor[] => {
    const donors = anyDonated ? plan.donors(args.map((a) => (sharedStorage.has(cpuData(a)) ? undefined : cpuData(a)))).arg : undefined;
    const storage = program.run(args.map((a) => cpuData(a)), undefined, donors);
    return jaxpr.outs.map((o, j) => {
      if (o instanceof Lit) return o.value;
      const slot = slotOfOut[j]!;
      if (slot.kind === 'arg' && shapeEqual(args[slot.index]!.shape, o.aval.shape)) return args[slot.index]!;
      if (slot.kind !== 'output' || repeated.has(slot.index)) sharedStorage.add(storage[j]!);
      return fromStorage(o.aval.shape, o.aval.dtype, storage[j]!);
    });
  };
  const profile = (args: readonly Tensor[]) => {
    program.timings = new Array(steps.length).fill(0);
    try {
      run(args);
      return steps.map((s, i) => ({ step: describeStep(s), ms: program.timings![i]! }));
    } finally {
      program.timings = undefined;
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
