/**
 * Bounded GPU memory for eager WebGPU loops without `dispose` (issue 12, item 9): buffers are
 * recycled by size class and counted, and a budget makes the backend reclaim the buffers of
 * unreachable tensors (sweeping WeakRefs, forcing a collection on Node) before it grows. An eager
 * training loop of 2,000 steps that awaits its loss stays within a small budget; a fully
 * synchronous loop cannot (nothing is collectable before it yields) and is brought back under the
 * budget by the first allocation after it yields.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../src';
import { webgpuOrWarn } from './webgpu.helpers';

const available = await webgpuOrWarn('webgpu memory budget tests');
const MiB = 2 ** 20;
const held = () => T.webgpuMemory().liveBytes + T.webgpuMemory().pooledBytes;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

afterAll(() => {
  if (available) T.setWebGPUMemoryBudget(256 * MiB);
});

describe.skipIf(!available)('webgpu memory stays within its budget', () => {
  it('an eager training loop of 2,000 steps awaiting its loss stays within a 256 KiB budget', async () => {
    const budget = 256 * 1024;
    T.setWebGPUMemoryBudget(budget);
    const collections = T.webgpuMemory().forcedCollections;
    const target = T.toDevice(T.div(T.astype(T.arange(64), 'float32'), 64), 'webgpu');
    let w = T.toDevice(T.zeros([64]), 'webgpu');
    const loss = (w: T.Tensor) => T.sum(T.square(T.sub(w, target)));
    let peakBytes = 0, peakBuffers = 0, first = 0, last = 0;
    for (let step = 0; step < 2000; step++) {
      const [l, g] = T.valueAndGrad(loss)(w) as [T.Tensor, T.Tensor];
      w = T.sub(w, T.mul(g, 0.01));
      last = (await l.data())[0]!;
      if (step === 0) first = last;
      peakBytes = Math.max(peakBytes, held());
      peakBuffers = Math.max(peakBuffers, T.liveBufferCount());
    }
    expect(last).toBeLessThan(first / 1000);
    expect(peakBytes).toBeLessThanOrEqual(budget);
    expect(T.webgpuMemory().peakBytes).toBeLessThanOrEqual(budget);
    // Each step makes about ten buffers of 256 bytes (20,000 in all); the budget bounds them.
    expect(peakBuffers).toBeLessThanOrEqual(budget / 256);
    // The budget was reached, and kept by reclaiming (not only by the runtime's own collections).
    expect(T.webgpuMemory().forcedCollections).toBeGreaterThan(collections);
  }, 240_000);

  it('a fully synchronous loop cannot be bounded until it yields; the next allocation after it reclaims', async () => {
    T.setWebGPUMemoryBudget(256 * 1024);
    const x = T.toDevice(T.ones([64]), 'webgpu');
    let y = x;
    for (let i = 0; i < 600; i++) y = T.add(y, 1); // no await: every tensor of this job stays alive
    const during = held();
    expect(during).toBeGreaterThan(256 * 1024);
    expect((await y.data())[0]).toBe(601);
    await tick();
    T.add(x, 1); // an allocation under pressure: sweep, collect, sweep
    expect(held()).toBeLessThanOrEqual(256 * 1024);
  });

  it('disposed buffers are reused by the next tensor of their size class (values intact)', async () => {
    T.setWebGPUMemoryBudget(64 * MiB);
    const a = T.toDevice(T.ones([1000]), 'webgpu');
    await a.data();
    const live = T.liveBufferCount();
    T.dispose(a);
    expect(T.liveBufferCount()).toBe(live - 1);
    const pooled = T.webgpuMemory().pooledBuffers;
    const b = T.toDevice(T.full([990], 3), 'webgpu'); // 3,960 bytes: the class of 4,000
    expect(T.webgpuMemory().pooledBuffers).toBe(pooled - 1);
    expect(T.liveBufferCount()).toBe(live);
    expect(Array.from(await b.data()).every((v) => v === 3)).toBe(true);
  });

  it('the budget is validated', () => {
    expect(() => T.setWebGPUMemoryBudget(0)).toThrow(/^setWebGPUMemoryBudget: the budget \(bytes\) must be .*> 0, got 0/);
    expect(() => T.setWebGPUMemoryBudget(NaN)).toThrow(/setWebGPUMemoryBudget/);
    expect(() => T.initWebGPU({ memoryBudget: -1 })).toThrow(/^initWebGPU: memoryBudget must be/);
    expect(() => T.initWebGPU({ memoryBudgett: 1 } as never)).toThrow(/^initWebGPU: unknown option "memoryBudgett"/);
  });
});
