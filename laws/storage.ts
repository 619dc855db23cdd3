/**
 * Laws of checkpoint storage dtypes: the half and bfloat16 encoders round to nearest, ties to
 * even, and decoding is exact. Checked exhaustively (every 16-bit pattern), so they need no
 * generator; run by test/io.dtypes.test.ts.
 */
import { bfloat16, decodeMiniFloat, encodeMiniFloat, float16, type MiniFloat } from '../src/io/minifloat';

const formats: Record<'float16' | 'bfloat16', MiniFloat> = { float16, bfloat16 };

/**
 * Every non-NaN bit pattern encodes back to itself: `encode(decode(h)) === h` (so -0 and the
 * infinities too), and every NaN pattern decodes to NaN and encodes to a NaN (a JS NaN carries
 * no reliable sign, so which NaN is not part of the law).
 *
 *   encodeDecodesEveryPattern('float16'); // true
 */
export function encodeDecodesEveryPattern(name: 'float16' | 'bfloat16'): boolean {
  const f = formats[name];
  for (let h = 0; h < 65536; h++) {
    const v = decodeMiniFloat(f, h);
    const back = encodeMiniFloat(f, v);
    if (Number.isNaN(v)) {
      if (!Number.isNaN(decodeMiniFloat(f, back))) return false;
    } else if (back !== h) return false;
  }
  return true;
}

/**
 * Between two adjacent finite values of the same sign, a number just inside either half rounds
 * to that side, and the exact midpoint rounds to the pattern with an even last bit.
 *
 *   midpointsRoundToEven('bfloat16'); // true
 */
export function midpointsRoundToEven(name: 'float16' | 'bfloat16'): boolean {
  const f = formats[name];
  for (const sign of [0, 0x8000]) {
    // Up to the largest finite pattern (the infinity pattern is 0x7c00 for half, 0x7f80 for bfloat16).
    const infinity = name === 'float16' ? 0x7c00 : 0x7f80;
    for (let h = 0; h + 1 < infinity; h++) {
      const [a, b] = [decodeMiniFloat(f, sign | h), decodeMiniFloat(f, sign | (h + 1))];
      const mid = (a + b) / 2;
      const even = (h & 1) === 0 ? sign | h : sign | (h + 1);
      if (encodeMiniFloat(f, mid) !== even) return false;
      const nudge = Math.abs(b - a) / 8;
      if (encodeMiniFloat(f, a + (b - a > 0 ? nudge : -nudge)) !== (sign | h)) return false;
      if (encodeMiniFloat(f, b - (b - a > 0 ? nudge : -nudge)) !== (sign | (h + 1))) return false;
    }
  }
  return true;
}
