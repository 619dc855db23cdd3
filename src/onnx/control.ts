/**
 * The ONNX lowering of the higher-order primitives, one row each (a total map over them, like
 * the built-in table in rules.ts). Control flow keeps its structure in the graph:
 *
 * - cond/switch -> If, nested for more than two branches (If(index == 0, b0, If(index == 1, ...)));
 *   each branch is a subgraph reading the operands from the enclosing scope.
 * - scan -> Loop with `length` iterations: the body gathers its xs slices (iteration i, or
 *   length - 1 - i in reverse) and returns its ys as Loop's scan outputs, flipped back afterwards
 *   for a reverse scan.
 * - whileLoop -> Loop with no trip count, its condition computed before the loop and by the body.
 *
 * Calls of closed programs (jit calls, custom-rule functions, checkpoints) are spliced in before
 * lowering (trace.ts), as a compiled program does; reaching this table is an internal error.
 */
import type { Aval, ClosedJaxpr, HigherOrderParams, HigherOrderPrim } from '../tensor';
import { valueInfo, type GraphBuilder } from './graph';
import { lowerJaxpr, type Eqn, type LowerContext, type LowerOptions, type Plan, type PlanRule } from './lower';
import type { ValueInfoProto } from './proto/onnx_pb';

type HigherRule<P extends HigherOrderPrim> = (ctx: LowerContext, eqn: Eqn, params: HigherOrderParams[P], rules: (prim: string) => PlanRule | undefined) => Plan;

const inlined = (prim: string) => (): Plan => {
  throw new Error(`toOnnx: internal: '${prim}' should have been spliced in before lowering`);
};

/** Options to lower a sub-program inside `ctx`'s graph (its constants become its own initializers). */
function subOptions(ctx: LowerContext, c: ClosedJaxpr, inputs: readonly string[], rules: (prim: string) => PlanRule | undefined, inLoop: boolean): LowerOptions {
  return {
    opset: ctx.opset,
    inputs,
    consts: c.consts,
    rules,
    extraInput: inLoop
      ? (e) => {
        throw new Error(`toOnnx: primitive '${e.prim}' inside a loop body would need fresh values every iteration, which a graph input cannot give; draw them outside the loop`);
      }
      : (e) => ctx.extraInput(e),
  };
}

/** A subgraph: `build` emits into its builder and returns its outputs' value names. */
function subgraph(parent: GraphBuilder, name: string, formalInputs: readonly ValueInfoProto[], outAvals: readonly { shape: readonly number[]; dtype: string }[], build: (body: GraphBuilder) => string[]) {
  const body = parent.child();
  const values = build(body);
  const outs = values.map((v, i) => valueInfo(body.op('Identity', [v]), outAvals[i]!.dtype as never, outAvals[i]!.shape));
  return body.graph(name, formalInputs, outs);
}

const boolAval = { shape: [] as number[], dtype: 'bool' };

/** A Loop body's formal inputs: the iteration number, the incoming condition, then the carried values. */
function loopInputs(g: GraphBuilder, carryAvals: readonly Aval[]) {
  const iter = g.fresh('iter');
  const condIn = g.fresh('cond');
  const carried = carryAvals.map(() => g.fresh('carry'));
  const formal = [valueInfo(iter, 'int64', []), valueInfo(condIn, 'bool', []), ...carried.map((n, i) => valueInfo(n, carryAvals[i]!.dtype, carryAvals[i]!.shape))];
  return { iter, condIn, carried, formal };
}

