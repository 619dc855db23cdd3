import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { encodeIdx as encode, randomCrop, randomFlipHorizontal, randomRotation, randomShift, type Augmentation } from '../src/data';
import { arbIdxArray, arbImages, arbNumbered } from '../laws/arbitraries/data';
import { arbKey } from '../laws/arbitraries/random';
import { lawProperty } from '../laws/arbitraries/property';
import {
  augmentationDeterministic,
  augmentationKeepsShape,
  batchesCoverOnce,
  cropIsWindowOfPadded,
  epochsCoverOnce,
  flipTwiceIsIdentity,
  identitySettingIsIdentity,
  idxRejectsWrongLength,
  idxRoundTrip,
  parseIdxTotal,
  shuffleDeterministic,
  shuffleIsPermutation,
  splitPartitions,
  standardizeUsesTrainStats,
  numbered,
} from '../laws/data';
import { key } from '../src/random';

const seed = 20240611;
const params = { seed, numRuns: 60 };

const named = (label: string, f: Augmentation): Augmentation => Object.assign(f, { toString: () => label });
const augmentations: Augmentation[] = [
  named('flip', (k, x) => randomFlipHorizontal(k, x)),
  named('shift 2', (k, x) => randomShift(k, x, { maxShift: 2 })),
  named('rotation 30 bilinear', (k, x) => randomRotation(k, x, { maxDegrees: 30 })),
  named('rotation 30 nearest', (k, x) => randomRotation(k, x, { maxDegrees: 30, interpolation: 'nearest' })),
  named('crop same size, padding 1', (k, x) => randomCrop(k, x, { size: [x.shape[2]!, x.shape[3]!], padding: 1 })),
];
const arbAugmentation = fc.constantFrom(...augmentations);
const identities: Augmentation[] = [
  named('flip p=0', (k, x) => randomFlipHorizontal(k, x, 0)),
  named('shift 0', (k, x) => randomShift(k, x, { maxShift: 0 })),
  named('rotation 0', (k, x) => randomRotation(k, x, { maxDegrees: 0 })),
  named('crop full, no padding', (k, x) => randomCrop(k, x, { size: [x.shape[2]!, x.shape[3]!] })),
];

/** A [n, d] float32 matrix from small integers (some columns may be constant). */
const arbMatrix = (n: fc.Arbitrary<number>, d: number): fc.Arbitrary<Tensor> =>
  n.chain((rows) => fc.array(fc.integer({ min: -50, max: 50 }), { minLength: rows * d, maxLength: rows * d }).map((v) => T.tensor(Float32Array.from(v), { shape: [rows, d] })));

describe(`data laws (seed ${seed})`, () => {
  it('batchesCoverOnce', () => {
    fc.assert(lawProperty(arbNumbered, fc.integer({ min: 1, max: 12 }), fc.boolean(), (ds, b, drop) => batchesCoverOnce(ds, b, drop)), params);
  });

  it('batchesCoverOnce after shuffle', () => {
    fc.assert(lawProperty(arbNumbered, arbKey, fc.integer({ min: 1, max: 12 }), fc.boolean(), (ds, k, b, drop) => batchesCoverOnce(ds.shuffle(k), b, drop)), params);
  });

  it('epochsCoverOnce', () => {
    fc.assert(lawProperty(arbNumbered, fc.integer({ min: 0, max: 3 }), arbKey, fc.integer({ min: 1, max: 9 }), (ds, n, k, b) => epochsCoverOnce(ds, n, k, b)), { seed, numRuns: 30 });
  });

  it('shuffleIsPermutation', () => {
    fc.assert(lawProperty(arbNumbered, arbKey, (ds, k) => shuffleIsPermutation(ds, k)), params);
  });

  it('shuffleDeterministic', () => {
    fc.assert(lawProperty(arbNumbered, arbKey, (ds, k) => shuffleDeterministic(ds, k)), params);
  });

  it('splitPartitions (fractions and counts, shuffled or not)', () => {
    const arbCase = arbNumbered.chain((ds) =>
      fc.tuple(fc.constant(ds), fc.oneof(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: ds.size })), fc.boolean()),
    );
    fc.assert(lawProperty(arbCase, arbKey, ([ds, testSize, shuffle], k) => splitPartitions(ds, k, testSize, shuffle)), params);
  });

  it('standardizeUsesTrainStats', () => {
    fc.assert(lawProperty(arbMatrix(fc.integer({ min: 1, max: 12 }), 3), arbMatrix(fc.integer({ min: 0, max: 6 }), 3), (train, test) => standardizeUsesTrainStats(train, test)), params);
  });

  it('augmentationKeepsShape', () => {
    fc.assert(lawProperty(arbAugmentation, arbKey, arbImages, (f, k, x) => augmentationKeepsShape(f, k, x)), params);
  });

  it('augmentationDeterministic', () => {
    fc.assert(lawProperty(arbAugmentation, arbKey, arbImages, (f, k, x) => augmentationDeterministic(f, k, x)), params);
  });

  it('flipTwiceIsIdentity', () => {
    fc.assert(lawProperty(arbKey, arbImages, (k, x) => flipTwiceIsIdentity(k, x)), params);
  });

  it('identitySettingIsIdentity', () => {
    fc.assert(lawProperty(fc.constantFrom(...identities), arbKey, arbImages, (f, k, x) => identitySettingIsIdentity(f, k, x)), params);
  });

  it('cropIsWindowOfPadded', () => {
    const arbCase = arbImages.chain((x) =>
      fc.tuple(fc.constant(x), fc.integer({ min: 0, max: 2 })).chain(([img, padding]) =>
        fc.tuple(fc.constant(img), fc.constant(padding), fc.integer({ min: 1, max: img.shape[2]! + 2 * padding }), fc.integer({ min: 1, max: img.shape[3]! + 2 * padding })),
      ),
    );
    fc.assert(lawProperty(arbCase, arbKey, ([x, padding, h, w], k) => cropIsWindowOfPadded(randomCrop(k, x, { size: [h, w], padding }), x, padding)), params);
  });

  it('idxRoundTrip', () => {
    fc.assert(lawProperty(arbIdxArray, (a) => idxRoundTrip(a)), { seed, numRuns: 200 });
  });

  it('idxRejectsWrongLength', () => {
    fc.assert(lawProperty(arbIdxArray, fc.nat({ max: 200 }), fc.integer({ min: 1, max: 16 }), (a, cut, extra) => idxRejectsWrongLength(a, cut, extra)), { seed, numRuns: 200 });
  });

  it('parseIdxTotal on arbitrary bytes and on mutated headers', () => {
    const mutated = fc.tuple(arbIdxArray, fc.nat({ max: 15 }), fc.integer({ min: 0, max: 255 })).map(([a, i, b]) => {
      const bytes = encode(a);
      bytes[Math.min(i, bytes.length - 1)] = b;
      return bytes;
    });
    fc.assert(lawProperty(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => parseIdxTotal(bytes)), { seed, numRuns: 300 });
  });

  it('the laws say why a broken pipeline fails them', () => {
    const ds = numbered(5);
    const dropsLast: typeof ds = Object.assign(Object.create(ds), { shuffle: () => ds.slice(0, 4) });
    expect(shuffleIsPermutation(dropsLast, key(0))).toBe('shuffled size: 4, expected 5');
    const shifted = T.add(T.tensor([[1, 2, 3]]), 0);
    expect(identitySettingIsIdentity((_k, x) => T.add(x, 1), key(0), shifted)).toBe('augmented vs the images: index [0, 0]: 2 vs 1');
  });
});
