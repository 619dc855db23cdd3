/**
 * The stable sorting permutation (argsort) along one axis. Values become unsigned keys whose
 * order is the sort order (-inf < ... < -0 = +0 < ... < +inf < NaN; every bit inverted when
 * descending), and rows are sorted by a least-significant-digit radix sort on those keys: 8-bit
 * digits, 4 passes for 32-bit dtypes, 8 for float64. Radix sorting is stable, so ties keep their
 * index order with no comparison at all. Short rows use a comparison sort on the same keys.
 */
import type { TypedArray } from '../../dtype';
import { sizeOf, stridesOf, type Shape } from '../../shape';

const RADIX_FROM = 64;

/**
 * The keys of one row (elements base, base + stride, ...): float bits with the sign bit set for
 * positives and every bit inverted for negatives, -0 read as +0, NaN as all ones; int32 with the
 * sign bit flipped; bool as is; all bits inverted when descending. 64-bit keys fill hi and lo.
 */
function fillKeys(x: TypedArray, bits: Uint32Array | null, base: number, stride: number, n: number, flip: number, hi: Uint32Array, lo: Uint32Array): void {
  if (bits) {
    const wide = x instanceof Float64Array;
    for (let j = 0; j < n; j++) {
      const at = base + j * stride;
      let h = bits[wide ? 2 * at + 1 : at]!;
      let l = wide ? bits[2 * at]! : 0;
      const mag = h & 0x7fffffff;
      const nan = wide ? mag > 0x7ff00000 || (mag === 0x7ff00000 && l !== 0) : mag > 0x7f800000;
      if (nan) {
        h = 0xffffffff;
        l = 0xffffffff;
      } else {
        if (h === 0x80000000 && l === 0) h = 0;
        if (h >>> 31 === 1) {
          h = ~h;
          l = ~l;
        } else h |= 0x80000000;
      }
      hi[j] = (h ^ flip) >>> 0;
      lo[j] = (l ^ flip) >>> 0;
    }
    return;
  }
  const bias = x instanceof Int32Array ? 0x80000000 : 0;
  for (let j = 0; j < n; j++) hi[j] = ((x[base + j * stride]! ^ bias) ^ flip) >>> 0;
}

/** One stable counting pass on an 8-bit digit of `keys`, moving order and both key words along. */
function radixPass(n: number, digitOf: Uint32Array, shift: number, order: Int32Array, hi: Uint32Array, lo: Uint32Array, out: { order: Int32Array; hi: Uint32Array; lo: Uint32Array }, counts: Int32Array): void {
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(digitOf[i]! >>> shift) & 255]!++;
  for (let d = 0, sum = 0; d < 256; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const at = counts[(digitOf[i]! >>> shift) & 255]!++;
    out.order[at] = order[i]!;
    out.hi[at] = hi[i]!;
    out.lo[at] = lo[i]!;
  }
}

/**
 * Per row along `axis`: the indices in sorted order (ascending, or descending with ties still in
 * index order), the one permutation every backend computes.
 */
export function argsortKernel(x: TypedArray, shape: Shape, axis: number, descending: boolean, out: TypedArray): void {
  const n = shape[axis]!;
  const inner = stridesOf(shape)[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const wide = x instanceof Float64Array;
  const flip = descending ? 0xffffffff : 0;
  // Float bits read in place (little-endian, like every platform tensorlaw runs on).
  const bits = x instanceof Float32Array || wide ? new Uint32Array(x.buffer, x.byteOffset, x.length * (wide ? 2 : 1)) : null;
  let a = { order: new Int32Array(n), hi: new Uint32Array(n), lo: new Uint32Array(n) };
  let b = { order: new Int32Array(n), hi: new Uint32Array(n), lo: new Uint32Array(n) };
  const counts = new Int32Array(256);
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      fillKeys(x, bits, base, inner, n, flip, a.hi, a.lo);
      for (let j = 0; j < n; j++) a.order[j] = j;
      if (n < RADIX_FROM) {
        const { hi, lo } = a;
        a.order.sort((i, j) => (hi[i]! - hi[j]!) || (lo[i]! - lo[j]!) || i - j);
      } else {
        for (const word of wide ? ['lo', 'hi'] as const : ['hi'] as const) {
          for (let shift = 0; shift < 32; shift += 8) {
            radixPass(n, a[word], shift, a.order, a.hi, a.lo, b, counts);
            [a, b] = [b, a];
          }
        }
      }
      for (let j = 0; j < n; j++) out[base + j * inner] = a.order[j]!;
    }
  }
}
