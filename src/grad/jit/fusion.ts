/**
 * Fusion: split a jaxpr into steps for a backend. Chains of elementwise equations become one
 * fused loop (a cluster) that keeps intermediates in registers; broadcasts feeding a cluster are
 * read in place with zero strides instead of being materialized; a reduction may close a
 * cluster (an elementwise prologue of the reduction); reshapes are free aliases.
 */
import { contiguousStrides, isElementwise, isReduce, Lit, shapeEqual, Var, type Atom, type Cluster, type ClusterInput, type Eqn, type Jaxpr, type Step } from '../../tensor';


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

/**
 * Group equations into steps. Several clusters may be open at once, one per iteration shape, so
 * that interleaved chains (an optimizer update over many parameters) still fuse per shape. A
 * cluster is emitted (closed) when something outside it needs one of its values, or at the end;
 * no open cluster ever reads from another, which keeps the emitted order valid.
 */
export function fuse(jaxpr: Jaxpr): Step[] {
  const uses = useCounts(jaxpr);
  const broadcastOf = new Map<Var, Eqn>();
  for (const e of jaxpr.eqns) if (e.prim === 'broadcast') broadcastOf.set(e.outs[0]!, e);
  // Uses of each broadcast output absorbed by clusters; a fully absorbed broadcast is dropped.
  const absorbed = new Map<Var, number>();

  type Open = { shape: readonly number[]; eqns: Eqn[]; produced: Set<Var>; inputs: ClusterInput[]; seen: Map<string, number>; reads: Map<Atom, number> };
  const steps: (Step | { kind: 'pending-broadcast'; eqn: Eqn })[] = [];
  const open = new Map<string, Open>();
  const producer = new Map<Var, Open>();
  const shapeKey = (shape: readonly number[]) => shape.join(',');
  const newCluster = (shape: readonly number[]): Open => ({ shape, eqns: [], produced: new Set(), inputs: [], seen: new Map(), reads: new Map() });

  const inputIndex = (c: Open, reader: Atom, atom: Atom, strides: readonly number[]) => {
    const key = `${atom instanceof Var ? `v${atom.id}` : `l${(atom as Lit).value._id}`}:${strides.join(',')}`;
    if (!c.seen.has(key)) {
      c.seen.set(key, c.inputs.length);
      c.inputs.push({ atom, strides });
    }
    c.reads.set(reader, c.seen.get(key)!);
  };

  const emit = (c: Open, reduce?: Cluster['reduce']) => {
    if (open.get(shapeKey(c.shape)) === c) open.delete(shapeKey(c.shape));
    for (const v of c.produced) producer.delete(v);
    // A value is an output when something outside the cluster reads it.
    const internalUses = new Map<Var, number>();
    for (const e of c.eqns) for (const a of e.inputs) if (a instanceof Var && c.produced.has(a)) internalUses.set(a, (internalUses.get(a) ?? 0) + 1);
    if (reduce && reduce.input instanceof Var && c.produced.has(reduce.input)) internalUses.set(reduce.input, (internalUses.get(reduce.input) ?? 0) + 1);
    const outputs = [...c.produced].filter((v) => (uses.get(v) ?? 0) > (internalUses.get(v) ?? 0));
    if (c.eqns.length === 0 && !reduce) return;
    steps.push({ kind: 'fused', cluster: { shape: c.shape, eqns: c.eqns, inputs: c.inputs, outputs, reads: c.reads, reduce } });
  };

  /** Emit the open cluster producing `a`, unless it is `except` (the reader's own cluster). */
  const need = (a: Atom | undefined, except?: Open) => {
    if (!(a instanceof Var)) return;
    const c = producer.get(a);
    if (c && c !== except) emit(c);
  };

  /** Register how the cluster reads `a` (directly, or through an absorbed broadcast). */
  const addRead = (c: Open, a: Atom) => {
    if (a instanceof Lit) return inputIndex(c, a, a, c.shape.map(() => 0));
    if (c.produced.has(a)) return;
    const b = broadcastOf.get(a);
    const src = b?.inputs[0];
    // An absorbed broadcast reads its source; a pending broadcast step was emitted before, but
    // its source may sit in another open cluster: that one must be emitted first.
    if (b && src && !(src instanceof Var && c.produced.has(src))) {
      need(src, c);
      absorbed.set(a, (absorbed.get(a) ?? 0) + 1);
      return inputIndex(c, a, src, contiguousStrides(src.aval.shape));
    }
    inputIndex(c, a, a, contiguousStrides(a.aval.shape));
  };

  for (const e of jaxpr.eqns) {
    if (isElementwise(e.prim)) {
      const shape = e.outs[0]!.aval.shape;
      let c = open.get(shapeKey(shape));
      for (const a of e.inputs) need(a, c);
      if (!c) open.set(shapeKey(shape), (c = newCluster(shape)));
      for (const a of e.inputs) addRead(c, a);
      c.eqns.push(e);
      c.produced.add(e.outs[0]!);
      producer.set(e.outs[0]!, c);
      continue;
    }
    if (isReduce(e.prim)) {
      const input = e.inputs[0]!;
      const own = input instanceof Var ? producer.get(input) : undefined;
      const reduce = { prim: e.prim, axes: (e.params as { axes: readonly number[] }).axes, input, out: e.outs[0]! };
      if (own && shapeEqual(own.shape, input.aval.shape)) {
        emit(own, reduce);
        continue;
      }
      need(input);
      const c = newCluster(input.aval.shape);
      addRead(c, input);
      emit(c, reduce);
      continue;
    }
    for (const a of e.inputs) need(a);
    // A reshape shares its input's storage, unless that input is a literal (no storage to share).
    if (e.prim === 'reshape' && e.inputs[0] instanceof Var) steps.push({ kind: 'alias', eqn: e });
    else if (e.prim === 'broadcast') steps.push({ kind: 'pending-broadcast', eqn: e });
    else steps.push({ kind: 'eqn', eqn: e });
  }
  for (const c of [...open.values()]) emit(c);
  // Keep a broadcast only if some reader did not absorb it.
  return steps.flatMap((s): Step[] => {
    if (s.kind !== 'pending-broadcast') return [s];
    const v = s.eqn.outs[0]!;
    return (uses.get(v) ?? 0) > (absorbed.get(v) ?? 0) ? [{ kind: 'eqn', eqn: s.eqn }] : [];
  });
}