export const higherOrderRules = {
  jitCall: inlined('jitCall'),
  customJvpCall: inlined('customJvpCall'),
  customVjpCall: inlined('customVjpCall'),
  checkpoint: inlined('checkpoint'),
  customVjpLinear: () => {
    throw new Error("toOnnx: no ONNX mapping for primitive 'customVjpLinear' (the forward-mode tangent of a customVjp function; export the function or its grad instead)");
  },

  cond: (ctx, eqn, p, rules) => ({
    reads: eqn.inputs,
    emit: () => {
      const g = ctx.graph;
      const [index, ...ops] = eqn.inputs.map((a) => ctx.value(a));
      const outAvals = eqn.outs.map((v) => v.aval);
      const branch = (parent: GraphBuilder, k: number) => subgraph(parent, `branch${k}`, [], outAvals, (body) => lowerJaxpr(body, p.branches[k]!.jaxpr, subOptions(ctx, p.branches[k]!, ops, rules, false)));
      // If(index == k, branch k, <the rest>) from the first branch on; the last is the final else.
      const chain = (parent: GraphBuilder, k: number, outputs: number | readonly string[]): string[] => {
        if (k === p.branches.length - 1) return parent.node('Identity', [], {}, 0).concat(); // unreachable: n >= 2 handled below
        const test = parent.op('Equal', [index!, parent.scalar(k, 'int32')]);
        const elseBranch = k + 1 === p.branches.length - 1 ? branch(parent, k + 1) : subgraph(parent, `else${k}`, [], outAvals, (body) => chain(body, k + 1, outAvals.length));
        return parent.node('If', [test], { then_branch: branch(parent, k), else_branch: elseBranch }, outputs);
      };
      if (p.branches.length === 1) return lowerJaxpr(g, p.branches[0]!.jaxpr, subOptions(ctx, p.branches[0]!, ops, rules, false));
      return chain(g, 0, eqn.outs.length);
    },
  }),

  scan: (ctx, eqn, p, rules) => ({
    reads: eqn.inputs,
    emit: () => {
      const g = ctx.graph;
      const names = eqn.inputs.map((a) => ctx.value(a));
      const consts = names.slice(0, p.nConsts);
      const init = names.slice(p.nConsts, p.nConsts + p.nCarry);
      const xs = names.slice(p.nConsts + p.nCarry);
      const carryAvals = eqn.outs.slice(0, p.nCarry).map((v) => v.aval);
      const yAvals = p.body.outAvals.slice(p.nCarry);
      const { iter, condIn, carried, formal } = loopInputs(g, carryAvals);
      const body = subgraph(g, 'scanBody', formal, [boolAval, ...carryAvals, ...yAvals], (b) => {
        const index = p.reverse ? b.op('Sub', [b.scalar(p.length - 1, 'int64'), iter]) : iter;
        const slices = xs.map((x) => b.op('Gather', [x, index], { axis: 0 }));
        const outs = lowerJaxpr(b, p.body.jaxpr, subOptions(ctx, p.body, [...consts, ...carried, ...slices], rules, true));
        return [b.op('Identity', [condIn]), ...outs];
      });
      const outs = g.node('Loop', [g.scalar(p.length, 'int64'), g.scalar(1, 'bool'), ...init], { body }, eqn.outs.length);
      if (!p.reverse) return outs;
      // Loop stacks the ys in iteration order: flip them back into index order.
      const flip = (y: string) => g.op('Slice', [y, g.ints([-1]), g.ints([Number.MIN_SAFE_INTEGER]), g.ints([0]), g.ints([-1])]);
      return [...outs.slice(0, p.nCarry), ...outs.slice(p.nCarry).map(flip)];
    },
  }),

  whileLoop: (ctx, eqn, p, rules) => ({
    reads: eqn.inputs,
    emit: () => {
      const g = ctx.graph;
      const names = eqn.inputs.map((a) => ctx.value(a));
      const condConsts = names.slice(0, p.nCondConsts);
      const bodyConsts = names.slice(p.nCondConsts, p.nCondConsts + p.nBodyConsts);
      const init = names.slice(p.nCondConsts + p.nBodyConsts);
      const carryAvals = eqn.outs.map((v) => v.aval);
      const first = lowerJaxpr(g, p.cond.jaxpr, subOptions(ctx, p.cond, [...condConsts, ...init], rules, true))[0]!;
      const { carried, formal } = loopInputs(g, carryAvals);
      const body = subgraph(g, 'whileBody', formal, [boolAval, ...carryAvals], (b) => {
        const next = lowerJaxpr(b, p.body.jaxpr, subOptions(ctx, p.body, [...bodyConsts, ...carried], rules, true));
        const go = lowerJaxpr(b, p.cond.jaxpr, subOptions(ctx, p.cond, [...condConsts, ...next], rules, true))[0]!;
        return [go, ...next];
      });
      return g.node('Loop', ['', first, ...init], { body }, eqn.outs.length);
    },
  }),
} satisfies { [P in HigherOrderPrim]: HigherRule<P> };
