/** Threefry-2x32 (20 rounds), the counter-based hash behind random keys (Salmon et al. 2011). */
const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Hash the counter (x0, x1) under key (k0, k1); all values are uint32 held in JS numbers. */
export function threefry2x32(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  x0 = (x0 + ks[0]!) >>> 0;
  x1 = (x1 + ks[1]!) >>> 0;
  for (let g = 0; g < 5; g++) {
    const base = (g % 2) * 4;
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROT[base + r]!);
      x1 = (x1 ^ x0) >>> 0;
    }
    x0 = (x0 + ks[(g + 1) % 3]!) >>> 0;
    x1 = (x1 + ks[(g + 2) % 3]! + g + 1) >>> 0;
  }
  return [x0, x1];
}

/**
 * Random bits for each key in `keys` ([k, 2] int32 words): `count` words per key, word i taken
 * from block floor(i / 2) hashed at counter (offset, block). Written as int32 bit patterns.
 */
export function randomBitsKernel(keys: Int32Array, count: number, offset: number, out: Int32Array): void {
  const nKeys = keys.length / 2;
  for (let k = 0; k < nKeys; k++) {
    const k0 = keys[2 * k]!;
    const k1 = keys[2 * k + 1]!;
    for (let i = 0; i < count; i += 2) {
      const [y0, y1] = threefry2x32(k0, k1, offset >>> 0, i / 2);
      out[k * count + i] = y0 | 0;
      if (i + 1 < count) out[k * count + i + 1] = y1 | 0;
    }
  }
}
