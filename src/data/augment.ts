/**
 * Image augmentation as pure functions of a key: the same key and images give the same output.
 *
 * Images are NCHW batches ([n, channels, height, width]) or single CHW images ([channels,
 * height, width]); the result has the input's shape (crops: the crop size) and dtype. Each image
 * in a batch draws its own offset, angle or coin from the key.
 *
 * The flip is built from tensor ops. Crops, shifts and rotations run eagerly on concrete CPU
 * data (they read the pixels with `dataSync` and index them in plain loops), which is what a data
 * pipeline wants: call them outside `jit`/`vmap`, on the batch before it enters the step.
 */
import * as T from '../tensor';
import type { Tensor, TypedArray } from '../tensor';
import { bernoulli, randint, splitList, uniform } from '../random';
import { dataError } from './dataset';

/** An augmentation: a pure function of a key and a batch of images. */
export type Augmentation = (key: Tensor, images: Tensor) => Tensor;

interface Layout {
  readonly x: Tensor;
  readonly single: boolean;
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

function layout(op: string, images: Tensor): Layout {
  if (!(images instanceof T.Tensor) || (images.ndim !== 3 && images.ndim !== 4)) {
    dataError(op, `images must be NCHW [n, c, h, w] or a single CHW image [c, h, w], got ${images instanceof T.Tensor ? T.fmtAval(images) : T.describe(images)}`);
  }
  const single = images.ndim === 3;
  const x = single ? T.expandDims(images, 0) : images;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return { x, single, n, c, h, w };
}

function restore(l: Layout, out: Tensor): Tensor {
  return l.single ? T.squeeze(out, 0) : out;
}

function ints(t: Tensor): Int32Array {
  return t.dataSync() as Int32Array;
}

/**
 * Flip each image left-right with probability `p` (default 0.5). With p = 1 every image is
 * flipped, so flipping twice is the identity. Built from tensor ops, so it also works traced.
 *
 *   const flipped = randomFlipHorizontal(key(0), batch);
 *   randomFlipHorizontal(k, randomFlipHorizontal(k, x, 1), 1);   // x
 */
export function randomFlipHorizontal(key: Tensor, images: Tensor, p = 0.5): Tensor {
  const l = layout('randomFlipHorizontal', images);
  T.checkNumber('randomFlipHorizontal', 'p', p, { min: 0, max: 1 });
  const coins = T.reshape(bernoulli(key, p, [l.n]), [l.n, 1, 1, 1]);
  return restore(l, T.where(coins, T.flip(l.x, -1), l.x));
}

/** Options of `randomCrop`, e.g. `{ size: 28, padding: 2 }`. */
export interface CropOptions {
  /** The crop's height and width (one number for a square). */
  readonly size: number | readonly [number, number];
  /** Pixels of `fill` added on every side before cropping (default 0). */
  readonly padding?: number;
  /** The value of padded pixels (default 0). */
  readonly fill?: number;
}

/**
 * Pad each image by `padding` on every side, then cut a `size` window at a random offset per
 * image (the CIFAR-style "pad 4 and crop 32"). Eager.
 *
 *   const crops = randomCrop(key(0), batch, { size: 28, padding: 2 });   // [n, c, 28, 28]
 *   randomCrop(k, image, { size: [20, 24] });                            // [c, 20, 24]
 */
export function randomCrop(key: Tensor, images: Tensor, options: CropOptions): Tensor {
  const op = 'randomCrop';
  if (options === undefined) dataError(op, 'expects options { size, padding?, fill? }');
  T.checkOptions(op, options, T.optionKeys<CropOptions>({ size: true, padding: true, fill: true }));
  if (options.fill !== undefined) T.checkNumber(op, 'fill', options.fill);
  const l = layout(op, images);
  const padding = options.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) dataError(op, `padding must be a non-negative integer, got ${padding}`);
  const [ch, cw] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
  const [hp, wp] = [l.h + 2 * padding, l.w + 2 * padding];
  if (![ch, cw].every((s) => Number.isInteger(s) && s > 0) || ch > hp || cw > wp) {
    dataError(op, `size must be positive integers no larger than the padded image [${hp}, ${wp}], got ${JSON.stringify(options.size)}`);
  }
  const [ky, kx] = splitList(key, 2);
  const oy = ints(randint(ky!, [l.n], 0, hp - ch + 1));
  const ox = ints(randint(kx!, [l.n], 0, wp - cw + 1));
  return restore(l, cropAt(l, oy, ox, padding, [ch, cw], options.fill ?? 0));
}

/** out[b, c, i, j] = padded[b, c, oy[b] + i, ox[b] + j], reading the unpadded source directly. */
function cropAt(l: Layout, oy: Int32Array, ox: Int32Array, padding: number, [ch, cw]: readonly [number, number], fill: number): Tensor {
  const src = l.x.dataSync();
  const out = T.arrayFor(l.x.dtype, l.n * l.c * ch * cw);
  let o = 0;
  for (let b = 0; b < l.n; b++) {
    for (let c = 0; c < l.c; c++) {
      const base = (b * l.c + c) * l.h * l.w;
      for (let i = 0; i < ch; i++) {
        const y = oy[b]! + i - padding;
        for (let j = 0; j < cw; j++, o++) {
          const x = ox[b]! + j - padding;
          out[o] = y >= 0 && y < l.h && x >= 0 && x < l.w ? src[base + y * l.w + x]! : fill;
        }
      }
    }
  }
  return T.tensor(out, { shape: [l.n, l.c, ch, cw], dtype: l.x.dtype });
}

