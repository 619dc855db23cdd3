/**
 * Run by test/sgemm.test.ts in a child Node process (`node [flags] --import tsx test/sgemm.child.ts MODE`):
 *   relaxed: under --experimental-wasm-relaxed-simd, the default kernel must pick the fused
 *            (relaxed_madd) variant; it is checked against the float64 reference, threaded and
 *            single-threaded results must agree bit for bit. Prints one JSON line.
 *   exit:    a threaded product, then nothing: the process must end by itself (workers are unref'd).
 */
import { createSgemm, DEFAULT_CONFIG } from '../src/tensor/backend/cpu/wasm/sgemm';
import { relaxedSimdSupported } from '../src/tensor/backend/cpu/wasm/sgemmModule';
import { EDGE_SHAPES, mismatch, randomF32 } from './sgemm.helpers';

const mode = process.argv[2];
if (mode === 'relaxed') {
  const supported = relaxedSimdSupported();
  const fused = createSgemm({ ...DEFAULT_CONFIG, workers: 0 })!;
  const plain = createSgemm({ ...DEFAULT_CONFIG, workers: 0, fused: false })!;
  const threaded = createSgemm({ ...DEFAULT_CONFIG, workers: 1, threadMinFlops: 0 })!;
  const failures: string[] = [];
  let differs = false;
  let s = 0;
  for (const [batch, m, k, n] of [...EDGE_SHAPES, [1, 130, 300, 70] as const]) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = randomF32(batch * m * k, ++s), b = randomF32(batch * k * n, ++s);
      const o1 = new Float32Array(batch * m * n), o2 = new Float32Array(batch * m * n), o3 = new Float32Array(batch * m * n);
      fused(a, b, batch, m, k, n, o1, transA, transB);
      plain(a, b, batch, m, k, n, o2, transA, transB);
      threaded(a, b, batch, m, k, n, o3, transA, transB);
      const bad = mismatch(a, b, batch, m, k, n, o1, transA, transB) ?? mismatch(a, b, batch, m, k, n, o2, transA, transB);
      if (bad) failures.push(bad);
      if (!o3.every((x, i) => Object.is(x, o1[i]))) failures.push(`threaded != single [${batch},${m},${k},${n}] ${transA} ${transB}`);
      if (!o1.every((x, i) => Object.is(x, o2[i]))) differs = true;
    }
  }
  threaded.close();
  console.log(JSON.stringify({ supported, fused: fused.fused, plainFused: plain.fused, threadedFused: threaded.fused, differs, failures }));
} else if (mode === 'exit') {
  const k = createSgemm({ ...DEFAULT_CONFIG, workers: 1, threadMinFlops: 0 })!;
  const a = randomF32(300 * 300, 1), out = new Float32Array(300 * 300);
  for (let i = 0; i < 5; i++) k(a, a, 1, 300, 300, 300, out);
  console.log(JSON.stringify({ ok: Number.isFinite(out[0]) }));
} else {
  throw new Error(`sgemm.child: unknown mode ${mode}`);
}
