/** Movement kernels: reshape is free; the others walk a strided index space. */
import type { TypedArray } from '../../dtype';
import type { PrimParams } from '../../primitives';
import { sizeOf, stridesOf, type Shape } from '../../shape';
import { transposeF32, WASM_TRANSPOSE_MIN } from './wasm/transpose';

/**
 * Copy `src` into `out` where output element at multi-index i reads source offset
 * base + sum_k i_k * srcStrides[k]. Every movement op reduces to one such strided view.
 *
 * Adjacent axes that walk the source as one axis merge first (size-1 axes drop out), so a
 * broadcast of a scalar is one run of stride 0 and a slice of whole rows one contiguous run.
 * Long runs are a `set` of a subarray (a memcpy) or a `fill`; a scalar broadcast to 50,000
 * elements took 49 µs element by element and takes 5 µs as a fill.
 */
export function stridedCopy(src: TypedArray, base: number, srcStrides: readonly number[], outShape: Shape, out: TypedArray): void {
  const n = sizeOf(outShape);
  if (n === 0) return;
  const shape: number[] = [], strides: number[] = [];
  for (let k = 0; k < outShape.length; k++) {
    const d = outShape[k]!, s = srcStrides[k]!;
    if (d === 1) continue;
    const outer = shape.length - 1;
    if (outer >= 0 && strides[outer] === s * d) {
      shape[outer]! *= d;
      strides[outer] = s;
    } else {
      shape.push(d);
      strides.push(s);
    }
  }
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[base]!;
    return;
  }
  const last = rank - 1;
  const innerN = shape[last]!;
  const innerS = strides[last]!;
  // Below this many elements a plain loop beats making a subarray.
  const run = innerN >= 64 && (innerS === 0 || innerS === 1);
  const idx = new Array<number>(rank).fill(0);
  let offset = base;
  let o = 0;
  while (o < n) {
    if (!run) for (let j = 0; j < innerN; j++) out[o++] = src[offset + j * innerS]!;
    else {
      if (innerS === 0) out.fill(src[offset]! as never, o, o + innerN);
      else out.set(src.subarray(offset, offset + innerN) as never, o);
      o += innerN;
    }
    // advance the outer multi-index (odometer)
    let k = last - 1;
    while (k >= 0) {
      idx[k]!++;
      offset += strides[k]!;
      if (idx[k]! < shape[k]!) break;
      offset -= strides[k]! * shape[k]!;
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
}

export function broadcastKernel(x: TypedArray, xShape: Shape, p: PrimParams['broadcast'], out: TypedArray): void {
  const s = stridesOf(xShape);
  stridedCopy(x, 0, xShape.map((d, i) => (d === 1 ? 0 : s[i]!)), p.shape, out);
}

export function transposeKernel(x: TypedArray, xShape: Shape, p: PrimParams['transpose'], out: TypedArray): void {
  // Float32 matrices (a swap of the last two axes, batch axes in place) take the Wasm SIMD path.
  const r = xShape.length;
  if (x instanceof Float32Array && out instanceof Float32Array && r >= 2 && p.perm[r - 2] === r - 1 && p.perm[r - 1] === r - 2 && p.perm.slice(0, r - 2).every((a, i) => a === i)) {
    const rows = xShape[r - 2]!, cols = xShape[r - 1]!;
    if (rows > 1 && cols > 1 && rows * cols >= WASM_TRANSPOSE_MIN && transposeF32(x, sizeOf(xShape.slice(0, -2)), rows, cols, out)) return;
  }
  const s = stridesOf(xShape);
  stridedCopy(x, 0, p.perm.map((a) => s[a]!), p.perm.map((a) => xShape[a]!), out);
}

export function sliceKernel(x: TypedArray, xShape: Shape, p: PrimParams['slice'], outShape: Shape, out: TypedArray): void {
  const s = stridesOf(xShape);
  let base = 0;
  for (let i = 0; i < xShape.length; i++) base += p.starts[i]! * s[i]!;
  stridedCopy(x, base, s.map((st, i) => st * p.strides[i]!), outShape, out);
}

export function flipKernel(x: TypedArray, xShape: Shape, p: PrimParams['flip'], out: TypedArray): void {
  const s = stridesOf(xShape);
  let base = 0;
  const strides = s.map((st, i) => {
    if (!p.axes.includes(i)) return st;
    base += (xShape[i]! - 1) * st;
    return -st;
  });
  stridedCopy(x, base, strides, xShape, out);
}

/** Write a strided view of `out` from the contiguous `src` (the inverse of stridedCopy). */
function stridedWrite(src: TypedArray, out: TypedArray, base: number, outStrides: readonly number[], srcShape: Shape): void {
  const rank = srcShape.length;
  const n = sizeOf(srcShape);
  if (n === 0) return;
  if (rank === 0) {
    out[base] = src[0]!;
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = base;
    for (let k = 0; k < rank; k++) off += idx[k]! * outStrides[k]!;
    out[off] = src[i]!;
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k]! < srcShape[k]!) break;
      idx[k] = 0;
    }
  }
}

export function padKernel(x: TypedArray, xShape: Shape, p: PrimParams['pad'], outShape: Shape, out: TypedArray): void {
  out.fill(p.value);
  const s = stridesOf(outShape);
  let base = 0;
  for (let i = 0; i < outShape.length; i++) base += p.lo[i]! * s[i]!;
  stridedWrite(x, out, base, s, xShape);
}

export function concatenateKernel(xs: readonly { data: TypedArray; shape: Shape }[], p: PrimParams['concatenate'], outShape: Shape, out: TypedArray): void {
  const outer = sizeOf(outShape.slice(0, p.axis));
  const inner = sizeOf(outShape.slice(p.axis + 1));
  const rowOut = outShape[p.axis]! * inner;
  let col = 0;
  for (const { data, shape } of xs) {
    const row = shape[p.axis]! * inner;
    for (let o = 0; o < outer; o++) {
      const dst = o * rowOut + col;
      const src = o * row;
      for (let j = 0; j < row; j++) out[dst + j] = data[src + j]!;
    }
    col += row;
  }
}
