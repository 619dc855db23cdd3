/**
 * Laws of the WebGPU backend as predicates over concrete values. They are asynchronous because
 * reading GPU data is. The fast-check runners live in test/webgpu.test.ts and
 * test/webgpu.jit.test.ts; the same predicates check a custom kernel or another device.
 */
import { evalPrimitive, type Tensor } from '../src/tensor';
import { evalJaxpr, type Jaxpr } from '../src/grad';
import { liveBufferCount, toDevice } from '../src/tensor/backend/webgpu';
import { lowerFor } from '../src/grad/jit/lower';
import { allClose } from './tensor';

const precise = (t: Tensor): Tensor => (t.dtype === 'float32' ? evalPrimitive('cast', [t], { dtype: 'float64' })[0]! : t);

/**
 * A primitive on WebGPU agrees with the float64 CPU reference on the same (float32) inputs,
 * within float32 tolerance: the CPU kernels define every primitive's semantics.
 * @example await webgpuAgreesWithCpu('tanh', [tensor([0.5, -2])], {})
 */
export async function webgpuAgreesWithCpu(prim: string, inputs: readonly Tensor[], params: unknown, rtol = 2e-5, atol = 1e-6): Promise<boolean> {
  const expected = evalPrimitive(prim, inputs.map(precise), params)[0]!;
  const actual = evalPrimitive(prim, inputs.map((x) => toDevice(x, 'webgpu')), params)[0]!;
  const back = await toDevice(actual, 'cpu');
  return back.dtype === (expected.dtype === 'float64' ? 'float32' : expected.dtype) && allClose(precise(back), expected, rtol, atol);
}

/**
 * Compiling for WebGPU preserves meaning: the lowered program's outputs equal evalJaxpr's on
 * the CPU (within float32 tolerance).
 * @example await loweringPreservesMeaning(makeJaxpr(f)(x), [], [x])
 */
export async function loweringPreservesMeaning(jaxpr: Jaxpr, consts: readonly Tensor[], args: readonly Tensor[], rtol = 2e-5, atol = 2e-5): Promise<boolean> {
  const expected = evalJaxpr(jaxpr, [...consts, ...args]);
  const exe = lowerFor('webgpu', jaxpr, consts);
  const actual = exe.run(args.map((x) => toDevice(x, 'webgpu')));
  const results = await Promise.all(actual.map((t) => toDevice(t, 'cpu')));
  exe.dispose?.();
  return results.every((t, i) => allClose(precise(t), precise(expected[i]!), rtol, atol));
}

/**
 * Buffer planning: after a first call, `calls` more calls of `step` (which must release or
 * donate what it does not return) leave the number of live GPU buffers unchanged.
 */
export function repeatedCallsAllocateNothing(step: () => void, calls: number): boolean {
  step();
  const before = liveBufferCount();
  for (let i = 0; i < calls; i++) step();
  return liveBufferCount() === before;
}
