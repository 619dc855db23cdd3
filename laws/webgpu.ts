/**
 * Laws of the WebGPU backend as predicates over concrete values, returning `true` or the reason.
 * They are asynchronous because reading GPU data is. The fast-check runners live in
 * test/webgpu.test.ts and test/webgpu.jit.test.ts; the same predicates check a custom kernel or
 * another device.
 */
import { dispose, evalPrimitive, liveBufferCount, toDevice, type Tensor } from '../src/tensor';
import { evalJaxpr, type Jaxpr } from '../src/grad';
import { lowerFor } from '../src/grad/jit/lower';
import { approx, type Approx } from './approx';
import { check, labelled, type LawResult } from './result';

/**
 * WebGPU computes in float32 against the float64 CPU reference: float32 results to 2e-5 relative
 * and 1e-6 absolute (integers and bools exactly).
 */
export const webgpuApprox: Approx = approx({ ignoreDtype: true, float32: { rtol: 2e-5, atol: 1e-6 } });

const precise = (t: Tensor): Tensor => (t.dtype === 'float32' ? evalPrimitive('cast', [t], { dtype: 'float64' })[0]! : t);

/**
 * A primitive on WebGPU agrees with the float64 CPU reference on the same (float32) inputs,
 * within `tol`: the CPU kernels define every primitive's semantics. The result stays on the
 * device, has the reference's shape and dtype (float32 for float64), and its values agree.
 * Every buffer the law creates is released.
 * @example await webgpuAgreesWithCpu('tanh', [tensor([0.5, -2])], {})
 */
export async function webgpuAgreesWithCpu(prim: string, inputs: readonly Tensor[], params: unknown, tol: Approx = webgpuApprox): Promise<LawResult> {
  const expected = evalPrimitive(prim, inputs.map(precise), params)[0]!;
  const onGpu = inputs.map((x) => toDevice(x, 'webgpu'));
  const actual = evalPrimitive(prim, onGpu, params)[0]!;
  const device = actual.device;
  const back = device === 'webgpu' ? await toDevice(actual, 'cpu') : actual;
  [...onGpu, actual].forEach(dispose);
  const dtype = expected.dtype === 'float64' ? 'float32' : expected.dtype;
  const what = `${prim}(${inputs.map((x) => `${x.dtype}[${x.shape}]`).join(', ')}) on WebGPU`;
  if (device !== 'webgpu') return `${what}: the result is on ${device}`;
  if (back.dtype !== dtype) return `${what}: a ${back.dtype} result, expected ${dtype}`;
  return labelled(`${what} vs the float64 CPU reference`, tol.equals(back, expected));
}

/** Lowered programs against evalJaxpr on the CPU: float32 to 2e-5, relative and absolute. */
export const loweringApprox: Approx = webgpuApprox.with({ atol: 2e-5 });

/**
 * Compiling for WebGPU preserves meaning: the lowered program's outputs equal evalJaxpr's on
 * the CPU within `tol`.
 * @example await loweringPreservesMeaning(makeJaxpr(f)(x), [], [x])
 */
export async function loweringPreservesMeaning(jaxpr: Jaxpr, consts: readonly Tensor[], args: readonly Tensor[], tol: Approx = loweringApprox): Promise<LawResult> {
  const expected = evalJaxpr(jaxpr, [...consts, ...args]);
  const exe = lowerFor('webgpu', jaxpr, consts);
  const onGpu = args.map((x) => toDevice(x, 'webgpu'));
  const actual = exe.run(onGpu);
  const results = await Promise.all(actual.map((t) => toDevice(t, 'cpu')));
  [...actual, ...onGpu].forEach(dispose);
  exe.dispose?.();
  return labelled('outputs of the WebGPU lowering vs evalJaxpr on the CPU', tol.equals(results, expected));
}

/**
 * Buffer planning: after a first call, `calls` more calls of `step` (which must release or
 * donate what it does not return) leave the number of live GPU buffers unchanged.
 */
export function repeatedCallsAllocateNothing(step: () => void, calls: number): LawResult {
  step();
  const before = liveBufferCount();
  for (let i = 0; i < calls; i++) step();
  const after = liveBufferCount();
  return check(after === before, () => `${calls} calls changed the live GPU buffers from ${before} to ${after}`);
}
