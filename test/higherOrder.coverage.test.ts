/**
 * Coverage of the higher-order primitives: every table of theirs has a row for each one
 * (HIGHER_ORDER_PRIMS, so a new one is picked up), and a sample using each (SAMPLES is total over
 * HigherOrderPrim: a new primitive without a sample fails tsc here) shows it staged by makeJaxpr
 * and runs it through CPU eager and jit (bit for bit), vmap against a loop, forward and reverse
 * mode (finite differences and the jvp/vjp duality law) where the primitive supports them, and
 * compiled WebGPU against the CPU when an adapter exists.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import { HIGHER_ORDER_PRIMS, type HigherOrderPrim } from '../src/tensor';
import { higherOrderAbstractEval } from '../src/grad/higher/abstractEval';
import { higherOrderImpl } from '../src/grad/higher/impl';
import { higherOrderJvp } from '../src/grad/higher/jvp';
import { higherOrderPartialEval } from '../src/grad/higher/partialEval';
import { higherOrderTranspose } from '../src/grad/higher/transpose';
import { higherOrderBatch } from '../src/grad/higher/batch';
import { cpuControl } from '../src/tensor/backend/cpu/jit/control';
import { gpuControl, whileOnWebGPUError } from '../src/tensor/backend/webgpu/control';
import { higherOrderRules } from '../src/onnx/control';
import { toDevice } from '../src/tensor/backend/webgpu';
import * as G from '../laws/grad';
import * as J from '../laws/jit';
import * as V from '../laws/vmap';
import { webgpuApprox } from '../laws/webgpu';
import { webgpuOrWarn } from './webgpu.helpers';

interface Sample {
  /** A function of one float64 [3] input that uses the primitive. */
  readonly f: (x: Tensor) => Tensor;
  /** The transformations it supports (default: all). */
  readonly forward?: boolean;
  readonly reverse?: boolean;
  readonly webgpu?: boolean;
  /** The primitive shows in makeJaxpr of this function instead (customVjpLinear: of its jvp). */
  readonly staged?: (x: Tensor) => unknown;
}

const jitted = T.jit((v: Tensor) => T.mul(T.sin(v), v));
const softplus = T.customJvp((v: Tensor) => T.log1p(T.exp(v)), ([v], [t]) => [T.log1p(T.exp(v)), T.mul(t, T.sigmoid(v))]);
const scaledGrad = T.customVjp((v: Tensor) => T.tanh(v), (v: Tensor) => [T.tanh(v), v], (v: Tensor, g: Tensor) => [T.mul(g, T.sub(1, T.square(T.tanh(v))))]);

const SAMPLES = {
  jitCall: { f: (x) => T.add(jitted(x), 1) },
  cond: { f: (x) => T.cond(T.greater(T.sum(x), 0), (v: Tensor) => T.sin(v), (v: Tensor) => T.square(v), x) },
  scan: { f: (x) => T.scan((c: Tensor, v: Tensor) => [T.tanh(T.add(c, v)), T.mul(c, v)] as const, T.zerosLike(T.sum(x)), x)[1] as Tensor },
  whileLoop: { f: (x) => T.whileLoop((c: Tensor) => T.greater(T.sum(T.square(c)), 1), (c: Tensor) => T.mul(c, 0.5), T.mul(x, 3)), reverse: false, webgpu: false },
  customJvpCall: { f: (x) => softplus(x) },
  customVjpCall: { f: (x) => scaledGrad(x), forward: false },
  customVjpLinear: { f: (x) => scaledGrad(x), forward: false, staged: (x) => T.makeJaxpr((v: Tensor) => T.jvp(scaledGrad, [v], [v])[1])(x) },
  checkpoint: { f: (x) => T.checkpoint((v: Tensor) => T.tanh(T.mul(T.sin(v), v)))(x) },
} satisfies { [P in HigherOrderPrim]: Sample };

const x = T.tensor([0.3, -0.7, 0.9], { dtype: 'float64' });
const ys = [x, T.tensor([-1.5, 0.2, 0.4], { dtype: 'float64' })];

describe('higher-order primitives: every table has every row', () => {
  it.each([
    ['abstract eval', higherOrderAbstractEval], ['eager impl', higherOrderImpl], ['jvp', higherOrderJvp], ['partial eval', higherOrderPartialEval],
    ['transpose', higherOrderTranspose], ['batching', higherOrderBatch], ['CPU lowering', cpuControl], ['WebGPU lowering', gpuControl], ['ONNX lowering', higherOrderRules],
  ] as const)('%s', (_name, table) => expect(Object.keys(table).sort()).toEqual([...HIGHER_ORDER_PRIMS].sort()));
});

const available = await webgpuOrWarn('higher-order coverage (WebGPU part)');

describe.each(HIGHER_ORDER_PRIMS)('%s', (prim) => {
  const s: Sample = SAMPLES[prim];
  it('is staged as one equation and runs eagerly and compiled (bit for bit), batched (vs a loop)', () => {
    expect(String((s.staged ?? T.makeJaxpr(s.f))(x))).toContain(`${prim}[`);
    expect(J.jitMatchesEager(s.f, [x])).toBe(true);
    expect(V.vmapMatchesLoop(s.f, ys.map((y) => [y]), { inAxes: [0] })).toBe(true);
  });
  it('differentiates where it supports it', () => {
    if (s.forward !== false) expect(G.jvpMatchesFiniteDifferences(s.f, [x], 3)).toBe(true);
    if (s.reverse !== false) {
      expect(J.jitCommutesWithGrad(s.f, [x])).toBe(true);
      if (s.forward !== false) expect(G.pushforwardPullbackDuality(s.f, [x], 3)).toBe(true);
    }
  });
  it.skipIf(!available)(s.webgpu === false ? 'is refused when compiled for WebGPU, with the reason' : 'compiled for WebGPU agrees with the CPU', async () => {
    const x32 = T.astype(x, 'float32');
    if (s.webgpu === false) {
      expect(() => T.jit(s.f)(toDevice(x32, 'webgpu'))).toThrow(whileOnWebGPUError);
      return;
    }
    const onGpu = T.jit(s.f)(toDevice(x32, 'webgpu'));
    expect(webgpuApprox.equals(await toDevice(onGpu, 'cpu'), T.jit(s.f)(x32))).toBe(true);
  });
});
