/**
 * Transformations of closed jaxprs into closed jaxprs: the building blocks of the higher-order
 * primitives' rules (Autodidax's jvp_jaxpr, partial_eval_jaxpr, transpose and vmap_jaxpr). Each
 * runs the interpreter of the transformation on the jaxpr while staging the result into a new
 * jaxpr, and is memoized on the source jaxpr by its pattern (which inputs have tangents, which
 * are unknown, linear or batched), so `grad(jit(f))` derives each program once.
 */
import * as T from '../../tensor';
import { ClosedJaxpr, evalClosed, isFloat, Jaxpr, Tracer, Var, withMainTrace, type Aval, type Tensor } from '../../tensor';
import { optimize } from '../jit/passes';
import { jvpFlat } from '../jvp';
import { partialEvalFlat, type PartialVal } from '../partial';
import { traceToJaxpr } from '../staging';
import { backwardPass, UndefPrimal } from '../transpose';
import { moveBatchAxis } from '../rules/batchRules';
import { BatchTrace, BatchTracer } from '../vmap';
import { instantiate, isZero, Zero } from '../zero';

type Flat = (...xs: Tensor[]) => Tensor[];

export const bits = (xs: readonly boolean[]): string => xs.map((b) => (b ? '1' : '0')).join('');
export const falses = (n: number): boolean[] => new Array<boolean>(n).fill(false);
export const trues = (n: number): boolean[] => new Array<boolean>(n).fill(true);
export const count = (xs: readonly boolean[]): number => xs.filter(Boolean).length;
/** Split xs at the given lengths: split([a, b, c, d], 1, 2) is [[a], [b, c], [d]]. */
export function split<X>(xs: readonly X[], ...lengths: number[]): X[][] {
  const out: X[][] = [];
  let k = 0;
  for (const n of lengths) out.push(xs.slice(k, (k += n)));
  out.push(xs.slice(k));
  return out;
}
/** The items of xs where mask is true (or false, with `keep` false). */
export const pick = <X>(xs: readonly X[], mask: readonly boolean[], keep = true): X[] => xs.filter((_, i) => mask[i] === keep);

/** Optimize a freshly traced program (constant folding, CSE, DCE) into a closed jaxpr. */
export function closeProgram(jaxpr: Jaxpr, consts: readonly Tensor[]): ClosedJaxpr {
  const p = optimize({ jaxpr, consts });
  return new ClosedJaxpr(p.jaxpr, p.consts);
}

/**
 * Trace a function derived from closed jaxprs (it closes over nothing but concrete values) into
 * a closed jaxpr.
 */
export function traceClosed(f: Flat, avals: readonly Aval[], name: string): ClosedJaxpr {
  const { jaxpr, consts } = traceToJaxpr(f, avals, name);
  if (consts.some((c) => c instanceof Tracer)) throw new Error(`internal: a derived ${name} program captured a traced value`);
  return closeProgram(jaxpr, consts);
}

/**
 * Trace a user's function into a closed jaxpr. Values it closes over that are tracers of
 * enclosing transformations cannot be constants of a closed jaxpr: they become its leading
 * inputs, returned in `hoisted` to be passed as operands (JAX's closure conversion).
 */
export function traceHoisting(f: Flat, avals: readonly Aval[], name: string): { closed: ClosedJaxpr; hoisted: Tensor[] } {
  const { jaxpr, consts } = traceToJaxpr(f, avals, name);
  const traced = consts.map((c) => c instanceof Tracer);
  const hoisted = pick(consts, traced);
  const open = new Jaxpr(pick(jaxpr.constvars, traced, false), [...pick(jaxpr.constvars, traced), ...jaxpr.invars], jaxpr.eqns, jaxpr.outs);
  return { closed: closeProgram(open, pick(consts, traced, false)), hoisted };
}

/** The same program with its inputs and outputs reordered: new input k is old input inOrder[k]. */
export function permuted(c: ClosedJaxpr, inOrder: readonly number[] | null, outOrder: readonly number[] | null): ClosedJaxpr {
  const j = c.jaxpr;
  return new ClosedJaxpr(new Jaxpr(j.constvars, inOrder ? inOrder.map((i) => j.invars[i]!) : j.invars, j.eqns, outOrder ? outOrder.map((i) => j.outs[i]!) : j.outs), c.consts);
}

/** The same program with unused inputs of the given avals inserted at `at` (a cond's index, a while's tangents). */
export function withExtraInputs(c: ClosedJaxpr, at: number, avals: readonly Aval[]): ClosedJaxpr {
  const j = c.jaxpr;
  const invars = [...j.invars];
  invars.splice(at, 0, ...avals.map((a) => new Var(a)));
  return new ClosedJaxpr(new Jaxpr(j.constvars, invars, j.eqns, j.outs), c.consts);
}

