/**
 * The public transformations: jvp, linearize, vjp, grad, valueAndGrad, vmap, jacfwd, jacrev,
 * hessian, makeJaxpr, evalShape, linearTranspose. Each flattens pytree arguments and calls a
 * flat core (flat.ts, jvp.ts, vmap.ts, staging.ts).
 */
import * as T from '../tensor';
import { fmtAval, Tensor, type Aval } from '../tensor';
import { flatten, unflatten, flattenUpTo, structure, type TreeDef } from '../tree';
import { checkDifferentiable, flatFn, flattenArgs, flattenTensors, fnName, toTensor } from './args';
import { applyLinear, linearizeFlat, vjpFlat } from './flat';
import { jvpFlat, JVPTracer } from './jvp';
import { partialEvalFlat, PartialEvalTracer } from './partial';
import { instantiate, Zero } from './zero';
import { vmapFlat } from './vmap';
import { traceToJaxpr } from './staging';
import type { Jaxpr } from './jaxpr';
import { backwardPass, UndefPrimal } from './transpose';
import type { BatchDim } from './rules/batchRules';

type Fn = (...args: any[]) => any;

function splitByCounts<X>(xs: readonly X[], counts: readonly number[]): X[][] {
  let k = 0;
  return counts.map((c) => xs.slice(k, (k += c)));
}

function checkSameAvals(op: string, what: string, expected: readonly Aval[], got: readonly Tensor[]): void {
  if (expected.length !== got.length) throw new Error(`${op}: expected ${expected.length} ${what} leaves, got ${got.length}`);
  expected.forEach((a, i) => {
    const g = got[i]!;
    if (!T.shapeEqual(a.shape, g.shape) || a.dtype !== g.dtype) throw new Error(`${op}: ${what} leaf ${i} must be ${fmtAval(a)} to match its primal, got ${fmtAval(g)}`);
  });
}

export interface AuxOptions {
  /** The function returns [output, aux]; aux is returned alongside and not differentiated. */
  readonly hasAux?: boolean;
}

/** Split [out, aux] when hasAux; wraps f so the flat core only sees the differentiated output. */
function withAux(f: Fn, hasAux: boolean | undefined, op: string): { f: Fn; aux: { value?: unknown } } {
  const aux: { value?: unknown } = {};
  if (!hasAux) return { f, aux };
  return {
    f: (...args: unknown[]) => {
      const r = f(...args);
      if (!Array.isArray(r) || r.length !== 2) throw new Error(`${op}: with hasAux the function must return [output, aux]`);
      aux.value = r[1];
      return r[0];
    },
    aux,
  };
}

/**
 * Aux values may hold tracers of the transformation that just finished: replace each by the
 * value it wraps (a jvp tracer's primal, a partial-eval tracer's known value), keeping tracers
 * of transformations that are still running.
 */
function lowerAux(aux: unknown): unknown {
  const [leaves, def] = flatten(aux);
  const lower = (l: unknown): unknown => {
    let x = l;
    while (x instanceof T.Tracer && !T.isMainActive(x._trace.main)) {
      if (x instanceof JVPTracer) x = x.primal;
      else if (x instanceof PartialEvalTracer && 'known' in x.pval) x = x.pval.known;
      else throw new Error('hasAux: an aux output depends on the differentiated inputs through an unknown value; return it from a value that does not need the tangent');
    }
    return x;
  };
  return unflatten(def, leaves.map(lower));
}

/**
 * Forward mode: push tangents through f. `primals` and `tangents` are arrays of arguments
 * (pytrees) of equal structure. Returns [outputs, output tangents] (plus aux with hasAux).
 * @example const [y, dy] = jvp((x) => sin(x), [x], [ones([3])]);
 */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], options: AuxOptions = {}): [any, any] | [any, any, any] {
  const { f: g, aux } = withAux(f, options.hasAux, 'jvp');
  const p = flattenArgs('jvp', primals);
  const t = flattenArgs('jvp', tangents);
  checkSameAvals('jvp', 'tangent', p.leaves, t.leaves);
  const { fn, outDef } = flatFn(g, p.defs, 'jvp');
  const [outs, touts] = jvpFlat(fn, p.leaves, t.leaves, 'jvp', fnName(f));
  const y = unflatten(outDef.value!, outs);
  const dy = unflatten(outDef.value!, touts.map(instantiate));
  return options.hasAux ? [y, dy, lowerAux(aux.value)] : [y, dy];
}

