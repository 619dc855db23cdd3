/**
 * Laws of checkpoint storage dtypes as pure predicates returning `true` or the reason: the half
 * and bfloat16 encoders round to nearest, ties to even, and decoding is exact. Checked
 * exhaustively (every 16-bit pattern), so they need no generator; run by test/io.dtypes.test.ts.
 * The codec is a parameter (default: tensorlaw's), so another encoder can be checked the same way.
 *
 *   encodeDecodesEveryPattern('float16');   // true, or the first pattern that does not come back
 */
import { bfloat16, decodeMiniFloat, encodeMiniFloat, float16 } from '../src/io/minifloat';
import type { LawResult } from './result';

/** A 16-bit float format's two directions: a bit pattern to its number, a number to the nearest pattern. */
export interface Float16Codec {
  readonly decode: (bits: number) => number;
  readonly encode: (x: number) => number;
}

/** The 16-bit storage formats of checkpoints. */
export type Float16Format = 'float16' | 'bfloat16';

/** tensorlaw's codec of a format (src/io/minifloat.ts). */
export function storageCodec(name: Float16Format): Float16Codec {
  const f = name === 'float16' ? float16 : bfloat16;
  return { decode: (h) => decodeMiniFloat(f, h), encode: (x) => encodeMiniFloat(f, x) };
}

const hex = (h: number): string => `0x${h.toString(16).padStart(4, '0')}`;

/**
 * Every non-NaN bit pattern encodes back to itself: `encode(decode(h)) === h` (so -0 and the
 * infinities too), and every NaN pattern decodes to NaN and encodes to a NaN (a JS NaN carries
 * no reliable sign, so which NaN is not part of the law).
 *
 *   encodeDecodesEveryPattern('float16'); // true
 */
export function encodeDecodesEveryPattern(name: Float16Format, codec: Float16Codec = storageCodec(name)): LawResult {
  for (let h = 0; h < 65536; h++) {
    const v = codec.decode(h);
    const back = codec.encode(v);
    if (Number.isNaN(v)) {
      if (!Number.isNaN(codec.decode(back))) return `${name}: the NaN pattern ${hex(h)} encodes to ${hex(back)}, which decodes to ${codec.decode(back)}, not NaN`;
    } else if (back !== h) return `${name}: pattern ${hex(h)} decodes to ${Object.is(v, -0) ? '-0' : v}, which encodes to ${hex(back)}, not back to ${hex(h)}`;
  }
  return true;
}

/**
 * Between two adjacent finite values of the same sign, a number just inside either half rounds
 * to that side, and the exact midpoint rounds to the pattern with an even last bit.
 *
 *   midpointsRoundToEven('bfloat16'); // true
 */
export function midpointsRoundToEven(name: Float16Format, codec: Float16Codec = storageCodec(name)): LawResult {
  // Up to the largest finite pattern (the infinity pattern is 0x7c00 for half, 0x7f80 for bfloat16).
  const infinity = name === 'float16' ? 0x7c00 : 0x7f80;
  for (const sign of [0, 0x8000]) {
    for (let h = 0; h + 1 < infinity; h++) {
      const [lo, hi] = [sign | h, sign | (h + 1)];
      const [a, b] = [codec.decode(lo), codec.decode(hi)];
      const nudge = (b - a) / 8;
      const cases: [x: number, want: number, what: string][] = [[(a + b) / 2, (h & 1) === 0 ? lo : hi, 'halfway'], [a + nudge, lo, 'an eighth of the way'], [b - nudge, hi, 'seven eighths of the way']];
      for (const [x, want, what] of cases) {
        const got = codec.encode(x);
        if (got !== want) return `${name}: ${x}, ${what} from ${hex(lo)} (${a}) to ${hex(hi)} (${b}), encodes to ${hex(got)}, expected ${hex(want)}`;
      }
    }
  }
  return true;
}
