/**
 * The page side of the browser test: the library's tensors, the WebGPU backend and jit,
 * bundled by esbuild. The test calls `computeOnWebGPU` through Playwright.
 */
import * as T from '../../src/tensor';
import { jit } from '../../src/grad';
import { initWebGPU, toDevice } from '../../src/tensor/backend/webgpu';

interface Operand {
  readonly data: number[];
  readonly shape: number[];
}

async function computeOnWebGPU(a: Operand, b: Operand): Promise<{ error?: string; device?: string; shape?: readonly number[]; eager?: number[]; jitted?: number[] }> {
  if (!(await initWebGPU())) return { error: 'navigator.gpu gave no adapter' };
  const x = toDevice(T.tensor(a.data, { shape: a.shape }), 'webgpu');
  const w = toDevice(T.tensor(b.data, { shape: b.shape }), 'webgpu');
  const f = (x: T.Tensor, w: T.Tensor) => T.softmax(T.matmul(x, w));
  const eager = f(x, w);
  const jitted = jit(f)(x, w) as T.Tensor;
  return { device: eager.device, shape: eager.shape, eager: Array.from(await eager.data()), jitted: Array.from(await jitted.data()) };
}

(globalThis as { computeOnWebGPU?: typeof computeOnWebGPU }).computeOnWebGPU = computeOnWebGPU;
