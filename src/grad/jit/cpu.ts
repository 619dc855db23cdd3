/**
 * The CPU lowering of a jaxpr: fused clusters become generated JS loops, other primitives call
 * the CPU kernels directly (no dispatch, no shape checks: both were done at trace time), and a
 * static buffer plan gives every intermediate a slot that is reused within and across calls.
 * Only the outputs are fresh arrays, because they escape as new tensors.
 */
import { arrayFor, cpuKernels, fromStorage, matmulKernel, sizeOf, type DType, type Prim, type Tensor, type TypedArray } from '../../tensor';
import { Lit, Var, type Atom, type Eqn, type Jaxpr } from '../jaxpr';
import { compileCluster } from './cpuCodegen';
import { compileClusterWasm } from './wasmCodegen';
import { fuse, type Step } from './fusion';

export interface Executable {
  run(args: readonly Tensor[]): Tensor[];
  /** What the lowering produced, for tests and debugging. */
  readonly stats: { readonly steps: number; readonly fused: number; readonly kernels: number; readonly buffers: number };
  /** Run once and time each step (milliseconds, with a description of the step). */
  profile?(args: readonly Tensor[]): { step: string; ms: number }[];
}

/** Where a value lives at run time. */
type Slot = { kind: 'arg'; index: number } | { kind: 'const'; index: number } | { kind: 'buffer'; index: number } | { kind: 'fresh'; index: number } | { kind: 'lit'; value: Tensor };

type Runner = (read: (a: Atom) => TypedArray, write: (v: Var) => TypedArray) => void;

/**
 * Arrays that more than one tensor may view (compiled constants, outputs that alias an input or
 * a constant). Donated storage is reused only when it is not in here, so reuse never writes
 * under another live tensor.
 */
const sharedStorage = new WeakSet<object>();

