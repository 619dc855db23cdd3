/**
 * Lowering a jaxpr to an ONNX graph. Two passes, neither recursive (an unrolled loop can make
 * chains of thousands of equations):
 *
 * 1. Backward: starting from the outputs, each needed equation's rule makes a plan saying which
 *    atoms it reads. A plan that pattern-matches (patches -> reshape -> dot as Conv, a matmul plus
 *    bias as Gemm, an elementwise op reading a broadcast's source) reads other atoms than the
 *    equation's inputs, so the matched intermediates are never emitted unless something else
 *    needs them.
 * 2. Forward: the plans emit their nodes in program order, which is a topological order.
 *
 * `lowerJaxpr` fills a GraphBuilder; control flow's rows (control.ts) reuse it for their If
 * branches and Loop bodies.
 */
import type { Jaxpr } from '../grad';
import type { Tensor } from '../tensor';
import { valueInfo, type GraphBuilder } from './graph';
import type { GraphProto, ValueInfoProto } from './proto/onnx_pb';

export type Var = Jaxpr['invars'][number];
export type Atom = Jaxpr['outs'][number];
export type Eqn = Jaxpr['eqns'][number];

export type Lit = Exclude<Atom, Var>;

/** A literal (a constant inlined into an equation) rather than a variable. */
export const isLiteral = (a: Atom): a is Lit => !('id' in a);

/** One dimension as an affine function of the dynamic batch size: a * batch + c (a = 0: static). */
export interface SymDim {
  readonly a: number;
  readonly c: number;
}
export type SymShape = readonly SymDim[];
export const staticDims = (shape: readonly number[]): SymShape => shape.map((c) => ({ a: 0, c }));
export const isStatic = (dims: SymShape): boolean => dims.every((d) => d.a === 0);

/** What a rule will do for one equation: the atoms it reads, and how it emits its outputs. */
export interface Plan {
  readonly reads: readonly Atom[];
  /** Emit nodes (reading only `reads` through ctx.value) and return one value name per output. */
  readonly emit: () => string[];
}

export interface LowerContext {
  readonly graph: GraphBuilder;
  readonly opset: number;
  /** The ONNX value name of an atom the plan declared in `reads`. */
  value(a: Atom): string;
  /** The equation computing a variable, for pattern matching (undefined for inputs and constants). */
  producer(a: Atom): Eqn | undefined;
  /** How many equation inputs and program outputs read a variable. */
  uses(a: Atom): number;
  /** The value of an atom known at export time: a literal or a captured constant. */
  known(a: Atom): Tensor | undefined;
  /** An atom's shape; with a dynamic batch, its dynamic dims. */
  dims(a: Atom): SymShape;
  /** A 1-D int64 value holding these dims: an initializer when static, else computed from the batch size. */
  shapeValue(dims: SymShape): string;
  /** A new graph input standing for an equation's output the graph cannot compute (random bits). */
  extraInput(eqn: Eqn): string;
}

export type PlanRule = (ctx: LowerContext, eqn: Eqn) => Plan;

export interface BatchSource {
  /** A graph input (or outer-scope value) with the batch on `axis`. */
  readonly value: string;
  readonly axis: number;
}

export interface LowerOptions {
  readonly opset: number;
  /** Value names of the jaxpr's inputs (constvars excluded). */
  readonly inputs: readonly string[];
  /** Values of the constvars, stored as initializers when read. */
  readonly consts: readonly Tensor[];
  /** The rule of each primitive. */
  readonly rules: (prim: string) => PlanRule | undefined;
  /** Dynamic dims of variables (a dynamic-batch export); others are static. */
  readonly dims?: ReadonlyMap<Var, SymShape>;
  readonly batch?: BatchSource;
  /** Declare a graph input for an equation's output (see LowerContext.extraInput). */
  readonly extraInput?: (eqn: Eqn) => string;
}

