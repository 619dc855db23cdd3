/** Shared helpers for the WebGPU tests: device setup and seeded data (comparisons are the laws' Approx). */
import * as T from '../src/tensor';
import { initWebGPU } from '../src/tensor/backend/webgpu';
import { rng } from './ops.helpers';

export { rng };

/** Open the device once; warn (the suites skip) when no adapter exists. */
export async function webgpuOrWarn(suite: string): Promise<boolean> {
  const ok = await initWebGPU();
  if (!ok) console.warn(`${suite}: skipped, no WebGPU adapter (without a GPU set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json to use SwiftShader)`);
  return ok;
}


export type Gen = 'float' | 'positive' | 'int' | 'smallInt' | 'bool' | 'unit';

/** A CPU tensor of `shape` with values drawn for the kind of operand. */
export function sample(shape: readonly number[], kind: Gen, rand: () => number): T.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const draw = (): number => {
    switch (kind) {
      case 'float': return Math.fround(rand() * 10 - 5);
      case 'positive': return Math.fround(0.05 + rand() * 5);
      case 'unit': return Math.fround(0.5 + rand());
      case 'int': return Math.floor(rand() * 2001) - 1000;
      case 'smallInt': return Math.floor(rand() * 11) - 5;
      case 'bool': return rand() < 0.5 ? 1 : 0;
    }
  };
  const values = Array.from({ length: n }, draw);
  const dtype = kind === 'int' || kind === 'smallInt' ? 'int32' : kind === 'bool' ? 'bool' : 'float32';
  return T.tensor(values, { shape: [...shape], dtype });
}
