/** Reductions over a set of axes, cumulative sums and arg-reductions. */
import type { TypedArray } from '../../dtype';
import type { ReducePrim } from '../../primitives';
import { sizeOf, stridesOf, type Shape } from '../../shape';
import { transposeKernel } from './movement';

const init: Record<ReducePrim, number> = { reduceSum: 0, reduceProd: 1, reduceMax: -Infinity, reduceMin: Infinity };

/**
 * Move the reduced axes last (a transpose when they are not already), then fold each
 * contiguous run of `inner` elements. Summation is pairwise-free but in float64 accumulators.
 */
export function reduceKernel(prim: ReducePrim, x: TypedArray, xShape: Shape, axes: readonly number[], out: TypedArray): void {
  const kept = xShape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const inner = sizeOf(axes.map((a) => xShape[a]!));
  let src = x;
  if (perm.some((p, i) => p !== i)) {
    src = new (x.constructor as any)(x.length) as TypedArray;
    transposeKernel(x, xShape, { perm }, src);
  }
  const outer = out.length;
  const start = init[prim];
  for (let o = 0; o < outer; o++) {
    let acc = start;
    const base = o * inner;
    switch (prim) {
      case 'reduceSum': for (let j = 0; j < inner; j++) acc += src[base + j]!; break;
      case 'reduceProd': for (let j = 0; j < inner; j++) acc *= src[base + j]!; break;
      case 'reduceMax': for (let j = 0; j < inner; j++) { const v = src[base + j]!; if (v > acc || v !== v) acc = v; if (acc !== acc) break; } break;
      case 'reduceMin': for (let j = 0; j < inner; j++) { const v = src[base + j]!; if (v < acc || v !== v) acc = v; if (acc !== acc) break; } break;
    }
    out[o] = acc;
  }
}

/** Index of the first maximum (or minimum) along `axis`; NaN counts as the extreme, like numpy. */
export function argKernel(isMax: boolean, x: TypedArray, xShape: Shape, axis: number, out: TypedArray): void {
  const n = xShape[axis]!;
  const inner = stridesOf(xShape)[axis]!;
  const outer = sizeOf(xShape.slice(0, axis));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = x[base]!;
      let bestJ = 0;
      for (let j = 1; j < n && best === best; j++) {
        const v = x[base + j * inner]!;
        if (v !== v || (isMax ? v > best : v < best)) {
          best = v;
          bestJ = j;
        }
      }
      out[o * inner + i] = bestJ;
    }
  }
}

export function cumsumKernel(x: TypedArray, xShape: Shape, axis: number, reverse: boolean, out: TypedArray): void {
  const n = xShape[axis]!;
  const inner = stridesOf(xShape)[axis]!;
  const outer = sizeOf(xShape.slice(0, axis));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const j = reverse ? n - 1 - k : k;
        acc += x[base + j * inner]!;
        out[base + j * inner] = acc;
      }
    }
  }
}
