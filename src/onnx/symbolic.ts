/**
 * Dynamic batch: which dimensions of a program grow with the batch size. The program is traced at
 * three batch sizes; the traces must have the same structure, and each dimension must be an
 * affine function a * batch + c of the batch size (batch, 4 * batch for a flattened [batch, 4],
 * batch + 1...). Parameters that differ between the traces are accepted only where they restate
 * a shape the graph computes (reshape and broadcast targets, full slices of a dynamic axis);
 * anything else that depends on the batch size (a constant such as a mean's divisor, a shape
 * used as a value) is refused with the primitive and the values that differed.
 */
import type { Jaxpr } from '../grad';
import { ClosedJaxpr, isHigherOrder, type Tensor } from '../tensor';
import { isLiteral, type Atom, type Eqn, type SymDim, type SymShape, type Var } from './lower';

export interface Traced {
  readonly jaxpr: Jaxpr;
  readonly consts: readonly Tensor[];
}

const constantDiffers = (shape: readonly number[]) => `a constant of shape [${shape.join(',')}] differs between batch sizes (a mean over the batch axis divides by the batch size, for one)`;

const hint = 'export with a fixed batch size, or keep batch-size-dependent values out of the exported function';

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  return x.every((v, i) => Object.is(v, y[i]) || v === y[i]);
}

/** Params as text: numbers JSON cannot hold as strings, sub-programs (control flow) as their printed jaxpr. */
const paramsText = (params: unknown): string => JSON.stringify(params, (k, v) => {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof ClosedJaxpr) return v.toString();
  return k.startsWith('_') ? undefined : v;
});

const describe = (e: Eqn) => `'${e.prim}' ${isHigherOrder(e.prim) ? '(a control-flow primitive whose sub-programs change with the batch size)' : paramsText(e.params)}`;

/** Params that restate the output shape, per primitive; they may differ between batch sizes. */
const SHAPE_PARAMS: Readonly<Record<string, string>> = { reshape: 'shape', broadcast: 'shape', patchesTranspose: 'inputShape', randomBits: 'shape' };

function paramsAgree(es: readonly Eqn[]): boolean {
  const key = SHAPE_PARAMS[es[0]!.prim];
  const strip = (e: Eqn) => paramsText(key ? { ...e.params, [key]: null } : e.prim === 'slice' ? { ...e.params, limits: null } : e.params);
  const first = strip(es[0]!);
  if (!es.every((e) => strip(e) === first)) return false;
  if (es[0]!.prim !== 'slice') return true;
  // A slice's limits may differ only on axes it takes whole (those follow the batch).
  return es.every((e) => {
    const { starts, limits, strides } = e.params as { starts: number[]; limits: number[]; strides: number[] };
    const shape = e.inputs[0]!.aval.shape;
    return limits.every((l, k) => l === (es[0]!.params.limits as number[])[k] || (starts[k] === 0 && strides[k] === 1 && l === shape[k]));
  });
}

/**
 * Check that traces at `batches` share one structure and return the dims of the first trace's
 * variables as functions of the batch size.
 */
export function alignTraces(traces: readonly Traced[], batches: readonly number[]): Map<Var, SymShape> {
  const [first] = traces;
  const j0 = first!.jaxpr;
  const fail = (what: string): never => {
    throw new Error(`toOnnx: with dynamicBatch, the program depends on the batch size in a way ONNX shapes cannot follow: ${what} (traced at batch sizes ${batches.join(', ')}); ${hint}`);
  };
  for (const t of traces) {
    const j = t.jaxpr;
    if (j.constvars.length !== j0.constvars.length || j.invars.length !== j0.invars.length || j.eqns.length !== j0.eqns.length || j.outs.length !== j0.outs.length) {
      fail(`its structure changes (${j0.eqns.length} equations at batch ${batches[0]}, ${j.eqns.length} at another size)`);
    }
  }
  // Variables by position (constvars, invars, then equation outputs), per trace.
  const positions = traces.map((t) => {
    const m = new Map<Var, number>();
    [...t.jaxpr.constvars, ...t.jaxpr.invars, ...t.jaxpr.eqns.flatMap((e) => e.outs)].forEach((v, i) => m.set(v, i));
    return m;
  });
  const dims = new Map<Var, SymShape>();
  const fit = (vs: readonly Var[], where: string) => {
    const shapes = vs.map((v) => v.aval.shape);
    if (!shapes.every((s) => s.length === shapes[0]!.length)) fail(`the rank of ${where} changes`);
    const [b0, b1] = batches as [number, number];
    const sym = shapes[0]!.map((d0, k): SymDim => {
      const a = (shapes[1]![k]! - d0) / (b1 - b0);
      const c = d0 - a * b0;
      if (!Number.isInteger(a) || !shapes.every((s, i) => s[k] === a * batches[i]! + c)) fail(`dimension ${k} of ${where} is not a multiple of the batch size plus a constant (${shapes.map((s) => s[k]).join(', ')})`);
      return { a, c };
    });
    dims.set(vs[0]!, sym);
  };
  const across = <T>(pick: (t: Traced) => readonly T[], i: number) => traces.map((t) => pick(t)[i]!);
  j0.invars.forEach((_, i) => fit(across((t) => t.jaxpr.invars, i), `input ${i}`));
  j0.constvars.forEach((_, i) => {
    const values = across((t) => t.consts, i);
    if (!values.every((v) => sameValues(v, values[0]!))) {
      const reader = j0.eqns.find((e) => e.inputs.includes(j0.constvars[i]!));
      fail(`${constantDiffers(values[0]!.shape)}${reader ? `; it is read by ${describe(reader)}` : ''}`);
    }
    fit(across((t) => t.jaxpr.constvars, i), `a constant`);
  });
  const sameAtom = (atoms: readonly Atom[]) =>
    atoms.every((a, t) => {
      const a0 = atoms[0]!;
      if (isLiteral(a0) || isLiteral(a)) return isLiteral(a0) && isLiteral(a) && sameValues(a0.value, a.value);
      return positions[t]!.get(a) === positions[0]!.get(a0);
    });
  j0.eqns.forEach((e0, i) => {
    const es = across((t) => t.jaxpr.eqns, i);
    if (!es.every((e) => e.prim === e0.prim && e.inputs.length === e0.inputs.length && e.outs.length === e0.outs.length)) fail(`equation ${i} is ${describe(e0)} at one size and '${es.find((e) => e.prim !== e0.prim)?.prim}' at another`);
    e0.inputs.forEach((_, k) => {
      const atoms = es.map((e) => e.inputs[k]!);
      if (sameAtom(atoms)) return;
      const lit = atoms[0]!;
      if (isLiteral(lit)) fail(`${constantDiffers(lit.value.shape)}; it is read by ${describe(e0)}`);
      fail(`${describe(e0)} reads different values at different sizes`);
    });
    if (!paramsAgree(es)) fail(`${describe(e0)} has parameters ${es.slice(1).map(describe).join(' and ')} at the other sizes`);
    e0.outs.forEach((_, k) => fit(es.map((e) => e.outs[k]!), `the result of ${describe(e0)}`));
  });
  j0.outs.forEach((_, i) => {
    if (!sameAtom(across((t) => t.jaxpr.outs, i))) fail(`output ${i} is a different value at different sizes`);
  });
  return dims;
}
