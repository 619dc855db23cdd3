/** Dense layers and shape plumbing: linear, flatten. */
import * as T from '../../tensor';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import { torchDefault, type Initializer } from '../init';
import { checkInitializers, checkInputShape, checkParams, concreteAxis, fmt, knownSize, layerError, layerOptions, positiveInteger, statelessLayer, type Layer, type NoParams } from '../layer';

/** A linear layer's parameters in PyTorch's layout: weight [out, in], bias [out]. */
export interface LinearParams {
  readonly weight: Tensor;
  readonly bias?: Tensor;
}

export interface LinearOptions {
  /** Add a bias (default true). */
  readonly bias?: boolean;
  /** Weight initializer (default `torchDefault`: U(+-1/sqrt(in)), PyTorch's nn.Linear). */
  readonly init?: Initializer;
  /** Bias initializer (default U(+-1/sqrt(in)) like PyTorch; pass `zeros` for zeros). */
  readonly biasInit?: Initializer;
}

/**
 * PyTorch's bias init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), where the fan is the weight's.
 * @example const b = fanInUniform(784)(key(0), [10]);
 * @example linear(10, { biasInit: fanInUniform(784) })
 */
export function fanInUniform(fanIn: number): Initializer {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  return (key, shape, dtype = 'float32') => R.uniform(key, shape, { minval: -bound, maxval: bound, dtype });
}

/**
 * y = x W^T + b over the last axis (leading axes are batch): [..., in] -> [..., out].
 * Weight [out, in] and bias [out] as in PyTorch's nn.Linear, so state dicts map one to one.
 * @example const { params } = linear(10).init(key(0), [-1, 784]);   // weight [10, 784]
 * @example const y = linear(10).apply(params, x);                    // [batch, 10]
 */
export function linear(outFeatures: number, options: LinearOptions = {}): Layer<LinearParams> {
  const name = `linear(${outFeatures})`;
  positiveInteger(name, 'outFeatures', outFeatures);
  layerOptions(name, options, ['bias', 'init', 'biasInit']);
  checkInitializers(name, options, ['init', 'biasInit']);
  const useBias = options.bias ?? true;
  return statelessLayer<LinearParams>(
    name,
    (key, inputShape) => {
      checkInputShape(name, inputShape, 1, '[..., inFeatures]');
      const inFeatures = concreteAxis(name, inputShape, -1, 'input features');
      const [kw, kb] = R.splitList(key);
      const weight = (options.init ?? torchDefault)(kw!, [outFeatures, inFeatures]);
      const params: LinearParams = useBias ? { weight, bias: (options.biasInit ?? fanInUniform(inFeatures))(kb!, [outFeatures]) } : { weight };
      return { params, outputShape: [...inputShape.slice(0, -1), outFeatures] };
    },
    (params, x) => linearApply(name, params, x),
  );
}

/**
 * The linear map on its own (name is used in error messages), for models written as functions.
 * @example const h = linearApply('fc1', params.fc1, x);
 * @example const y = linearApply('head', { weight: w }, h);      // no bias
 */
export function linearApply(name: string, params: LinearParams, x: Tensor): Tensor {
  checkParams(name, params, ['weight'], ['bias']);
  if (!(x instanceof T.Tensor)) layerError(name, `apply: the input must be a tensor, got ${T.describeValue(x)}`);
  const w = params.weight;
  if (x.ndim < 1 || w.ndim !== 2 || x.shape[x.ndim - 1] !== w.shape[1]) {
    layerError(name, `input ${fmt(x.shape)} has ${x.shape[x.ndim - 1] ?? 'no'} features but weight ${fmt(w.shape)} ([out, in]) expects ${w.shape[1]}`);
  }
  const y = T.matmul(x, T.transpose(w));
  return params.bias === undefined ? y : T.add(y, params.bias);
}

/**
 * Flatten all axes after the batch axis: [batch, ...] -> [batch, prod(...)].
 * @example sequential(conv2d(8, 3), flatten(), linear(10))
 * @example flatten().init(key(0), [-1, 8, 4, 4]).outputShape     // [-1, 128]
 */
export function flatten(): Layer<NoParams> {
  const name = 'flatten';
  return statelessLayer<NoParams>(
    name,
    (_key, inputShape) => {
      checkInputShape(name, inputShape, 1, '[batch, ...]');
      return { params: {}, outputShape: [inputShape[0]!, knownSize(inputShape.slice(1))] };
    },
    (_params, x) => {
      if (x.ndim < 1) layerError(name, `expects an input with a batch axis, got a 0-d tensor`);
      return T.reshape(x, [x.shape[0]!, x.shape.slice(1).reduce((n, d) => n * d, 1)]);
    },
  );
}
