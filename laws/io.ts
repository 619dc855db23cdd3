/**
 * Laws of checkpoints as pure predicates, run by test/io.test.ts and test/io.fuzz.test.ts.
 * Users can run them on their own trees (or on files from other tools) with fast-check.
 */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import { deserialize, restore, serialize, tensorName, type MismatchError } from '../src/io';
import { fromStorage, Tensor, type DType, type TypedArray } from '../src/tensor';
import { flatten, flattenWithPath } from '../src/tree';

/**
 * Bit-exact equality of trees: same structure, tensors with equal shape, dtype and bytes (so NaN
 * payloads and -0 count), other leaves equal by `Object.is`.
 *
 *   bitwiseTreeEqual({ w: t, step: 3 }, restored); // true after a round trip
 *   bitwiseTreeEqual([0], [-0]);                   // false
 */
export function bitwiseTreeEqual(a: unknown, b: unknown): boolean {
  const [xs, da] = flatten(a);
  const [ys, db] = flatten(b);
  return da.equals(db) && xs.every((x, i) => leafBitsEqual(x, ys[i]));
}

function bytesOf(x: TypedArray): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

function leafBitsEqual(x: unknown, y: unknown): boolean {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) return Object.is(x, y);
  if (x.dtype !== y.dtype || x.shape.length !== y.shape.length || x.shape.some((n, i) => n !== y.shape[i])) return false;
  const bx = bytesOf(x.dataSync());
  const by = bytesOf(y.dataSync());
  return bx.length === by.length && bx.every((v, i) => v === by[i]);
}

/**
 * `restore(serialize(tree), tree)` gives back `tree` bit for bit, numbers as numbers.
 *
 *   serializeRoundTrip({ params: { w }, step: 7 }); // true
 *   fc.assert(fc.property(arbCheckpointTree, serializeRoundTrip));
 */
export function serializeRoundTrip(tree: unknown): boolean {
  const r = restore(serialize(tree), tree);
  return E.isRight(r) && bitwiseTreeEqual(r.right, tree);
}

/**
 * `deserialize(serialize(tree))` has one tensor per number, boolean and tensor leaf, under the
 * leaf's dotted path, with the leaf's bytes: what any other safetensors reader would see.
 *
 *   flatNamesMatchPaths({ layers: [{ w }] }); // the file has exactly 'layers.0.w'
 *   fc.assert(fc.property(arbCheckpointTree, flatNamesMatchPaths));
 */
export function flatNamesMatchPaths(tree: unknown): boolean {
  const r = deserialize(serialize(tree));
  if (E.isLeft(r)) return false;
  const stored = flattenWithPath(tree).filter(([, x]) => typeof x !== 'string');
  if (Object.keys(r.right.tensors).length !== stored.length) return false;
  return stored.every(([path, x]) => {
    const t = r.right.tensors[tensorName(path)];
    if (!t) return false;
    if (x instanceof Tensor) return leafBitsEqual(t, x);
    return t.shape.length === 0 && Object.is(typeof x === 'boolean' ? t.dataSync()[0] === 1 : t.dataSync()[0], x);
  });
}

/**
 * Files we write start their data on an 8-byte boundary and align every tensor to its element
 * size, so readers can map them without copying.
 *
 *   headerIsAligned({ a: f32Of3, b: f64Of2 }); // true: b goes first
 *   fc.assert(fc.property(arbCheckpointTree, headerIsAligned));
 */
export function headerIsAligned(tree: unknown): boolean {
  const bytes = serialize(tree);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const width: Record<string, number> = { F64: 8, F32: 4, I32: 4, BOOL: 1 };
  return (8 + n) % 8 === 0 && Object.entries(header).every(([k, e]) => k === '__metadata__' || e.data_offsets[0] % width[e.dtype]! === 0);
}

/**
 * Restoring a tree from a file that lacks all of it reports every leaf as missing, by path.
 *
 *   restoreReportsEveryMissingLeaf({ a: t, b: [t, 2] }); // 3 'missing' errors: a, b.0, b.1
 *   fc.assert(fc.property(arbCheckpointTree, restoreReportsEveryMissingLeaf));
 */
export function restoreReportsEveryMissingLeaf(tree: unknown): boolean {
  const names = flattenWithPath(tree).map(([path]) => tensorName(path));
  const r = restore(serialize({}), tree);
  if (names.length === 0) return E.isRight(r);
  if (E.isRight(r) || !Array.isArray(r.left)) return false;
  const errors = r.left as readonly MismatchError[];
  return errors.length === names.length && errors.every((m, i) => m.kind === 'missing' && m.name === names[i]);
}

/**
 * The reader is total: any bytes give an Either, never a throw, and a Right holds tensors whose
 * data matches their shapes and whose bytes together fit in the input (no amplification).
 *
 *   readerNeverThrows(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255])); // true (a Left)
 *   fc.assert(fc.property(fc.uint8Array(), readerNeverThrows));
 */
export function readerNeverThrows(bytes: Uint8Array): boolean {
  let r: ReturnType<typeof deserialize>;
  try {
    r = deserialize(bytes);
  } catch {
    return false;
  }
  if (E.isLeft(r)) return typeof r.left.message === 'string' && r.left.message.length > 0;
  let total = 0;
  for (const t of Object.values(r.right.tensors)) {
    const data = t.dataSync();
    if (data.length !== t.shape.reduce((n, d) => n * d, 1)) return false;
    total += data.byteLength;
  }
  return total <= bytes.length;
}

/**
 * `restore` is total too: any bytes and any template give an Either, never a throw.
 *
 *   restoreNeverThrows(garbage, { w: t }); // true
 *   fc.assert(fc.property(fc.uint8Array(), (b) => restoreNeverThrows(b, template)));
 */
export function restoreNeverThrows(bytes: Uint8Array, template: unknown): boolean {
  try {
    const r = restore(bytes, template);
    return E.isLeft(r) || E.isRight(r);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

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
