/**
 * Abstract evaluation of the higher-order primitives: output avals from their closed jaxprs.
 * Operands are checked against the jaxprs' inputs, so a rule that binds a primitive with the
 * wrong operands fails here, naming it, rather than in a backend.
 */
import { fmtAval, shapeEqual, type Aval, type ClosedJaxpr, type HigherOrderParams, type HigherOrderPrim } from '../../tensor';

const fmt = (as: readonly Aval[]) => `[${as.map(fmtAval).join(', ')}]`;

function expect(prim: string, got: readonly Aval[], want: readonly Aval[]): void {
  if (got.length !== want.length || got.some((a, i) => a.dtype !== want[i]!.dtype || !shapeEqual(a.shape, want[i]!.shape))) {
    throw new Error(`internal: ${prim} was bound to operands ${fmt(got)}, its program expects ${fmt(want)}`);
  }
}

/** The operands a program takes (its inputs). */
const call = (prim: string, c: ClosedJaxpr, avals: readonly Aval[]): Aval[] => {
  expect(prim, avals, c.inAvals);
  return c.outAvals;
};

const stacked = (length: number, a: Aval): Aval => ({ shape: [length, ...a.shape], dtype: a.dtype });

export const higherOrderAbstractEval = {
  jitCall: (avals, p) => call('jitCall', p.jaxpr, avals),
  cond: (avals, p) => {
    const index = avals[0];
    if (!index || index.dtype !== 'int32' || index.shape.length !== 0) throw new Error(`internal: cond's index must be an int32 scalar, got ${index ? fmtAval(index) : 'nothing'}`);
    return call('cond', p.branches[0]!, avals.slice(1));
  },
  scan: (avals, p) => {
    const body = p.body.inAvals;
    const slices = avals.slice(p.nConsts + p.nCarry).map((a) => ({ shape: a.shape.slice(1), dtype: a.dtype }));
    expect('scan', [...avals.slice(0, p.nConsts + p.nCarry), ...slices], body);
    const outs = p.body.outAvals;
    return [...outs.slice(0, p.nCarry), ...outs.slice(p.nCarry).map((a) => stacked(p.length, a))];
  },
  whileLoop: (avals, p) => {
    const carry = avals.slice(p.nCondConsts + p.nBodyConsts);
    expect('whileLoop', [...avals.slice(0, p.nCondConsts), ...carry], p.cond.inAvals);
    return call('whileLoop', p.body, avals.slice(p.nCondConsts));
  },
  customJvpCall: (avals, p) => call('customJvpCall', p.call, avals),
  customVjpCall: (avals, p) => call('customVjpCall', p.call, avals),
  customVjpLinear: (_avals, p) => [...p.outAvals],
  checkpoint: (avals, p) => call('checkpoint', p.jaxpr, avals),
} satisfies { [P in HigherOrderPrim]: (avals: readonly Aval[], params: HigherOrderParams[P]) => Aval[] };