/**
 * Evaluate f and its linear approximation at `primals`: returns [output, fLinear] where
 * fLinear(...tangents) equals the jvp's output tangent, with the primal work done once.
 */
export function linearize(f: Fn, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  const p = flattenArgs('linearize', primals);
  const { fn, outDef } = flatFn(f, p.defs, 'linearize');
  const lin = linearizeFlat(fn, p.leaves, 'linearize', fnName(f));
  const def = outDef.value!;
  const fLin = (...tangents: unknown[]) => {
    const t = flattenArgs('linearize', tangents);
    checkSameAvals('linearize', 'tangent', p.leaves, t.leaves);
    return unflatten(def, applyLinear(lin, t.leaves));
  };
  return [unflatten(def, lin.primalsOut), fLin];
}

/**
 * Reverse mode: returns [output, pullback] where pullback(cotangent) gives one cotangent per
 * primal argument (as an array), each with its argument's structure.
 * @example const [y, back] = vjp(f, x); const [dx] = back(onesLike(y));
 */
export function vjp(f: Fn, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  return vjpWith('vjp', f, primals, false).slice(0, 2) as [any, (ct: unknown) => any[]];
}

function vjpWith(op: string, f: Fn, primals: readonly unknown[], hasAux: boolean): [any, (ct: unknown) => any[], unknown] {
  const { f: g, aux } = withAux(f, hasAux, op);
  const p = flattenArgs(op, primals);
  const { fn, outDef } = flatFn(g, p.defs, op);
  const [outs, pullbackFlat] = vjpFlat(fn, p.leaves, op, fnName(f));
  const def = outDef.value!;
  const pullback = (ct: unknown): any[] => {
    const [cts, ctDef] = flattenTensors(op, ct, 'cotangent');
    if (!ctDef.equals(def)) throw new Error(`${op}: the cotangent's structure ${ctDef} does not match the output's ${def}`);
    checkSameAvals(op, 'cotangent', outs, cts);
    const ins = pullbackFlat(cts);
    return splitByCounts(ins, p.counts).map((xs, i) => unflatten(p.defs[i]!, xs));
  };
  return [unflatten(def, outs), pullback, hasAux ? lowerAux(aux.value) : undefined];
}

export interface GradOptions extends AuxOptions {
  /** Which positional arguments to differentiate: one index (default 0) or several. */
  readonly argnums?: number | readonly number[];
}

/**
 * valueAndGrad(f)(...args) returns [value, gradient]: the gradient of the scalar output with
 * respect to argument `argnums` (default 0), with that argument's tree structure. With
 * several argnums the gradient is an array; with hasAux the value is [value, aux].
 * @example const [loss, g] = valueAndGrad(lossFn)(params, batch);
 */
export function valueAndGrad<F extends Fn>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => [any, any] {
  const argnums = options.argnums ?? 0;
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  const name = fnName(f) ?? 'f';
  return (...args: any[]) => {
    for (const a of nums) if (!Number.isInteger(a) || a < 0 || a >= args.length) throw new Error(`grad: argnums ${JSON.stringify(argnums)} out of range for ${args.length} arguments`);
    const diffArgs = nums.map((i) => {
      const [leaves, def] = flattenTensors('grad', args[i], `argument ${i}`);
      checkDifferentiable('grad', leaves, i);
      return unflatten(def, leaves);
    });
    const partial = (...xs: unknown[]) => {
      const full = args.slice();
      nums.forEach((n, k) => (full[n] = xs[k]));
      return f(...full);
    };
    Object.defineProperty(partial, 'name', { value: name });
    const [out, pullback, aux] = vjpWith('grad', partial, diffArgs, options.hasAux ?? false);
    if (!(out instanceof Tensor) || out.ndim !== 0) {
      const got = out instanceof Tensor ? fmtAval(out) : `a ${structure(out)} tree`;
      throw new Error(`grad: ${name} must return a scalar (shape []) to be differentiated, got ${got}; use vjp or jacrev for non-scalar outputs`);
    }
    if (!T.isFloat(out.dtype)) throw new Error(`grad: ${name} returns ${fmtAval(out)}; its output must be float to be differentiated`);
    const grads = pullback(T.onesLike(out));
    const g = typeof argnums === 'number' ? grads[0] : grads;
    return [options.hasAux ? [out, aux] : out, g];
  };
}

