/**
 * Every primitive on WebGPU agrees with the float64 CPU reference within float32 tolerance, on
 * shapes drawn by fast-check (odd sizes, sizes that are no multiple of the workgroup size, 0-d,
 * empty) plus a few large cases (70,000-element vectors, a 300x300 matmul, a dispatch grid past
 * 65,535 workgroups). randomBits is bit-exact. Runs on SwiftShader without a GPU.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { dispose, liveBufferCount, toDevice } from '../src/tensor/backend/webgpu';
import { dotTile } from '../src/tensor/backend/webgpu/kernels';
import { rng, sample, webgpuOrWarn, type Gen } from './webgpu.helpers';
import { asyncLawProperty } from '../laws/arbitraries/property';
import { webgpuAgreesWithCpu, webgpuApprox } from '../laws/webgpu';
import type { Tolerance } from '../laws/approx';

const available = await webgpuOrWarn('webgpu backend tests');
const SEED = 7321;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const shapeArb = (maxRank = 3, maxDim = 7) => fc.array(fc.integer({ min: 0, max: maxDim }), { maxLength: maxRank });
const caseArb = (maxRank = 3, maxDim = 7) => fc.record({ shape: shapeArb(maxRank, maxDim), seed: fc.integer() });

const gpuOf = (x: T.Tensor): T.Tensor => toDevice(x, 'webgpu');

/** The law webgpuAgreesWithCpu for `prim`, with the float32 tolerance loosened where given. */
async function agree(prim: string, inputs: readonly T.Tensor[], params: any, tol?: Partial<Tolerance>): Promise<void> {
  expect(await webgpuAgreesWithCpu(prim, inputs, params, tol ? webgpuApprox.with({ float32: tol }) : webgpuApprox)).toBe(true);
}

const UNARY_DOMAIN: Partial<Record<string, Gen>> = { log: 'positive', sqrt: 'positive', rsqrt: 'positive', log1p: 'positive' };
// Every unary primitive takes floats but logicalNot (bool only); the float-only ones take nothing else.
const FLOAT_UNARY = T.UNARY.filter((p) => p !== 'logicalNot');
const INT_UNARY = FLOAT_UNARY.filter((p) => !T.FLOAT_ONLY.includes(p as T.FloatOnlyPrim));
// sin/cos/tan reduce arguments by Cody-Waite (accurate to |x| ~ 1e5), so the huge value skips them.
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-7, 3e-5, 0.2, -0.3, 0.6, -0.9, 1, 2.5, -3.75, 9.5, 20, -20, 88, -100, 1e4, -5e4];

