/**
 * The chaining methods of Tensor (`x.add(y).exp()`): each is the free function of the same name
 * with the tensor as its first argument. core.ts derives the methods' types from this list and
 * the functions' types (so they cannot drift apart); methods.ts attaches the implementations.
 */
export const tensorMethodNames = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'neg', 'exp', 'log', 'log1p', 'expm1',
  'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'erf', 'abs',
  'sign', 'clip', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual',
  'logicalAnd', 'logicalOr', 'logicalNot', 'isNan', 'isInf', 'isFinite', 'astype', 'sum', 'mean', 'max', 'min', 'prod',
  'argmax', 'argmin', 'logsumexp', 'variance', 'std', 'all', 'any', 'softmax', 'logSoftmax',
  'cumsum', 'reshape', 'transpose', 'broadcastTo', 'expandDims', 'squeeze', 'ravel',
  'floor', 'ceil', 'atan2', 'stopGradient', 'softplus', 'logSigmoid', 'silu', 'gelu', 'leakyRelu',
  'elu', 'moveaxis', 'slice', 'flip', 'pad', 'split', 'take', 'takeAlongAxis', 'oneHot', 'matmul',
  'dot', 'outer', 'conv2d', 'maxPool2d', 'avgPool2d',
  'tan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'arcsinh', 'arccosh', 'arctanh', 'log2', 'log10', 'exp2',
  'round', 'trunc', 'mod', 'fmod', 'floorDivide', 'sort', 'argsort', 'cumprod', 'cummax', 'cummin', 'diagonal', 'trace', 'repeat',
] as const;

export type TensorMethodName = (typeof tensorMethodNames)[number];
