/**
 * Activation functions under one set of names (thin re-exports of the tensor ops, which are
 * composed from primitives in stable forms), and `activation(f)` to use any of them as a layer.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { statelessLayer, type Layer, type NoParams } from './layer';

/**
 * max(x, 0).
 * @example relu(tensor([-1, 2]))   // [0, 2]
 * @example sequential(linear(64), activation(relu))
 */
export const relu = T.relu;
/**
 * x for x >= 0, slope * x otherwise (slope 0.01).
 * @example leakyRelu(x)
 * @example leakyRelu(x, 0.2)
 */
export const leakyRelu = T.leakyRelu;
/**
 * x for x > 0, alpha (e^x - 1) otherwise.
 * @example elu(x)
 * @example elu(x, 0.5)
 */
export const elu = T.elu;
/**
 * x Phi(x), exact by default; `{ approximate: 'tanh' }` for the tanh form.
 * @example gelu(x)
 * @example gelu(x, { approximate: 'tanh' })
 */
export const gelu = T.gelu;
/**
 * x sigmoid(x).
 * @example silu(x)
 * @example activation(silu)
 */
export const silu = T.silu;
/**
 * Alias of silu.
 * @example swish(x)
 * @example activation(swish)
 */
export const swish = T.silu;
/**
 * 1 / (1 + e^-x).
 * @example sigmoid(logits)
 * @example binaryCrossEntropy(sigmoid(logits), y)
 */
export const sigmoid = T.sigmoid;
/**
 * Hyperbolic tangent.
 * @example tanh(x)
 * @example activation(tanh)
 */
export const tanh = T.tanh;
/**
 * Softmax along an axis (default -1).
 * @example softmax(logits)
 * @example softmax(scores, { axis: 1 })
 */
export const softmax = T.softmax;
/**
 * Log-softmax along an axis (default -1).
 * @example logSoftmax(logits)
 * @example nll(logSoftmax(logits), labels)
 */
export const logSoftmax = T.logSoftmax;
/**
 * log(1 + e^x), stable for large |x|.
 * @example softplus(x)
 * @example softplus(tensor([1000]))   // [1000]
 */
export const softplus = T.softplus;
/**
 * log(sigmoid(x)), stable in both tails.
 * @example logSigmoid(x)
 * @example logSigmoid(tensor([-1000]))   // [-1000]
 */
export const logSigmoid = T.logSigmoid;

/**
 * A parameterless layer applying a shape-preserving function elementwise (or along the last axis).
 * @example sequential(linear(128), activation(relu), linear(10))
 * @example activation((x) => gelu(x, { approximate: 'tanh' }), 'gelu(tanh)')
 */
export function activation(f: (x: Tensor) => Tensor, name?: string): Layer<NoParams> {
  T.checkFunction('nn.activation', f, 'the activation');
  name ??= f.name || 'activation';
  return statelessLayer(name, (_key, inputShape) => ({ params: {}, outputShape: inputShape.slice() }), (_params, x) => f(x));
}
