/** Normalization layers: batchNorm (stateful), layerNorm, rmsNorm. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import { applyKeys, checkApplyArgs, checkInitArgs, checkInputShape, checkParams, concreteAxis, fmt, layerError, layerOptions, statelessLayer, type ApplyOptions, type Layer, type Stateful } from '../layer';

/** Affine parameters of a norm layer, PyTorch's `weight` (gamma) and `bias` (beta). */
export interface NormParams {
  readonly weight: Tensor;
  readonly bias: Tensor;
}

/**
 * batchNorm's running statistics. In a PyTorch state dict they are `running_mean` and
 * `running_var` (PyTorch's `num_batches_tracked` has no counterpart: momentum is fixed).
 */
export interface BatchNormState {
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
}

export interface BatchNormOptions {
  /** Weight of the new batch statistic in the running average (default 0.1, PyTorch's). */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
}

/**
 * Batch normalization over the channel axis 1 of [n, c] or [n, c, ...spatial] input, as in
 * PyTorch's BatchNorm1d/2d. Train mode normalizes by the batch mean and biased variance and
 * returns running statistics updated with `momentum` (the variance term unbiased, n / (n - 1),
 * like PyTorch); eval mode normalizes by the running statistics and returns the state as is.
 * The statistics enter the new state through stopGradient: they are buffers, not parameters.
 * @example const bn = batchNorm(); const { params, state } = bn.init(key(0), [-1, 16, 8, 8]);
 * @example const { y, state: next } = bn.apply(params, x, { train: true, state });
 */
export function batchNorm(options: BatchNormOptions = {}): Layer<NormParams, BatchNormState> {
  const name = 'batchNorm';
  layerOptions(name, options, ['momentum', 'eps']);
  const momentum = T.checkNumber(`nn.${name}`, 'momentum', options.momentum ?? 0.1, { min: 0, max: 1 });
  const eps = T.checkNumber(`nn.${name}`, 'eps', options.eps ?? 1e-5, { min: 0 });
  return {
    name,
    stateful: true,
    init(key, inputShape) {
      checkInitArgs(name, key, inputShape);
      checkInputShape(name, inputShape, 2, '[batch, channels, ...]');
      const c = concreteAxis(name, inputShape, 1, 'channels');
      return {
        params: { weight: T.ones([c]), bias: T.zeros([c]) },
        state: { runningMean: T.zeros([c]), runningVar: T.ones([c]) },
        outputShape: inputShape.slice(),
      };
    },
    apply(params, x, options?: ApplyOptions<BatchNormState>): Stateful<BatchNormState> {
      const opts = checkApplyArgs(name, x, options, applyKeys);
      checkParams(name, params, ['weight', 'bias']);
      const state = opts.state;
      if (state === undefined) layerError(name, `apply needs options.state (the state from init or the last apply), input ${fmt(x.shape)}`);
      checkParams(name, state, ['runningMean', 'runningVar']);
      const c = params.weight.shape[0]!;
      if (x.ndim < 2 || x.shape[1] !== c) layerError(name, `input ${fmt(x.shape)} must have ${c} channels on axis 1 (weight ${fmt(params.weight.shape)})`);
      // Per-channel vectors broadcast against [n, c, ...] as [c, 1, ..., 1].
      const perChannel = (v: Tensor): Tensor => T.reshape(v, [c, ...x.shape.slice(2).map(() => 1)]);
      const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      let mean: Tensor, variance: Tensor, next: BatchNormState;
      if (opts.train) {
        mean = T.mean(x, { axis: axes });
        variance = T.variance(x, { axis: axes });
        const n = axes.reduce((k, a) => k * x.shape[a]!, 1);
        const unbiased = T.mul(T.stopGradient(variance), n / Math.max(1, n - 1));
        next = {
          runningMean: T.add(T.mul(state.runningMean, 1 - momentum), T.mul(T.stopGradient(mean), momentum)),
          runningVar: T.add(T.mul(state.runningVar, 1 - momentum), T.mul(unbiased, momentum)),
        };
      } else {
        [mean, variance, next] = [state.runningMean, state.runningVar, state];
      }
      const scale = T.mul(params.weight, T.rsqrt(T.add(variance, eps)));
      const y = T.add(T.mul(T.sub(x, perChannel(mean)), perChannel(scale)), perChannel(params.bias));
      return { y, state: next };
    },
  };
}

