/** Numbered datasets, image batches and IDX arrays for the data laws (../data). */
import fc from 'fast-check';
import * as T from '../../src/tensor';
import type { Tensor } from '../../src/tensor';
import { DEFAULT_MISSING, type Dataset, type IdxArray, type IdxDType } from '../../src/data';
import { numbered, type Numbered } from '../data';

/** Numbered datasets of 0..40 examples. */
export const arbNumbered: fc.Arbitrary<Dataset<Numbered>> = fc.nat({ max: 40 }).map(numbered);

/** Small NCHW float32 batches (1-3 images, 1-2 channels, 1-7 pixels a side) with integer-valued pixels. */
export const arbImages: fc.Arbitrary<Tensor> = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }) })
  .chain(({ n, c, h, w }) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n * c * h * w, maxLength: n * c * h * w }).map((v) => T.tensor(Float32Array.from(v), { shape: [n, c, h, w] })));

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

/**
 * Text cells that read back as text: printable, no surrounding spaces, not a missing-value
 * marker and not number-like (quotes, commas and semicolons are welcome: unparse quotes them).
 */
export const arbCell: fc.Arbitrary<string> = fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim() === s && !DEFAULT_MISSING.includes(s) && !/^[+-]?(\d|\.\d|inf|nan)/i.test(s));
