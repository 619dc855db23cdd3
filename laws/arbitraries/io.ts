/** Checkpoint-like trees and tensors of arbitrary bit patterns for the checkpoint laws (../io). */
import fc from 'fast-check';
import { fromStorage, type DType, type Tensor } from '../../src/tensor';

const shapes: readonly number[][] = [[], [0], [1], [3], [2, 2], [2, 0, 3], [1, 2, 3]];

function tensorFromBits(dtype: DType, shape: readonly number[], words: readonly number[]): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const at = (i: number) => words[i % words.length]! >>> 0;
  switch (dtype) {
    case 'float32': return fromStorage(shape, dtype, new Float32Array(Uint32Array.from({ length: size }, (_, i) => at(i)).buffer));
    case 'float64': return fromStorage(shape, dtype, new Float64Array(Uint32Array.from({ length: 2 * size }, (_, i) => at(i)).buffer));
    case 'int32': return fromStorage(shape, dtype, Int32Array.from({ length: size }, (_, i) => at(i) | 0));
    case 'bool': return fromStorage(shape, dtype, Uint8Array.from({ length: size }, (_, i) => at(i) & 1));
  }
}

/**
 * Tensors of every dtype with arbitrary bit patterns (NaNs with payloads, infinities, -0,
 * subnormals) and assorted shapes, including empty and 0-d ones.
 *
 *   fc.sample(arbBitsTensor, 1)[0].dtype; // 'float32' | 'float64' | 'int32' | 'bool'
 *   fc.assert(fc.property(arbBitsTensor, (t) => serializeRoundTrip({ t })));
 */
export const arbBitsTensor: fc.Arbitrary<Tensor> = fc
  .tuple(
    fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'),
    fc.constantFrom(...shapes),
    fc.array(fc.oneof(fc.integer(), fc.constantFrom(0x7fc00001, 0xff800000, 0x7f800000, 0x80000000, 0x00000001, 0xffffffff)), { minLength: 1, maxLength: 8 }),
  )
  .map(([dtype, shape, words]) => tensorFromBits(dtype, shape, words));

const arbLeaf = fc.oneof(
  { arbitrary: arbBitsTensor, weight: 4 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.constantFrom(-0, NaN, Infinity, 2 ** 53 + 2), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
);

// No dots, so distinct paths always give distinct names.
const keys = ['w', 'b', 'layers', 'mu', 'nu', 'count', 'my key', '0', 'é', '__proto__'];

/**
 * Training-state-like trees: nested arrays and plain objects of tensors (any dtype), numbers,
 * booleans, strings and empty nodes.
 *
 *   fc.assert(fc.property(arbCheckpointTree, serializeRoundTrip));
 *   fc.sample(arbCheckpointTree, 1); // [{ layers: [{ w: Tensor }], step: 3 }]
 */
export const arbCheckpointTree: fc.Arbitrary<unknown> = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'ckpt' },
    { arbitrary: arbLeaf, weight: 3 },
    { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
    { arbitrary: tie('node'), weight: 2 },
  ),
  node: fc.oneof(
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...keys), tie('tree'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;