describe.skipIf(!available)(`webgpu primitives agree with the float64 CPU reference (fast-check seed ${SEED})`, () => {
  it('float unary primitives on drawn shapes', async () => {
    for (const prim of FLOAT_UNARY) {
      await fc.assert(fc.asyncProperty(caseArb(), async ({ shape, seed }) => {
        await agree(prim, [sample(shape, UNARY_DOMAIN[prim] ?? 'float', rng(seed))], {}, { rtol: 2e-5, atol: 2e-6 });
      }), runs(3));
    }
  });

  it('float unary primitives on special values (NaN, infinities, zeros, tails)', async () => {
    // Values whose float64 result overflows float32 are left out (float32 rightly gives Infinity: sinh(-100)).
    const fits = (prim: string, v: number): boolean => {
      const y = T.bind1(prim as 'exp', [T.tensor(v, { dtype: 'float64' })], {}).item() as number;
      return !(Number.isFinite(y) && Math.abs(y) > 3.4028234663852886e38);
    };
    for (const prim of FLOAT_UNARY) await agree(prim, [T.tensor(SPECIALS.filter((v) => fits(prim, v)), { dtype: 'float32' })], {}, { rtol: 4e-6, atol: 1e-6 });
    const huge = T.tensor([3e38, -3e38, 1e20], { dtype: 'float32' });
    for (const prim of FLOAT_UNARY.filter((p) => p !== 'sin' && p !== 'cos' && p !== 'tan')) await agree(prim, [huge.abs()], {}, { rtol: 4e-6 });
    await agree('log1p', [T.tensor([-1, -0.999, -0.5, 1e-8, -1e-8, 1e20], { dtype: 'float32' })], {}, { rtol: 4e-6 });
  });

  it('int32 and bool unary primitives', async () => {
    for (const prim of INT_UNARY) {
      await agree(prim, [sample([13], 'int', rng(1))], {});
      await agree(prim, [T.tensor([-2147483648, 2147483647, 0, -1], { dtype: 'int32' })], {});
    }
    await agree('logicalNot', [sample([3, 5], 'bool', rng(2))], {});
  });

  it('float binary primitives on drawn shapes', async () => {
    const domain: Record<string, [Gen, Gen]> = { pow: ['positive', 'float'], div: ['float', 'unit'] };
    for (const prim of T.BINARY) {
      await fc.assert(fc.asyncProperty(caseArb(), async ({ shape, seed }) => {
        const r = rng(seed);
        const [ga, gb] = domain[prim] ?? ['float', 'float'];
        await agree(prim, [sample(shape, ga, r), sample(shape, gb, r)], {}, { rtol: prim === 'pow' ? 1e-4 : 2e-5, atol: 2e-6 });
      }), runs(3));
    }
  });

  it('float binary primitives on special values (NaN-propagating max/min, pow of negatives, atan2 quadrants)', async () => {
    const a = T.tensor([NaN, 1, 2, -2, -2, -8, 0, 0, -0, Infinity, 3, -1.5, 2], { dtype: 'float32' });
    const b = T.tensor([1, NaN, 3, 3, 2, 1 / 3, -1, 0, -1, 2, -Infinity, 0.5, -2], { dtype: 'float32' });
    for (const prim of T.BINARY) await agree(prim, [a, b], {}, { rtol: 1e-5, atol: 1e-7 });
    await agree('atan2', [T.tensor([0, -0, 0, -0, 1, -1, 1, -1], { dtype: 'float32' }), T.tensor([0, 0, -0, -0, -1, -1, 1e-30, 0], { dtype: 'float32' })], {}, { rtol: 1e-6 });
  });

  it('int32 binary primitives (wrapping, division truncating toward zero, x / 0 = 0)', async () => {
    for (const prim of T.BINARY) {
      const r = rng(3);
      const bKind: Gen = prim === 'pow' ? 'smallInt' : prim === 'div' ? 'smallInt' : 'int';
      await agree(prim, [sample([4, 9], prim === 'pow' ? 'smallInt' : 'int', r), sample([4, 9], bKind, r)], {});
    }
    const big = T.tensor([-2147483648, 2147483647, 7, -7, 5], { dtype: 'int32' });
    const small = T.tensor([-1, 1, -2, 2, 0], { dtype: 'int32' });
    for (const prim of ['add', 'sub', 'mul', 'div', 'max', 'min']) await agree(prim, [big, small], {});
  });

  it('comparisons and logical primitives on float, int32 and bool operands', async () => {
    for (const prim of T.COMPARE) {
      await fc.assert(fc.asyncProperty(caseArb(2), async ({ shape, seed }) => {
        const r = rng(seed);
        for (const kind of ['smallInt', 'bool'] as const) await agree(prim, [sample(shape, kind, r), sample(shape, kind, r)], {});
        const f = () => T.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => [NaN, 0, 1, -1.5][Math.floor(r() * 4)]!), { shape, dtype: 'float32' });
        await agree(prim, [f(), f()], {});
      }), runs(2));
    }
  });

  it('where and every cast between float32, int32 and bool', async () => {
    await fc.assert(fc.asyncProperty(caseArb(), async ({ shape, seed }) => {
      const r = rng(seed);
      await agree('where', [sample(shape, 'bool', r), sample(shape, 'float', r), sample(shape, 'float', r)], {});
      await agree('where', [sample(shape, 'bool', r), sample(shape, 'int', r), sample(shape, 'int', r)], {});
    }), runs(3));
    const sources: Record<string, T.Tensor> = {
      float32: T.tensor([NaN, Infinity, -Infinity, -0.5, 0.5, -2.7, 2.7, 0, 3e9, -3e9, 2147483520, 1e20], { dtype: 'float32' }),
      int32: T.tensor([-2147483648, 2147483647, 0, -1, 16777217, 3], { dtype: 'int32' }),
      bool: T.tensor([1, 0, 1, 1], { dtype: 'bool' }),
    };
    for (const [from, x] of Object.entries(sources)) {
      for (const to of ['float32', 'int32', 'bool']) {
        const expected = T.evalPrimitive('cast', [x], { dtype: to })[0]!;
        const actual = T.evalPrimitive('cast', [gpuOf(x)], { dtype: to })[0]!;
        expect(Array.from(await actual.data()), `cast ${from} -> ${to}`).toEqual(Array.from(expected.dataSync()));
      }
    }
  });

  it('shiftRightLogical and randomBits are bit-exact', async () => {
    const bits = T.tensor([-1, -2147483648, 123456789, 0, -5], { dtype: 'int32' });
    for (const shift of [0, 1, 9, 31]) await agree('shiftRightLogical', [bits], { shift });
    await fc.assert(fc.asyncProperty(fc.record({ keys: shapeArb(2, 3), shape: shapeArb(2, 9), offset: fc.nat() }), async ({ keys, shape, offset }) => {
      const key = sample([...keys, 2], 'int', rng(offset));
      const words = T.tensor(Array.from(key.dataSync(), (v, i) => v * 2654435 + i * 977), { shape: key.shape, dtype: 'int32' });
      await agree('randomBits', [words], { shape, offset });
    }), runs(6));
  });

  it('reductions over drawn axes (float and int32)', async () => {
    for (const prim of T.REDUCE) {
      await fc.assert(fc.asyncProperty(caseArb(3, 40), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), async ({ shape, seed }, pick) => {
        const axes = shape.map((_, i) => i).filter((i) => pick[i]);
        const count = axes.reduce((p, a) => p * shape[a]!, 1);
        const kind: Gen = prim === 'reduceProd' ? 'unit' : 'float';
        await agree(prim, [sample(shape, kind, rng(seed))], { axes }, { rtol: 1e-5 * (1 + count), atol: 1e-5 * (1 + count) });
        await agree(prim, [sample(shape, prim === 'reduceProd' ? 'smallInt' : 'int', rng(seed))], { axes });
      }), runs(5));
    }
    const withNan = T.tensor([1, NaN, 3, -Infinity, 2, 5, -1, 0], { shape: [2, 4], dtype: 'float32' });
    for (const prim of T.REDUCE) await agree(prim, [withNan], { axes: [1] });
  });

  it('argmax and argmin: first index on ties, NaN counts as the extreme', async () => {
    for (const prim of ['argmax', 'argmin']) {
      await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer(), async (shape, a, seed) => {
        const axis = a % shape.length;
        await agree(prim, [sample(shape, 'smallInt', rng(seed))], { axis });
        await agree(prim, [sample(shape, 'float', rng(seed))], { axis });
      }), runs(5));
      await agree(prim, [T.tensor([1, 3, NaN, 3, NaN, -1, -1, 2], { shape: [2, 4], dtype: 'float32' })], { axis: 1 });
    }
  });

  it('cumsum forward and reverse along every axis', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 3 }).filter((s) => s.reduce((p, d) => p * d, 1) < 5000), fc.nat(), fc.boolean(), fc.integer(), async (shape, a, reverse, seed) => {
      const axis = a % shape.length;
      await agree('cumsum', [sample(shape, 'float', rng(seed))], { axis, reverse }, { rtol: 1e-4, atol: 1e-5 * (1 + shape[axis]!) });
      await agree('cumsum', [sample(shape, 'int', rng(seed))], { axis, reverse });
    }), runs(6));
  });

  it('movement primitives: reshape, broadcast, transpose, slice, flip, pad, concatenate', async () => {
    await fc.assert(fc.asyncProperty(caseArb(4, 6), fc.nat(), async ({ shape, seed }, pick) => {
      const r = rng(seed);
      const x = sample(shape, 'float', r);
      const rank = shape.length;
      await agree('reshape', [x], { shape: [shape.reduce((p, d) => p * d, 1)] });
      await agree('broadcast', [sample(shape.map((d, i) => (i % 2 === pick % 2 ? 1 : d)), 'int', r)], { shape });
      const perm = shape.map((_, i) => i).sort(() => r() - 0.5);
      await agree('transpose', [x], { perm });
      const starts = shape.map((d) => Math.floor(r() * (d + 1)));
      const limits = shape.map((d, i) => starts[i]! + Math.floor(r() * (d - starts[i]! + 1)));
      const strides = shape.map(() => 1 + Math.floor(r() * 3));
      await agree('slice', [x], { starts, limits, strides });
      await agree('flip', [x], { axes: shape.map((_, i) => i).filter(() => r() < 0.5) });
      await agree('pad', [sample(shape, 'bool', r)], { lo: shape.map(() => Math.floor(r() * 3)), hi: shape.map(() => Math.floor(r() * 3)), value: 1 });
      await agree('pad', [x], { lo: shape.map(() => Math.floor(r() * 3)), hi: shape.map(() => Math.floor(r() * 3)), value: -Infinity });
      if (rank > 0) {
        const axis = pick % rank;
        const parts = [0, 1, 2].map(() => sample(shape.map((d, i) => (i === axis ? Math.floor(r() * 4) : d)), 'float', r));
        await agree('concatenate', parts, { axis });
      }
    }), runs(8));
  });

  it('dot: batched matmul for any m, n, k (float32 and int32)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer(), async (batch, m, k, n, seed) => {
      const r = rng(seed);
      await agree('dot', [sample([...batch, m, k], 'float', r), sample([...batch, k, n], 'float', r)], {}, { rtol: 1e-5, atol: 1e-4 * (1 + k) });
    }), runs(8));
    await agree('dot', [sample([2, 5, 17], 'smallInt', rng(4)), sample([2, 17, 3], 'smallInt', rng(5))], {});
  });

  it('dot: every register tile (1, 2, 4, 8 outputs per invocation per axis) with ragged edges, float32 and int32', async () => {
    // Two tiles per matrix axis and 32 matrices give 128 workgroups, the fewest that dotTile
    // accepts for a tile, so each drawn case runs the tile size it names, edges cut mid-tile.
    for (const tile of [1, 2, 4, 8]) {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 24 }), fc.integer(), async (dm, dn, k, seed) => {
        const r = rng(seed);
        const [m, n] = [16 * tile + dm * tile, 16 * tile + dn * tile];
        expect(dotTile(32, m, n)).toBe(tile);
        await agree('dot', [sample([32, m, k], 'float', r), sample([32, k, n], 'float', r)], {}, { rtol: 1e-5, atol: 1e-4 * (1 + k) });
      }), runs(2));
    }
    expect(dotTile(32, 129, 131)).toBe(8);
    await agree('dot', [sample([32, 129, 21], 'smallInt', rng(9)), sample([32, 21, 131], 'smallInt', rng(10))], {});
  });

  it('gather and scatterAdd (negative indices count from the end)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.integer(), async (shape, a, ni, seed) => {
      const r = rng(seed);
      const axis = a % shape.length;
      const n = shape[axis]!;
      const idxShape = shape.map((d, i) => (i === axis ? ni : d));
      const size = idxShape.reduce((p, d) => p * d, 1);
      const idx = T.tensor(Array.from({ length: size }, () => Math.floor(r() * 2 * n) - n), { shape: idxShape, dtype: 'int32' });
      await agree('gather', [sample(shape, 'float', r), idx], { axis });
      await agree('scatterAdd', [sample(shape, 'float', r), idx, sample(idxShape, 'float', r)], { axis }, { rtol: 1e-5, atol: 1e-5 });
      await agree('scatterAdd', [sample(shape, 'int', r), idx, sample(idxShape, 'int', r)], { axis });
    }), runs(8));
  });

  it('patches and patchesTranspose (stride, dilation, asymmetric padding)', async () => {
    await fc.assert(fc.asyncProperty(fc.record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }),
      kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }),
      pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), seed: fc.integer(),
    }), async ({ n, c, h, w, kh, kw, s, d, pads, seed }) => {
      const p = { kernel: [kh, kw], stride: [s, 1 + (s % 2)], padding: [[pads[0]!, pads[1]!], [pads[2]!, pads[3]!]], dilation: [d, 1], padValue: 0 } as const;
      const ok = [h + pads[0]! + pads[1]! - d * (kh - 1) - 1, w + pads[2]! + pads[3]! - (kw - 1) - 1].every((v) => v >= 0);
      if (!ok) return;
      const r = rng(seed);
      const x = sample([n, c, h, w], 'float', r);
      await agree('patches', [x], p);
      await agree('patches', [x], { ...p, padValue: -Infinity });
      const windows = T.evalPrimitive('patches', [x], p)[0]!;
      await agree('patchesTranspose', [sample(windows.shape, 'float', r)], { ...p, inputShape: [n, c, h, w] }, { rtol: 1e-5, atol: 1e-5 });
    }), runs(8));
  });

  it('law webgpuAgreesWithCpu: elementwise chains of drawn primitives', async () => {
    const prims = ['add', 'mul', 'max', 'sub', 'div'] as const;
    await fc.assert(asyncLawProperty(caseArb(2, 9), fc.constantFrom(...prims), async ({ shape, seed }, prim) => {
      const r = rng(seed);
      return webgpuAgreesWithCpu(prim, [sample(shape, 'float', r), sample(shape, 'unit', r)], {});
    }), runs(5));
  });

  it('0-d and empty tensors (no dispatch)', async () => {
    const s = T.tensor(2.5);
    await agree('exp', [s], {});
    await agree('reduceSum', [s], { axes: [] });
    await agree('add', [sample([0, 3], 'float', rng(1)), sample([0, 3], 'float', rng(2))], {});
    await agree('reduceSum', [sample([0, 3], 'float', rng(1))], { axes: [0] });
    await agree('reduceMax', [sample([2, 0], 'float', rng(1))], { axes: [1] });
    await agree('dot', [sample([3, 0], 'float', rng(1)), sample([0, 2], 'float', rng(2))], {});
  });
});

