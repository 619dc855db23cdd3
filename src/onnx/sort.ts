/**
 * argsort through TopK over the whole axis (sorted, ties by the lower index). TopK's NaN order
 * is not specified (ONNX Runtime puts NaN last both ways), so float keys sort in two stable
 * passes: by NaN-ness first (NaN last ascending, first descending), then, within that order, by
 * the value with NaN read as +inf, which keeps NaN after (or before) a real +inf.
 */
import type { GraphBuilder } from './graph';
import { dtypeOf, simple, type Rule } from './plans';

function topKIndices(g: GraphBuilder, x: string, n: number, axis: number, descending: boolean): string {
  return g.node('TopK', [x, g.ints([n])], { axis, largest: descending ? 1 : 0, sorted: 1 }, 2)[1]!;
}

export const argsort: Rule<'argsort'> = simple((ctx, [x], eqn) => {
  const g = ctx.graph;
  const { axis, descending } = eqn.params;
  const n = eqn.inputs[0]!.aval.shape[axis]!;
  const dtype = dtypeOf(eqn.inputs[0]!);
  if (dtype !== 'float32' && dtype !== 'float64') {
    return g.cast(topKIndices(g, dtype === 'bool' ? g.cast(x!, 'int32') : x!, n, axis, descending), 'int32');
  }
  const nan = g.op('IsNaN', [x!]);
  const byNan = topKIndices(g, g.cast(nan, dtype), n, axis, descending);
  const finite = g.op('Where', [nan, g.scalar(Infinity, dtype), x!]);
  const within = topKIndices(g, g.op('GatherElements', [finite, byNan], { axis }), n, axis, descending);
  return g.cast(g.op('GatherElements', [byNan, within], { axis }), 'int32');
});
