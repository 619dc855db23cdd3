/**
 * jit's WebGPU lowering: compiled jaxprs agree with evalJaxpr on the CPU, a whole call is one
 * submit over planned buffers (thousands of calls create no buffers but their outputs), and
 * donation hands an argument's buffer to an output and invalidates the argument.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { grad, jit, makeJaxpr } from '../src/grad';
import { dispose, liveBufferCount, toDevice } from '../src/tensor/backend/webgpu';
import { lowerFor } from '../src/grad/jit/lower';
import { optimize } from '../src/grad/jit/passes';
import { rng, sample, webgpuOrWarn } from './webgpu.helpers';
import { asyncLawProperty } from '../laws/arbitraries/property';
import { loweringApprox, loweringPreservesMeaning, repeatedCallsAllocateNothing, webgpuApprox } from '../laws/webgpu';
import { donationCases } from './donation.helpers';

const available = await webgpuOrWarn('webgpu jit tests');
const gpuOf = (x: T.Tensor): T.Tensor => toDevice(x, 'webgpu');

/** The law loweringPreservesMeaning for f's jaxpr, raw and optimized. */
async function agreeJit(f: (...xs: T.Tensor[]) => T.Tensor | T.Tensor[], args: T.Tensor[], tol?: { rtol: number; atol: number }): Promise<void> {
  const jaxpr = makeJaxpr(f)(...args);
  const approx = tol ? loweringApprox.with(tol) : loweringApprox;
  for (const { jaxpr: j, consts } of [{ jaxpr, consts: jaxpr.consts }, optimize({ jaxpr, consts: jaxpr.consts })]) {
    expect(await loweringPreservesMeaning(j, consts, args, approx)).toBe(true);
  }
}

describe.skipIf(!available)('jit lowering for WebGPU agrees with evalJaxpr on the CPU', () => {
  it('an elementwise chain with broadcasts closing in a reduction', async () => {
    const r = rng(1);
    await agreeJit((x, y) => T.sum(T.mul(T.tanh(T.add(T.mul(x, y), 1)), T.exp(T.neg(x))), { axis: 1 }), [sample([5, 37], 'float', r), sample([37], 'float', r)]);
  });

  it('a dense layer with softmax (dot, bias broadcast, logsumexp)', async () => {
    const r = rng(2);
    await agreeJit((x, w, b) => T.softmax(T.add(T.matmul(x, w), b)), [sample([9, 20], 'float', r), sample([20, 13], 'float', r), sample([13], 'float', r)]);
  });

  it('the gradient of a small MLP loss', async () => {
    const r = rng(3);
    const loss = (w1: T.Tensor, w2: T.Tensor, x: T.Tensor) => T.mean(T.square(T.matmul(T.maximum(T.matmul(x, w1), 0), w2)));
    await agreeJit((w1, w2, x) => grad(loss, { argnums: [0, 1] })(w1, w2, x) as T.Tensor[], [sample([6, 10], 'float', r), sample([10, 3], 'float', r), sample([4, 6], 'float', r)], { rtol: 1e-4, atol: 1e-5 });
  });

  it('movement, scans and arg-reductions between fused clusters; outputs that are inputs or repeated', async () => {
    const r = rng(4);
    await agreeJit((x, y) => {
      const t = T.transpose(T.exp(x));
      const c = T.cumsum(T.concatenate([t, y], 0), { axis: 1 });
      const s = T.reshape(c, [-1]);
      return [T.argmax(c, { axis: 0 }), s, x, s, T.mul(T.flip(x, 0), 2)];
    }, [sample([4, 3], 'float', r), sample([2, 4], 'float', r)], { rtol: 1e-5, atol: 1e-4 });
  });

  it('a long reduction fused with its prologue (two passes), and a wide cluster split under the binding limit', async () => {
    const r = rng(5);
    await agreeJit((x) => T.sum(T.square(T.sub(x, 0.5)), { axis: 0 }), [sample([20000], 'float', r)], { rtol: 1e-4, atol: 1e-2 });
    const xs = Array.from({ length: 14 }, () => sample([33], 'float', r));
    await agreeJit((...ts) => ts.reduce((acc, t, i) => T.add(acc, T.mul(t, i + 1))), xs);
  });
});

