/** Convolution and pooling layers over NCHW images (PyTorch's layout: weights OIHW). */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { torchDefault, type Initializer } from '../init';
import { checkInitializers, checkInputShape, checkParams, concreteAxis, fmt, layerError, layerOptions, positiveInteger, statelessLayer, type Layer, type NoParams } from '../layer';
import { fanInUniform } from './linear';

/** A conv layer's parameters: weight [out, in / groups, kh, kw] (OIHW) and bias [out]. */
export interface Conv2dParams {
  readonly weight: Tensor;
  readonly bias?: Tensor;
}

export interface Conv2dLayerOptions {
  /** Step between windows (default 1). */
  readonly stride?: T.Size2d;
  /** A number, [ph, pw], [[top, bottom], [left, right]], 'valid' (default) or 'same'. */
  readonly padding?: T.Padding2dLike | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  readonly dilation?: T.Size2d;
  /** Channel groups; input and output channels must divide by it (default 1). */
  readonly groups?: number;
  /** Add a bias (default true). */
  readonly bias?: boolean;
  /** Weight initializer (default `torchDefault`, like PyTorch's nn.Conv2d). */
  readonly init?: Initializer;
  /** Bias initializer (default U(+-1/sqrt(fanIn)), like PyTorch). */
  readonly biasInit?: Initializer;
}