/** Ids of jaxprs, for memo keys of rules whose params hold several. */
const ids = new WeakMap<ClosedJaxpr, number>();
let nextId = 1;
export function idOf(c: ClosedJaxpr): number {
  let id = ids.get(c);
  if (id === undefined) ids.set(c, (id = nextId++));
  return id;
}

// ---------------------------------------------------------------------------------------------
// jvp

export interface JvpJaxpr {
  /** Inputs: the primals, then the tangents of the `nonzeros` inputs. Outputs: the primals, then the tangents of the `outNonzero` outputs. */
  readonly closed: ClosedJaxpr;
  readonly outNonzero: readonly boolean[];
}

/**
 * The jvp of a closed jaxpr for a pattern of nonzero input tangents. Output tangents known to be
 * zero are left out unless `instantiate` asks for them (integer outputs never have one).
 */
export function jvpJaxpr(c: ClosedJaxpr, nonzeros: readonly boolean[], instantiateOut: readonly boolean[]): JvpJaxpr {
  const ins = c.inAvals;
  const nz = nonzeros.map((b, i) => b && isFloat(ins[i]!.dtype));
  return c.derive(`jvp:${bits(nz)}:${bits(instantiateOut)}`, () => {
    let outNonzero: boolean[] = [];
    const n = ins.length;
    const closed = traceClosed((...xs) => {
      let k = n;
      const tangents = ins.map((a, i) => (nz[i] ? xs[k++]! : new Zero(a)));
      const [po, to] = jvpFlat((...ys) => evalClosed(c, ys), xs.slice(0, n), tangents, '');
      outNonzero = to.map((t, j) => isFloat(po[j]!.dtype) && (!isZero(t) || instantiateOut[j] === true));
      return [...po, ...to.flatMap((t, j) => (outNonzero[j] ? [instantiate(t)] : []))];
    }, [...ins, ...pick(ins, nz)], 'jvp');
    return { closed, outNonzero };
  });
}

// ---------------------------------------------------------------------------------------------
// partial evaluation

/** Where a residual input of the unknown program comes from. */
export type Residual = { readonly input: number } | { readonly output: number };

export interface PartialJaxpr {
  /** Inputs: the known inputs, in order. Outputs: the known outputs, then the computed residuals. */
  readonly known: ClosedJaxpr;
  /** Inputs: the residuals, then the unknown inputs. Outputs: the unknown outputs. */
  readonly unknown: ClosedJaxpr;
  readonly outUnknowns: readonly boolean[];
  /** Per residual: a known input of the original program (forwarded) or an output of `known`. */
  readonly residuals: readonly Residual[];
  /** How many residuals `known` computes. */
  readonly nComputed: number;
}

/**
 * Split a closed jaxpr by which inputs are unknown into a known program (run now) and an
 * unknown one (staged), connected by residuals. Outputs listed in `instantiate` are unknown
 * even when computable from known inputs. Known inputs the unknown part needs are forwarded
 * rather than returned by the known program.
 */
export function partialEvalJaxpr(c: ClosedJaxpr, unknowns: readonly boolean[], instantiateOut: readonly boolean[]): PartialJaxpr {
  return c.derive(`pe:${bits(unknowns)}:${bits(instantiateOut)}`, () => {
    const ins = c.inAvals;
    const knownIndex = ins.map((_, i) => i).filter((i) => !unknowns[i]);
    let outUnknowns: boolean[] = [];
    let unknown: ClosedJaxpr | undefined;
    const residuals: Residual[] = [];
    let nComputed = 0;
    const known = traceClosed((...kins) => {
      const pvals: PartialVal[] = ins.map((a, i) => (unknowns[i] ? { unknown: a } : { known: kins[knownIndex.indexOf(i)]! }));
      const r = partialEvalFlat((...xs) => evalClosed(c, xs), pvals, (i) => instantiateOut[i] === true, '');
      outUnknowns = r.pvalsOut.map((p) => 'unknown' in p);
      const computed: Tensor[] = [];
      const resVars: Var[] = [];
      const keptVars: Var[] = [];
      const keptConsts: Tensor[] = [];
      r.consts.forEach((v, j) => {
        const cv = r.jaxpr.constvars[j]!;
        if (!(v instanceof Tracer)) {
          keptVars.push(cv);
          keptConsts.push(v);
          return;
        }
        const fwd = kins.indexOf(v);
        if (fwd >= 0) residuals.push({ input: knownIndex[fwd]! });
        else {
          let o = computed.indexOf(v);
          if (o < 0) o = computed.push(v) - 1;
          residuals.push({ output: o });
        }
        resVars.push(cv);
      });
      nComputed = computed.length;
      unknown = closeProgram(new Jaxpr(keptVars, [...resVars, ...r.jaxpr.invars], r.jaxpr.eqns, r.jaxpr.outs), keptConsts);
      const knownOuts = r.pvalsOut.flatMap((p) => ('known' in p ? [p.known] : []));
      return [...knownOuts, ...computed];
    }, knownIndex.map((i) => ins[i]!), 'partial');
    return { known, unknown: unknown!, outUnknowns, residuals, nComputed };
  });
}

