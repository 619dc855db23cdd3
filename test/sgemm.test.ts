/**
 * The Wasm float32 GEMM (src/tensor/backend/cpu/wasm): every operand layout against the float64
 * reference, its internal choices (packing, batch groups, threads, relaxed SIMD) agreeing bit for
 * bit where they must, and worker threads that never keep a process alive.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { matmulKernel } from '../src/tensor/backend/cpu/matmul';
import { createSgemm, DEFAULT_CONFIG, THREAD_MIN_FLOPS, type SgemmConfig, type SgemmFn } from '../src/tensor/backend/cpu/wasm/sgemm';
import { relaxedSimdSupported } from '../src/tensor/backend/cpu/wasm/sgemmModule';
import { threadsAvailable } from '../src/tensor/backend/cpu/wasm/threads';
import { EDGE_SHAPES, mismatch, randomF32 } from './sgemm.helpers';

const SEED = 20250917;
const LAYOUTS = [[false, false], [true, false], [false, true], [true, true]] as const;
const sameBits = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

function product(f: SgemmFn, a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
  const out = new Float32Array(batch * m * n).fill(7); // every element must be written
  f(a, b, batch, m, k, n, out, transA, transB);
  return out;
}

const variants: Record<string, Partial<SgemmConfig>> = {
  'B and A^T packed': { pack: 'always' },
  'B and A^T in place': { pack: 'never' },
  'small k blocks and A blocks': { kc: 5, mcPanels: 2 },
  'one batch item per group': { groupFloats: 1 },
};
const kernels = Object.fromEntries(Object.entries(variants).map(([name, v]) => [name, createSgemm({ ...DEFAULT_CONFIG, workers: 0, fused: false, ...v })!]));
const single = createSgemm({ ...DEFAULT_CONFIG, workers: 0, fused: false })!;

describe('float32 GEMM vs the float64 reference', () => {
  it('reads all four operand layouts over edge shapes, through matmulKernel', () => {
    let s = 0;
    for (const [batch, m, k, n] of EDGE_SHAPES) {
      for (const [transA, transB] of LAYOUTS) {
        const a = randomF32(batch * m * k, ++s), b = randomF32(batch * k * n, ++s);
        const out = new Float32Array(batch * m * n).fill(7);
        matmulKernel(a, b, batch, m, k, n, out, 'wasm', { transA, transB });
        expect(mismatch(a, b, batch, m, k, n, out, transA, transB)).toBeNull();
      }
    }
  });

  it(`matches on random shapes and layouts (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }),
        fc.boolean(), fc.boolean(), fc.integer(),
        (batch, m, k, n, transA, transB, seed) => {
          const a = randomF32(batch * m * k, seed), b = randomF32(batch * k * n, seed + 1);
          expect(mismatch(a, b, batch, m, k, n, product(single, a, b, batch, m, k, n, transA, transB), transA, transB)).toBeNull();
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('gives the same bits whatever the packing, blocking and batch grouping', () => {
    let s = 100;
    for (const [batch, m, k, n] of [...EDGE_SHAPES, [3, 37, 70, 45] as const]) {
      for (const [transA, transB] of LAYOUTS) {
        const a = randomF32(batch * m * k, ++s), b = randomF32(batch * k * n, ++s);
        const want = product(single, a, b, batch, m, k, n, transA, transB);
        for (const [name, f] of Object.entries(kernels)) {
          const got = product(f, a, b, batch, m, k, n, transA, transB);
          // Smaller k blocks change the summation order (partial sums go through C), so only the reference applies.
          if (name.startsWith('small k')) expect(mismatch(a, b, batch, m, k, n, got, transA, transB), name).toBeNull();
          else expect(sameBits(got, want), `${name} [${batch},${m},${k},${n}] ${transA} ${transB}`).toBe(true);
        }
      }
    }
  });

  it('propagates NaN and Infinity', () => {
    const a = new Float32Array([Infinity, 1, 2, 3]), b = new Float32Array([0, 1, 1, 1]);
    const out = product(single, a, b, 1, 2, 2, 2, false, false);
    expect(Number.isNaN(out[0]!)).toBe(true); // inf * 0
    expect(out[1]).toBe(Infinity);
  });
});

describe.skipIf(!threadsAvailable())('float32 GEMM on worker threads', () => {
  let threaded: SgemmFn, grouped: SgemmFn;
  beforeAll(async () => {
    // threadMinFlops 0: even tiny products are shared, so every shape exercises the split.
    threaded = createSgemm({ ...DEFAULT_CONFIG, workers: 1, fused: false, threadMinFlops: 0 })!;
    grouped = createSgemm({ ...DEFAULT_CONFIG, workers: 2, fused: false, threadMinFlops: 0, groupFloats: 1 })!;
    const x = new Float32Array(64);
    for (let i = 0; i < 400 && !(threaded.threadsReady() && grouped.threadsReady()); i++) {
      threaded(x, x, 1, 8, 8, 8, new Float32Array(64));
      grouped(x, x, 1, 8, 8, 8, new Float32Array(64));
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  afterAll(() => {
    threaded?.close();
    grouped?.close();
  });

  it('starts its workers in the background', () => {
    expect(threaded.threadsReady()).toBe(true);
    expect(grouped.threadsReady()).toBe(true);
  });

  it('is bit-identical to one thread (pieces split rows or columns, never k)', () => {
    let s = 200;
    const shapes = [...EDGE_SHAPES, [1, 259, 261, 263], [2, 130, 40, 20], [1, 20, 40, 130], [5, 33, 17, 9]] as const;
    for (const [batch, m, k, n] of shapes) {
      for (const [transA, transB] of LAYOUTS) {
        const a = randomF32(batch * m * k, ++s), b = randomF32(batch * k * n, ++s);
        const want = product(single, a, b, batch, m, k, n, transA, transB);
        expect(sameBits(product(threaded, a, b, batch, m, k, n, transA, transB), want), `[${batch},${m},${k},${n}] ${transA} ${transB}`).toBe(true);
        expect(sameBits(product(grouped, a, b, batch, m, k, n, transA, transB), want), `2 workers, one item per group [${batch},${m},${k},${n}] ${transA} ${transB}`).toBe(true);
      }
    }
  });
});

describe('setCpuThreads', () => {
  it('rejects counts that are not whole numbers >= 0, naming the function and the value', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) expect(() => T.setCpuThreads(bad)).toThrow(/setCpuThreads: expected a whole number of threads >= 0, got/);
  });

  it('changes how products run, never their results', () => {
    const [m, k, n] = [250, 230, 270]; // above THREAD_MIN_FLOPS
    expect(2 * m * k * n).toBeGreaterThan(THREAD_MIN_FLOPS);
    const x = T.tensor(randomF32(m * k, 1), { shape: [m, k] }), w = T.tensor(randomF32(k * n, 2), { shape: [k, n] });
    const results = [0, T.suggestedCpuThreads(), 1].map((threads) => {
      T.setCpuThreads(threads);
      return [0, 1, 2].map(() => T.matmul(x, w).dataSync() as Float32Array);
    });
    T.setCpuThreads(T.suggestedCpuThreads());
    for (const r of results.flat()) expect(sameBits(r, results[0]![0]!)).toBe(true);
  });
});

const run = promisify(execFile);
const child = (flags: string[], mode: string) => run(process.execPath, [...flags, '--import', 'tsx', join(__dirname, 'sgemm.child.ts'), mode], { encoding: 'utf8', timeout: 60_000 });

describe('relaxed SIMD (fused multiply-add) kernels', () => {
  it('are chosen where the runtime validates them, match the reference, thread bit-identically (child with --experimental-wasm-relaxed-simd)', async () => {
    const { stdout } = await child(['--experimental-wasm-relaxed-simd'], 'relaxed');
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r.supported).toBe(true);
    expect(r.fused).toBe(true);
    expect(r.threadedFused).toBe(true);
    expect(r.plainFused).toBe(false);
    expect(r.failures).toEqual([]);
  });

  it('fall back to the SIMD128 kernels when the runtime rejects them', async () => {
    const { stdout } = await child([], 'relaxed');
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    // Node 20 without the flag has no relaxed SIMD; a runtime that has it by default also passes.
    expect(r.fused).toBe(r.supported);
    expect(r.failures).toEqual([]);
    expect(relaxedSimdSupported()).toBe(createSgemm({ ...DEFAULT_CONFIG, workers: 0 })!.fused);
  });
});

describe.skipIf(!threadsAvailable())('worker threads and process lifetime', () => {
  it('never keep the process alive', async () => {
    const t = performance.now();
    const { stdout } = await child([], 'exit');
    expect(JSON.parse(stdout.trim()).ok).toBe(true);
    expect(performance.now() - t).toBeLessThan(30_000);
  });
});