const pair = (v: T.Size2d): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** A kernel size, stride or dilation: an integer >= 1, or [height, width] of them. */
function size2d(name: string, what: string, v: unknown): [number, number] {
  const ok = (d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= 1;
  if (!(ok(v) || (Array.isArray(v) && v.length === 2 && v.every(ok)))) layerError(name, `${what} must be an integer >= 1 or [height, width] of them, got ${T.describeValue(v)}`);
  return pair(v as T.Size2d);
}

/** Padding: a non-negative integer, [ph, pw], [[top, bottom], [left, right]] (or 'same'/'valid' for conv). */
function checkPadding(name: string, v: unknown, named: boolean): void {
  if (v === undefined || (named && (v === 'same' || v === 'valid'))) return;
  const ok = (d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= 0;
  const okPair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every(ok);
  if (!(ok(v) || okPair(v) || (Array.isArray(v) && v.length === 2 && v.every(okPair)))) {
    layerError(name, `padding must be a non-negative integer, [ph, pw], [[top, bottom], [left, right]]${named ? ", 'same' or 'valid'" : ''}, got ${T.describeValue(v)}`);
  }
}

function pads(p: T.Padding2dLike): T.Padding2d {
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (typeof p[0] === 'number') return [[p[0], p[0]], [p[1] as number, p[1] as number]];
  return p as T.Padding2d;
}

/** One spatial output size; -1 stays -1 (unknown input size). */
function outSize(size: number, k: number, stride: number, lo: number, hi: number, dilation: number): number {
  return size < 0 ? -1 : T.windowOutSize(size, k, stride, lo, hi, dilation);
}

/** The spatial output shape of a window op, with an error naming the layer when it is empty. */
function spatialOut(name: string, inputShape: readonly number[], kernel: [number, number], stride: [number, number], padding: T.Padding2dLike | 'same' | 'valid', dilation: [number, number]): [number, number] {
  const out = [0, 1].map((i) => {
    const size = inputShape[2 + i]!;
    if (padding === 'same') return size < 0 ? -1 : Math.ceil(size / stride[i]!);
    const p = padding === 'valid' ? [0, 0] : pads(padding)[i]!;
    return outSize(size, kernel[i]!, stride[i]!, p[0]!, p[1]!, dilation[i]!);
  }) as [number, number];
  if (out.some((d) => d === 0 || d < -1)) layerError(name, `init: kernel ${fmt(kernel)} (dilation ${fmt(dilation)}) does not fit input ${fmt(inputShape)} with padding ${JSON.stringify(padding)}`);
  return out;
}

/**
 * 2-D convolution over NCHW input: [n, in, h, w] -> [n, out, oh, ow], weight OIHW.
 * @example const layer = conv2d(16, 3, { padding: 1 }); const { params } = layer.init(key(0), [-1, 3, 32, 32]);
 * @example const y = layer.apply(params, images);     // [batch, 16, 32, 32]
 */
export function conv2d(outChannels: number, kernelSize: T.Size2d, options: Conv2dLayerOptions = {}): Layer<Conv2dParams> {
  const name = `conv2d(${outChannels}, ${JSON.stringify(kernelSize)})`;
  positiveInteger(name, 'outChannels', outChannels);
  const kernel = size2d(name, 'kernelSize', kernelSize);
  layerOptions(name, options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'init', 'biasInit']);
  checkInitializers(name, options, ['init', 'biasInit']);
  if (options.stride !== undefined) size2d(name, 'stride', options.stride);
  if (options.dilation !== undefined) size2d(name, 'dilation', options.dilation);
  checkPadding(name, options.padding, true);
  const groups = positiveInteger(name, 'groups', options.groups ?? 1);
  const useBias = options.bias ?? true;
  const opts: T.Conv2dOptions = { stride: options.stride ?? 1, padding: options.padding ?? 'valid', dilation: options.dilation ?? 1, groups };
  return statelessLayer<Conv2dParams>(
    name,
    (key, inputShape) => {
      checkInputShape(name, inputShape, 4, '[batch, channels, height, width] (NCHW)');
      if (inputShape.length !== 4) layerError(name, `init: expects an NCHW input shape of rank 4, got ${fmt(inputShape)}`);
      const inChannels = concreteAxis(name, inputShape, 1, 'input channels');
      if (inChannels % groups !== 0 || outChannels % groups !== 0) {
        layerError(name, `init: groups ${groups} must divide the input channels (${inChannels}, input ${fmt(inputShape)}) and the output channels (${outChannels})`);
      }
      const wShape = [outChannels, inChannels / groups, kernel[0], kernel[1]];
      const [kw, kb] = R.splitList(key);
      const weight = (options.init ?? torchDefault)(kw!, wShape);
      const fanIn = (inChannels / groups) * kernel[0] * kernel[1];
      const params: Conv2dParams = useBias ? { weight, bias: (options.biasInit ?? fanInUniform(fanIn))(kb!, [outChannels]) } : { weight };
      const [oh, ow] = spatialOut(name, inputShape, kernel, pair(opts.stride!), opts.padding!, pair(opts.dilation!));
      return { params, outputShape: [inputShape[0]!, outChannels, oh, ow] };
    },
    (params, x) => {
      checkParams(name, params, ['weight'], ['bias']);
      const w = params.weight;
      if (x.ndim !== 4) layerError(name, `expects an NCHW input of rank 4, got ${fmt(x.shape)}`);
      if (x.shape[1] !== w.shape[1]! * groups) layerError(name, `input ${fmt(x.shape)} has ${x.shape[1]} channels but weight ${fmt(w.shape)} (OIHW, groups ${groups}) expects ${w.shape[1]! * groups}`);
      const y = T.conv2d(x, w, opts);
      return params.bias === undefined ? y : T.add(y, T.reshape(params.bias, [1, -1, 1, 1]));
    },
  );
}

export interface PoolLayerOptions {
  /** Step between windows (default: the kernel size). */
  readonly stride?: T.Size2d;
  /** Implicit padding, at most half the kernel (default 0). */
  readonly padding?: T.Padding2dLike;
}

function poolLayer(name: string, kernelSize: T.Size2d, options: PoolLayerOptions, f: (x: Tensor) => Tensor): Layer<NoParams> {
  const kernel = size2d(name, 'kernelSize', kernelSize);
  layerOptions(name, options as PoolLayerOptions & { countIncludePad?: boolean }, name.startsWith('avg') ? ['stride', 'padding', 'countIncludePad'] : ['stride', 'padding']);
  const stride = size2d(name, 'stride', options.stride ?? kernelSize);
  checkPadding(name, options.padding, false);
  return statelessLayer<NoParams>(
    name,
    (_key, inputShape) => {
      checkInputShape(name, inputShape, 4, '[batch, channels, height, width] (NCHW)');
      if (inputShape.length !== 4) layerError(name, `init: expects an NCHW input shape of rank 4, got ${fmt(inputShape)}`);
      const [oh, ow] = spatialOut(name, inputShape, kernel, stride, options.padding ?? 0, [1, 1]);
      return { params: {}, outputShape: [inputShape[0]!, inputShape[1]!, oh, ow] };
    },
    (_params, x) => {
      if (x.ndim !== 4) layerError(name, `expects an NCHW input of rank 4, got ${fmt(x.shape)}`);
      return f(x);
    },
  );
}

/**
 * Max pooling over NCHW input (stride defaults to the kernel size).
 * @example sequential(conv2d(8, 3), maxPool2d(2))          // halves height and width
 * @example maxPool2d(3, { stride: 2, padding: 1 })
 */
export function maxPool2d(kernelSize: T.Size2d, options: PoolLayerOptions = {}): Layer<NoParams> {
  return poolLayer(`maxPool2d(${JSON.stringify(kernelSize)})`, kernelSize, options, (x) => T.maxPool2d(x, { kernelSize, ...options }));
}

/**
 * Average pooling over NCHW input; padded zeros count in the divisor unless countIncludePad is false.
 * @example avgPool2d(2)
 * @example avgPool2d(3, { stride: 1, padding: 1, countIncludePad: false })
 */
export function avgPool2d(kernelSize: T.Size2d, options: PoolLayerOptions & { readonly countIncludePad?: boolean } = {}): Layer<NoParams> {
  return poolLayer(`avgPool2d(${JSON.stringify(kernelSize)})`, kernelSize, options, (x) => T.avgPool2d(x, { kernelSize, ...options }));
}

/**
 * Mean over all spatial axes: [n, c, ...spatial] -> [n, c].
 * @example sequential(conv2d(64, 3), globalAvgPool(), linear(10))
 * @example globalAvgPool().init(key(0), [-1, 64, 7, 7]).outputShape     // [-1, 64]
 */
export function globalAvgPool(): Layer<NoParams> {
  const name = 'globalAvgPool';
  return statelessLayer<NoParams>(
    name,
    (_key, inputShape) => {
      checkInputShape(name, inputShape, 3, '[batch, channels, ...spatial]');
      return { params: {}, outputShape: inputShape.slice(0, 2) };
    },
    (_params, x) => {
      if (x.ndim < 3) layerError(name, `expects [batch, channels, ...spatial] of rank >= 3, got ${fmt(x.shape)}`);
      return T.mean(x, { axis: x.shape.slice(2).map((_, i) => i + 2) });
    },
  );
}