/** Which variables of a jaxpr depend on the inputs marked in `from` (higher-order equations conservatively). */
export function dependents(jaxpr: Jaxpr, from: readonly boolean[]): Set<Var> {
  const dep = new Set<Var>(jaxpr.invars.filter((_, i) => from[i]));
  for (const e of jaxpr.eqns) if (e.inputs.some((a) => a instanceof Var && dep.has(a))) e.outs.forEach((v) => dep.add(v));
  return dep;
}

/** The jaxpr computing only `outs` from `invars` (its other equations dropped). */
export function restricted(c: ClosedJaxpr, invars: readonly Var[], outs: Jaxpr['outs']): ClosedJaxpr {
  return closeProgram(new Jaxpr(c.jaxpr.constvars, invars, c.jaxpr.eqns, outs), c.consts);
}

// ---------------------------------------------------------------------------------------------
// transpose

/**
 * The transpose of a closed jaxpr linear in the `linear` inputs. Inputs: the non-linear inputs,
 * then a cotangent per output. Outputs: the cotangents of the linear inputs (zeros instantiated).
 */
export function transposeJaxpr(c: ClosedJaxpr, linear: readonly boolean[]): ClosedJaxpr {
  return c.derive(`transpose:${bits(linear)}`, () => {
    const ins = c.inAvals;
    return traceClosed((...xs) => {
      let k = 0;
      const args = ins.map((a, i) => (linear[i] ? new UndefPrimal(a) : xs[k++]!));
      return backwardPass(c.jaxpr, [...c.consts, ...args], xs.slice(k)).map(instantiate);
    }, [...pick(ins, linear, false), ...c.outAvals], 'transpose');
  });
}

// ---------------------------------------------------------------------------------------------
// vmap

export interface VmapJaxpr {
  /** Inputs batched along a new leading axis where `batched`; outputs likewise where `outBatched`. */
  readonly closed: ClosedJaxpr;
  readonly outBatched: readonly boolean[];
}

const withBatch = (size: number, a: Aval): Aval => ({ shape: [size, ...a.shape], dtype: a.dtype });

/** A closed jaxpr batched along a leading axis of the `batched` inputs; `instantiate` forces outputs batched. */
export function vmapJaxpr(c: ClosedJaxpr, size: number, batched: readonly boolean[], instantiateOut: readonly boolean[]): VmapJaxpr {
  return c.derive(`vmap:${size}:${bits(batched)}:${bits(instantiateOut)}`, () => {
    let outBatched: boolean[] = [];
    const closed = traceClosed((...xs) => withMainTrace(BatchTrace, '', size, (main) => {
      const trace = new BatchTrace(main);
      const ins = xs.map((x, i) => (batched[i] ? new BatchTracer(trace, x, 0) : x));
      const outs = evalClosed(c, ins).map((o) => trace.fullRaise(o) as BatchTracer);
      outBatched = outs.map((o, j) => o.bdim !== null || instantiateOut[j] === true);
      return outs.map((o, j) => (outBatched[j] ? moveBatchAxis(size, o.bdim, 0, o.val) : o.val));
    }), c.inAvals.map((a, i) => (batched[i] ? withBatch(size, a) : a)), 'vmap');
    return { closed, outBatched };
  });
}

/** Bring each batched argument's batch axis to the front; unbatched ones stay as they are. */
export function batchFront(args: readonly Tensor[], dims: readonly (number | null)[], size: number): { xs: Tensor[]; batched: boolean[] } {
  return { xs: args.map((a, i) => (dims[i] === null ? a : moveBatchAxis(size, dims[i]!, 0, a))), batched: dims.map((d) => d !== null) };
}

/** Zeros of an aval (an instantiated symbolic zero). */
export const zerosOf = (a: Aval): Tensor => T.zeros(a.shape, a.dtype);

/**
 * values[index] elementwise, as a chain of selects (`index` in range; it broadcasts against the
 * values from the left: a batch of indices [B] selects rows of values [B, ...]).
 */
export function selectByIndex(index: Tensor, values: readonly Tensor[]): Tensor {
  const shape = values[0]!.shape;
  const idx = index.ndim === 0 ? index : T.reshape(index, [...index.shape, ...shape.slice(index.ndim).map(() => 1)]);
  let acc = values[values.length - 1]!;
  for (let b = values.length - 2; b >= 0; b--) acc = T.where(T.equal(idx, b), values[b]!, acc);
  return acc;
}
