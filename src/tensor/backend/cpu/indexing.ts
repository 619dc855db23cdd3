/** gather (takeAlongAxis) and its transpose scatterAdd. */
import type { TypedArray } from '../../dtype';
import { opError, sizeOf, stridesOf, type Shape } from '../../shape';

function checkIndex(op: string, i: number, n: number): number {
  // Negative indices count from the end, like numpy; anything else out of range is an error.
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) opError(op, `index ${i} is out of bounds for an axis of size ${n}`);
  return j;
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
        const src = checkIndex('gather', idx[at]!, nx);
        out[at] = x[(o * nx + src) * inner + i]!;
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
        const dst = checkIndex('scatterAdd', idx[at]!, nb);
        out[(o * nb + dst) * inner + i] += upd[at]!;
      }
    }
  }
}
