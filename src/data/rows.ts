/**
 * The storage behind a dataset. Each leaf's examples are the rows of one typed array on the host,
 * read once from its CPU tensor, so shuffling and batching never run a tensor op over the whole
 * data: a shuffle composes index arrays, and a batch copies its rows straight into a fresh buffer
 * that becomes the batch's tensor. The host arrays are private to the dataset and never written
 * after creation; every tensor handed out owns a fresh copy, so donating one to a jitted step
 * cannot reach back into the dataset. Leaves that live on another device (WebGPU) or are traced
 * stay tensors and are gathered with `take`.
 */
import * as T from '../tensor';
import { Tensor, type DType, type Shape, type TypedArray } from '../tensor';

/** A leaf's rows on the host: `data` holds `shape[0]` rows of `rowSize` values, row-major. */
export interface HostRows {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly rowSize: number;
}

/** A leaf of a dataset: host rows, or a tensor kept where it lives. */
export type Rows = HostRows | Tensor;

/** Host rows over `data` (taken over, not copied: the caller must not write it again). */
export function hostRows(data: TypedArray, shape: Shape, dtype: DType): HostRows {
  return { data, shape, dtype, rowSize: shape.slice(1).reduce((a, b) => a * b, 1) };
}

/** The rows of a tensor leaf: a host copy of a concrete CPU tensor, or the tensor itself. */
export function rowsOf(x: Tensor): Rows {
  return x.device === 'cpu' && !(x instanceof T.Tracer) ? hostRows(x.dataSync(), x.shape, x.dtype) : x;
}

type Uninitialized = { allocUnsafeSlow(size: number): Uint8Array };

/**
 * A typed array of `n` elements that the caller fills completely. On Node it comes uninitialized
 * (`Buffer.allocUnsafeSlow`: no zero-fill, and freed batches' memory is reused instead of fresh
 * zero pages, which is most of a batch's cost); elsewhere it is an ordinary zeroed array.
 */
function uninitialized(dtype: DType, n: number): TypedArray {
  const node = (globalThis as { Buffer?: Uninitialized }).Buffer;
  if (node === undefined || n === 0) return T.arrayFor(dtype, n);
  const empty = T.arrayFor(dtype, 0);
  const bytes = node.allocUnsafeSlow(n * empty.BYTES_PER_ELEMENT);
  return new (empty.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => TypedArray)(bytes.buffer, bytes.byteOffset, n);
}

/** The rows at `index`, in that order, as a new tensor. */
export function gatherRows(rows: Rows, index: Int32Array): Tensor {
  const n = index.length;
  if (rows instanceof Tensor) return T.take(rows, T.tensor(index, { shape: [n], dtype: 'int32' }), { axis: 0 });
  const { data, rowSize } = rows;
  // Every element is written below: a pooled array (storage a donated or collected batch left
  // behind) needs no zeroing, a fresh one none either.
  const out = T.allocateStorage(rows.dtype, n * rowSize, { zeroed: false, fresh: () => uninitialized(rows.dtype, n * rowSize) });
  if (rowSize === 1) {
    for (let i = 0; i < n; i++) out[i] = data[index[i]!]!;
  } else {
    for (let i = 0; i < n; i++) {
      const at = index[i]! * rowSize;
      out.set(data.subarray(at, at + rowSize), i * rowSize);
    }
  }
  return T.fromStorage([n, ...rows.shape.slice(1)], rows.dtype, out);
}

/** Rows [start, stop) as a new tensor: one copy of a contiguous block. */
export function sliceRows(rows: Rows, start: number, stop: number): Tensor {
  if (rows instanceof Tensor) return T.slice(rows, [{ start, stop }]);
  const { data, rowSize } = rows;
  const n = (stop - start) * rowSize;
  const out = T.allocateStorage(rows.dtype, n, { zeroed: false, fresh: () => uninitialized(rows.dtype, n) });
  out.set(data.subarray(start * rowSize, stop * rowSize));
  return T.fromStorage([stop - start, ...rows.shape.slice(1)], rows.dtype, out);
}
