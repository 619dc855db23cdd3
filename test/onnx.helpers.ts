/** Running exported models in ONNX Runtime (onnxruntime-node, a dev dependency) for the ONNX tests. */
import * as ort from 'onnxruntime-node';
import { fromBinary } from '@bufbuild/protobuf';
import type { OnnxModel } from '../src/onnx';
import { ModelProtoSchema } from '../src/onnx/proto/onnx_pb';
import type { OnnxRunner } from '../laws/onnx';

ort.env.logLevel = 'error';

/** A session per model bytes, so a model run several times (a training loop) is loaded once. */
const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>();

export const runOnnx: OnnxRunner = async (model, args) => {
  let session = sessions.get(model.bytes);
  if (!session) sessions.set(model.bytes, (session = ort.InferenceSession.create(model.bytes)));
  const feeds = model.feeds(args, (type, data, dims) => new ort.Tensor(type, data as never, dims));
  return model.outputTree(await (await session).run(feeds));
};

/** The op types of the model's main graph, in order. */
export function opTypes(model: OnnxModel): string[] {
  return fromBinary(ModelProtoSchema, model.bytes).graph!.node.map((n) => n.opType);
}
