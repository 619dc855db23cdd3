/**
 * The ONNX lowering of every primitive: one row each, typed as a total map over the primitive set
 * so a new primitive fails to compile here until it has a row. Opset 17 or newer (default 18).
 * The higher-order primitives (control flow as If and Loop) have their own table, control.ts.
 *
 * ONNX Runtime's CPU provider has no float64 kernels for Erf and Atan (erf, atan2): a float64
 * program using them exports per the ONNX spec but needs another provider or engine to run.
 */
import { isHigherOrder, type Prim } from '../tensor';
import { higherOrderRules } from './control';
import { arithmetic, atan2, broadcasting, composite, divide, exp2, expm1, log1p, logBase, logical, ordering, rem, rounding, trunc, viaInt } from './elementwise';
import type { Atom, Eqn, LowerContext, Plan, PlanRule } from './lower';
import { argReduce, broadcast, concatenate, cumsum, flip, pad, reduction, reshape, slice, transpose } from './movement';
import { dtypeOf, isFloatAtom, op, reading, reshapedFrom, shapeIs, simple, type EqnOf, type Rule } from './plans';
import { dynamicSlice, dynamicUpdateSlice } from './dynamic';
import { argsort } from './sort';
import { avgPoolPlan, convPlan, convTransposePlan, emitConv, matchConv, maxPoolPlan, patches, patchesTransposeGeneral } from './windows';

/** The first plan that applies. */
const firstOf = <P extends Prim>(...rules: ((ctx: LowerContext, eqn: EqnOf<P>) => Plan | undefined)[]): Rule<P> => (ctx, eqn) => {
  for (const r of rules) {
    const plan = r(ctx, eqn);
    if (plan) return plan;
  }
  throw new Error(`toOnnx: internal: no plan for '${eqn.prim}'`);
};

const transposed = (ctx: LowerContext, a: Atom): Atom | undefined => {
  const t = ctx.producer(a);
  return t?.prim === 'transpose' && t.params.perm[0] === 1 ? t.inputs[0]! : undefined;
};
const broadcastSource = (ctx: LowerContext, a: Atom): Atom => {
  const b = ctx.producer(a);
  return b?.prim === 'broadcast' ? b.inputs[0]! : a;
};

/** A 2-D matmul plus a broadcast bias is Gemm (transposed operands folded into transA/transB). */
function gemmPlan(ctx: LowerContext, eqn: EqnOf<'add'>): Plan | undefined {
  for (const [mi, bi] of [[0, 1], [1, 0]] as const) {
    const product = eqn.inputs[mi]!;
    const d = ctx.producer(product);
    if (d?.prim !== 'dot' || product.aval.shape.length !== 2 || !isFloatAtom(product) || ctx.uses(product) !== 1) continue;
    const [a, b] = d.inputs as [Atom, Atom];
    const ta = transposed(ctx, a);
    const tb = transposed(ctx, b);
    // Gemm broadcasts C itself: read a [1, n] bias before its reshape from [n].
    const bias = broadcastSource(ctx, eqn.inputs[bi]!);
    const c = (bias.aval.shape[0] === 1 && reshapedFrom(ctx, bias, bias.aval.shape.slice(1))) || bias;
    return reading(ctx, [ta ?? a, tb ?? b, c], (xs) => ctx.graph.op('Gemm', xs, { transA: ta ? 1 : 0, transB: tb ? 1 : 0 }));
  }
  return undefined;
}

/** conv2d plus a per-channel bias ([1, o, 1, 1] broadcast) is Conv with its bias input. */
function convBiasPlan(ctx: LowerContext, eqn: EqnOf<'add'>): Plan | undefined {
  for (const [ci, bi] of [[0, 1], [1, 0]] as const) {
    const m = ctx.uses(eqn.inputs[ci]!) === 1 ? matchConv(ctx, eqn.inputs[ci]!) : undefined;
    const bias = broadcastSource(ctx, eqn.inputs[bi]!);
    if (!m || !shapeIs(bias, [1, m.oihw[0]!, 1, 1])) continue;
    const o = m.oihw[0]!;
    const flat = reshapedFrom(ctx, bias, [o]);
    return reading(ctx, [m.x, m.w, flat ?? bias], ([x, w, c]) => emitConv(ctx, m, x!, w!, flat ? c : ctx.graph.op('Reshape', [c!, ctx.graph.ints([o])])));
  }
  return undefined;
}

const addPlan: Rule<'add'> = firstOf(gemmPlan, convBiasPlan, arithmetic('Add'));

const unary = <P extends Prim>(name: string) => op<P>(name);

/**
 * ONNX has no matrix decompositions or triangular solves (a fixed-size unrolling would grow with
 * n^2 or n^3 nodes), so the linear-algebra primitives refuse to export, naming themselves.
 */
