/**
 * WebGPU devices come and go (issue 12, items 3 and 11): after closeWebGPU() and initWebGPU(),
 * and after a lost device, eager ops and already compiled jit programs compute correct values on
 * the new device (pipelines and program buffers are tied to the device that made them), and
 * tensors of the old device refuse to be used. The pipeline and plan caches are bounded LRUs
 * with a clear function; the LRU itself is checked against a model on drawn operations.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src';
import { gpu } from '../src/tensor/backend/webgpu/device';
import { findCollector } from '../src/tensor/backend/webgpu/memory';
import { LruCache } from '../src/tensor/lru';
import { webgpuOrWarn } from './webgpu.helpers';

const SEED = 4711;

describe(`LruCache matches a model on drawn operations (fast-check seed ${SEED})`, () => {
  it('gets, sets and resizes like an array in use order', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 6 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('resize' as const), capacity: fc.integer({ min: 1, max: 5 }) }),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 40 }), (capacity, ops) => {
      const evicted: [number, number][] = [];
      const cache = new LruCache<number, number>(capacity, (value, key) => evicted.push([key, value]));
      let model: [number, number][] = []; // least recently used first
      let dropped: [number, number][] = [];
      let cap = capacity;
      for (const o of ops) {
        if (o.kind === 'get') {
          const hit = model.find(([k]) => k === o.key);
          expect(cache.get(o.key)).toBe(hit?.[1]);
          if (hit) model = [...model.filter(([k]) => k !== o.key), hit];
        } else if (o.kind === 'set') {
          cache.set(o.key, o.value);
          model = [...model.filter(([k]) => k !== o.key), [o.key, o.value]];
        } else {
          cap = o.capacity;
          cache.resize(cap);
        }
        dropped = [...dropped, ...model.slice(0, Math.max(0, model.length - cap))];
        model = model.slice(Math.max(0, model.length - cap));
        expect(cache.size).toBe(model.length);
      }
      expect(evicted).toEqual(dropped); // onEvict sees exactly the evicted entries, in order
      for (const [k, v] of model) expect(cache.get(k)).toBe(v);
      cache.clear();
      expect(evicted).toEqual([...dropped, ...model]);
      return cache.size === 0;
    }), { seed: SEED, numRuns: 200 });
  });
});

const available = await webgpuOrWarn('webgpu lifecycle tests');

/** An eager matmul and a jitted elementwise chain with a reduction, on device tensors. */
async function compute(f: (x: T.Tensor, w: T.Tensor) => T.Tensor) {
  const x = T.toDevice(T.tensor([[1, 2], [3, 4]]), 'webgpu');
  const w = T.toDevice(T.tensor([[1, -1], [2, 0.5]]), 'webgpu');
  return { eager: Array.from(await T.matmul(x, w).data()), jitted: Array.from(await f(x, w).data()), x };
}
const WANT = { eager: [5, 0, 11, -1], jitted: [2 * (1 - 2) + 1, 2 * (6 + 2) + 1] };

