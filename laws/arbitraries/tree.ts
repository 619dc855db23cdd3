/** Arbitrary pytrees for the tree laws (../tree). */
import fc from 'fast-check';
import { tensor, type Tensor } from '../../src/tensor';

const keys = ['w', 'b', 'layers', 'bias', 'x0', 'my key', '0'];

/** Small float32 tensors of shape [n] or [m, n]. */
export const arbTensor: fc.Arbitrary<Tensor> = fc
  .tuple(fc.constantFrom<number[]>([1], [3], [2, 2], [0]), fc.integer({ min: -4, max: 4 }))
  .map(([shape, seed]) => {
    const size = shape.reduce((n, d) => n * d, 1);
    return tensor(Float32Array.from({ length: size }, (_, i) => seed * 0.5 + i), { shape });
  });

const arbLeaf = fc.oneof(fc.double({ noNaN: true }), arbTensor, fc.integer({ min: -3, max: 3 }));

/**
 * Nested arrays and plain objects (always a node at the top) holding null, undefined, number
 * and small float32 Tensor leaves; nodes are weighted so most trees hold several leaves.
 */
export const arbTree: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'tree' },
    { arbitrary: arbLeaf, weight: 3 },
    { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
    { arbitrary: tie('node'), weight: 3 },
  ),
  node: fc.oneof(
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...keys), tie('tree'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;
