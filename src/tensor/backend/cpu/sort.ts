/** The stable sorting permutation (argsort) along one axis. */
import type { TypedArray } from '../../dtype';
import { sizeOf, stridesOf, type Shape } from '../../shape';

/**
 * Per row along `axis`: the indices in sorted order. Values compare in the total order
 * -inf < ... < -0 = +0 < ... < +inf < NaN (reversed when descending) and ties keep index order,
 * so the result is one well-defined permutation (what every backend computes).
 */
export function argsortKernel(x: TypedArray, shape: Shape, axis: number, descending: boolean, out: TypedArray): void {
  const n = shape[axis]!;
  const inner = stridesOf(shape)[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const keys = new Float64Array(n);
  const order = new Int32Array(n);
  const dir = descending ? -1 : 1;
  const compare = (i: number, j: number): number => {
    const a = keys[i]!, b = keys[j]!;
    if (a < b) return -dir;
    if (a > b) return dir;
    const an = a !== a, bn = b !== b;
    if (an !== bn) return an ? dir : -dir;
    return i - j;
  };
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      for (let j = 0; j < n; j++) {
        keys[j] = x[base + j * inner]!;
        order[j] = j;
      }
      order.sort(compare);
      for (let j = 0; j < n; j++) out[base + j * inner] = order[j]!;
    }
  }
}
