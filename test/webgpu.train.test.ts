/**
 * The jit issue's acceptance check: a jitted MLP training step (forward, backward, Adam update)
 * runs on WebGPU and gives the losses of eager CPU execution, step after step, within float32
 * tolerance.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import { key, normal, randint, splitList } from '../src/random';
import * as tree from '../src/tree';
import { webgpuOrWarn } from './webgpu.helpers';

const available = await webgpuOrWarn('webgpu training test');

const model = nn.sequential(nn.linear(32), nn.activation(nn.relu), nn.linear(16), nn.activation(nn.relu), nn.linear(10));
type Params = ReturnType<typeof model.init>['params'];
const opt = optim.adam(1e-2);
type State = { params: Params; opt: ReturnType<typeof opt.init> };

const loss = (p: Params, x: T.Tensor, y: T.Tensor) => nn.softmaxCrossEntropy(model.apply(p, x), y);
function step(s: State, x: T.Tensor, y: T.Tensor): [State, T.Tensor] {
  const [l, g] = T.valueAndGrad(loss)(s.params, x, y);
  const [u, o] = opt.update(g, s.opt, s.params);
  return [{ params: optim.applyUpdates(s.params, u) as Params, opt: o }, l];
}

describe.skipIf(!available)('a jitted MLP training step on WebGPU', () => {
  it('gives the same losses as eager CPU execution for 8 steps', async () => {
    const [k0, k1, k2] = splitList(key(0), 3);
    const { params } = model.init(k0!, [-1, 64]);
    const x = normal(k1!, [24, 64]);
    const y = randint(k2!, [24], 0, 10);
    let cpu: State = { params, opt: opt.init(params) };
    let gpu: State = tree.map((t: T.Tensor) => T.toDevice(t, 'webgpu'), cpu);
    const xg = T.toDevice(x, 'webgpu');
    const yg = T.toDevice(y, 'webgpu');
    const jstep = T.jit(step, { donateArgnums: 0 });
    for (let i = 0; i < 8; i++) {
      const [nextCpu, lc] = step(cpu, x, y);
      const [nextGpu, lg] = jstep(gpu, xg, yg);
      cpu = nextCpu;
      gpu = nextGpu;
      const eager = Number(lc.item());
      const compiled = (await lg.data())[0]!;
      expect(lg.device).toBe('webgpu');
      expect(Math.abs(compiled - eager)).toBeLessThan(1e-4 * Math.max(1, Math.abs(eager)));
    }
    expect(jstep.stats.traces).toBe(1);
  });
});
