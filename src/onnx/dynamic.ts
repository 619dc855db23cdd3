/**
 * dynamicSlice and dynamicUpdateSlice: their starts are graph values, normalized and clamped in
 * the graph exactly as the primitives define them, then fed to Slice (computed starts and ends)
 * or to ScatterND (the window's index grid).
 */
import type { GraphBuilder } from './graph';
import { simple, type Rule } from './plans';

/** int64 start of a window of `size` along an axis of `dim`: negative counts from the end, then clamped. */
function clampedStart(g: GraphBuilder, start: string, dim: number, size: number): string {
  const s = g.cast(start, 'int64');
  const zero = g.scalar(0, 'int64');
  const wrapped = g.op('Where', [g.op('Less', [s, zero]), g.op('Add', [s, g.scalar(dim, 'int64')]), s]);
  return g.op('Min', [g.op('Max', [wrapped, zero]), g.scalar(dim - size, 'int64')]);
}

const asVector = (g: GraphBuilder, scalars: readonly string[]): string =>
  g.op('Concat', scalars.map((s) => g.op('Unsqueeze', [s, g.ints([0])])), { axis: 0 });

export const dynamicSlice: Rule<'dynamicSlice'> = simple((ctx, [x, ...starts], eqn) => {
  const g = ctx.graph;
  const shape = eqn.inputs[0]!.aval.shape;
  const { sizes } = eqn.params;
  if (shape.length === 0) return g.op('Identity', [x!]);
  const begin = asVector(g, starts.map((s, k) => clampedStart(g, s, shape[k]!, sizes[k]!)));
  const end = g.op('Add', [begin, g.ints(sizes)]);
  return g.op('Slice', [x!, begin, end, g.ints(shape.map((_, k) => k))]);
});

export const dynamicUpdateSlice: Rule<'dynamicUpdateSlice'> = simple((ctx, [x, u, ...starts], eqn) => {
  const g = ctx.graph;
  const shape = eqn.inputs[0]!.aval.shape;
  const window = eqn.inputs[1]!.aval.shape;
  if (shape.length === 0) return g.op('Identity', [u!]);
  if (window.some((d) => d === 0)) return g.op('Identity', [x!]);
  const rank = shape.length;
  // indices[..., k] = start_k + j_k over the window: the element positions ScatterND writes.
  const coords = window.map((w, k) => {
    const along = g.constant('int64', window.map((d, i) => (i === k ? w : 1)), Array.from({ length: w }, (_, j) => j));
    const at = g.op('Add', [along, clampedStart(g, starts[k]!, shape[k]!, w)]);
    return g.op('Unsqueeze', [g.op('Expand', [at, g.ints(window)]), g.ints([rank])]);
  });
  return g.op('ScatterND', [x!, g.op('Concat', coords, { axis: rank }), u!]);
});