/** Lower a jaxpr into `graph`; returns the value name of each jaxpr output. */
export function lowerJaxpr(graph: GraphBuilder, jaxpr: Jaxpr, options: LowerOptions): string[] {
  const producers = new Map<Var, Eqn>();
  const uses = new Map<Var, number>();
  const count = (a: Atom) => {
    if (!isLiteral(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of jaxpr.eqns) {
    e.inputs.forEach(count);
    for (const o of e.outs) producers.set(o, e);
  }
  jaxpr.outs.forEach(count);
  const known = new Map<Var, Tensor>();
  jaxpr.constvars.forEach((v, i) => known.set(v, options.consts[i]!));

  const names = new Map<Var, string>();
  jaxpr.invars.forEach((v, i) => names.set(v, options.inputs[i]!));
  const literalNames = new Map<Atom, string>();
  const dimNames = new Map<string, string>();
  let batchSize: string | undefined;

  const ctx: LowerContext = {
    graph,
    opset: options.opset,
    value(a) {
      if (isLiteral(a)) {
        let n = literalNames.get(a);
        if (n === undefined) literalNames.set(a, (n = graph.tensor(a.value)));
        return n;
      }
      let n = names.get(a);
      if (n === undefined) {
        const c = known.get(a);
        if (!c) throw new Error('toOnnx: internal: a plan read a value it did not declare');
        names.set(a, (n = graph.tensor(c)));
      }
      return n;
    },
    producer: (a) => (isLiteral(a) ? undefined : producers.get(a)),
    uses: (a) => (isLiteral(a) ? 1 : uses.get(a) ?? 0),
    known: (a) => (isLiteral(a) ? a.value : known.get(a)),
    dims: (a) => (!isLiteral(a) && options.dims?.get(a)) || staticDims(a.aval.shape),
    shapeValue(dims) {
      if (isStatic(dims)) return graph.ints(dims.map((d) => d.c));
      const pieces: string[] = [];
      let run: number[] = [];
      const flush = () => {
        if (run.length) pieces.push(graph.ints(run));
        run = [];
      };
      for (const d of dims) {
        if (d.a === 0) run.push(d.c);
        else {
          flush();
          pieces.push(dimValue(d));
        }
      }
      flush();
      return pieces.length === 1 ? pieces[0]! : graph.op('Concat', pieces, { axis: 0 });
    },
    extraInput(eqn) {
      if (!options.extraInput) throw new Error(`toOnnx: primitive '${eqn.prim}' needs a graph input of its own here, and this graph cannot declare one`);
      return options.extraInput(eqn);
    },
  };

  /** a * batch + c as a [1] int64 value. */
  function dimValue(d: SymDim): string {
    const key = `${d.a}*b+${d.c}`;
    let n = dimNames.get(key);
    if (n !== undefined) return n;
    if (!options.batch) throw new Error('toOnnx: internal: a dynamic dimension without a batch input');
    batchSize ??= graph.op('Shape', [options.batch.value], { start: options.batch.axis, end: options.batch.axis + 1 });
    n = d.a === 1 ? batchSize : graph.op('Mul', [batchSize, graph.ints([d.a])]);
    if (d.c !== 0) n = graph.op('Add', [n, graph.ints([d.c])]);
    dimNames.set(key, n);
    return n;
  }

  // Backward: plan every needed equation.
  const needed = new Set<Var>();
  const need = (a: Atom) => {
    if (!isLiteral(a)) needed.add(a);
  };
  jaxpr.outs.forEach(need);
  const plans = new Map<Eqn, Plan>();
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!;
    if (!e.outs.some((o) => needed.has(o))) continue;
    const rule = options.rules(e.prim);
    if (!rule) throw new Error(`toOnnx: no ONNX mapping for primitive '${e.prim}'`);
    const plan = rule(ctx, e);
    plans.set(e, plan);
    plan.reads.forEach(need);
  }
  // Forward: emit in program order.
  for (const e of jaxpr.eqns) {
    const plan = plans.get(e);
    if (!plan) continue;
    const outs = plan.emit();
    e.outs.forEach((o, i) => names.set(o, outs[i]!));
  }
  return jaxpr.outs.map((a) => ctx.value(a));
}

/**
 * A subgraph (an If branch, a Loop or Scan body) computing a jaxpr inside `parent`'s model. The
 * jaxpr's inputs are `options.inputs`: values of the enclosing graphs (an If branch reads them
 * from the outer scope) or the subgraph's own formal inputs, declared in `formalInputs` (a Loop
 * body's iteration count, condition and carried values). Names stay unique across the model.
 * @example const thenBranch = jaxprToSubgraph(graph, branchJaxpr, { ...options, inputs: ['x'], name: 'then' });
 */
export function jaxprToSubgraph(parent: GraphBuilder, jaxpr: Jaxpr, options: LowerOptions & { readonly name: string; readonly formalInputs?: readonly ValueInfoProto[] }): GraphProto {
  const body = parent.child();
  const values = lowerJaxpr(body, jaxpr, options);
  const outs = values.map((v, i) => valueInfo(body.op('Identity', [v]), jaxpr.outs[i]!.aval.dtype, jaxpr.outs[i]!.aval.shape));
  return body.graph(options.name, options.formalInputs ?? [], outs);
}
