/**
 * Fusion: split a jaxpr into steps for a backend. Chains of elementwise equations become one
 * fused loop (a cluster) that keeps intermediates in registers; broadcasts feeding a cluster are
 * read in place with zero strides instead of being materialized; a reduction may close a
 * cluster (an elementwise prologue of the reduction); reshapes are free aliases.
 */
import { BINARY, COMPARE, REDUCE, UNARY, type Prim, type ReducePrim } from '../../tensor';
import { Lit, Var, type Atom, type Eqn, type Jaxpr } from '../jaxpr';

export const ELEMENTWISE = new Set<string>([...UNARY, ...BINARY, ...COMPARE, 'where', 'cast', 'shiftRightLogical']);
const REDUCTIONS = new Set<string>(REDUCE);

/** How a cluster reads one of its inputs: per-axis strides over the iteration shape. */
export interface ClusterInput {
  readonly atom: Atom;
  /** Strides (in elements of the atom's buffer) for each axis of the iteration shape; 0 broadcasts. */
  readonly strides: readonly number[];
}

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
  | { readonly kind: 'alias'; readonly eqn: Eqn }
  | { readonly kind: 'fused'; readonly cluster: Cluster };

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Count how often each var is read (by equations and as a program output). */
function useCounts(jaxpr: Jaxpr): Map<Var, number> {
  const uses = new Map<Var, number>();
  const use = (a: Atom) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of jaxpr.eqns) e.inputs.forEach(use);
  jaxpr.outs.forEach(use);
  return uses;
}

export function fuse(jaxpr: Jaxpr): Step[] {
  const uses = useCounts(jaxpr);
  const broadcastOf = new Map<Var, Eqn>();
  for (const e of jaxpr.eqns) if (e.prim === 'broadcast') broadcastOf.set(e.outs[0]!, e);
  // Uses of each broadcast output absorbed by clusters; a fully absorbed broadcast is dropped.
  const absorbed = new Map<Var, number>();

  const steps: (Step | { kind: 'pending-broadcast'; eqn: Eqn })[] = [];
  type Open = { shape: readonly number[]; eqns: Eqn[]; produced: Set<Var>; inputs: ClusterInput[]; seen: Map<string, number>; reads: Map<Atom, number> };
  let open: Open | null = null;
  const newCluster = (shape: readonly number[]): Open => ({ shape, eqns: [], produced: new Set(), inputs: [], seen: new Map(), reads: new Map() });

  const inputIndex = (c: Open, reader: Atom, atom: Atom, strides: readonly number[]) => {
    const key = `${atom instanceof Var ? `v${atom.id}` : `l${(atom as Lit).value._id}`}:${strides.join(',')}`;
    if (!c.seen.has(key)) {
      c.seen.set(key, c.inputs.length);
      c.inputs.push({ atom, strides });
    }
    c.reads.set(reader, c.seen.get(key)!);
  };

  const close = (reduce?: Cluster['reduce']) => {
    if (!open) return;
    const c = open;
    open = null;
    // A value is an output when something outside the cluster reads it.
    const internalUses = new Map<Var, number>();
    for (const e of c.eqns) for (const a of e.inputs) if (a instanceof Var && c.produced.has(a)) internalUses.set(a, (internalUses.get(a) ?? 0) + 1);
    if (reduce && reduce.input instanceof Var && c.produced.has(reduce.input)) internalUses.set(reduce.input, (internalUses.get(reduce.input) ?? 0) + 1);
    const outputs = [...c.produced].filter((v) => (uses.get(v) ?? 0) > (internalUses.get(v) ?? 0));
    steps.push({ kind: 'fused', cluster: { shape: c.shape, eqns: c.eqns, inputs: c.inputs, outputs, reads: c.reads, reduce } });
  };

  /** Register how the cluster reads `a` (directly, or through an absorbed broadcast). */
  const addRead = (c: Open, a: Atom) => {
    if (a instanceof Lit) return inputIndex(c, a, a, c.shape.map(() => 0));
    if (c.produced.has(a)) return;
    const b = broadcastOf.get(a);
    const src = b?.inputs[0];
    if (b && src && !(src instanceof Var && c.produced.has(src))) {
      absorbed.set(a, (absorbed.get(a) ?? 0) + 1);
      return inputIndex(c, a, src, contiguousStrides(src.aval.shape));
    }
    inputIndex(c, a, a, contiguousStrides(a.aval.shape));
  };

  for (const e of jaxpr.eqns) {
    if (ELEMENTWISE.has(e.prim)) {
      const shape = e.outs[0]!.aval.shape;
      if (!open || !sameShape(open.shape, shape)) {
        close();
        open = newCluster(shape);
      }
      for (const a of e.inputs) addRead(open, a);
      open.eqns.push(e);
      open.produced.add(e.outs[0]!);
      continue;
    }
    if (REDUCTIONS.has(e.prim)) {
      const input = e.inputs[0]!;
      const inShape = input.aval.shape;
      const fusesWithOpen = open && sameShape(open.shape, inShape) && input instanceof Var && open.produced.has(input);
      if (!fusesWithOpen) {
        close();
        open = newCluster(inShape);
        addRead(open, input);
      }
      close({ prim: e.prim as ReducePrim, axes: (e.params as { axes: readonly number[] }).axes, input, out: e.outs[0]! });
      continue;
    }
    if (e.prim === 'reshape' || e.prim === 'broadcast') {
      // Free or absorbable: the open cluster continues past it unless it needs the cluster's value
      // (the step is placed before the cluster, which is pushed when it closes).
      const src = e.inputs[0]!;
      if (open && src instanceof Var && open.produced.has(src)) close();
      steps.push(e.prim === 'reshape' ? { kind: 'alias', eqn: e } : { kind: 'pending-broadcast', eqn: e });
      continue;
    }
    close();
    steps.push({ kind: 'eqn', eqn: e });
  }
  close();
  // Keep a broadcast only if some reader did not absorb it.
  return steps.flatMap((s): Step[] => {
    if (s.kind !== 'pending-broadcast') return [s];
    const v = s.eqn.outs[0]!;
    return (uses.get(v) ?? 0) > (absorbed.get(v) ?? 0) ? [{ kind: 'eqn', eqn: s.eqn }] : [];
  });
}

export type { Prim };
