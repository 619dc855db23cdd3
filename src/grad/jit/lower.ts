/**
 * Lowering for a device: fuse the optimized jaxpr (the same steps for every device) and hand
 * them, with the shared buffer planner, to the backend of that device, which owns its code
 * generation (src/tensor/backend/<device>/).
 */
import { getBackend, type Device, type Executable, type Jaxpr, type Tensor } from '../../tensor';
import { fuse } from './fusion';
import { planBuffers } from './plan';

/**
 * Compile `jaxpr` (its constvars bound to `consts`) for `device`.
 * @example const exe = lowerFor('webgpu', jaxpr, consts); const outs = exe.run(args);
 */
export function lowerFor(device: Device, jaxpr: Jaxpr, consts: readonly Tensor[], options: { donate?: readonly boolean[] } = {}): Executable {
  const { lower } = getBackend(device);
  if (!lower) throw new Error(`jit: the ${device} backend cannot compile programs`);
  const donate = options.donate ?? jaxpr.invars.map(() => false);
  return lower({ jaxpr, consts, steps: fuse(jaxpr), donate, planBuffers });
}