export function lowerCpu(jaxpr: Jaxpr, consts: readonly Tensor[], options: { donate?: readonly boolean[] } = {}): Executable {
  const steps = transposedOperands(jaxpr, fuse(jaxpr));
  const plan = planBuffers(jaxpr, steps);
  for (const c of consts) if (c.device === 'cpu') sharedStorage.add(c._cpu);
  const donors = donationPlan(jaxpr, steps, plan, options.donate ?? []);
  const runners = steps.map((s) => makeRunner(s));
  const buffers: (TypedArray | undefined)[] = new Array(plan.buffers.length);
  let fused = 0;
  let kernels = 0;
  for (const s of steps) s.kind === 'fused' ? fused++ : s.kind === 'eqn' ? kernels++ : 0;

  let timings: number[] | undefined;
  const run = (args: readonly Tensor[]): Tensor[] => {
    const fresh: TypedArray[] = plan.fresh.map((a, k) => {
      // A donated argument's buffer becomes this output when it is exclusively owned.
      const i = donors[k]!;
      const storage = i >= 0 ? args[i]!._cpu : undefined;
      return storage && !sharedStorage.has(storage) ? storage : arrayFor(a.dtype, sizeOf(a.shape));
    });
    const storageOf = (slot: Slot): TypedArray => {
      switch (slot.kind) {
        case 'arg': return args[slot.index]!._cpu;
        case 'const': return consts[slot.index]!._cpu;
        case 'fresh': return fresh[slot.index]!;
        case 'lit': return slot.value._cpu;
        case 'buffer': {
          const b = buffers[slot.index];
          if (b) return b;
          const a = plan.buffers[slot.index]!;
          return (buffers[slot.index] = arrayFor(a.dtype, a.size));
        }
      }
    };
    const read = (a: Atom): TypedArray => (a instanceof Lit ? a.value._cpu : storageOf(plan.slotOf.get(a)!));
    const write = (v: Var): TypedArray => storageOf(plan.slotOf.get(v)!);
    if (timings) {
      runners.forEach((r, i) => {
        const t = performance.now();
        r(read, write);
        timings![i] = performance.now() - t;
      });
    } else for (const r of runners) r(read, write);
    return jaxpr.outs.map((o) => {
      if (o instanceof Lit) return o.value;
      const slot = plan.slotOf.get(o)!;
      if (slot.kind === 'arg' && args[slot.index]!.shape.length === o.aval.shape.length && args[slot.index]!.shape.every((d, i) => d === o.aval.shape[i])) return args[slot.index]!;
      const storage = storageOf(slot);
      if (slot.kind !== 'fresh') sharedStorage.add(storage);
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
  return { run, profile, stats: { steps: steps.length, fused, kernels, buffers: plan.buffers.length } };
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

/** A transpose that swaps the last two axes and keeps the batch axes in place. */
function swapsLastTwo(e: Eqn): boolean {
  const perm = (e.params as { perm: readonly number[] }).perm;
  const r = perm.length;
  return r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i);
}

/** A dot whose operands may be read transposed (the matmul kernel packs them directly). */
interface DotParams {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/**
 * A transpose of the last two axes whose only readers are dots is not materialized: each dot
 * reads its source with a transposed-operand flag (backward passes are full of these).
 */
function transposedOperands(jaxpr: Jaxpr, steps: readonly Step[]): Step[] {
  const uses = new Map<Var, Eqn[]>();
  for (const e of jaxpr.eqns) for (const a of e.inputs) if (a instanceof Var) uses.set(a, [...(uses.get(a) ?? []), e]);
  const outs = new Set(jaxpr.outs);
  const source = new Map<Var, Atom>();
  // The transpose of an operand is read by the matmul's packing instead of materialized.
  for (const s of steps) {
    if (s.kind !== 'eqn' || s.eqn.prim !== 'transpose') continue;
    const swapsLast = swapsLastTwo(s.eqn);
    const v = s.eqn.outs[0]!;
    if (swapsLast && !outs.has(v) && (uses.get(v) ?? []).every((e) => e.prim === 'dot')) source.set(v, s.eqn.inputs[0]!);
  }
  const withOperands = steps.flatMap((s): Step[] => {
    if (s.kind !== 'eqn') return [s];
    if (s.eqn.prim === 'transpose' && source.has(s.eqn.outs[0]!)) return [];
    if (s.eqn.prim !== 'dot') return [s];
    const [a, b] = s.eqn.inputs as [Atom, Atom];
    const ta = a instanceof Var && source.has(a);
    const tb = b instanceof Var && source.has(b);
    if (!ta && !tb) return [s];
    const params: DotParams = { transA: ta, transB: tb };
    return [{ kind: 'eqn', eqn: { ...s.eqn, inputs: [ta ? source.get(a)! : a, tb ? source.get(b as Var)! : b], params } }];
  });
  return transposedResults(withOperands, uses, outs);
}

/**
 * transpose(dot(a, b)) over the last two axes, when the transpose is the product's only reader,
 * is computed directly as dot(b^T, a^T) (operand flags flipped): no intermediate, no copy.
 * A weight gradient in PyTorch's [out, in] layout is such a product.
 */
function transposedResults(steps: readonly Step[], uses: ReadonlyMap<Var, Eqn[]>, outs: ReadonlySet<Atom>): Step[] {
  const dotOf = new Map<Var, Eqn>();
  for (const s of steps) if (s.kind === 'eqn' && s.eqn.prim === 'dot') dotOf.set(s.eqn.outs[0]!, s.eqn);
  const fused = new Map<Eqn, Eqn>();
  for (const s of steps) {
    if (s.kind !== 'eqn' || s.eqn.prim !== 'transpose') continue;
    const src = s.eqn.inputs[0]!;
    const dot = src instanceof Var ? dotOf.get(src) : undefined;
    const swapsLast = swapsLastTwo(s.eqn);
    if (!dot || !swapsLast || outs.has(src) || (uses.get(src as Var) ?? []).length !== 1) continue;
    const { transA = false, transB = false } = (dot.params ?? {}) as DotParams;
    const params: DotParams = { transA: !transB, transB: !transA };
    fused.set(dot, { prim: 'dot', inputs: [dot.inputs[1]!, dot.inputs[0]!], params, outs: s.eqn.outs });
  }
  if (fused.size === 0) return [...steps];
  const dropped = new Set([...fused.values()].map((e) => e.outs[0]!));
  return steps.flatMap((s): Step[] => {
    if (s.kind !== 'eqn') return [s];
    const f = fused.get(s.eqn);
    if (f) return [{ kind: 'eqn', eqn: f }];
    return s.eqn.prim === 'transpose' && dropped.has(s.eqn.outs[0]!) ? [] : [s];
  });
}

function makeRunner(step: Step): Runner {
  if (step.kind === 'alias') return () => {};
  if (step.kind === 'fused') {
    const c = step.cluster;
    const kernel = compileClusterWasm(c) ?? compileCluster(c);
    const outVars = [...c.outputs, ...(c.reduce ? [c.reduce.out] : [])];
    return (read, write) => kernel(c.inputs.map((i) => (i.atom instanceof Lit ? undefined : read(i.atom))), outVars.map(write));
  }
  const e = step.eqn;
  if (e.prim === 'dot') {
    const out = e.outs[0]!.aval.shape;
    const r = out.length;
    const [m, n] = [out[r - 2]!, out[r - 1]!];
    const { transA = false, transB = false } = (e.params ?? {}) as DotParams;
    const aShape = e.inputs[0]!.aval.shape;
    const k = transA ? aShape[r - 2]! : aShape[r - 1]!;
    const batch = sizeOf(out.slice(0, -2));
    return (read, write) => matmulKernel(read(e.inputs[0]!), read(e.inputs[1]!), batch, m, k, n, write(e.outs[0]!), 'auto', { transA, transB });
  }
  const kernel = cpuKernels[e.prim as Prim] as (xs: any[], params: any, out: any, y: TypedArray) => void;
  if (!kernel) throw new Error(`jit: the CPU backend has no kernel for '${e.prim}'`);
  const out = e.outs[0]!.aval;
  const views = e.inputs.map((a) => ({ shape: a.aval.shape, dtype: a.aval.dtype, _storage: undefined as unknown }));
  return (read, write) => {
    e.inputs.forEach((a, i) => (views[i]!._storage = read(a)));
    kernel(views, e.params, out, write(e.outs[0]!));
  };
}

interface BufferPlan {
  readonly slotOf: Map<Var, Slot>;
  readonly buffers: { dtype: DType; size: number }[];
  readonly fresh: { dtype: DType; shape: readonly number[]; step: number }[];
  /** The last step that reads each variable's storage (alias groups share it). */
  readonly lastUse: ReadonlyMap<Var, number>;
  readonly escaping: ReadonlySet<Var>;
}

/**
 * For each fresh output, the donated argument whose buffer it may take (-1: none). Safe when
 * the argument is not read after the step that writes the output, or is read by that same step
 * only elementwise at the output's own index (an in-place update such as p - lr * g).
 */
function donationPlan(jaxpr: Jaxpr, steps: readonly Step[], plan: BufferPlan, donate: readonly boolean[]): number[] {
  const claimed = new Set<number>();
  return plan.fresh.map((out) => {
    const producer = steps[out.step];
    for (let i = 0; i < jaxpr.invars.length; i++) {
      const v = jaxpr.invars[i]!;
      if (!donate[i] || claimed.has(i) || plan.escaping.has(v)) continue;
      if (v.aval.dtype !== out.dtype || sizeOf(v.aval.shape) !== sizeOf(out.shape)) continue;
      const last = plan.lastUse.get(v) ?? -1;
      const inPlace = last === out.step && producer?.kind === 'fused' && !producer.cluster.reduce &&
        producer.cluster.inputs.every((inp) => inp.atom !== v || (sizeOf(v.aval.shape) === sizeOf(producer.cluster.shape) && v.aval.shape.length === producer.cluster.shape.length && inp.strides.every((s, k) => s === contiguousStride(producer.cluster.shape, k))));
      if (last < out.step || inPlace) {
        claimed.add(i);
        return i;
      }
    }
    return -1;
  });
}

function contiguousStride(shape: readonly number[], axis: number): number {
  if (shape[axis] === 1) return 0;
  let s = 1;
  for (let k = axis + 1; k < shape.length; k++) s *= shape[k]!;
  return s;
}

/**
 * Give every variable a slot. Reshapes alias their input. Values the program returns get fresh
 * arrays per call; every other intermediate gets a persistent buffer, returned to a pool (keyed
 * by dtype and size) after its last use so later steps reuse it.
 */
function planBuffers(jaxpr: Jaxpr, steps: readonly Step[]): BufferPlan {
  const slotOf = new Map<Var, Slot>();
  jaxpr.invars.forEach((v, i) => slotOf.set(v, { kind: 'arg', index: i }));
  jaxpr.constvars.forEach((v, i) => slotOf.set(v, { kind: 'const', index: i }));

  // Alias groups: a reshape's output shares its input's storage.
  const root = new Map<Var, Var>();
  const rootOf = (v: Var): Var => root.get(v) ?? v;
  for (const s of steps) if (s.kind === 'alias' && s.eqn.inputs[0] instanceof Var) root.set(s.eqn.outs[0]!, rootOf(s.eqn.inputs[0]));
  const escaping = new Set<Var>(jaxpr.outs.filter((o): o is Var => o instanceof Var).map(rootOf));

  // Last step reading each root (outputs live to the end).
  const lastUse = new Map<Var, number>();
  const reads = (s: Step): readonly Atom[] => (s.kind === 'fused' ? s.cluster.inputs.map((i) => i.atom) : s.eqn.inputs);
  steps.forEach((s, k) => {
    for (const a of reads(s)) if (a instanceof Var) lastUse.set(rootOf(a), k);
  });

  const buffers: { dtype: DType; size: number }[] = [];
  const fresh: { dtype: DType; shape: readonly number[]; step: number }[] = [];
  let currentStep = 0;
  const pool = new Map<string, number[]>();
  const keyOf = (v: Var) => `${v.aval.dtype}:${sizeOf(v.aval.shape)}`;
  const allocate = (v: Var) => {
    const r = rootOf(v);
    if (r !== v) return;
    if (escaping.has(v)) {
      slotOf.set(v, { kind: 'fresh', index: fresh.length });
      fresh.push({ dtype: v.aval.dtype, shape: v.aval.shape, step: currentStep });
      return;
    }
    const free = pool.get(keyOf(v));
    const index = free && free.length ? free.pop()! : buffers.push({ dtype: v.aval.dtype, size: sizeOf(v.aval.shape) }) - 1;
    slotOf.set(v, { kind: 'buffer', index });
  };
  const lastUseAll = new Map(lastUse);
  steps.forEach((s, k) => {
    currentStep = k;
    const outs = s.kind === 'fused' ? [...s.cluster.outputs, ...(s.cluster.reduce ? [s.cluster.reduce.out] : [])] : s.eqn.outs;
    outs.forEach(allocate);
    // Release buffers whose last reader was this step (after the outputs were allocated, so an
    // output never shares storage with an input of the same step).
    for (const a of reads(s)) {
      if (!(a instanceof Var)) continue;
      const r = rootOf(a);
      const slot = slotOf.get(r);
      if (slot?.kind === 'buffer' && lastUse.get(r) === k) {
        const key = keyOf(r);
        const list = pool.get(key) ?? [];
        if (!list.includes(slot.index)) list.push(slot.index);
        pool.set(key, list);
        lastUse.delete(r);
      }
    }
  });
  // Aliases read their root's slot.
  for (const [v, r] of root) slotOf.set(v, slotOf.get(rootOf(r))!);
  return { slotOf, buffers, fresh, lastUse: lastUseAll, escaping };
}