describe.skipIf(!available)('law loweringPreservesMeaning (fast-check seed 913)', () => {
  it('random elementwise-and-reduce programs', async () => {
    const ops = [T.tanh, T.exp, T.neg, (x: T.Tensor) => T.mul(x, x), (x: T.Tensor) => T.maximum(x, 0.25)];
    await fc.assert(asyncLawProperty(fc.array(fc.nat(ops.length - 1), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 70 }), fc.integer(), async (chain, n, seed) => {
      const f = (x: T.Tensor, y: T.Tensor) => T.sum(chain.reduce((acc, k) => T.add(ops[k]!(acc), y), x), { axis: 0 });
      const r = rng(seed);
      const args: [T.Tensor, T.Tensor] = [sample([n, 3], 'unit', r), sample([3], 'unit', r)];
      const jaxpr = makeJaxpr(f)(...args);
      return loweringPreservesMeaning(jaxpr, jaxpr.consts, args, loweringApprox.with({ rtol: 1e-4, atol: 1e-3 }));
    }), { seed: 913, numRuns: 10 });
  });
});

describe.skipIf(!available)('jit on WebGPU: buffer planning and donation', () => {
  it('2,000 calls keep liveBufferCount flat (donated parameters; disposed outputs)', async () => {
    const r = rng(6);
    const step = (p: T.Tensor, g: T.Tensor) => T.sub(p, T.mul(T.tanh(g), 0.01));
    const jaxpr = makeJaxpr(step)(sample([64, 17], 'float', r), sample([64, 17], 'float', r));
    const exe = lowerFor('webgpu', jaxpr, jaxpr.consts, { donate: [true, false] });
    const g = gpuOf(sample([64, 17], 'float', r));
    const p0 = sample([64, 17], 'float', r);
    let p = gpuOf(p0);
    [p] = exe.run([p, g]);
    const after = liveBufferCount();
    for (let i = 1; i < 2000; i++) [p] = exe.run([p, g]);
    expect(liveBufferCount()).toBe(after);
    const expected = T.sub(T.bind1('cast', [p0], { dtype: 'float64' }), T.mul(T.tanh(T.bind1('cast', [await toDevice(g, 'cpu')], { dtype: 'float64' })), 0.01 * 2000));
    expect(webgpuApprox.with({ rtol: 1e-4, atol: 1e-4 }).equals(await toDevice(p, 'cpu'), expected)).toBe(true);

    const loss = makeJaxpr((x: T.Tensor) => T.sum(T.logSoftmax(x)))(p0);
    const lossExe = lowerFor('webgpu', loss, loss.consts);
    expect(repeatedCallsAllocateNothing(() => dispose(lossExe.run([p])[0]!), 500)).toBe(true);
  });

  it('a donated argument becomes invalid and says so; its buffer holds the output', async () => {
    const jaxpr = makeJaxpr((x: T.Tensor) => T.add(x, 1))(T.tensor([1, 2, 3]));
    const exe = lowerFor('webgpu', jaxpr, jaxpr.consts, { donate: [true] });
    const x = gpuOf(T.tensor([1, 2, 3]));
    const before = liveBufferCount();
    const [y] = exe.run([x]);
    expect(liveBufferCount()).toBe(before);
    expect(Array.from(await y!.data())).toEqual([2, 3, 4]);
    expect(() => T.exp(x)).toThrow(/donated to a jitted function/);
    await expect(x.data()).rejects.toThrow(/donated to a jitted function/);
    expect(() => exe.run([x])).toThrow(/donated to a jitted function/);
  });

  it.each(donationCases.map((c) => [c.name, c] as const))('tied donated buffers: %s', async (_, c) => {
    const [got, want] = c.run(gpuOf);
    const cpu = async (ts: readonly T.Tensor[]) => Promise.all(ts.map((t) => toDevice(t, 'cpu')));
    expect(webgpuApprox.with({ rtol: 1e-5, atol: 1e-5 }).equals(await cpu(got), await cpu(want))).toBe(true);
  });

  it('jit(f) dispatches to the WebGPU lowering for webgpu arguments', async () => {
    const f = jit((x: T.Tensor, y: T.Tensor) => T.sum(T.mul(x, y)));
    const x = sample([100], 'float', rng(7)), y = sample([100], 'float', rng(8));
    const out = f(gpuOf(x), gpuOf(y)) as T.Tensor;
    expect(out.device).toBe('webgpu');
    expect(webgpuApprox.with({ rtol: 1e-5, atol: 1e-4 }).equals(await toDevice(out, 'cpu'), T.sum(T.mul(x, y)))).toBe(true);
  });
});
