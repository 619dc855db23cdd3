/**
 * gather (takeAlongAxis) and its transpose scatterAdd. An index in [-n, n) picks position
 * i mod n (negative ones count from the end); any other index reads 0 in gather and is dropped by
 * scatterAdd, which keeps the pair linear and adjoint (the WebGPU kernels do the same, and
 * take/takeAlongAxis turn those zeros into JAX's fill values).
 */
import type { TypedArray } from '../../dtype';
import { sizeOf, stridesOf, type Shape } from '../../shape';

/** The position of index `i` on an axis of size `n`, or -1 when it is out of range. */
function position(i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  return j >= 0 && j < n ? j : -1;
}

/** Split a shape around `axis` into (outer, axis size, inner). */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, stridesOf(shape)[axis]!];
}

export function gatherKernel(x: TypedArray, xShape: Shape, idx: TypedArray, idxShape: Shape, axis: number, out: TypedArray): void {
  const [outer, nx, inner] = around(xShape, axis);
  const ni = idxShape[axis]!;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < ni; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * ni + j) * inner + i;
        const src = position(idx[at]!, nx);
        out[at] = src < 0 ? 0 : x[(o * nx + src) * inner + i]!;
      }
    }
  }
}

export function scatterAddKernel(base: TypedArray, baseShape: Shape, idx: TypedArray, idxShape: Shape, upd: TypedArray, axis: number, out: TypedArray): void {
  out.set(base);
  const [outer, nb, inner] = around(baseShape, axis);
  const ni = idxShape[axis]!;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < ni; j++) {
      for (let i = 0; i < inner; i++) {
        const at = (o * ni + j) * inner + i;
        const dst = position(idx[at]!, nb);
        if (dst >= 0) out[(o * nb + dst) * inner + i] += upd[at]!;
      }
    }
  }
}
