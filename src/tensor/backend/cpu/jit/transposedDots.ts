/**
 * Transposes that matmuls absorb: a transpose of the last two axes read only by dots is never
 * materialized (the matmul kernel packs the transposed operand directly), and transpose(dot(a, b))
 * is computed as dot(b^T, a^T) with the operand flags flipped. Backward passes are full of both.
 */
import { Var, type Atom, type Eqn, type Jaxpr } from '../../../jaxpr';
import type { Step } from '../../../program';

/** A transpose that swaps the last two axes and keeps the batch axes in place. */
function swapsLastTwo(e: Eqn): boolean {
  const perm = (e.params as { perm: readonly number[] }).perm;
  const r = perm.length;
  return r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i);
}

/** A dot whose operands may be read transposed (the matmul kernel packs them directly). */
export interface DotParams {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/**
 * A transpose of the last two axes whose only readers are dots is not materialized: each dot
 * reads its source with a transposed-operand flag (backward passes are full of these).
 */
export function transposedOperands(jaxpr: Jaxpr, steps: readonly Step[]): Step[] {
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

