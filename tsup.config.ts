import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    tree: 'src/tree/index.ts',
    random: 'src/random/index.ts',
    nn: 'src/nn/index.ts',
    optim: 'src/optim/index.ts',
    data: 'src/data/index.ts',
    'data-node': 'src/data/node/index.ts',
    io: 'src/io/index.ts',
    train: 'src/train/index.ts',
    onnx: 'src/onnx/index.ts',
    models: 'src/models/index.ts',
    laws: 'laws/index.ts',
    // Needs fast-check (an optional peer); tensorlaw/laws does not.
    'laws/arbitraries': 'laws/arbitraries/index.ts',
    extend: 'src/extend/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['node:fs', 'node:path', 'node:os', 'node:worker_threads', 'node:module', 'fast-check', 'webgpu', 'papaparse', /^js-tiktoken/],
});
