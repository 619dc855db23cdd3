/**
 * Filling missing values (NaN) in a feature matrix as a fit/apply pair, like the standardization
 * in preprocess.ts and scikit-learn's SimpleImputer: `fitImputer` computes one fill value per
 * column from the training rows, `applyImputer` uses them on any rows.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { dataError } from './dataset';

/** How a column's fill value is computed from its present (non-NaN) values. */
export type ImputeStrategy = 'mean' | 'median' | 'mostFrequent' | 'constant';

/** Options of `fitImputer`, e.g. `{ strategy: 'median' }` or `{ strategy: 'constant', fillValue: -1 }`. */
export interface ImputerOptions {
  /** Default 'mean'. 'mostFrequent' takes the smallest of equally frequent values. */
  readonly strategy?: ImputeStrategy;
  /** The fill value of the 'constant' strategy (default 0). */
  readonly fillValue?: number;
}

/** One fill value per column, shaped [1, columns] to broadcast against rows. */
export interface ImputerStats {
  readonly fill: Tensor;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

function mostFrequent(sorted: Float64Array): number {
  let best = sorted[0]!, bestCount = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > bestCount) [best, bestCount] = [sorted[i]!, j - i];
    i = j;
  }
  return best;
}

/**
 * Fit fill values for the NaNs of a float matrix [rows, columns]: each column's mean, median or
 * most frequent present value, or a constant. A column with no present value is an error
 * naming it (except for 'constant').
 *
 *   const stats = fitImputer(trainX, { strategy: 'median' });
 *   const [a, b] = [applyImputer(stats, trainX), applyImputer(stats, testX)];
 */
export function fitImputer(x: Tensor, options: ImputerOptions = {}): ImputerStats {
  const op = 'fitImputer';
  T.checkOptions(op, options, T.optionKeys<ImputerOptions>({ strategy: true, fillValue: true }));
  if (!(x instanceof T.Tensor) || x.ndim !== 2 || !T.isFloat(x.dtype)) dataError(op, `x must be a float matrix [rows, columns], got ${x instanceof T.Tensor ? T.fmtAval(x) : T.describe(x)}`);
  const strategy = options.strategy ?? 'mean';
  if (!['mean', 'median', 'mostFrequent', 'constant'].includes(strategy)) dataError(op, `strategy must be 'mean', 'median', 'mostFrequent' or 'constant', got ${JSON.stringify(strategy)}`);
  const fillValue = options.fillValue ?? 0;
  if (typeof fillValue !== 'number' || Number.isNaN(fillValue)) dataError(op, `fillValue must be a number, got ${String(fillValue)}`);
  const [n, k] = x.shape as [number, number];
  const data = x.dataSync();
  const fill = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    if (strategy === 'constant') {
      fill[j] = fillValue;
      continue;
    }
    const present: number[] = [];
    for (let i = 0; i < n; i++) if (!Number.isNaN(data[i * k + j]!)) present.push(data[i * k + j]!);
    if (present.length === 0) dataError(op, `column ${j} has no present values to compute a ${strategy} from (all ${n} are NaN)`);
    const sorted = Float64Array.from(present).sort();
    fill[j] = strategy === 'mean' ? present.reduce((a, b) => a + b, 0) / present.length : strategy === 'median' ? median(sorted) : mostFrequent(sorted);
  }
  return { fill: T.tensor(fill, { shape: [1, k], dtype: x.dtype }) };
}

/**
 * `x` with each NaN replaced by its column's fill value from `fitImputer`; other values unchanged.
 *
 *   const stats = fitImputer(trainX);
 *   applyImputer(stats, testX);   // no NaN left
 */
export function applyImputer(stats: ImputerStats, x: Tensor): Tensor {
  const k = stats.fill.shape[1];
  if (!(x instanceof T.Tensor) || x.ndim !== 2 || x.shape[1] !== k) dataError('applyImputer', `x must be a matrix [rows, ${k}] like the data the imputer was fit on, got ${x instanceof T.Tensor ? T.fmtAval(x) : T.describe(x)}`);
  return T.where(T.isNan(x), T.astype(stats.fill, x.dtype), x);
}
