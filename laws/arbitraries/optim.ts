/** Random parameter trees, gradients, masks and quadratics for the optimizer laws (../optim). */
import fc from 'fast-check';
import { tensor, type Tensor } from '../../src/tensor';
import type { Quadratic } from '../optim';

const f64 = (shape: readonly number[], values: readonly number[]): Tensor => tensor(Float64Array.from(values), { shape, dtype: 'float64' });

/** Leaf shapes of the random parameter trees: scalars, vectors and small matrices. */
const arbShape = fc.constantFrom<number[]>([], [1], [3], [2, 2], [2, 3]);

/** Three layouts, so the laws see objects, arrays and nesting. */
function layout(xs: Tensor[], kind: number): unknown {
  if (kind === 0) return Object.fromEntries(xs.map((x, i) => [`p${i}`, x]));
  if (kind === 1) return xs;
  return { head: xs[0], body: xs.slice(1).map((x) => ({ w: x })) };
}

/** n doubles in [min, max]; when 0 is in range, signed zeros are drawn often (they catch `-0 + 0` bugs). */
function arbValues(n: number, min: number, max: number): fc.Arbitrary<number[]> {
  const double = fc.double({ min, max, noNaN: true });
  const value = min <= 0 && max >= 0 ? fc.oneof({ arbitrary: fc.constantFrom(0, -0), weight: 1 }, { arbitrary: double, weight: 4 }) : double;
  return fc.array(value, { minLength: n, maxLength: n });
}

/** A float64 parameter tree, `steps` gradient trees of its structure, and a leaf-level boolean mask. */
export interface Problem {
  params: unknown;
  grads: unknown[];
  mask: unknown;
}

/**
 * Random problems: 1-4 float64 leaves in [-2, 2] (signed zeros included), gradients in [-2, 2],
 * and a random mask of the same structure.
 */
export function arbProblem(steps: number): fc.Arbitrary<Problem> {
  return fc
    .tuple(fc.array(arbShape, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 }))
    .chain(([shapes, kind]) => {
      const sizes = shapes.map((s) => s.reduce((n, d) => n * d, 1));
      const tree = fc.tuple(...sizes.map((n) => arbValues(n, -2, 2))).map((vs) => layout(vs.map((v, i) => f64(shapes[i]!, v)), kind));
      return fc.record({
        params: tree,
        grads: fc.array(tree, { minLength: steps, maxLength: steps }),
        mask: fc.array(fc.boolean(), { minLength: shapes.length, maxLength: shapes.length }).map((bits) => layout(bits as unknown as Tensor[], kind)),
      });
    });
}

/** A random convex quadratic in 3 float64 variables, starting at least 0.5 from its minimum. */
export const arbQuadratic: fc.Arbitrary<Quadratic> = fc
  .tuple(arbValues(3, 0.5, 2), arbValues(3, -1, 1), arbValues(3, 0.5, 1.5), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }))
  .map(([a, b, d, signs]) => ({
    a: f64([3], a),
    b: f64([3], b),
    x0: f64([3], b.map((v, i) => v + (signs[i] ? d[i]! : -d[i]!))),
  }));

