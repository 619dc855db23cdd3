/**
 * The samplers of issue 13 beyond their statistical laws (test/random.laws.test.ts): jit gives
 * eager's numbers bit for bit, WebGPU gives the CPU's (float results to float32 tolerance, counts
 * and indices exactly), gradients flow where the sample is a smooth function of its parameters
 * (multivariateNormal's mean and covariance, exponential scaling) and are zero through the
 * rejection samplers' shape parameters, and bad arguments name the sampler.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import * as R from '../src/random';
import { grad, jit } from '../src/grad';
import { jitMatchesEager } from '../laws/jit';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { webgpuApprox } from '../laws/webgpu';
import { dispose, toDevice } from '../src/tensor/backend/webgpu';
import { webgpuOrWarn } from './webgpu.helpers';

const k = R.key(2024);
const SAMPLERS: [string, (key: T.Tensor) => T.Tensor][] = [
  ['exponential', (key) => R.exponential(key, [64])],
  ['gamma', (key) => R.gamma(key, T.tensor([0.2, 0.9, 1, 2.5, 11]), [16, 5])],
  ['beta', (key) => R.beta(key, 0.7, 2.5, [32])],
  ['dirichlet', (key) => R.dirichlet(key, T.tensor([0.5, 1, 4]), [8])],
  ['poisson', (key) => R.poisson(key, T.tensor([0.1, 2, 9.5, 10, 55, 1e4]), [8, 6])],
  ['multivariateNormal', (key) => R.multivariateNormal(key, T.tensor([0, 1]), T.tensor([[1, 0.2], [0.2, 0.5]]), [16])],
  ['choice', (key) => R.choice(key, T.arange(10), [3, 4])],
  ['choice with p, without replacement', (key) => R.choice(key, 8, [5], { replace: false, p: T.tensor([1, 2, 3, 4, 4, 3, 2, 1]) })],
];

describe('new samplers', () => {
  it.each(SAMPLERS)('%s: jit gives the eager numbers bit for bit', (_, sample) => {
    expect(jitMatchesEager(sample, [k])).toBe(true);
  });

  it('have the documented shapes and dtypes', () => {
    expect(R.gamma(k, T.ones([2, 3])).shape).toEqual([2, 3]);
    expect(R.gamma(R.split(k, 4), 2, [3]).shape).toEqual([4, 3]);
    expect(R.beta(k, T.ones([2]), T.ones([3, 1])).shape).toEqual([3, 2]);
    expect(R.dirichlet(k, T.ones([2, 4])).shape).toEqual([2, 4]);
    expect(R.dirichlet(k, T.ones([4]), [5, 2]).shape).toEqual([5, 2, 4]);
    expect(R.poisson(k, 3, [2]).dtype).toBe('int32');
    expect(R.gamma(k, 2, [2], { dtype: 'float64' }).dtype).toBe('float64');
    // dtype positionally, as JAX's samplers take it (and as normal/uniform do)
    for (const sample of [R.exponential(k, [2], 'float64'), R.gamma(k, 2, [2], 'float64'), R.loggamma(k, 2, [2], 'float64'), R.beta(k, 2, 3, [2], 'float64'),
      R.dirichlet(k, T.tensor([1, 2]), [2], 'float64'), R.multivariateNormal(k, T.tensor([0, 1]), T.eye(2), [2], 'float64')]) expect(sample.dtype).toBe('float64');
    expect(() => R.gamma(k, 2, [2], 'int32' as 'float64')).toThrow(/gamma.*float32.*float64/);
    expect(() => R.exponential(k, [2], { dtpye: 'float64' } as object)).toThrow(/exponential.*dtpye/);
    expect(R.multivariateNormal(k, T.zeros([3, 2]), T.eye(2)).shape).toEqual([3, 2]);
    expect(R.choice(k, T.zeros([2, 7, 3]), [4, 5], { axis: 1 }).shape).toEqual([2, 4, 5, 3]);
    expect(R.choice(k, 5).shape).toEqual([]);
    expect(Array.from(R.choice(k, 6, [6], { replace: false }).dataSync()).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stay finite and in range at the edges of their parameters', () => {
    const tiny = Array.from(R.beta(k, 1e-3, 1e-3, [200]).dataSync());
    expect(tiny.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Array.from(R.dirichlet(k, T.full([3], 1e-3), [50]).dataSync()).every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Array.from(R.loggamma(k, 1e-4, [20]).dataSync()).every((v) => Number.isFinite(v))).toBe(true);
    expect(Array.from(R.poisson(k, T.tensor([-1, NaN, 0])).dataSync())).toEqual([-1, -1, 0]);
    expect(Number.isNaN(R.gamma(k, T.tensor([-1])).item() as number)).toBe(true);
  });

  it('differentiate where the sample is smooth in its parameters', () => {
    const mean = T.tensor([0.5, -1], { dtype: 'float64' });
    const cov = T.tensor([[2, 0.3], [0.3, 1]], { dtype: 'float64' });
    expect(grad((m: T.Tensor) => T.sum(R.multivariateNormal(k, m, cov, [7])))(mean).toArray()).toEqual([7, 7]);
    expect(gradsMatchFiniteDifferences((c: T.Tensor) => R.multivariateNormal(k, mean, T.add(c, T.transpose(c)), [3]), [T.mul(cov, 0.5)], { seed: 1 })).toBe(true);
    expect(grad((rate: T.Tensor) => T.sum(T.div(R.exponential(k, [4], { dtype: 'float64' }), rate)))(T.scalar(2, 'float64')).item()).toBeLessThan(0);
    // The rejection samplers' shape parameters enter through stopGradient.
    expect(grad((a: T.Tensor) => T.sum(R.gamma(k, a, [5])))(T.scalar(2)).item()).toBe(0);
  });

  it('name the sampler in argument errors', () => {
    expect(() => R.gamma(k, 0)).toThrow(/gamma: a must be positive, got 0/);
    expect(() => R.gamma(k, 1, [2], { dtyp: 'float64' } as never)).toThrow(/gamma: unknown option "dtyp"/);
    expect(() => R.beta(k, 1, -2)).toThrow(/beta: b must be positive/);
    expect(() => R.dirichlet(k, T.scalar(1))).toThrow(/dirichlet: alpha must be a tensor with a category axis/);
    expect(() => R.poisson(k, -3)).toThrow(/poisson: lam must be a non-negative number/);
    expect(() => R.multivariateNormal(k, T.zeros([2]), T.eye(3))).toThrow(/multivariateNormal: the covariance must be \[\.\.\., 2, 2\]/);
    expect(() => R.choice(k, 3, [4], { replace: false })).toThrow(/choice: cannot draw 4 samples without replacement from 3 candidates/);
    expect(() => R.choice(k, 3, [2], { p: T.ones([4]) })).toThrow(/choice: p must be a 1-D float tensor of 3 probabilities/);
    expect(() => R.choice(k, 0, [1])).toThrow(/choice: cannot draw from an empty set/);
    expect(() => R.exponential(k, [-1])).toThrow(/exponential: shape must be an array of non-negative integers/);
  });
});

const gpu = await webgpuOrWarn('samplers on webgpu');

// beta, dirichlet and plain choice reuse the gamma and choice paths: their kernels would only add compile time.
const ON_GPU = SAMPLERS.filter(([name]) => !['beta', 'dirichlet', 'choice'].includes(name));

describe.skipIf(!gpu)('new samplers on WebGPU give the CPU numbers', () => {
  it.each(ON_GPU)('%s', async (_, sample) => {
    const want = sample(k);
    const onGpu = toDevice(k, 'webgpu');
    const got = jit(sample)(onGpu);
    expect(got.device).toBe('webgpu');
    const back = await toDevice(got, 'cpu');
    expect(webgpuApprox.with({ float32: { rtol: 1e-4, atol: 1e-5 } }).equals(back, want)).toBe(true);
    [onGpu, got].forEach(dispose);
  });
});
