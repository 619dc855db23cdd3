/**
 * Chaining methods on Tensor (`x.add(y).exp()`), each a thin call to the free function of the
 * same name. They are attached here, not in core.ts, so the core stays independent of the ops.
 */
import { Tensor } from './core';
import type { DType } from './dtype';
import type { Shape } from './shape';
import * as ops from './ops';
import type { TensorLike } from './ops';

declare module './core' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    erf(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    clip(lo?: TensorLike, hi?: TensorLike): Tensor;
    equal(other: TensorLike): Tensor;
    notEqual(other: TensorLike): Tensor;
    less(other: TensorLike): Tensor;
    lessEqual(other: TensorLike): Tensor;
    greater(other: TensorLike): Tensor;
    greaterEqual(other: TensorLike): Tensor;
    logicalAnd(other: TensorLike): Tensor;
    logicalOr(other: TensorLike): Tensor;
    logicalNot(): Tensor;
    isNan(): Tensor;
    isInf(): Tensor;
    isFinite(): Tensor;
    astype(dtype: DType): Tensor;
    sum(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    mean(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    max(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    min(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    prod(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    argmax(axis?: number | null | ops.ArgOptions): Tensor;
    argmin(axis?: number | null | ops.ArgOptions): Tensor;
    logsumexp(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    variance(axis?: ops.Axis | ops.VarianceOptions): Tensor;
    std(axis?: ops.Axis | ops.VarianceOptions): Tensor;
    all(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    any(axis?: ops.Axis | ops.ReduceOptions): Tensor;
    softmax(axis?: number | ops.AxisOption): Tensor;
    logSoftmax(axis?: number | ops.AxisOption): Tensor;
    cumsum(axis?: number | ops.CumsumOptions): Tensor;
    reshape(shape: Shape): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    broadcastTo(shape: Shape): Tensor;
    expandDims(axis: number | readonly number[] | ops.AxesOptions): Tensor;
    squeeze(axis?: number | readonly number[] | null | ops.AxesOptions): Tensor;
    ravel(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    atan2(other: TensorLike): Tensor;
    stopGradient(): Tensor;
    softplus(): Tensor;
    logSigmoid(): Tensor;
    silu(): Tensor;
    gelu(options?: ops.GeluOptions): Tensor;
    leakyRelu(negativeSlope?: number | { readonly negativeSlope?: number }): Tensor;
    elu(alpha?: number | { readonly alpha?: number }): Tensor;
    moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    slice(spec: ops.SliceSpec): Tensor;
    flip(axis?: number | readonly number[] | null | ops.FlipOptions): Tensor;
    pad(padWidth: ops.PadWidth, options?: ops.PadOptions): Tensor;
    split(indicesOrSections: number | readonly number[], axis?: number | ops.JoinOptions): Tensor[];
    take(indices: ops.IndicesLike, axis?: number | null | ops.TakeOptions): Tensor;
    takeAlongAxis(indices: ops.IndicesLike, axis: number | null | ops.TakeOptions): Tensor;
    oneHot(numClasses: number, dtype?: DType | ops.OneHotOptions): Tensor;
    matmul(other: TensorLike): Tensor;
    dot(other: TensorLike): Tensor;
    outer(other: TensorLike): Tensor;
    conv2d(weights: TensorLike, options?: ops.Conv2dOptions): Tensor;
    maxPool2d(kernelSizeOrOptions: ops.Size2d | ops.Pool2dOptions): Tensor;
    avgPool2d(kernelSizeOrOptions: ops.Size2d | ops.AvgPool2dOptions): Tensor;
    tan(): Tensor;
    arcsin(): Tensor;
    arccos(): Tensor;
    arctan(): Tensor;
    sinh(): Tensor;
    cosh(): Tensor;
    arcsinh(): Tensor;
    arccosh(): Tensor;
    arctanh(): Tensor;
    log2(): Tensor;
    log10(): Tensor;
    exp2(): Tensor;
    round(options?: ops.RoundOptions): Tensor;
    trunc(): Tensor;
    mod(other: TensorLike): Tensor;
    fmod(other: TensorLike): Tensor;
    floorDivide(other: TensorLike): Tensor;
    sort(axisOrOptions?: number | null | ops.SortOptions): Tensor;
    argsort(axisOrOptions?: number | null | ops.SortOptions): Tensor;
    cumprod(axisOrOptions?: number | ops.CumulativeOptions): Tensor;
    cummax(axisOrOptions?: number | ops.CumulativeOptions): Tensor;
    cummin(axisOrOptions?: number | ops.CumulativeOptions): Tensor;
    diagonal(options?: ops.DiagonalOptions): Tensor;
    trace(options?: ops.DiagonalOptions): Tensor;
    repeat(repeats: number | readonly number[], axisOrOptions?: number | ops.RepeatOptions): Tensor;
    /**
     * Functional index updates (JAX's x.at): `x.at[0].set(1)`, `x.at['1:3'].add(v)`,
     * `x.at([i, { stop: 2 }]).max(v)` with i a traced int32 scalar; each returns a new tensor.
     */
    readonly at: ops.AtIndexer;
  }
}

/** Methods whose free function takes the tensor first and passes the rest through. */
const forwarded = [
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
] as const satisfies readonly (keyof Tensor & keyof typeof ops)[];

const proto = Tensor.prototype as unknown as Record<string, unknown>;
Object.defineProperty(proto, 'at', {
  get(this: Tensor) {
    return ops.at(this);
  },
});
for (const name of forwarded) {
  const fn = (ops as unknown as Record<string, (...args: unknown[]) => Tensor>)[name]!;
  proto[name] = function (this: Tensor, ...args: unknown[]) {
    return fn(this, ...args);
  };
}
