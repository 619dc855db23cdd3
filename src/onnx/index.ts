/**
 * Export to ONNX, the format ONNX Runtime (Node, web, C/C++/Python servers, CUDA/TensorRT/
 * DirectML providers) and most inference engines load. A traced program of tensorlaw's small
 * primitive set maps onto ONNX operators one primitive at a time (rules.ts), with convolutions,
 * pooling and affine layers recognized as Conv, MaxPool/AveragePool and Gemm.
 *
 *   const model = toOnnx((p, x) => net.apply(p, x), [params, x], { parameterArgnums: 0, argNames: [, 'x'], dynamicBatch: true });
 *   const session = await ort.InferenceSession.create(model.bytes);
 *   const y = model.outputTree(await session.run(model.feeds([params, x], (t, d, s) => new ort.Tensor(t, d, s))));
 */
export { toOnnx } from './export';
export type { ToOnnxOptions, DynamicBatchOptions, OnnxModel, OnnxValue, OrtTensorLike } from './export';
export { onnxRules } from './rules';
export type { OnnxDim } from './graph';
