/** Reductions over a set of axes, cumulative sums and arg-reductions. */
import type { TypedArray } from '../../dtype';
import type { ReducePrim } from '../../primitives';
import { sizeOf, stridesOf, type Shape } from '../../shape';
import { transposeKernel } from './movement';
import { jsLiteral, REDUCERS } from './expr';

/** One generated fold per reduction (from ./expr.ts): `outer` rows of `inner` contiguous elements. */
type Fold = (src: TypedArray, inner: number, out: TypedArray) => void;
const folds = new Map<ReducePrim, Fold>();

function foldFor(prim: ReducePrim): Fold {
  let fold = folds.get(prim);
  if (!fold) {
    const r = REDUCERS[prim];
    const src = `return function ${prim}Fold(src,inner,out){const outer=out.length;for(let o=0,b=0;o<outer;o++,b+=inner){let acc=${jsLiteral(r.init)};for(let j=0;j<inner;j++){const v=src[b+j];${r.step('acc', 'v')}}out[o]=acc;}}`;
    fold = new Function(src)() as Fold;
    folds.set(prim, fold);
  }
  return fold;
}

/**
 * Move the reduced axes last (a transpose when they are not already), then fold each
 * contiguous run of `inner` elements in a float64 accumulator.
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
  foldFor(prim)(src, inner, out);
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
