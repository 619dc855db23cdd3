/** Reading results back from any device, shared by the training loop and evaluation. */
import { Tensor, type TypedArray } from '../tensor';
import { leaves } from '../tree';

/** A metric as a JS number; device tensors (WebGPU) are read back asynchronously. */
export async function toNumber(x: Tensor | number): Promise<number> {
  if (!(x instanceof Tensor)) return x;
  return x.device === 'cpu' ? Number(x.item()) : Number((await x.data())[0]);
}

/** A tensor's values as a typed array, from any device. */
export async function readData(x: Tensor): Promise<TypedArray> {
  return x.device === 'cpu' ? x.dataSync() : x.data();
}

/** The number of examples in a batch: the first axis of its first tensor leaf (1 when it has none). */
export function batchLength(batch: unknown): number {
  const first = leaves(batch).find((x): x is Tensor => x instanceof Tensor);
  return first && first.ndim > 0 ? first.shape[0]! : 1;
}