/**
 * The gradient of a scalar-valued function with respect to argument `argnums` (default 0).
 * @example grad((x) => sum(square(x)))(tensor([1, 2]))   // [2, 4]
 */
export function grad<F extends Fn>(f: F, options: GradOptions = {}): (...args: Parameters<F>) => any {
  const vg = valueAndGrad(f, options);
  const g = (...args: Parameters<F>) => {
    const [value, gr] = vg(...args);
    return options.hasAux ? [gr, value[1]] : gr;
  };
  Object.defineProperty(g, 'name', { value: `grad(${fnName(f) ?? 'f'})` });
  return g;
}

/**
 * Transpose a linear function: given f (linear) and example primals (for shapes), returns
 * ft with <ct, f(x)> == <ft(ct), x>. ft returns an array with one cotangent per argument.
 */
export function linearTranspose(f: Fn, ...primals: unknown[]): (ct: unknown) => any[] {
  const p = flattenArgs('linearTranspose', primals);
  const { fn, outDef } = flatFn(f, p.defs, 'linearTranspose');
  // Partial evaluation with every input unknown computes constants (a broadcast scalar factor)
  // right away and stages only the linear part, which is what the backward pass transposes.
  const { jaxpr, consts } = partialEvalFlat(fn, p.leaves.map((x) => ({ unknown: { shape: x.shape, dtype: x.dtype } })), () => true, 'linearTranspose', fnName(f));
  const def = outDef.value!;
  return (ct: unknown) => {
    const [cts, ctDef] = flattenTensors('linearTranspose', ct, 'cotangent');
    if (!ctDef.equals(def)) throw new Error(`linearTranspose: the cotangent's structure ${ctDef} does not match the output's ${def}`);
    const args = [...consts, ...jaxpr.invars.map((v) => new UndefPrimal(v.aval))];
    const ins = backwardPass(jaxpr, args, cts).map(instantiate);
    return splitByCounts(ins, p.counts).map((xs, i) => unflatten(p.defs[i]!, xs));
  };
}

// ---------------------------------------------------------------------------------------------
// vmap

export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };

export interface VmapOptions {
  /** Mapped axis per argument: a number or null for all, or a prefix tree of the arguments. */
  readonly inAxes?: AxisSpec;
  /** Where the mapped axis goes in each output (a prefix tree of the output); null: unmapped. */
  readonly outAxes?: AxisSpec;
  /** The mapped size, required when no argument is mapped. */
  readonly axisSize?: number;
}

const isAxisLeaf = (x: unknown): boolean => x === null || typeof x === 'number';

/** Broadcast a prefix tree of axes onto a tree, giving one axis per leaf. */
function axesFor(op: string, spec: AxisSpec, tree: unknown, what: string): BatchDim[] {
  const [specLeaves, specDef] = flatten(spec, { isLeaf: isAxisLeaf });
  let subtrees: unknown[];
  try {
    subtrees = flattenUpTo(specDef, tree);
  } catch (e) {
    throw new Error(`${op}: ${what} axes ${JSON.stringify(spec)} are not a prefix of the ${what} structure ${structure(tree)}: ${(e as Error).message}`);
  }
  return subtrees.flatMap((sub, i) => flatten(sub)[0].map(() => specLeaves[i] as BatchDim));
}

/**
 * Vectorize f over a mapped axis of its arguments.
 * @example vmap((x, w) => matmul(w, x), { inAxes: [0, null] })(xs, w)
 */
