/**
 * Preprocessing as fit/apply pairs: `fit*` computes statistics from training data once, and
 * `apply*` uses them on any data (train, test, a single batch). Fitting on the training set and
 * applying the same statistics to the test set keeps test information out of training.
 *
 * Statistics keep the reduced axes (size 1), so they broadcast against inputs of the same rank
 * with any number of examples. Integer inputs give float32 results.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';

/** Options of `fitStandardize`/`fitNormalize`, e.g. `{ axis: [0, 2, 3] }` for NCHW channels. */
export interface FitOptions {
  /** The axes to reduce over (default 0: one statistic per feature, across examples). For NCHW images per channel: [0, 2, 3]. */
  readonly axis?: number | readonly number[];
}

/** Per-feature mean and standard deviation; a zero deviation is stored as 1, so constant features are only shifted (to 0 on the fitted data), never NaN. */
export interface StandardizeStats {
  readonly mean: Tensor;
  readonly std: Tensor;
}

/** Per-feature minimum and maximum. */
export interface NormalizeStats {
  readonly min: Tensor;
  readonly max: Tensor;
}

function fitArgs(op: string, x: unknown, options: FitOptions): void {
  if (!(x instanceof T.Tensor)) throw new T.OpError(op, `x must be a tensor, got ${T.describe(x)}`);
  T.checkOptions(op, options, T.optionKeys<FitOptions>({ axis: true }));
  if (options.axis !== undefined) T.normalizeAxes(op, options.axis, x.ndim);
}

function asFloat(x: Tensor): Tensor {
  return T.isFloat(x.dtype) ? x : T.astype(x, 'float32');
}

/** `d` with zeros replaced by 1, so dividing by it leaves constant features at zero instead of NaN. */
function safeScale(d: Tensor): Tensor {
  return T.where(T.greater(d, 0), d, T.onesLike(d));
}

/**
 * Fit standardization statistics: the mean and (population) standard deviation along `axis`.
 *
 *   const stats = fitStandardize(train.tree.x);                 // per feature
 *   const perChannel = fitStandardize(images, { axis: [0, 2, 3] });
 */
export function fitStandardize(x: Tensor, options: FitOptions = {}): StandardizeStats {
  fitArgs('fitStandardize', x, options);
  const xf = asFloat(x);
  const axis = options.axis ?? 0;
  return { mean: T.mean(xf, { axis, keepdims: true }), std: safeScale(T.std(xf, { axis, keepdims: true })) };
}

/**
 * (x - mean) / std with statistics from `fitStandardize` (usually fit on the training set).
 *
 *   const stats = fitStandardize(trainX);
 *   const [a, b] = [applyStandardize(stats, trainX), applyStandardize(stats, testX)];
 */
export function applyStandardize(stats: StandardizeStats, x: Tensor): Tensor {
  return T.div(T.sub(asFloat(x), stats.mean), stats.std);
}

/**
 * The inverse of `applyStandardize`: z * std + mean.
 *
 *   const z = applyStandardize(stats, x);
 *   invertStandardize(stats, z);    // ≈ x
 */
export function invertStandardize(stats: StandardizeStats, z: Tensor): Tensor {
  return T.add(T.mul(z, stats.std), stats.mean);
}

/**
 * Fit min-max normalization statistics: the minimum and maximum along `axis`.
 *
 *   const stats = fitNormalize(trainX);
 *   const global = fitNormalize(trainX, { axis: [0, 1] });   // one min/max for all of [n, d]
 */
export function fitNormalize(x: Tensor, options: FitOptions = {}): NormalizeStats {
  fitArgs('fitNormalize', x, options);
  const xf = asFloat(x);
  const axis = options.axis ?? 0;
  return { min: T.min(xf, { axis, keepdims: true }), max: T.max(xf, { axis, keepdims: true }) };
}

/**
 * (x - min) / (max - min): the fitted data lands in [0, 1]; other data may fall outside (it is not
 * clipped). A constant feature (max = min) is only shifted, so its training values map to 0.
 *
 *   const stats = fitNormalize(trainX);
 *   const testScaled = applyNormalize(stats, testX);
 */
export function applyNormalize(stats: NormalizeStats, x: Tensor): Tensor {
  return T.div(T.sub(asFloat(x), stats.min), safeScale(T.sub(stats.max, stats.min)));
}

/**
 * The inverse of `applyNormalize`: y * (max - min) + min (a constant feature's range counts as 1, as in apply).
 *
 *   const y = applyNormalize(stats, x);
 *   invertNormalize(stats, y);    // ≈ x
 */
export function invertNormalize(stats: NormalizeStats, y: Tensor): Tensor {
  return T.add(T.mul(y, safeScale(T.sub(stats.max, stats.min))), stats.min);
}

/**
 * Integer class labels as one-hot rows (float32 by default): the tensor layer's `oneHot`.
 *
 *   oneHot(T.tensor([0, 2], { dtype: 'int32' }), 3);    // [[1, 0, 0], [0, 0, 1]]
 *   ds.map(({ x, y }) => ({ x, y: oneHot(y, 10) }));
 */
export const oneHot: typeof T.oneHot = T.oneHot;