describe.skipIf(!available)('webgpu large dimensions', () => {
  it('70,000-element vectors: elementwise, two-pass reductions, argmax, cumsum', async () => {
    const r = rng(11);
    const x = sample([70000], 'float', r);
    await agree('tanh', [x], {}, { rtol: 1e-5, atol: 1e-6 });
    await agree('reduceSum', [x], { axes: [0] }, { rtol: 1e-4, atol: 2e-2 });
    await agree('reduceMax', [x], { axes: [0] });
    await agree('argmax', [x], { axis: 0 });
    await agree('cumsum', [sample([70000], 'int', r)], { axis: 0, reverse: false });
    await agree('reduceSum', [sample([3, 70000], 'int', r)], { axes: [1] });
  });

  it('a 300x300 matmul', async () => {
    const r = rng(12);
    await agree('dot', [sample([300, 300], 'float', r), sample([300, 300], 'float', r)], {}, { rtol: 1e-5, atol: 2e-3 });
  });

  it('a dispatch grid past 65,535 workgroups per dimension (2-D split)', async () => {
    const n = 65535 * 64 + 1000;
    const a = T.tensor(Float32Array.from({ length: n }, (_, i) => i % 1013), { dtype: 'float32' });
    const b = T.tensor(Float32Array.from({ length: n }, (_, i) => (i % 7) - 3), { dtype: 'float32' });
    const y = T.add(gpuOf(a), gpuOf(b));
    const data = await y.data();
    for (const i of [0, 1, 65535 * 64 - 1, 65535 * 64, n - 1]) expect(data[i]).toBe((i % 1013) + (i % 7) - 3);
    expect(data.every((v, i) => v === (i % 1013) + (i % 7) - 3)).toBe(true);
  });
});