export function vmap<F extends Fn>(f: F, options: VmapOptions = {}): (...args: Parameters<F>) => ReturnType<F> {
  // null is a meaningful axis (unmapped), so only undefined takes the default.
  const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
  const name = fnName(f);
  const mapped = (...args: any[]) => {
    const p = flattenArgs('vmap', args);
    const spec: AxisSpec = typeof inAxes === 'number' || inAxes === null ? args.map(() => inAxes) : inAxes;
    const dims = axesFor('vmap', spec, args, 'argument');
    const normDims = dims.map((d, i) => (d === null ? null : T.normalizeAxis('vmap', d, p.leaves[i]!.ndim)));
    const sizes = normDims.map((d, i) => (d === null ? -1 : p.leaves[i]!.shape[d]!)).filter((s) => s >= 0);
    const size = options.axisSize ?? sizes[0];
    if (size === undefined) throw new Error('vmap: no argument is mapped (all inAxes are null); pass axisSize');
    normDims.forEach((d, i) => {
      if (d !== null && p.leaves[i]!.shape[d] !== size) {
        throw new Error(`vmap: mapped axes must all have size ${size}, but argument leaf ${i} (${fmtAval(p.leaves[i]!)}) has size ${p.leaves[i]!.shape[d]} on axis ${d}`);
      }
    });
    const { fn, outDef } = flatFn(f, p.defs, 'vmap');
    let outDims: BatchDim[] = [];
    const fnWithOutAxes = (...xs: Tensor[]) => {
      const outs = fn(...xs);
      const outTree = unflatten(outDef.value!, outs);
      outDims = axesFor('vmap', outAxes, outTree, 'output').map((d, i) => (d === null ? null : T.normalizeAxis('vmap', d, outs[i]!.ndim + 1)));
      return outs;
    };
    const outs = vmapFlat(fnWithOutAxes, size, p.leaves, normDims, () => outDims, 'vmap', name);
    return unflatten(outDef.value!, outs);
  };
  return mapped;
}

export { Zero };

// ---------------------------------------------------------------------------------------------
// Jacobians

export interface JacobianOptions {
  /** The argument to differentiate (default 0). */
  readonly argnums?: number;
}

/**
 * Jacobian blocks for (output leaf j, input leaf i) of shape [...out_j.shape, ...in_i.shape],
 * arranged as the output tree with, at each leaf, the input's tree of blocks (JAX's layout).
 */
function assembleJacobian(outDef: TreeDef, outs: readonly Tensor[], inDef: TreeDef, ins: readonly Tensor[], block: (j: number, i: number) => Tensor): any {
  return unflatten(outDef, outs.map((_, j) => unflatten(inDef, ins.map((__, i) => block(j, i)))));
}

/** Rows of the identity matrix covering one leaf: basis[r] is the r-th unit vector restricted to it. */
function basisFor(total: number, offset: number, leaf: Tensor): Tensor {
  return T.reshape(T.eye(total, leaf.size, { k: -offset, dtype: leaf.dtype }), [total, ...leaf.shape]);
}

function offsetsOf(xs: readonly Tensor[]): number[] {
  let o = 0;
  return xs.map((x) => ((o += x.size), o - x.size));
}

function jacPrelude(op: string, f: Fn, args: readonly unknown[], argnum: number) {
  if (!Number.isInteger(argnum) || argnum < 0 || argnum >= args.length) throw new Error(`${op}: argnums ${argnum} out of range for ${args.length} arguments`);
  const [ins, inDef] = flattenTensors(op, args[argnum], `argument ${argnum}`);
  checkDifferentiable(op, ins, argnum);
  const fOne = (x: unknown) => {
    const full = args.slice();
    full[argnum] = x;
    return f(...full);
  };
  const { fn, outDef } = flatFn(fOne, [inDef], op);
  return { ins, inDef, fn, outDef };
}

/**
 * Jacobian by forward mode (one jvp per input element, batched with vmap). For input shape S
 * and output shape R the result has shape [...R, ...S]; pytrees give nested trees of blocks.
 */
