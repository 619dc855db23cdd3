/**
 * Laws of the data module as pure predicates returning `true` or the reason (the runner is
 * test/data.laws.test.ts). Dataset laws take datasets whose tree has an int32 `id` leaf
 * numbering the examples 0..n-1 and an `x` leaf whose rows are a function of the id (`rowOf`),
 * so lost, repeated or misaligned examples show. Augmentation laws take any
 * `(key, images) => images` function.
 *
 *   shuffleIsPermutation(numbered(10), key(0));   // true
 */
import { either as E } from 'fp-ts';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { applyStandardize, Dataset, encodeIdx, fitStandardize, parseIdx, randomFlipHorizontal, trainTestSplit, type Augmentation, type IdxArray } from '../src/data';
import { approx, sameValue, type Approx } from './approx';
import { allOf, check, labelled, type LawResult } from './result';

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

function ids(tree: Numbered): number[] {
  return Array.from(tree.id.dataSync());
}

/** Every row's features match its id: examples moved as a whole. */
export function rowsAligned(tree: Numbered): LawResult {
  const x = tree.x.dataSync();
  const list = ids(tree);
  const i = list.findIndex((id, r) => rowOf(id).some((v, j) => x[r * FEATURES + j] !== Math.fround(v)));
  return check(i < 0, () => `row ${i} holds [${Array.from(x.subarray(i * FEATURES, (i + 1) * FEATURES))}], expected the features of example ${list[i]}: [${rowOf(list[i]!)}]`);
}

function sameSet(what: string, a: readonly number[], b: readonly number[]): LawResult {
  const sa = [...a].sort((p, q) => p - q);
  const sb = [...b].sort((p, q) => p - q);
  return labelled(`${what} (sorted ids)`, sameValue.equals(sa, sb));
}

const idsOf = (trees: readonly Numbered[]): number[] => trees.flatMap(ids);

/**
 * Batching covers every example exactly once, in order, with all batches full but perhaps the
 * last; with dropRemainder, exactly the first floor(n / b) * b examples in full batches.
 */
export function batchesCoverOnce(ds: Dataset<Numbered>, batchSize: number, dropRemainder: boolean): LawResult {
  const batches = [...ds.batch(batchSize, { dropRemainder })];
  const expected = ids(ds.tree).slice(0, dropRemainder ? Math.floor(ds.size / batchSize) * batchSize : ds.size);
  const badSize = batches.findIndex((b, i) => !(b.id.shape[0] === batchSize || (!dropRemainder && i === batches.length - 1 && b.id.shape[0]! > 0)));
  return allOf(
    ['batch sizes', () => check(badSize < 0, () => `batch ${badSize} of ${batches.length} holds ${batches[badSize]!.id.shape[0]} examples (batch size ${batchSize}, dropRemainder ${dropRemainder})`)],
    ...batches.map((b, i) => [`batch ${i}`, () => rowsAligned(b)] as const),
    ['ids of the batches in order vs of the dataset', () => sameValue.equals(idsOf(batches), expected)],
  );
}

/** Each of `n` epochs, batched, covers every example exactly once; epochs are deterministic per key. */
export function epochsCoverOnce(ds: Dataset<Numbered>, n: number, k: Tensor, batchSize: number): LawResult {
  const orders = [...ds.epochs(n, k)].map((e) => idsOf([...e.dataset.batch(batchSize)]));
  const again = [...ds.epochs(n, k)].map((e) => ids(e.dataset.tree));
  return allOf(
    ['number of epochs', () => check(orders.length === n, () => `${orders.length}, expected ${n}`)],
    ...orders.map((o, i) => [`epoch ${i}`, () => allOf(['covers the dataset once', () => sameSet('ids vs the dataset\'s', o, ids(ds.tree))], ['the same order for the same key', () => sameValue.equals(o, again[i])])] as const),
  );
}

/** Shuffling is a permutation of the examples (rows kept whole). */
export function shuffleIsPermutation(ds: Dataset<Numbered>, k: Tensor): LawResult {
  const s = ds.shuffle(k);
  return allOf(
    ['shuffled size', () => check(s.size === ds.size, () => `${s.size}, expected ${ds.size}`)],
    ['shuffled ids vs the dataset\'s', () => sameSet('ids', ids(s.tree), ids(ds.tree))],
    ['shuffled rows', () => rowsAligned(s.tree)],
  );
}

/** The same key gives the same order. */
export function shuffleDeterministic(ds: Dataset<Numbered>, k: Tensor): LawResult {
  return labelled('two shuffles with one key', sameValue.equals(ids(ds.shuffle(k).tree), ids(ds.shuffle(k).tree)));
}

/** trainTestSplit partitions: disjoint, together everything, the asked test size, rows whole. */
export function splitPartitions(ds: Dataset<Numbered>, k: Tensor, testSize: number, shuffle: boolean): LawResult {
  const [train, test] = trainTestSplit(k, ds, { testSize, shuffle });
  const expectedTest = testSize > 0 && testSize < 1 ? Math.round(testSize * ds.size) : testSize;
  return allOf(
    ['sizes', () => check(test.size === expectedTest && train.size + test.size === ds.size, () => `train ${train.size} + test ${test.size} of ${ds.size} for testSize ${testSize}, expected a test size of ${expectedTest}`)],
    ['train and test ids together vs the dataset\'s', () => sameSet('ids', [...ids(train.tree), ...ids(test.tree)], ids(ds.tree))],
    ['train rows', () => rowsAligned(train.tree)],
    ['test rows', () => rowsAligned(test.tree)],
  );
}

