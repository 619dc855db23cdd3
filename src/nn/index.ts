/**
 * Neural-network building blocks. Models are plain parameter trees; layers are pure
 * `init`/`apply` pairs (see layer.ts for the contract); randomness is always an explicit key;
 * nothing holds hidden state. Parameter layouts match PyTorch (Linear [out, in], Conv2d OIHW,
 * Embedding [num, dim], norm `weight`/`bias`, batchNorm `runningMean`/`runningVar` for
 * `running_mean`/`running_var`, recurrent `weightIh`... for `weight_ih`...), so weights move
 * between the two by renaming keys only.
 *
 *   const model = sequential(linear(128), activation(relu), linear(10));
 *   const { params } = model.init(key(0), [-1, 784]);
 *   const loss = (p, x, y) => softmaxCrossEntropy(model.apply(p, x), y);
 */
export { applyLayer, layerError, statelessLayer } from './layer';
export type { Layer, AnyLayer, ApplyOptions, InitResult, Stateful, LayerOutput, ParamsOf, StateOf, NoParams } from './layer';
export { sequential, residual, parallel } from './combinators';
export type { ParamsList, StateList, ParallelOptions } from './combinators';
export { linear, linearApply, flatten } from './layers/linear';
export type { LinearParams, LinearOptions } from './layers/linear';
export { conv2d, maxPool2d, avgPool2d, globalAvgPool } from './layers/conv';
export type { Conv2dParams, Conv2dLayerOptions, PoolLayerOptions } from './layers/conv';
export { dropout, dropoutApply } from './layers/dropout';
export { batchNorm, layerNorm, rmsNorm } from './layers/norm';
export type { NormParams, BatchNormState, BatchNormOptions, LayerNormOptions, RmsNormParams } from './layers/norm';
export { embedding } from './layers/embedding';
export type { EmbeddingParams } from './layers/embedding';
export { multiHeadAttention, dotProductAttention, causalMask } from './layers/attention';
export type { AttentionParams, MultiHeadAttentionOptions, AttentionApplyOptions, DotProductAttentionOptions } from './layers/attention';
export { transformerBlock } from './layers/transformer';
export type { TransformerBlockOptions, TransformerBlockParams, TorchTransformerBlockParams, TransformerActivation } from './layers/transformer';
export { lstmCell, gruCell, rnn } from './layers/recurrent';
export type { Cell, RecurrentParams, LstmCarry, CellOptions, RnnOptions, RnnApplyOptions } from './layers/recurrent';
export { relu, leakyRelu, elu, gelu, silu, swish, sigmoid, tanh, softmax, logSoftmax, softplus, logSigmoid, activation } from './activations';
/**
 * Initializers live in their own namespace, as in Flax (`nn.initializers.normal(0.02)`), so
 * `zeros`, `ones`, `normal` and `uniform` keep meaning the tensor constructors and samplers.
 */
export * as initializers from './init';
export type { Initializer, ParamDType } from './init';
export {
  mse, mae, l1Loss, huber, binaryCrossEntropy, binaryCrossEntropyWithLogits, softmaxCrossEntropy, nll, klDivergence, cosineSimilarity,
  l1Penalty, l2Penalty, reduceLoss,
} from './losses';
export type { Reduction, LossOptions, SoftmaxCrossEntropyOptions, LeafFilter } from './losses';
export { accuracy, confusionMatrix, precision, recall, f1 } from './metrics';
export type { AverageOptions } from './metrics';
export { summary } from './summary';
export type { Summary, SummaryRow, SummaryOptions } from './summary';
export { loraInit, loraMerge, loraParameterCount } from './lora';
export type { LoraConfig, LoraAdapter } from './lora';
