/** dynamicSlice and dynamicUpdateSlice: windows at start indices read from int32 scalar operands. */
import type { TypedArray } from '../../dtype';
import { stridesOf, type Shape } from '../../shape';

/**
 * The start a window of `size` along an axis of `dim` really takes: a negative start counts from
 * the end, then the window is clamped into range (JAX's dynamic_slice). Every backend and the
 * batching rules compute exactly this.
 */
export function clampStart(start: number, dim: number, size: number): number {
  const s = start < 0 ? start + dim : start;
  return Math.min(Math.max(s, 0), dim - size);
}

/** Call `visit(w, at)` for every element of a window: its flat index in the window and in x. */
function eachInWindow(shape: Shape, starts: readonly number[], sizes: readonly number[], visit: (w: number, at: number) => void): void {
  const xs = stridesOf(shape);
  const rank = shape.length;
  const total = sizes.reduce((a, b) => a * b, 1);
  const coord = new Array<number>(rank).fill(0);
  for (let w = 0; w < total; w++) {
    let at = 0;
    for (let k = 0; k < rank; k++) at += (starts[k]! + coord[k]!) * xs[k]!;
    visit(w, at);
    for (let k = rank - 1; k >= 0; k--) {
      if (++coord[k]! < sizes[k]!) break;
      coord[k] = 0;
    }
  }
}

const startsOf = (shape: Shape, startArrays: readonly TypedArray[], sizes: readonly number[]): number[] =>
  shape.map((d, k) => clampStart(startArrays[k]![0]!, d, sizes[k]!));

export function dynamicSliceKernel(x: TypedArray, shape: Shape, startArrays: readonly TypedArray[], sizes: readonly number[], out: TypedArray): void {
  eachInWindow(shape, startsOf(shape, startArrays, sizes), sizes, (w, at) => (out[w] = x[at]!));
}

export function dynamicUpdateSliceKernel(x: TypedArray, shape: Shape, update: TypedArray, sizes: readonly number[], startArrays: readonly TypedArray[], out: TypedArray): void {
  out.set(x);
  eachInWindow(shape, startsOf(shape, startArrays, sizes), sizes, (w, at) => (out[at] = update[w]!));
}