/** Options of `randomShift`, e.g. `{ maxShift: 2 }`. */
export interface ShiftOptions {
  /** The largest shift in pixels, up/down and left/right independently. */
  readonly maxShift: number;
  /** The value of pixels shifted in from outside (default 0). */
  readonly fill?: number;
}

/**
 * Translate each image by a random whole number of pixels in [-maxShift, maxShift] along each
 * axis, filling the uncovered border with `fill`: a same-size crop of the padded image. Eager.
 *
 *   const shifted = randomShift(key(0), batch, { maxShift: 2 });
 *   randomShift(k, x, { maxShift: 0 });    // x
 */
export function randomShift(key: Tensor, images: Tensor, options: ShiftOptions): Tensor {
  if (options === undefined) dataError('randomShift', 'expects options { maxShift, fill? }');
  T.checkOptions('randomShift', options, T.optionKeys<ShiftOptions>({ maxShift: true, fill: true }));
  const l = layout('randomShift', images);
  const m = options.maxShift;
  if (!Number.isInteger(m) || m < 0) dataError('randomShift', `maxShift must be a non-negative integer, got ${m}`);
  return randomCrop(key, images, { size: [l.h, l.w], padding: m, fill: options.fill ?? 0 });
}

/** Options of `randomRotation`, e.g. `{ maxDegrees: 15, interpolation: 'nearest' }`. */
export interface RotationOptions {
  /** Angles are drawn uniformly from [-maxDegrees, maxDegrees). */
  readonly maxDegrees: number;
  /** Bilinear (default) or nearest-neighbour sampling. */
  readonly interpolation?: 'bilinear' | 'nearest';
  /** The value of pixels rotated in from outside the image (default 0). */
  readonly fill?: number;
}

/**
 * Rotate each image about its centre by a random angle in [-maxDegrees, maxDegrees): every
 * output pixel samples the input at its inversely rotated position (bilinear or nearest; outside
 * the image reads `fill`). Integer images are rounded. Eager.
 *
 *   const rotated = randomRotation(key(0), batch, { maxDegrees: 15 });
 *   randomRotation(k, x, { maxDegrees: 10, interpolation: 'nearest' });
 */
export function randomRotation(key: Tensor, images: Tensor, options: RotationOptions): Tensor {
  const op = 'randomRotation';
  if (options === undefined) dataError(op, 'expects options { maxDegrees, interpolation?, fill? }');
  T.checkOptions(op, options, T.optionKeys<RotationOptions>({ maxDegrees: true, interpolation: true, fill: true }));
  if (options.interpolation !== undefined) T.checkOneOf(op, 'interpolation', options.interpolation, ['bilinear', 'nearest']);
  const l = layout(op, images);
  const m = options.maxDegrees;
  if (!(Number.isFinite(m) && m >= 0 && m <= 180)) dataError(op, `maxDegrees must be a number in [0, 180], got ${m}`);
  const degrees = uniform(key, [l.n], { minval: -m, maxval: m, dtype: 'float64' }).dataSync();
  const nearest = options.interpolation === 'nearest';
  const fill = options.fill ?? 0;
  const src = l.x.dataSync();
  const out = T.arrayFor(l.x.dtype, src.length);
  const round = !T.isFloat(l.x.dtype);
  const [cy, cx] = [(l.h - 1) / 2, (l.w - 1) / 2];
  for (let b = 0; b < l.n; b++) {
    const theta = (degrees[b]! * Math.PI) / 180;
    const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
    for (let c = 0; c < l.c; c++) {
      const base = (b * l.c + c) * l.h * l.w;
      for (let i = 0; i < l.h; i++) {
        for (let j = 0; j < l.w; j++) {
          const [dy, dx] = [i - cy, j - cx];
          const sx = cos * dx + sin * dy + cx;
          const sy = -sin * dx + cos * dy + cy;
          const v = nearest ? pixel(src, base, l, Math.round(sy), Math.round(sx), fill) : bilinear(src, base, l, sy, sx, fill);
          out[base + i * l.w + j] = round ? Math.round(v) : v;
        }
      }
    }
  }
  return restore(l, T.tensor(out, { shape: l.x.shape, dtype: l.x.dtype }));
}

function pixel(src: TypedArray, base: number, l: Layout, y: number, x: number, fill: number): number {
  return y >= 0 && y < l.h && x >= 0 && x < l.w ? src[base + y * l.w + x]! : fill;
}

function bilinear(src: TypedArray, base: number, l: Layout, sy: number, sx: number, fill: number): number {
  const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
  const [fy, fx] = [sy - y0, sx - x0];
  const top = (1 - fx) * pixel(src, base, l, y0, x0, fill) + (fx === 0 ? 0 : fx * pixel(src, base, l, y0, x0 + 1, fill));
  if (fy === 0) return top;
  const bottom = (1 - fx) * pixel(src, base, l, y0 + 1, x0, fill) + (fx === 0 ? 0 : fx * pixel(src, base, l, y0 + 1, x0 + 1, fill));
  return (1 - fy) * top + fy * bottom;
}

/**
 * Chain augmentations into one, giving each its own key (`splitList(key, fs.length)`).
 *
 *   const augment = composeAugmentations((k, x) => randomShift(k, x, { maxShift: 2 }), (k, x) => randomRotation(k, x, { maxDegrees: 10 }));
 *   const batch2 = augment(key(0), batch);
 */
export function composeAugmentations(...fs: readonly Augmentation[]): Augmentation {
  return (key, images) => {
    if (fs.length === 0) return images;
    const keys = splitList(key, fs.length);
    return fs.reduce((x, f, i) => f(keys[i]!, x), images);
  };
}
