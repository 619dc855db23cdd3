/**
 * CPU kernels against naive references: matmul (Wasm SIMD and JS paths, every dtype), patches
 * and its transpose, the strided copy under every movement op, and the threefry-2x32 Random123
 * known-answer vectors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { matmulKernel, type MatmulPath } from '../src/tensor/backend/cpu/matmul';
import { sgemmAvailable } from '../src/tensor/backend/cpu/wasm/sgemm';
import { patchesKernel, patchesTransposeKernel } from '../src/tensor/backend/cpu/patches';
import { stridedCopy } from '../src/tensor/backend/cpu/movement';
import { threefry2x32 } from '../src/tensor/backend/cpu/threefry';
import { sleb, uleb } from '../src/tensor/backend/cpu/wasm/emit';
import { sgemmModuleBytes } from '../src/tensor/backend/cpu/wasm/sgemmModule';
import { arrayFor, type DType, type TypedArray } from '../src/tensor/dtype';
import { windowOutSize, type PatchesParams } from '../src/tensor/primitives';
import { rng } from './ops.helpers';

const SEED = 20240611;


function randomArray(dtype: DType, n: number, rand: () => number, intRange = 10): TypedArray {
  const out = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) out[i] = dtype === 'int32' ? Math.floor(rand() * 2 * intRange) - intRange : rand() * 2 - 1;
  return out;
}

/** The float64 triple loop (sums in k order), or int32 with wraparound; plus sum |a*b| per entry. */
function naiveMatmul(a: TypedArray, b: TypedArray, batch: number, m: number, k: number, n: number, int: boolean): { out: Float64Array; mag: Float64Array } {
  const out = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, g = 0;
        for (let p = 0; p < k; p++) {
          const x = a[bi * m * k + i * k + p]!, y = b[bi * k * n + p * n + j]!;
          s = int ? (s + Math.imul(x, y)) | 0 : s + x * y;
          g += Math.abs(x * y);
        }
        out[bi * m * n + i * n + j] = s;
        mag[bi * m * n + i * n + j] = g;
      }
    }
  }
  return { out, mag };
}

function checkMatmul(dtype: DType, path: MatmulPath, batch: number, m: number, k: number, n: number, seed: number): void {
  const rand = rng(seed);
  const a = randomArray(dtype, batch * m * k, rand), b = randomArray(dtype, batch * k * n, rand);
  const out = arrayFor(dtype, batch * m * n);
  out.fill(7); // the kernel must overwrite everything, including when k = 0
  matmulKernel(a, b, batch, m, k, n, out, path);
  const ref = naiveMatmul(a, b, batch, m, k, n, dtype === 'int32');
  for (let i = 0; i < out.length; i++) {
    const want = ref.out[i]!, got = out[i]!;
    if (dtype === 'float32') {
      const tol = 4e-7 * (k + 2) * ref.mag[i]! + 1e-30;
      if (!(Math.abs(got - want) <= tol)) expect.fail(`${dtype}/${path} [${batch},${m},${k},${n}] at ${i}: ${got} vs ${want}`);
    } else if (got !== want) {
      expect.fail(`${dtype}/${path} [${batch},${m},${k},${n}] at ${i}: ${got} vs ${want}`);
    }
  }
}

const SHAPES: [number, number, number, number][] = [
  [1, 1, 1, 1], [1, 1, 5, 1], [1, 3, 1, 2], [1, 4, 8, 8], [1, 5, 7, 9], [1, 8, 8, 16], [1, 1, 33, 17],
  [1, 17, 33, 1], [1, 13, 300, 11], [3, 6, 10, 7], [2, 33, 65, 40], [1, 64, 64, 64], [1, 70, 513, 37],
  [2, 3, 0, 4], [1, 0, 3, 4], [1, 3, 3, 0],
];

