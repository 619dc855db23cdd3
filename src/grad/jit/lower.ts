/**
 * Lowering for a device: splice nested calls in, fuse the optimized jaxpr (the same steps for
 * every device) and hand them, with the shared buffer planner, to the backend of that device,
 * which owns its code generation (src/tensor/backend/<device>/). Control flow's sub-programs
 * (cond branches, scan and while bodies) are prepared the same way when the backend asks.
 */
import { getBackend, type ClosedJaxpr, type Device, type Executable, type Jaxpr, type LoweringInput, type Tensor } from '../../tensor';
import { fuse } from './fusion';
import { inlineCalls } from './inline';
import { deadCodeElimination, foldConstants } from './passes';
import { planBuffers } from './plan';

/** A program ready for a backend's lowering. */
export function prepareProgram(jaxpr: Jaxpr, consts: readonly Tensor[], donate?: readonly boolean[]): LoweringInput {
  // Spliced-in programs may now read literals of their caller: fold what became constant.
  const p = deadCodeElimination(foldConstants(inlineCalls(jaxpr, consts)));
  return {
    jaxpr: p.jaxpr,
    consts: p.consts,
    steps: fuse(p.jaxpr),
    donate: donate ?? p.jaxpr.invars.map(() => false),
    planBuffers,
    prepare: (sub: ClosedJaxpr) => prepareProgram(sub.jaxpr, sub.consts),
  };
}

/**
 * Compile `jaxpr` (its constvars bound to `consts`) for `device`.
 * @example const exe = lowerFor('webgpu', jaxpr, consts); const outs = exe.run(args);
 */
export function lowerFor(device: Device, jaxpr: Jaxpr, consts: readonly Tensor[], options: { donate?: readonly boolean[] } = {}): Executable {
  const { lower } = getBackend(device);
  if (!lower) throw new Error(`jit: the ${device} backend cannot compile programs`);
  return lower(prepareProgram(jaxpr, consts, options.donate));
}
