/**
 * Laws of the data module as pure predicates (the runner is test/data.laws.test.ts). Dataset laws
 * take datasets whose tree has an int32 `id` leaf numbering the examples 0..n-1 and an `x` leaf
 * whose rows are a function of the id (`rowOf`), so lost, repeated or misaligned examples show.
 * Augmentation laws take any `(key, images) => images` function.
 */
import fc from 'fast-check';
import { either as E } from 'fp-ts';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { key } from '../src/random';
import { applyStandardize, Dataset, encodeIdx, fitStandardize, parseIdx, randomFlipHorizontal, trainTestSplit, type Augmentation, type IdxArray, type IdxDType } from '../src/data';

/** A dataset tree with example ids and feature rows derived from them. */
export interface Numbered {
  readonly id: Tensor;
  readonly x: Tensor;
}

const FEATURES = 3;

/** The features of example `id`: [id, -id, id / 2]. */
export function rowOf(id: number): number[] {
  return [id, -id, id / 2];
}

/** A numbered dataset of `n` examples (ids 0..n-1, float32 x [n, 3]). */
export function numbered(n: number): Dataset<Numbered> {
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const x = Float32Array.from({ length: n * FEATURES }, (_, k) => rowOf(Math.floor(k / FEATURES))[k % FEATURES]!);
  return Dataset.fromTensors({ id: T.tensor(ids, { shape: [n], dtype: 'int32' }), x: T.tensor(x, { shape: [n, FEATURES] }) });
}

/** Keys from any safe-integer seed. */
export const arbKey: fc.Arbitrary<Tensor> = fc.maxSafeInteger().map((seed) => key(seed));

/** Numbered datasets of 0..40 examples. */
export const arbNumbered: fc.Arbitrary<Dataset<Numbered>> = fc.nat({ max: 40 }).map(numbered);

/** Small NCHW float32 batches (1-3 images, 1-2 channels, 1-7 pixels a side) with integer-valued pixels. */
export const arbImages: fc.Arbitrary<Tensor> = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }) })
  .chain(({ n, c, h, w }) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n * c * h * w, maxLength: n * c * h * w }).map((v) => T.tensor(Float32Array.from(v), { shape: [n, c, h, w] })));

function ids(tree: Numbered): number[] {
  return Array.from(tree.id.dataSync());
}

/** Every row's features match its id: examples moved as a whole. */
export function rowsAligned(tree: Numbered): boolean {
  const x = tree.x.dataSync();
  return ids(tree).every((id, i) => rowOf(id).every((v, j) => x[i * FEATURES + j] === Math.fround(v)));
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort((p, q) => p - q);
  const sb = [...b].sort((p, q) => p - q);
  return sa.every((v, i) => v === sb[i]);
}

/**
 * Batching covers every example exactly once, in order, with all batches full but perhaps the
 * last; with dropRemainder, exactly the first floor(n / b) * b examples in full batches.
 */
export function batchesCoverOnce(ds: Dataset<Numbered>, batchSize: number, dropRemainder: boolean): boolean {
  const batches = [...ds.batch(batchSize, { dropRemainder })];
  const seen = batches.flatMap(ids);
  const expected = dropRemainder ? Math.floor(ds.size / batchSize) * batchSize : ds.size;
  const sizesOk = batches.every((b, i) => b.id.shape[0] === batchSize || (!dropRemainder && i === batches.length - 1 && b.id.shape[0]! > 0));
  return sizesOk && batches.every(rowsAligned) && seen.length === expected && seen.every((id, i) => id === ids(ds.tree)[i]);
}

/** Each of `n` epochs, batched, covers every example exactly once; epochs are deterministic per key. */
export function epochsCoverOnce(ds: Dataset<Numbered>, n: number, k: Tensor, batchSize: number): boolean {
  const orders = [...ds.epochs(n, k)].map((e) => [...e.dataset.batch(batchSize)].flatMap(ids));
  const again = [...ds.epochs(n, k)].map((e) => ids(e.dataset.tree));
  return orders.length === n && orders.every((o, i) => sameSet(o, ids(ds.tree)) && o.every((v, j) => v === again[i]![j]));
}

/** Shuffling is a permutation of the examples (rows kept whole). */
export function shuffleIsPermutation(ds: Dataset<Numbered>, k: Tensor): boolean {
  const s = ds.shuffle(k);
  return s.size === ds.size && sameSet(ids(s.tree), ids(ds.tree)) && rowsAligned(s.tree);
}

/** The same key gives the same order. */
export function shuffleDeterministic(ds: Dataset<Numbered>, k: Tensor): boolean {
  const a = ids(ds.shuffle(k).tree);
  const b = ids(ds.shuffle(k).tree);
  return a.every((v, i) => v === b[i]);
}

/** trainTestSplit partitions: disjoint, together everything, the asked test size, rows whole. */
export function splitPartitions(ds: Dataset<Numbered>, k: Tensor, testSize: number, shuffle: boolean): boolean {
  const [train, test] = trainTestSplit(k, ds, { testSize, shuffle });
  const expectedTest = testSize > 0 && testSize < 1 ? Math.round(testSize * ds.size) : testSize;
  const all = [...ids(train.tree), ...ids(test.tree)];
  return test.size === expectedTest && train.size + test.size === ds.size && sameSet(all, ids(ds.tree)) && rowsAligned(train.tree) && rowsAligned(test.tree);
}

/**
 * Standardizing test data with training statistics equals (test - mean(train)) / std(train),
 * computed independently in float64 (a zero std counts as 1); tolerance relative to the scale.
 */
