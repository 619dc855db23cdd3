/**
 * The page side of the CPU kernel browser test: the Wasm float32 GEMM with relaxed SIMD (which
 * browsers ship) and Web Worker threads (only when the page is cross-origin isolated), checked
 * against the float64 reference in the page. The test calls `checkSgemm` through Playwright.
 */
import { createSgemm, DEFAULT_CONFIG } from '../../src/tensor/backend/cpu/wasm/sgemm';
import { relaxedSimdSupported } from '../../src/tensor/backend/cpu/wasm/sgemmModule';
import { threadsAvailable } from '../../src/tensor/backend/cpu/wasm/threads';
import { EDGE_SHAPES, mismatch, randomF32 } from '../sgemm.helpers';

async function checkSgemm(): Promise<Record<string, unknown>> {
  const single = createSgemm({ ...DEFAULT_CONFIG, workers: 0 })!;
  const plain = createSgemm({ ...DEFAULT_CONFIG, workers: 0, fused: false })!;
  const threaded = createSgemm({ ...DEFAULT_CONFIG, workers: 2, threadMinFlops: 0 })!;
  const x = new Float32Array(64);
  for (let i = 0; i < 300 && threadsAvailable() && !threaded.threadsReady(); i++) {
    threaded(x, x, 1, 8, 8, 8, new Float32Array(64));
    await new Promise((r) => setTimeout(r, 10));
  }
  const failures: string[] = [];
  let s = 0;
  for (const [batch, m, k, n] of [...EDGE_SHAPES, [1, 130, 300, 70] as const]) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = randomF32(batch * m * k, ++s), b = randomF32(batch * k * n, ++s);
      const outs = [single, plain, threaded].map((f) => {
        const out = new Float32Array(batch * m * n).fill(7);
        f(a, b, batch, m, k, n, out, transA, transB);
        return out;
      });
      for (const out of outs) {
        const bad = mismatch(a, b, batch, m, k, n, out, transA, transB);
        if (bad) failures.push(bad);
      }
      if (!outs[2]!.every((v, i) => Object.is(v, outs[0]![i]))) failures.push(`threaded != single [${batch},${m},${k},${n}] ${transA} ${transB}`);
    }
  }
  const result = {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    threadsAvailable: threadsAvailable(), threadsReady: threaded.threadsReady(),
    relaxed: relaxedSimdSupported(), fused: single.fused, plainFused: plain.fused, failures,
  };
  threaded.close();
  return result;
}

(globalThis as { checkSgemm?: typeof checkSgemm }).checkSgemm = checkSgemm;