/** Normalize over the trailing axes that match `shape`, with an error naming the layer. */
function trailingAxes(name: string, shape: readonly number[], x: Tensor): number[] {
  const k = shape.length;
  if (x.ndim < k || !shape.every((d, i) => x.shape[x.ndim - k + i] === d)) layerError(name, `input ${fmt(x.shape)} must end in the normalized shape ${fmt(shape)}`);
  return shape.map((_, i) => x.ndim - k + i);
}

function normInit(name: string, normalizedShape: number | readonly number[]): number[] {
  const s = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
  if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) layerError(name, `normalizedShape must be a positive integer or a non-empty array of them, got ${T.describeValue(normalizedShape)}`);
  return s;
}

function checkTrailing(name: string, shape: readonly number[], inputShape: readonly number[]): void {
  checkInputShape(name, inputShape, shape.length, `ending in ${fmt(shape)}`);
  const tail = inputShape.slice(inputShape.length - shape.length);
  if (!tail.every((d, i) => d === shape[i])) layerError(name, `init: input shape ${fmt(inputShape)} must end in the normalized shape ${fmt(shape)}`);
}

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, PyTorch's). */
  readonly eps?: number;
}

/**
 * Layer normalization over the trailing `normalizedShape` axes (PyTorch's nn.LayerNorm):
 * (x - mean) / sqrt(var + eps) * weight + bias, with weight ones and bias zeros of that shape.
 * @example const ln = layerNorm(512); const { params } = ln.init(key(0), [-1, 16, 512]);
 * @example const y = ln.apply(params, x);
 */
export function layerNorm(normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Layer<NormParams> {
  const name = `layerNorm(${JSON.stringify(normalizedShape)})`;
  const shape = normInit(name, normalizedShape);
  layerOptions(name, options, ['eps']);
  const eps = T.checkNumber(`nn.${name}`, 'eps', options.eps ?? 1e-5, { min: 0 });
  return statelessLayer<NormParams>(
    name,
    (_key, inputShape) => {
      checkTrailing(name, shape, inputShape);
      return { params: { weight: T.ones(shape), bias: T.zeros(shape) }, outputShape: inputShape.slice() };
    },
    (params, x) => {
      checkParams(name, params, ['weight', 'bias']);
      const axis = trailingAxes(name, shape, x);
      const mean = T.mean(x, { axis, keepdims: true });
      const variance = T.variance(x, { axis, keepdims: true });
      const xhat = T.mul(T.sub(x, mean), T.rsqrt(T.add(variance, eps)));
      return T.add(T.mul(xhat, params.weight), params.bias);
    },
  );
}

/** rmsNorm's parameter: the gain `weight`. */
export interface RmsNormParams {
  readonly weight: Tensor;
}

/**
 * Root-mean-square normalization (PyTorch's nn.RMSNorm): x / sqrt(mean(x^2) + eps) * weight
 * over the trailing `normalizedShape` axes. eps defaults to 1e-6.
 * @example const norm = rmsNorm(512); const { params } = norm.init(key(0), [-1, 16, 512]);
 * @example const y = norm.apply(params, x);
 */
export function rmsNorm(normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Layer<RmsNormParams> {
  const name = `rmsNorm(${JSON.stringify(normalizedShape)})`;
  const shape = normInit(name, normalizedShape);
  layerOptions(name, options, ['eps']);
  const eps = T.checkNumber(`nn.${name}`, 'eps', options.eps ?? 1e-6, { min: 0 });
  return statelessLayer<RmsNormParams>(
    name,
    (_key, inputShape) => {
      checkTrailing(name, shape, inputShape);
      return { params: { weight: T.ones(shape) }, outputShape: inputShape.slice() };
    },
    (params, x) => {
      checkParams(name, params, ['weight']);
      const axis = trailingAxes(name, shape, x);
      const ms = T.mean(T.square(x), { axis, keepdims: true });
      return T.mul(T.mul(x, T.rsqrt(T.add(ms, eps))), params.weight);
    },
  );
}