const noOnnxOperator = <P extends Prim>(): Rule<P> => (_ctx, eqn) => {
  throw new Error(`toOnnx: '${eqn.prim}' has no ONNX operator (ONNX has no matrix decompositions or triangular solves, which linalg's solve, inv, det, slogdet, norm ord 2/-2/'nuc' and the decompositions build on); compute it outside the exported function and pass its result as an input`);
};

export const onnxRules = {
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  log1p: composite(log1p),
  expm1: composite(expm1),
  sqrt: unary('Sqrt'),
  rsqrt: simple((ctx, [x]) => ctx.graph.op('Reciprocal', [ctx.graph.op('Sqrt', [x!])])),
  sin: unary('Sin'),
  cos: unary('Cos'),
  tanh: unary('Tanh'),
  logistic: unary('Sigmoid'),
  erf: unary('Erf'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  floor: rounding('Floor'),
  ceil: rounding('Ceil'),
  logicalNot: unary('Not'),
  stopGradient: unary('Identity'),
  add: addPlan,
  sub: arithmetic('Sub'),
  mul: arithmetic('Mul'),
  div: firstOf(avgPoolPlan, broadcasting(divide)),
  pow: arithmetic('Pow'),
  max: arithmetic('Max'),
  min: arithmetic('Min'),
  atan2: broadcasting(atan2),
  tan: unary('Tan'),
  asin: unary('Asin'),
  acos: unary('Acos'),
  atan: unary('Atan'),
  sinh: unary('Sinh'),
  cosh: unary('Cosh'),
  asinh: unary('Asinh'),
  acosh: unary('Acosh'),
  atanh: unary('Atanh'),
  log2: composite(logBase(2)),
  log10: composite(logBase(10)),
  exp2: composite(exp2),
  round: rounding('Round'),
  trunc: composite(trunc),
  rem: broadcasting(rem),
  eq: broadcasting((g, xs) => g.op('Equal', xs)),
  ne: broadcasting((g, xs) => g.op('Not', [g.op('Equal', xs)])),
  lt: ordering('Less'),
  le: ordering('LessOrEqual'),
  gt: ordering('Greater'),
  ge: ordering('GreaterOrEqual'),
  logicalAnd: logical('And'),
  logicalOr: logical('Or'),
  where: broadcasting((g, xs) => g.op('Where', xs)),
  cast: simple((ctx, [x], eqn) => (dtypeOf(eqn.inputs[0]!) === eqn.params.dtype ? ctx.graph.op('Identity', [x!]) : ctx.graph.cast(x!, eqn.params.dtype))),
  reduceSum: reduction('ReduceSum'),
  reduceMax: firstOf(maxPoolPlan, reduction('ReduceMax')),
  reduceMin: reduction('ReduceMin'),
  reduceProd: reduction('ReduceProd'),
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
  cumsum,
  argsort,
  dynamicSlice,
  dynamicUpdateSlice,
  reshape: firstOf((ctx, eqn) => convPlan(ctx, eqn.outs[0]!), reshape),
  broadcast,
  transpose,
  slice,
  flip,
  pad,
  concatenate,
  dot: simple((ctx, xs, eqn) => viaInt(ctx.graph, xs, dtypeOf(eqn.inputs[0]!), (ys) => ctx.graph.op('MatMul', ys))),
  gather: simple((ctx, xs, eqn) => ctx.graph.op('GatherElements', xs, { axis: eqn.params.axis })),
  scatterAdd: simple((ctx, xs, eqn) => ctx.graph.op('ScatterElements', xs, { axis: eqn.params.axis, reduction: 'add' })),
  patches,
  patchesTranspose: firstOf(convTransposePlan, patchesTransposeGeneral),
  // The graph cannot reproduce the threefry stream cheaply, so random bits are graph inputs.
  randomBits: (ctx, eqn) => ({ reads: [], emit: () => [ctx.extraInput(eqn)] }),
  // BitShift is defined on unsigned integers: the int32 bits pass through uint32 unchanged.
  shiftRightLogical: simple((ctx, [x], eqn) => {
    const g = ctx.graph;
    return g.cast(g.op('BitShift', [g.cast(x!, 'uint32'), g.scalar(eqn.params.shift, 'uint32')], { direction: 'RIGHT' }), 'int32');
  }),
  cholesky: noOnnxOperator(),
  triangularSolve: noOnnxOperator(),
  lu: noOnnxOperator(),
  qr: noOnnxOperator(),
  eigh: noOnnxOperator(),
  svd: noOnnxOperator(),
} satisfies { [P in Prim]: Rule<P> };

/** The rule for a primitive, if it has one (the higher-order ones' rows are in control.ts). */
export function ruleFor(prim: string): PlanRule | undefined {
  if (Object.hasOwn(onnxRules, prim)) return (onnxRules as Record<string, PlanRule>)[prim];
  if (isHigherOrder(prim)) return (ctx, eqn) => (higherOrderRules[prim] as (ctx: LowerContext, eqn: Eqn, params: unknown, rules: typeof ruleFor) => Plan)(ctx, eqn, eqn.params, ruleFor);
  return undefined;
}