describe.skipIf(!available)('webgpu survives closing and losing its device', () => {
  it('closeWebGPU, initWebGPU: eager ops and a compiled program compute correct values', async () => {
    const f = T.jit((x: T.Tensor, w: T.Tensor) => T.add(T.mul(T.sum(T.mul(x, w), { axis: 1 }), 2), 1));
    const before = await compute(f);
    expect([before.eager, before.jitted]).toEqual([WANT.eager, WANT.jitted]);
    T.closeWebGPU();
    expect(T.webgpuAvailable()).toBe(false);
    expect(await T.initWebGPU()).toBe(true);
    const after = await compute(f);
    expect([after.eager, after.jitted]).toEqual([WANT.eager, WANT.jitted]);
    expect(f.stats.traces).toBe(1); // the same compiled program, rebuilt for the new device
    // A tensor of the closed device says so (it does not read zeros).
    expect(() => T.add(before.x, 1)).toThrow(/device that was closed or lost/);
    await expect(before.x.data()).rejects.toThrow(/device that was closed or lost/);
  });

  it('closeWebGPU while initWebGPU is opening a device: no device appears; ops say none is open', async () => {
    T.closeWebGPU();
    const opening = T.initWebGPU();
    T.closeWebGPU();
    expect(await opening).toBe(false);
    expect(T.webgpuAvailable()).toBe(false);
    expect(() => T.toDevice(T.ones([2]), 'webgpu')).toThrow(/no device is open \(none yet, or it was closed or lost\); call `await initWebGPU\(\)`/);
    expect(await T.initWebGPU()).toBe(true);
    expect(Array.from(await T.add(T.toDevice(T.ones([2]), 'webgpu'), 1).data())).toEqual([2, 2]);
  });

  it('a lost device (destroyed under us): available turns false, initWebGPU works again', async () => {
    const f = T.jit((x: T.Tensor, w: T.Tensor) => T.add(T.mul(T.sum(T.mul(x, w), { axis: 1 }), 2), 1));
    expect((await compute(f)).jitted).toEqual(WANT.jitted);
    const { device } = gpu();
    device.destroy();
    const info = await device.lost;
    expect(info.reason).toBe('destroyed');
    expect(T.webgpuAvailable()).toBe(false);
    expect(await T.initWebGPU()).toBe(true);
    const after = await compute(f);
    expect([after.eager, after.jitted]).toEqual([WANT.eager, WANT.jitted]);
    expect(T.webgpuMemory().liveBuffers).toBeGreaterThan(0); // counted afresh on the new device
  });

  it('a jitted signature evicted from its cache gives its program buffers back at once', async () => {
    const c = T.tensor([[1, 2], [3, 4]]); // a captured constant: each program uploads its own copy
    const g = (x: T.Tensor) => T.add(T.sum(T.exp(T.mul(x, 2))), T.sum(T.matmul(c, c)));
    const f = T.jit(g, { cacheSize: 1 });
    const x3 = T.toDevice(T.ones([3]), 'webgpu'), x5 = T.toDevice(T.ones([5]), 'webgpu');
    const want = (n: number) => n * Math.exp(2) + 54;
    // Earlier tests' garbage is finalized first, so that counts below move only with this program.
    (await findCollector())?.();
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    const baseline = T.liveBufferCount();
    const first = f(x3);
    expect((await first.data())[0]).toBeCloseTo(want(3), 3);
    T.dispose(first);
    const withOne = T.liveBufferCount();
    expect(withOne).toBeGreaterThan(baseline); // the [3] program's buffers
    const second = f(x5); // evicts the [3] program
    expect((await second.data())[0]).toBeCloseTo(want(5), 3);
    T.dispose(second);
    expect(T.liveBufferCount()).toBe(withOne); // one program's buffers, not two
    f.clearCache();
    expect(T.liveBufferCount()).toBe(baseline);
    expect((await f(x3).data())[0]).toBeCloseTo(want(3), 3);
    expect(f.stats.traces).toBe(3);
  });

  it('the pipeline and plan caches are bounded LRUs, and clear', async () => {
    T.setWebGPUCacheLimits({ pipelines: 4, plans: 6 });
    const x = T.toDevice(T.tensor([0.5, 1, 2]), 'webgpu');
    const ops = [T.exp, T.log, T.sqrt, T.tanh, T.sigmoid, T.neg, T.abs, T.square];
    for (let round = 0; round < 2; round++) {
      for (const op of ops) {
        const got = Array.from(await op(x).data());
        const want = Array.from(op(T.tensor([0.5, 1, 2])).dataSync());
        got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!))));
        const { pipelines, plans, limits } = T.webgpuCacheSizes();
        expect(pipelines).toBeLessThanOrEqual(limits.pipelines);
        expect(plans).toBeLessThanOrEqual(limits.plans);
      }
    }
    expect(T.webgpuCacheSizes().pipelines).toBe(4);
    T.clearWebGPUCaches();
    expect([T.webgpuCacheSizes().pipelines, T.webgpuCacheSizes().plans, T.webgpuMemory().pooledBytes]).toEqual([0, 0, 0]);
    expect(Array.from(await T.exp(x).data())[1]).toBeCloseTo(Math.E, 5);
    expect(() => T.setWebGPUCacheLimits({ pipelines: 0 })).toThrow(/^setWebGPUCacheLimits: pipelines must be an integer >= 1, got 0/);
    expect(() => T.setWebGPUCacheLimits({ pipeline: 3 } as never)).toThrow(/unknown option "pipeline"/);
    T.setWebGPUCacheLimits({ pipelines: 1024, plans: 4096 });
    expect(T.webgpuCacheSizes().limits).toEqual({ pipelines: 1024, plans: 4096 });
  });
});