export function standardizeUsesTrainStats(train: Tensor, test: Tensor, tolerance = 1e-4): boolean {
  const [n, d] = train.shape as [number, number];
  const tr = train.dataSync();
  const mean = Array.from({ length: d }, (_, j) => Array.from({ length: n }, (_, i) => tr[i * d + j]!).reduce((a, b) => a + b, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(Array.from({ length: n }, (_, i) => (tr[i * d + j]! - m) ** 2).reduce((a, b) => a + b, 0) / n));
  const got = applyStandardize(fitStandardize(train), test).dataSync();
  const te = test.dataSync();
  return Array.from(te).every((v, k) => {
    const j = k % d;
    const s = std[j]! > 0 ? std[j]! : 1;
    const want = (v - mean[j]!) / s;
    return Math.abs(got[k]! - want) <= tolerance * (1 + Math.abs(want) + Math.abs(mean[j]!) / s);
  });
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || !T.shapeEqual(a.shape, b.shape)) return false;
  const y = b.dataSync();
  return a.dataSync().every((v, i) => Object.is(v, y[i]));
}

/** An augmentation keeps the images' shape and dtype. */
export function augmentationKeepsShape(f: Augmentation, k: Tensor, images: Tensor): boolean {
  const y = f(k, images);
  return y.dtype === images.dtype && T.shapeEqual(y.shape, images.shape);
}

/** Same key, same images: the same output, bit for bit. */
export function augmentationDeterministic(f: Augmentation, k: Tensor, images: Tensor): boolean {
  return sameTensor(f(k, images), f(k, images));
}

/** Flipping every image (p = 1) twice gives the images back. */
export function flipTwiceIsIdentity(k: Tensor, images: Tensor): boolean {
  return sameTensor(randomFlipHorizontal(k, randomFlipHorizontal(k, images, 1), 1), images);
}

/** The identity setting of an augmentation (a zero shift, a zero angle, p = 0) leaves images unchanged. */
export function identitySettingIsIdentity(f: Augmentation, k: Tensor, images: Tensor): boolean {
  return sameTensor(f(k, images), images);
}

/**
 * Each output image of a crop is some window of its input padded by `padding` zeros: the crop
 * moves pixels, it never invents or blends them.
 */
export function cropIsWindowOfPadded(crop: Tensor, images: Tensor, padding: number): boolean {
  const [n, c, h, w] = images.shape as [number, number, number, number];
  const [ch, cw] = [crop.shape[2]!, crop.shape[3]!];
  const src = images.dataSync();
  const out = crop.dataSync();
  const at = (b: number, ci: number, y: number, x: number): number => (y >= 0 && y < h && x >= 0 && x < w ? src[((b * c + ci) * h + y) * w + x]! : 0);
  const windowMatches = (b: number, oy: number, ox: number): boolean => {
    for (let ci = 0; ci < c; ci++) for (let i = 0; i < ch; i++) for (let j = 0; j < cw; j++) {
      if (out[((b * c + ci) * ch + i) * cw + j] !== at(b, ci, oy + i - padding, ox + j - padding)) return false;
    }
    return true;
  };
  return Array.from({ length: n }, (_, b) => b).every((b) => {
    for (let oy = 0; oy <= h + 2 * padding - ch; oy++) for (let ox = 0; ox <= w + 2 * padding - cw; ox++) if (windowMatches(b, oy, ox)) return true;
    return false;
  });
}

/** IDX arrays of every element type with small shapes and values that the type holds exactly. */
export const arbIdxArray: fc.Arbitrary<IdxArray> = fc
  .record({
    dtype: fc.constantFrom<IdxDType>('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const value: Record<IdxDType, fc.Arbitrary<number>> = {
      uint8: fc.integer({ min: 0, max: 255 }),
      int8: fc.integer({ min: -128, max: 127 }),
      int16: fc.integer({ min: -32768, max: 32767 }),
      int32: fc.integer(),
      float32: fc.float({ noNaN: true }),
      float64: fc.double({ noNaN: true }),
    };
    const make = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[dtype];
    return fc.array(value[dtype], { minLength: size, maxLength: size }).map((v) => ({ shape, dtype, data: make.from(v) }) as IdxArray);
  });

/** parseIdx inverts encodeIdx: the same shape, type and values (bit for bit, -0 included). */
export function idxRoundTrip(a: IdxArray): boolean {
  const r = parseIdx(encodeIdx(a));
  if (E.isLeft(r)) return false;
  const b = r.right;
  return b.dtype === a.dtype && T.shapeEqual(b.shape, a.shape) && b.data.length === a.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));
}

/** Every strict prefix of a valid file, and the file with extra bytes, is a Left (never a throw). */
export function idxRejectsWrongLength(a: IdxArray, cut: number, extra: number): boolean {
  const bytes = encodeIdx(a);
  const prefix = bytes.subarray(0, Math.min(cut, bytes.length - 1));
  const longer = new Uint8Array(bytes.length + Math.max(1, extra));
  longer.set(bytes);
  return E.isLeft(parseIdx(prefix)) && E.isLeft(parseIdx(longer));
}

/** Arbitrary bytes decode to an Either (Right only with a consistent header); nothing throws. */
export function parseIdxTotal(bytes: Uint8Array): boolean {
  const r = parseIdx(bytes);
  return E.isLeft(r) ? r.left._tag === 'IdxError' && r.left.message.startsWith('IDX: ') : r.right.data.length === r.right.shape.reduce((a, b) => a * b, 1);
}