describe('wasm emitter', () => {
  it('encodes LEB128 like the spec examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
  it('emits modules the engine validates (plain and shared memory)', () => {
    expect(WebAssembly.validate(sgemmModuleBytes({ shared: false, fused: false }))).toBe(true);
    expect(WebAssembly.validate(sgemmModuleBytes({ shared: true, fused: false }))).toBe(true);
  });
});

describe('matmul kernel vs naive triple loop', () => {
  it('has the Wasm SIMD path in this runtime', () => {
    expect(sgemmAvailable()).toBe(true);
  });
  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    const paths: MatmulPath[] = dtype === 'float32' ? ['auto', 'js', 'wasm'] : ['auto'];
    for (const path of paths) {
      it(`${dtype} (${path}) over edge shapes`, () => {
        SHAPES.forEach(([bt, m, k, n], s) => checkMatmul(dtype, path, bt, m, k, n, s + 1));
      });
    }
  }

  it('int32 wraps like 32-bit integer arithmetic', () => {
    const out = new Int32Array(1);
    matmulKernel(new Int32Array([0x7fffffff, 65536]), new Int32Array([2, 65536]), 1, 1, 2, 1, out);
    expect(out[0]).toBe((Math.imul(0x7fffffff, 2) + Math.imul(65536, 65536)) | 0);
    const rand = rng(5);
    const a = randomArray('int32', 6 * 9, rand, 1 << 30), b = randomArray('int32', 9 * 5, rand, 1 << 30);
    const big = new Int32Array(30);
    matmulKernel(a, b, 1, 6, 9, 5, big);
    expect(Array.from(big)).toEqual(Array.from(naiveMatmul(a, b, 1, 6, 9, 5, true).out));
  });

  it('propagates NaN and Infinity on both float32 paths', () => {
    for (const path of ['js', 'wasm'] as const) {
      const a = new Float32Array([Infinity, 1, 2, 3]), b = new Float32Array([0, 1, 1, 1]);
      const out = new Float32Array(4);
      matmulKernel(a, b, 1, 2, 2, 2, out, path);
      expect(Number.isNaN(out[0]!)).toBe(true); // inf * 0
      expect(out[1]).toBe(Infinity);
    }
  });

  describe(`property: random shapes and dtypes (fast-check seed ${SEED})`, () => {
    it('matches the naive reference', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<DType>('float32', 'float64', 'int32'), fc.constantFrom<MatmulPath>('auto', 'js', 'wasm'),
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 0, max: 40 }), fc.integer(),
          (dtype, path, batch, m, k, n, seed) => checkMatmul(dtype, path, batch, m, k, n, seed),
        ),
        { seed: SEED, numRuns: 150 },
      );
    });
  });

  it('runs through the public dot primitive', () => {
    const rand = rng(3);
    const a = randomArray('float32', 2 * 33 * 20, rand), b = randomArray('float32', 2 * 20 * 17, rand);
    const y = T.bind1('dot', [T.tensor(a, { shape: [2, 33, 20] }), T.tensor(b, { shape: [2, 20, 17] })], {});
    expect(y.shape).toEqual([2, 33, 17]);
    const ref = naiveMatmul(a, b, 2, 33, 20, 17, false).out;
    const got = y.dataSync();
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-4);
  });
});

// ---------------------------------------------------------------------------------------------

function patchesParams(k: [number, number], s: [number, number], pad: [[number, number], [number, number]], d: [number, number], padValue: number): PatchesParams {
  return { kernel: k, stride: s, padding: pad, dilation: d, padValue };
}

function windowDims(shape: number[], p: PatchesParams): number[] {
  const [n, c, h, w] = shape as [number, number, number, number];
  return [n, c, p.kernel[0], p.kernel[1],
    windowOutSize(h, p.kernel[0], p.stride[0], p.padding[0][0], p.padding[0][1], p.dilation[0]),
    windowOutSize(w, p.kernel[1], p.stride[1], p.padding[1][0], p.padding[1][1], p.dilation[1])];
}

/** Index-by-index definition of the window layout [n, c, kh, kw, oh, ow]; -1 marks padding. */
function naiveSource(shape: number[], win: number[], p: PatchesParams): Int32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [, , kh, kw, oh, ow] = win as [number, number, number, number, number, number];
  const src = new Int32Array(n * c * kh * kw * oh * ow);
  let o = 0;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
      const iy = y * p.stride[0] + ky * p.dilation[0] - p.padding[0][0];
      const ix = x * p.stride[1] + kx * p.dilation[1] - p.padding[1][0];
      src[o++] = iy >= 0 && iy < h && ix >= 0 && ix < w ? ((b * c + ch) * h + iy) * w + ix : -1;
    }
  }
  return src;
}

const patchCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
  kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
  sy: fc.integer({ min: 1, max: 3 }), sx: fc.integer({ min: 1, max: 3 }),
  dy: fc.integer({ min: 1, max: 2 }), dx: fc.integer({ min: 1, max: 2 }),
  pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
  padValue: fc.constantFrom(0, -Infinity, 2.5),
});

