/**
 * Control flow compiled for WebGPU: staged loops and conds agree with the CPU (random programs
 * with cond/switch/scan/fori, and their gradients), a scan records its body per iteration into
 * the one submitted command encoder, a compiled whileLoop is refused with the reason, eager cond
 * on a device index selects, and a jit cache entry evicted (or cleared) releases its buffers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import { dispose, liveBufferCount, toDevice } from '../src/tensor/backend/webgpu';
import { gpu as gpuContext } from '../src/tensor/backend/webgpu/device';
import { asyncLawProperty } from '../laws/arbitraries/property';
import { programArb } from '../laws/arbitraries/programs';
import { controlOps, programOps, runProgram } from '../laws/programs';
import { repeatedCallsAllocateNothing, webgpuApprox } from '../laws/webgpu';
import { labelled } from '../laws/result';
import { webgpuOrWarn } from './webgpu.helpers';

const available = await webgpuOrWarn('webgpu control-flow tests');
const gpu = (x: Tensor) => toDevice(x, 'webgpu');
const cpuOf = async (tree: unknown): Promise<unknown> => {
  if (tree instanceof T.Tensor) return tree.device === 'webgpu' ? toDevice(tree, 'cpu') : tree;
  if (Array.isArray(tree)) return Promise.all(tree.map(cpuOf));
  return tree;
};
const tol = webgpuApprox.with({ rtol: 1e-4, atol: 1e-5 });

describe.skipIf(!available)('control flow on WebGPU agrees with the CPU', () => {
  it('random programs with cond, switch, scan and fori, and their gradients (seed 99)', async () => {
    const ops = [...programOps, ...controlOps, ...controlOps];
    await fc.assert(asyncLawProperty(programArb({ ops, maxSteps: 4, output: 'sum' }), fc.nat(1 << 20), async (p, s) => {
      const args = p.sample(s).map((x) => T.astype(x, 'float32'));
      const f = runProgram(p);
      const grads = T.grad(f, { argnums: args.map((_, i) => i) });
      const values = labelled('jit(f) on WebGPU vs the CPU', tol.equals(await cpuOf(T.jit(f)(...args.map(gpu))), T.jit(f)(...args)));
      if (values !== true) return values;
      return labelled('jit(grad(f)) on WebGPU vs the CPU', tol.equals(await cpuOf(T.jit(grads)(...args.map(gpu))), grads(...args)));
    }), { seed: 99, numRuns: 12 });
  });

  it('a scan of 64 steps is one program: the body recorded per iteration, one submit', async () => {
    const w = T.mul(T.reshape(T.cos(T.arange(0, 36)), [6, 6]), 0.3);
    const f = (xs: Tensor) => T.scan((h: Tensor, x: Tensor) => {
      const n = T.tanh(T.add(T.matmul(h, w), x));
      return [n, n] as const;
    }, T.zeros([6]), xs, { reverse: true });
    const xs = T.reshape(T.sin(T.arange(0, 64 * 6)), [64, 6]);
    const jf = T.jit(f);
    expect(tol.equals(await cpuOf(jf(gpu(xs))), jf(xs))).toBe(true);
    const xg = gpu(xs);
    expect(repeatedCallsAllocateNothing(() => (jf(xg) as Tensor[]).forEach(dispose), 3)).toBe(true);
    const queue = gpuContext().device.queue;
    const submit = queue.submit;
    let submits = 0;
    queue.submit = (buffers) => {
      submits++;
      return submit.call(queue, buffers);
    };
    try {
      (jf(xg) as Tensor[]).forEach(dispose);
    } finally {
      queue.submit = submit;
    }
    expect(submits).toBe(1);
    dispose(xg);
  });

  it('a compiled cond runs only the taken branch (indirect dispatches into shared outputs), or selects when a branch needs copies', async () => {
    // Both branches write the same output buffers, in order: right values with index 0 mean
    // branch 1 did not run.
    const dispatchOnly = T.jit((p: Tensor, v: Tensor) => T.cond(p, (u: Tensor) => T.mul(T.sin(u), 2), (u: Tensor) => T.add(T.exp(u), 1), v));
    const passThrough = T.jit((p: Tensor, v: Tensor) => T.cond(p, (u: Tensor) => T.sin(u), (u: Tensor) => u, v));
    const x = T.tensor([0.5, -1, 2]);
    for (const f of [dispatchOnly, passThrough]) {
      for (const p of [true, false]) {
        expect(tol.equals(await cpuOf(f(gpu(T.scalar(p)), gpu(x))), f(T.scalar(p), x))).toBe(true);
      }
    }
  });

  it('refuses a compiled whileLoop, naming the limitation and the alternatives; eager cond on a device index works', async () => {
    const f = T.jit((x: Tensor) => T.whileLoop((c: Tensor) => T.less(T.sum(c), 10), (c: Tensor) => T.mul(c, 2), x));
    expect(() => f(gpu(T.ones([2])))).toThrow(/whileLoop: a compiled WebGPU program cannot run a while loop.*Use scan or fori with static bounds/);
    const x = gpu(T.tensor([1, -2, 3]));
    const y = T.cond(T.greater(T.sum(x), 0), (v: Tensor) => T.mul(v, 2), (v: Tensor) => T.neg(v), x);
    expect(Array.from(await y.data())).toEqual([2, -4, 6]);
  });

  it('an evicted or cleared jit cache entry releases its device buffers', () => {
    const jf = T.jit((u: Tensor) => T.mul(T.add(u, 1), u), { cacheSize: 1 });
    const base = liveBufferCount();
    const a = gpu(T.ones([1000]));
    const b = gpu(T.ones([2000]));
    dispose(jf(a));
    const withOne = liveBufferCount();
    dispose(jf(b)); // evicts the [1000] program
    expect(liveBufferCount()).toBeLessThanOrEqual(withOne);
    jf.clearCache();
    expect(liveBufferCount()).toBe(base + 2);
    [a, b].forEach(dispose);
  });
});
