/**
 * Multivariate normal samples mean + L z with L the Cholesky factor of the covariance (JAX's
 * default method). The factor is computed here column by column from ops (Cholesky-Banachiewicz,
 * n steps of vector work), so it batches over leading axes and is differentiable in mean and
 * covariance; a covariance that is not positive definite gives NaN, as a Cholesky factor does.
 */
import * as T from '../tensor';
import { fmtAval, Tensor } from '../tensor';
import { checkKey, checkShape, randomError } from './key';
import { checkFloatDType, fitsIn, givenDType, normal, type FloatDType, type FloatOptions } from './samplers';

/** The lower Cholesky factor of [..., n, n] symmetric positive definite matrices. */
function cholesky(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1]!;
  const rows = T.arange(n);
  const columns: Tensor[] = [];
  for (let j = 0; j < n; j++) {
    // v = A[:, j] - sum_{k<j} L[:, k] L[j, k]; then L[j, j] = sqrt(v[j]) and L[i, j] = v[i] / L[j, j] below.
    let v = T.squeeze(T.slice(a, [...a.shape.slice(0, -1).map(() => null), { start: j, stop: j + 1 }]), -1);
    for (const col of columns) v = T.sub(v, T.mul(col, T.slice(col, [...col.shape.slice(0, -1).map(() => null), { start: j, stop: j + 1 }])));
    const pivot = T.sqrt(T.slice(v, [...v.shape.slice(0, -1).map(() => null), { start: j, stop: j + 1 }]));
    columns.push(T.where(T.greaterEqual(rows, j), T.div(v, pivot), 0));
  }
  return T.stack(columns, -1);
}

/**
 * Samples of N(mean, cov): mean is [..., n], cov [..., n, n]; the result is
 * [...keyBatch, ...shape, n], with `shape` defaulting to the broadcast of their leading axes.
 * @example const x = multivariateNormal(key(0), T.zeros([2]), T.tensor([[1, 0.5], [0.5, 2]]), [1000]);
 */
export function multivariateNormal(key: Tensor, mean: Tensor, cov: Tensor, shape?: readonly number[], options?: FloatDType | FloatOptions): Tensor {
  checkKey('multivariateNormal', key);
  const given = givenDType('multivariateNormal', options);
  const bad = (t: unknown, rank: number) => !(t instanceof Tensor) || t.ndim < rank || !T.isFloat(t.dtype);
  if (bad(mean, 1) || bad(cov, 2)) {
    randomError('multivariateNormal', `expects a float mean [..., n] and covariance [..., n, n], got ${[mean, cov].map((t) => (t instanceof Tensor ? fmtAval(t) : T.describe(t))).join(' and ')}`);
  }
  const n = mean.shape[mean.ndim - 1]!;
  if (cov.shape[cov.ndim - 1] !== n || cov.shape[cov.ndim - 2] !== n) randomError('multivariateNormal', `the covariance must be [..., ${n}, ${n}] for a mean of ${fmtAval(mean)}, got ${fmtAval(cov)}`);
  const dtype = checkFloatDType('multivariateNormal', given ?? (mean.dtype === 'float64' || cov.dtype === 'float64' ? 'float64' : 'float32'));
  const lead = T.broadcastShapes('multivariateNormal', mean.shape.slice(0, -1), cov.shape.slice(0, -2));
  const s = shape === undefined ? lead : checkShape('multivariateNormal', shape);
  if (!fitsIn(lead, s)) randomError('multivariateNormal', `the mean's and covariance's leading shape [${lead.join(', ')}] does not broadcast to shape [${s.join(', ')}]`);
  const z = normal(key, [...s, n], { dtype });
  const l = cholesky(T.astype(cov, dtype));
  return T.add(T.astype(mean, dtype), T.einsum('...ij,...j->...i', l, z));
}
