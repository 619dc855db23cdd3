/**
 * Laws of checkpoints as pure predicates returning `true` or the reason, run by test/io.test.ts
 * and test/io.fuzz.test.ts. Users can run them on their own trees (or on files from other
 * tools). Trees are compared with `bitwise`: tensors with equal shape, dtype and bytes (so NaN
 * payloads and -0 count), other leaves equal by `Object.is`.
 */
import { either as E } from 'fp-ts';
import { deserialize, restore, serialize, tensorName, type MismatchError } from '../src/io';
import { Tensor } from '../src/tensor';
import { flattenWithPath } from '../src/tree';
import { bitwise } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

/**
 * `restore(serialize(tree), tree)` gives back `tree` bit for bit, numbers as numbers.
 *
 *   serializeRoundTrip({ params: { w }, step: 7 }); // true
 *   fc.assert(lawProperty(arbCheckpointTree, serializeRoundTrip));
 */
export function serializeRoundTrip(tree: unknown): LawResult {
  const r = restore(serialize(tree), tree);
  if (E.isLeft(r)) return `restore rejected what serialize wrote: ${JSON.stringify(r.left)}`;
  return labelled('restored vs saved', bitwise.equals(r.right, tree));
}

/**
 * `deserialize(serialize(tree))` has one tensor per number, boolean and tensor leaf, under the
 * leaf's dotted path, with the leaf's bytes: what any other safetensors reader would see.
 *
 *   flatNamesMatchPaths({ layers: [{ w }] }); // the file has exactly 'layers.0.w'
 *   fc.assert(lawProperty(arbCheckpointTree, flatNamesMatchPaths));
 */
export function flatNamesMatchPaths(tree: unknown): LawResult {
  const r = deserialize(serialize(tree));
  if (E.isLeft(r)) return `deserialize rejected what serialize wrote: ${r.left.message}`;
  const stored = flattenWithPath(tree).filter(([, x]) => typeof x !== 'string');
  const names = Object.keys(r.right.tensors);
  return allOf(
    ['tensor names in the file', () => check(names.length === stored.length, () => `[${names.join(', ')}], expected one per stored leaf: [${stored.map(([p]) => tensorName(p)).join(', ')}]`)],
    ...stored.map(([path, x]) => [`tensor '${tensorName(path)}'`, () => {
      const t = r.right.tensors[tensorName(path)];
      if (!t) return 'missing';
      if (x instanceof Tensor) return bitwise.equals(t, x);
      const value = typeof x === 'boolean' ? t.dataSync()[0] === 1 : t.dataSync()[0];
      return check(t.shape.length === 0 && Object.is(value, x), () => `holds ${t.dtype}[${t.shape}] ${String(value)}, expected a scalar ${String(x)}`);
    }] as const),
  );
}

/**
 * Files we write start their data on an 8-byte boundary and align every tensor to its element
 * size, so readers can map them without copying.
 *
 *   headerIsAligned({ a: f32Of3, b: f64Of2 }); // true: b goes first
 *   fc.assert(lawProperty(arbCheckpointTree, headerIsAligned));
 */
export function headerIsAligned(tree: unknown): LawResult {
  const bytes = serialize(tree);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const width: Record<string, number> = { F64: 8, F32: 4, I32: 4, BOOL: 1 };
  const misaligned = Object.entries(header).find(([k, e]) => k !== '__metadata__' && e.data_offsets[0] % width[e.dtype]! !== 0);
  return allOf(
    ['data start', () => check((8 + n) % 8 === 0, () => `at byte ${8 + n}, not a multiple of 8`)],
    ['tensor offsets', () => check(!misaligned, () => `'${misaligned![0]}' (${misaligned![1].dtype}) starts at ${misaligned![1].data_offsets[0]}, not a multiple of its element size`)],
  );
}

/**
 * Restoring a tree from a file that lacks all of it reports every leaf as missing, by path.
 *
 *   restoreReportsEveryMissingLeaf({ a: t, b: [t, 2] }); // 3 'missing' errors: a, b.0, b.1
 *   fc.assert(lawProperty(arbCheckpointTree, restoreReportsEveryMissingLeaf));
 */
export function restoreReportsEveryMissingLeaf(tree: unknown): LawResult {
  const names = flattenWithPath(tree).map(([path]) => tensorName(path));
  const r = restore(serialize({}), tree);
  if (names.length === 0) return check(E.isRight(r), () => `restoring a tree without leaves failed: ${JSON.stringify((r as E.Left<unknown>).left)}`);
  if (E.isRight(r) || !Array.isArray(r.left)) return `restoring from an empty file gave ${E.isRight(r) ? 'a Right' : JSON.stringify(r.left)}, expected one 'missing' error per leaf`;
  const errors = r.left as readonly MismatchError[];
  const reported = errors.map((m) => `${m.kind} ${m.name}`);
  return labelled('errors of a restore from an empty file', sameList(reported, names.map((name) => `missing ${name}`)));
}

function sameList(got: readonly string[], expected: readonly string[]): LawResult {
  return check(got.length === expected.length && got.every((g, i) => g === expected[i]), () => `[${got.join(', ')}], expected [${expected.join(', ')}]`);
}

/**
 * The reader is total: any bytes give an Either, never a throw, and a Right holds tensors whose
 * data matches their shapes and whose bytes together fit in the input (no amplification).
 *
 *   readerNeverThrows(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255])); // true (a Left)
 *   fc.assert(lawProperty(fc.uint8Array(), readerNeverThrows));
 */
export function readerNeverThrows(bytes: Uint8Array): LawResult {
  let r: ReturnType<typeof deserialize>;
  try {
    r = deserialize(bytes);
  } catch (e) {
    return `deserialize threw on ${bytes.length} bytes: ${String(e)}`;
  }
  if (E.isLeft(r)) return check(typeof r.left.message === 'string' && r.left.message.length > 0, 'a Left without a message');
  let total = 0;
  for (const [name, t] of Object.entries(r.right.tensors)) {
    const data = t.dataSync();
    if (data.length !== t.shape.reduce((n, d) => n * d, 1)) return `tensor '${name}' holds ${data.length} values for shape [${t.shape}]`;
    total += data.byteLength;
  }
  return check(total <= bytes.length, () => `${total} bytes of tensors from a ${bytes.length}-byte file`);
}

/**
 * `restore` is total too: any bytes and any template give an Either, never a throw.
 *
 *   restoreNeverThrows(garbage, { w: t }); // true
 *   fc.assert(lawProperty(fc.uint8Array(), (b) => restoreNeverThrows(b, template)));
 */
export function restoreNeverThrows(bytes: Uint8Array, template: unknown): LawResult {
  try {
    const r = restore(bytes, template);
    return check(E.isLeft(r) || E.isRight(r), 'restore returned no Either');
  } catch (e) {
    return `restore threw on ${bytes.length} bytes: ${String(e)}`;
  }
}
