/**
 * The device-neutral program that backends lower: jit (src/grad/jit) fuses an optimized jaxpr
 * into steps and hands them, with its buffer planner, to the backend of the arguments' device
 * (`Backend.lower`). The types live here, below src/grad, so a backend never imports src/grad.
 */
import type { DType } from './dtype';
import type { Tensor } from './core';
import type { Atom, ClosedJaxpr, Eqn, Jaxpr, Var } from './jaxpr';
import type { ReducePrim } from './primitives';
import { contiguousStrides, shapeEqual, sizeOf } from './shape';

/** How a cluster reads one of its inputs: per-axis strides over the iteration shape. */
export interface ClusterInput {
  readonly atom: Atom;
  /** Strides (in elements of the atom's buffer) for each axis of the iteration shape; 0 broadcasts. */
  readonly strides: readonly number[];
}

/** A fused loop: elementwise equations over one iteration shape, optionally closed by a reduction. */
export interface Cluster {
  /** The iteration shape: the shape of every elementwise value in the cluster. */
  readonly shape: readonly number[];
  readonly eqns: readonly Eqn[];
  readonly inputs: readonly ClusterInput[];
  /** Values computed in the cluster that are needed outside it (materialized, contiguous). */
  readonly outputs: readonly Var[];
  /** For each value read from outside (an eqn operand or the reduced value): its input index. */
  readonly reads: ReadonlyMap<Atom, number>;
  /** A reduction closing the cluster: reduces `input` over `axes` into `out`. */
  readonly reduce?: { readonly prim: ReducePrim; readonly axes: readonly number[]; readonly input: Atom; readonly out: Var };
}

export type Step =
  | { readonly kind: 'eqn'; readonly eqn: Eqn }
  /** A reshape: its output shares its input's storage. */
  | { readonly kind: 'alias'; readonly eqn: Eqn }
  | { readonly kind: 'fused'; readonly cluster: Cluster };

/** Every value a cluster writes: its outputs, then the reduction's result. */
export function clusterWrites(c: Cluster): Var[] {
  return c.reduce ? [...c.outputs, c.reduce.out] : [...c.outputs];
}

/**
 * The inputs a cluster reads only at the index it writes (contiguous reads of a loop without a
 * reduction): an output may overwrite their storage in place, since each element is read
 * before it is written.
 */
export function inPlaceReads(c: Cluster): Atom[] {
  if (c.reduce) return [];
  const contiguous = contiguousStrides(c.shape);
  const n = sizeOf(c.shape);
  return c.inputs.filter((i) => sizeOf(i.atom.aval.shape) === n && shapeEqual(i.strides, contiguous)).map((i) => i.atom);
}

// ---------------------------------------------------------------------------------------------
// Buffer planning (the planner itself is jit's, src/grad/jit/plan.ts)

/** A step as the buffer planner sees it. */
export interface PlannedStep {
  readonly reads: readonly Atom[];
  readonly writes: readonly Var[];
  /** A reshape: `to` shares `from`'s storage. */
  readonly alias?: { readonly from: Atom; readonly to: Var };
  /** Reads that an output of this step may overwrite in place (see inPlaceReads). */
  readonly inPlace?: readonly Atom[];
  /** Scratch arrays used only while the step runs. */
  readonly temps?: readonly BufferSpec[];
}

export interface BufferSpec {
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
}

/** Where a value lives at run time. */
export type Slot =
  | { readonly kind: 'arg'; readonly index: number }
  | { readonly kind: 'const'; readonly index: number }
  /** A buffer the program owns and reuses across calls. */
  | { readonly kind: 'buffer'; readonly index: number }
  /** A value the program returns: fresh storage per call (or a donated argument's). */
  | { readonly kind: 'output'; readonly index: number };

export interface BufferPlan {
  /** The slot of every variable (reshape aliases share their source's). */
  readonly slotOf: ReadonlyMap<Var, Slot>;
  /** Program-owned buffers, each reused by values whose lifetimes do not overlap. */
  readonly buffers: readonly BufferSpec[];
  /** The 'output' slots: the values the program returns, and the step writing each. */
  readonly outputs: readonly (BufferSpec & { readonly shape: readonly number[]; readonly step: number })[];
  /** Per step, the buffers backing its temps. */
  readonly temps: readonly (readonly number[])[];
  /**
   * Per output slot, the argument whose storage it takes this call (`arg`, -1: fresh storage),
   * given each argument's storage identity (undefined: not donatable, e.g. viewed by another
   * tensor). Decided per buffer: arguments sharing one buffer (tied weights) give it to one
   * output at most, and only when every argument viewing it was donated and none is read after
   * the output is written. With `lateCopies`, an output whose donor is still read later may take
   * its storage by a copy after the last step (`late`: compute it elsewhere, then copy).
   */
  donors(storage: readonly (object | undefined)[], lateCopies?: boolean): { readonly arg: readonly number[]; readonly late: readonly boolean[] };
}

export interface PlanOptions {
  /** Which arguments the caller donated (jit's donateArgnums, per leaf). */
  readonly donate: readonly boolean[];
  /** Arrays of equal key are interchangeable (pooled together; a donated one may back an output). */
  readonly storageKey: (spec: BufferSpec) => string;
}

export type Planner = (jaxpr: Jaxpr, steps: readonly PlannedStep[], options: PlanOptions) => BufferPlan;

// ---------------------------------------------------------------------------------------------
// Lowering

export interface Executable {
  run(args: readonly Tensor[]): Tensor[];
  /** What the lowering produced, for tests and debugging. */
  readonly stats: { readonly steps: number; readonly fused: number; readonly kernels: number; readonly buffers: number };
  /** Run once and time each step (milliseconds, with a description of the step). */
  profile?(args: readonly Tensor[]): { step: string; ms: number }[];
  /** Release what the program owns now (device buffers); later runs throw. */
  dispose?(): void;
}

export interface LoweringInput {
  /** An optimized jaxpr; `consts` bind its constvars. */
  readonly jaxpr: Jaxpr;
  readonly consts: readonly Tensor[];
  /** The jaxpr fused into steps (jit's fusion, the same for every device). */
  readonly steps: readonly Step[];
  /** Per argument: may the program reuse its storage for an output? (it becomes invalid) */
  readonly donate: readonly boolean[];
  /** jit's buffer planner, handed in so that backends need not import src/grad. */
  readonly planBuffers: Planner;
  /**
   * A sub-program (a cond branch, a scan or while body) prepared like this one (jit's inlining,
   * fusion and planner), for the backend to lower as part of this program.
   */
  readonly prepare: (sub: ClosedJaxpr) => LoweringInput;
}

/** Compiles a fused program for one device (a backend's `lower`). */
export type Lowering = (program: LoweringInput) => Executable;