export function jacfwd(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  const argnum = options.argnums ?? 0;
  return (...args: any[]) => {
    const { ins, inDef, fn, outDef } = jacPrelude('jacfwd', f, args, argnum);
    const total = ins.reduce((n, x) => n + x.size, 0);
    const offsets = offsetsOf(ins);
    const basis = ins.map((x, i) => basisFor(total, offsets[i]!, x));
    const pushforward = (...ts: Tensor[]) => jvpFlat(fn, ins, ts, '')[1].map(instantiate);
    const outs = fn(...ins);
    const tangents = vmapFlat(pushforward, total, basis, basis.map(() => 0), outs.map(() => 0), 'jacfwd');
    // tangents[j]: [total, ...out_j.shape]; rows offset_i.. belong to input leaf i.
    return assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(tangents[j]!, [{ start: offsets[i]!, stop: offsets[i]! + ins[i]!.size }]);
      const block = T.reshape(rows, [...ins[i]!.shape, ...outs[j]!.shape]);
      const inRank = ins[i]!.ndim;
      const outRank = outs[j]!.ndim;
      return T.transpose(block, [...Array.from({ length: outRank }, (_, k) => inRank + k), ...Array.from({ length: inRank }, (_, k) => k)]);
    });
  };
}

/** Jacobian by reverse mode (one pullback per output element, batched with vmap). */
export function jacrev(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  const argnum = options.argnums ?? 0;
  return (...args: any[]) => {
    const { ins, inDef, fn, outDef } = jacPrelude('jacrev', f, args, argnum);
    const [outs, pullback] = vjpFlat(fn, ins, '');
    const total = outs.reduce((n, y) => n + y.size, 0);
    const offsets = offsetsOf(outs);
    const basis = outs.map((y, j) => basisFor(total, offsets[j]!, y));
    const cts = vmapFlat((...c: Tensor[]) => pullback(c), total, basis, basis.map(() => 0), ins.map(() => 0), 'jacrev');
    // cts[i]: [total, ...in_i.shape]; rows offset_j.. belong to output leaf j.
    return assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(cts[i]!, [{ start: offsets[j]!, stop: offsets[j]! + outs[j]!.size }]);
      return T.reshape(rows, [...outs[j]!.shape, ...ins[i]!.shape]);
    });
  };
}

/** Hessian as jacfwd(jacrev(f)): forward-over-reverse, the efficient order. */
export function hessian(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, options), options);
}

// ---------------------------------------------------------------------------------------------
// Staging

/**
 * Trace f on the shapes of `args` and return its jaxpr (printable with toString()).
 * @example console.log(makeJaxpr((x) => sum(sin(x)))(ones([3])).toString())
 */
export function makeJaxpr(f: Fn): (...args: any[]) => Jaxpr & { consts: Tensor[] } {
  return (...args: any[]) => {
    const p = flattenArgs('makeJaxpr', args);
    const { fn } = flatFn(f, p.defs, 'makeJaxpr');
    const { jaxpr, consts } = traceToJaxpr(fn, p.leaves.map((x) => ({ shape: x.shape, dtype: x.dtype })), 'makeJaxpr');
    return Object.assign(jaxpr, { consts });
  };
}

/** A shape-and-dtype stand-in for a tensor, for evalShape. */
export class ShapeDtype implements Aval {
  constructor(readonly shape: readonly number[], readonly dtype: T.DType = 'float32') {}
  toString(): string {
    return `ShapeDtype(${fmtAval(this)})`;
  }
}

/**
 * The output shapes and dtypes of f without computing anything: arguments may be tensors or
 * ShapeDtype stand-ins; the result has f's output structure with ShapeDtype leaves.
 */
export function evalShape(f: Fn): (...args: any[]) => any {
  return (...args: any[]) => {
    const [leaves, def] = flatten(args, { isLeaf: (x) => x instanceof ShapeDtype });
    const avals = leaves.map((l, i) => (l instanceof ShapeDtype ? l : toTensor('evalShape', l, `argument leaf ${i}`)));
    const placeholders = avals.map((a) => T.zeros([0], a.dtype)); // stand-ins only carry avals
    const argTree = unflatten(def, placeholders);
    const p = flattenArgs('evalShape', argTree);
    const { fn, outDef } = flatFn(f, p.defs, 'evalShape');
    const { jaxpr } = traceToJaxpr(fn, avals.map((a) => ({ shape: a.shape, dtype: a.dtype })), 'evalShape');
    return unflatten(outDef.value!, jaxpr.outs.map((o) => new ShapeDtype(o.aval.shape, o.aval.dtype)));
  };
}