describe(`patches / patchesTranspose vs naive (fast-check seed ${SEED})`, () => {
  it('patches matches the index-by-index definition; the transpose sums windows back', () => {
    fc.assert(
      fc.property(patchCase, (tc) => {
        const p = patchesParams([tc.kh, tc.kw], [tc.sy, tc.sx], [[tc.pads[0], tc.pads[1]], [tc.pads[2], tc.pads[3]]], [tc.dy, tc.dx], tc.padValue);
        const shape = [tc.n, tc.c, tc.h, tc.w];
        const win = windowDims(shape, p);
        fc.pre(win[4]! >= 1 && win[5]! >= 1);
        const x = Float64Array.from({ length: tc.n * tc.c * tc.h * tc.w }, (_, i) => i * 0.5 + 1);
        const src = naiveSource(shape, win, p);
        const out = new Float64Array(src.length).fill(123);
        patchesKernel(x, shape, p, win, out);
        for (let i = 0; i < src.length; i++) expect(out[i]).toBe(src[i]! < 0 ? tc.padValue : x[src[i]!]);
        const windows = Float64Array.from({ length: src.length }, (_, i) => (i % 7) - 3);
        const back = new Float64Array(x.length).fill(99);
        patchesTransposeKernel(windows, win, p, shape, back);
        const want = new Float64Array(x.length);
        for (let i = 0; i < src.length; i++) if (src[i]! >= 0) want[src[i]!] += windows[i]!;
        expect(Array.from(back)).toEqual(Array.from(want));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('works through the public primitive on a conv-sized float32 input', () => {
    const p = patchesParams([3, 3], [1, 1], [[1, 1], [1, 1]], [1, 1], 0);
    const x = T.tensor(Float32Array.from({ length: 2 * 3 * 28 * 28 }, (_, i) => i % 13), { shape: [2, 3, 28, 28] });
    const y = T.bind1('patches', [x], p);
    expect(y.shape).toEqual([2, 3, 3, 3, 28, 28]);
    const src = naiveSource([2, 3, 28, 28], [2, 3, 3, 3, 28, 28], p);
    const got = y.dataSync(), xd = x.dataSync();
    for (let i = 0; i < src.length; i++) if (got[i] !== (src[i]! < 0 ? 0 : xd[src[i]!])) expect.fail(`mismatch at ${i}`);
  });
});

describe(`stridedCopy vs the odometer definition (fast-check seed ${SEED})`, () => {
  // Axes of every kind the movement ops produce: broadcast (stride 0), contiguous, strided,
  // reversed (flip), transposed, size 1, and runs long enough for the fill / memcpy paths.
  const axis = fc.record({ size: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 60, max: 140 })), kind: fc.constantFrom('broadcast', 'step', 'reverse') });
  it('reads base + sum i_k * stride_k for every output element', () => {
    fc.assert(
      fc.property(fc.array(axis, { minLength: 0, maxLength: 4 }), fc.boolean(), fc.constantFrom<DType>('float32', 'float64', 'int32'), fc.integer({ min: 1, max: 3 }), (axes, shuffle, dtype, step) => {
        const outShape = axes.map((a) => a.size);
        const n = outShape.reduce((p, d) => p * d, 1);
        fc.pre(n <= 100_000);
        // A source laid out row-major over the axes that are not broadcast (optionally in
        // another order, like a transpose), each stepping by `step` (like a strided slice).
        const real = axes.map((a, i) => [a, i] as const).filter(([a]) => a.kind !== 'broadcast');
        if (shuffle) real.reverse();
        const strides = new Array<number>(axes.length).fill(0);
        let span = 1;
        for (let j = real.length - 1; j >= 0; j--) {
          const [a, i] = real[j]!;
          strides[i] = span * step * (a.kind === 'reverse' ? -1 : 1);
          span *= a.size * step;
        }
        // A reversed axis starts at its far end.
        const base = axes.reduce((b, a, i) => b + (a.kind === 'reverse' ? (a.size - 1) * -strides[i]! : 0), 0);
        const src = randomArray(dtype, span + 1, rng(span + axes.length), 100);
        const out = arrayFor(dtype, n).fill(7);
        stridedCopy(src, base, strides, outShape, out);
        for (let o = 0; o < n; o++) {
          let rest = o, at = base;
          for (let k = axes.length - 1; k >= 0; k--) {
            at += (rest % outShape[k]!) * strides[k]!;
            rest = Math.floor(rest / outShape[k]!);
          }
          if (out[o] !== src[at]) return false;
        }
        return true;
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('threefry2x32 (20 rounds) Random123 known-answer vectors', () => {
  const cases: [number[], number[], number[]][] = [
    [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
  ];
  for (const [key, ctr, want] of cases) {
    it(`key ${key.map((v) => v.toString(16))} counter ${ctr.map((v) => v.toString(16))}`, () => {
      expect(threefry2x32(key[0]!, key[1]!, ctr[0]!, ctr[1]!)).toEqual(want);
    });
  }
});