/** Standardized features against the plain-JS formula: to 1e-4, relative and absolute (float32 data). */
export const standardizeApprox: Approx = approx({ rtol: 1e-4, atol: 1e-4 });

/**
 * Standardizing test data with training statistics equals (test - mean(train)) / std(train),
 * computed independently in float64 (a zero std counts as 1), column by column; the tolerance
 * is relative to the scale 1 + |mean| / std of the column (float32 rounding of the inputs).
 */
export function standardizeUsesTrainStats(train: Tensor, test: Tensor, tol: Approx = standardizeApprox): LawResult {
  const [n, d] = train.shape as [number, number];
  const tr = train.dataSync();
  const column = (data: ArrayLike<number>, rows: number, j: number) => Array.from({ length: rows }, (_, i) => data[i * d + j]!);
  const mean = Array.from({ length: d }, (_, j) => column(tr, n, j).reduce((a, b) => a + b, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(column(tr, n, j).reduce((a, b) => a + (b - m) ** 2, 0) / n));
  const got = applyStandardize(fitStandardize(train), test).dataSync();
  const te = test.dataSync();
  const rows = te.length / d;
  return allOf(...mean.map((m, j) => {
    const s = std[j]! > 0 ? std[j]! : 1;
    return [`column ${j} (mean ${m}, std ${s})`, () => tol.equals(column(got, rows, j), column(te, rows, j).map((v) => (v - m) / s), { absolute: 1 + Math.abs(m) / s })] as const;
  }));
}

/** An augmentation keeps the images' shape and dtype. */
export function augmentationKeepsShape(f: Augmentation, k: Tensor, images: Tensor): LawResult {
  const y = f(k, images);
  return check(y.dtype === images.dtype && T.shapeEqual(y.shape, images.shape), () => `${T.fmtAval(y)} from ${T.fmtAval(images)} images`);
}

/** Same key, same images: the same output, bit for bit. */
export function augmentationDeterministic(f: Augmentation, k: Tensor, images: Tensor): LawResult {
  return labelled('two runs with one key', sameValue.equals(f(k, images), f(k, images)));
}

/** Flipping every image (p = 1) twice gives the images back. */
export function flipTwiceIsIdentity(k: Tensor, images: Tensor): LawResult {
  return labelled('flipped twice vs the images', sameValue.equals(randomFlipHorizontal(k, randomFlipHorizontal(k, images, 1), 1), images));
}

/** The identity setting of an augmentation (a zero shift, a zero angle, p = 0) leaves images unchanged. */
export function identitySettingIsIdentity(f: Augmentation, k: Tensor, images: Tensor): LawResult {
  return labelled('augmented vs the images', sameValue.equals(f(k, images), images));
}

/**
 * Each output image of a crop is some window of its input padded by `padding` zeros: the crop
 * moves pixels, it never invents or blends them.
 */
export function cropIsWindowOfPadded(crop: Tensor, images: Tensor, padding: number): LawResult {
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
  const isWindow = (b: number): boolean => {
    for (let oy = 0; oy <= h + 2 * padding - ch; oy++) for (let ox = 0; ox <= w + 2 * padding - cw; ox++) if (windowMatches(b, oy, ox)) return true;
    return false;
  };
  const b = Array.from({ length: n }, (_, i) => i).findIndex((i) => !isWindow(i));
  return check(b < 0, () => `crop ${b} (${ch}x${cw}) is no window of image ${b} (${h}x${w}) padded by ${padding}`);
}

/** parseIdx inverts encodeIdx: the same shape, type and values (bit for bit, -0 included). */
export function idxRoundTrip(a: IdxArray): LawResult {
  const r = parseIdx(encodeIdx(a));
  if (E.isLeft(r)) return `parseIdx rejected what encodeIdx wrote: ${r.left.message}`;
  const b = r.right;
  return allOf(
    ['type and shape', () => check(b.dtype === a.dtype && T.shapeEqual(b.shape, a.shape), () => `${b.dtype}[${b.shape}] vs ${a.dtype}[${a.shape}]`)],
    ['values read back vs written', () => sameValue.equals(Array.from(b.data), Array.from(a.data))],
  );
}

/** Every strict prefix of a valid file, and the file with extra bytes, is a Left (never a throw). */
export function idxRejectsWrongLength(a: IdxArray, cut: number, extra: number): LawResult {
  const bytes = encodeIdx(a);
  const prefix = bytes.subarray(0, Math.min(cut, bytes.length - 1));
  const longer = new Uint8Array(bytes.length + Math.max(1, extra));
  longer.set(bytes);
  return allOf(
    [`the first ${prefix.length} of ${bytes.length} bytes`, () => check(E.isLeft(parseIdx(prefix)), 'accepted')],
    [`the file with ${longer.length - bytes.length} extra bytes`, () => check(E.isLeft(parseIdx(longer)), 'accepted')],
  );
}

/** Arbitrary bytes decode to an Either (Right only with a consistent header); nothing throws. */
export function parseIdxTotal(bytes: Uint8Array): LawResult {
  const r = parseIdx(bytes);
  if (E.isLeft(r)) return check(r.left._tag === 'IdxError' && r.left.message.startsWith('IDX: '), () => `a Left that is no IdxError: ${JSON.stringify(r.left)}`);
  const size = r.right.shape.reduce((a, b) => a * b, 1);
  return check(r.right.data.length === size, () => `a Right with ${r.right.data.length} values for shape [${r.right.shape}]`);
}