describe.skipIf(!available)('webgpu tensors and memory', () => {
  it('toDevice round trips every dtype, and ops accept CPU scalars', async () => {
    for (const x of [sample([3, 5], 'float', rng(1)), sample([7], 'int', rng(2)), sample([2, 2], 'bool', rng(3)), T.tensor(4.5)]) {
      const g = toDevice(x, 'webgpu');
      expect(g.device).toBe('webgpu');
      const back = await toDevice(g, 'cpu');
      expect(back.device).toBe('cpu');
      expect(back.dtype).toBe(x.dtype);
      expect(back.toArray()).toEqual(x.toArray());
    }
    const y = T.mul(T.add(gpuOf(T.tensor([1, 2, 3])), 1), 2);
    expect(Array.from(await y.data())).toEqual([4, 6, 8]);
  });

  it('dispose releases buffers, and a disposed tensor says so when touched', async () => {
    const before = liveBufferCount();
    const x = gpuOf(T.tensor([1, 2, 3]));
    const y = T.exp(x);
    expect(liveBufferCount()).toBe(before + 2);
    dispose(x);
    dispose(y);
    dispose(y);
    expect(liveBufferCount()).toBe(before);
    expect(() => T.exp(x)).toThrow(/disposed/);
    await expect(y.data()).rejects.toThrow(/disposed/);
  });

  it('float64 is refused with the operation named', () => {
    expect(() => toDevice(T.tensor([1, 2], { dtype: 'float64' }), 'webgpu')).toThrow(/toDevice.*float64/);
  });
});
