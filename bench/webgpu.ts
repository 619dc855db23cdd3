/**
 * WebGPU figures: a training step of the MLP 784-64-64-10 (Adam) eager on WebGPU, jitted on
 * WebGPU (one submission per step), and jitted on the CPU for reference; and a float32 matmul.
 * Without a GPU this runs on SwiftShader (a CPU emulation), so compare ratios, not absolutes:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx bench/webgpu.ts
 */
import * as T from '../src';
import * as tree from '../src/tree';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import { key, normal, randint, splitList } from '../src/random';
import { row } from './measure';

const model = nn.sequential(nn.linear(64), nn.activation(nn.relu), nn.linear(64), nn.activation(nn.relu), nn.linear(10));
type Params = ReturnType<typeof model.init>['params'];
const opt = optim.adam(1e-3);
type State = { params: Params; opt: ReturnType<typeof opt.init> };
const loss = (p: Params, x: T.Tensor, y: T.Tensor) => nn.softmaxCrossEntropy(model.apply(p, x), y);
function step(s: State, x: T.Tensor, y: T.Tensor): [State, T.Tensor] {
  const [l, g] = T.valueAndGrad(loss)(s.params, x, y);
  const [u, o] = opt.update(g, s.opt, s.params);
  return [{ params: optim.applyUpdates(s.params, u) as Params, opt: o }, l];
}

/** Median ms of `n` runs of an async body that ends by reading a result back. */
async function time(body: () => Promise<unknown>, n = 10, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await body();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await body();
    ts.push(performance.now() - t);
  }
  return ts.sort((a, b) => a - b)[ts.length >> 1]!;
}

async function main(): Promise<void> {
  if (!(await T.initWebGPU())) {
    console.log('no WebGPU adapter (set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for SwiftShader)');
    return;
  }
  const widths = [30, 12];
  console.log(row(['WebGPU (this adapter)', 'ms'], widths));
  for (const batch of [32, 128]) {
    const [k0, k1, k2] = splitList(key(0), 3);
    const { params } = model.init(k0!, [-1, 784]);
    const cpuState: State = { params, opt: opt.init(params) };
    const x = normal(k1!, [batch, 784]);
    const y = randint(k2!, [batch], 0, 10);
    const gpu = <X>(t: X): X => tree.map((v: T.Tensor) => T.toDevice(v, 'webgpu'), t);
    let gState = gpu(cpuState);
    const [xg, yg] = [T.toDevice(x, 'webgpu'), T.toDevice(y, 'webgpu')];
    const jgpu = T.jit(step, { donateArgnums: 0 });
    const jcpu = T.jit(step);
    const eagerGpu = await time(async () => {
      const [, l] = step(gState, xg, yg);
      await l.data();
    }, 5, 1);
    const jitGpu = await time(async () => {
      const [next, l] = jgpu(gState, xg, yg);
      gState = next;
      await l.data();
    });
    const jitCpu = await time(async () => void jcpu(cpuState, x, y)[1].item());
    console.log(row([`MLP step b${batch}: eager webgpu`, eagerGpu.toFixed(2)], widths));
    console.log(row([`MLP step b${batch}: jit webgpu`, jitGpu.toFixed(2)], widths));
    console.log(row([`MLP step b${batch}: jit cpu`, jitCpu.toFixed(2)], widths));
  }
  for (const n of [256, 512]) {
    const a = T.toDevice(normal(key(1), [n, n]), 'webgpu');
    const b = T.toDevice(normal(key(2), [n, n]), 'webgpu');
    const ms = await time(async () => {
      const c = T.matmul(a, b);
      await c.data();
      T.dispose(c);
    });
    console.log(row([`matmul ${n} GFLOP/s (with readback)`, ((2 * n ** 3) / (ms * 1e6)).toFixed(2)], widths));
  }
  T.closeWebGPU();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
