/**
 * Running a jit call: the compiled program for the arguments' device (compiled on first use and
 * kept on the closed jaxpr, per device and donation pattern), with donated arguments marked
 * invalid afterwards. This is jitCall's eager implementation.
 */
import { debugNansEnabled, evalClosed, markDonated, type ClosedJaxpr, type Device, type Executable, type JitCallParams, type Tensor } from '../../tensor';
import { lowerFor } from './lower';
import { afterJitCall } from '../../tensor/backend/cpu/pool';

/** The donation pattern as key text, memoized per array (a jitted function passes the same one every call). */
const donationKeys = new WeakMap<readonly boolean[], string>();
function donationKey(donate: readonly boolean[]): string {
  let key = donationKeys.get(donate);
  if (key === undefined) donationKeys.set(donate, (key = donate.map((d) => (d ? 1 : 0)).join('')));
  return key;
}

/** The compiled program of `closed` for the arguments' device (compiled on first use). */
export function executableFor(closed: ClosedJaxpr, args: readonly Tensor[], donate: readonly boolean[], name: string): Executable {
  const device: Device = args.length > 0 ? args[0]!.device : 'cpu';
  for (const a of args) if (a.device !== device) throw new Error(`jit(${name}): arguments live on different devices (${device} and ${a.device}); move them with toDevice first`);
  const key = `${device}:${donationKey(donate)}`;
  let exe = closed.executables.get(key);
  if (!exe) {
    exe = lowerFor(device, closed.jaxpr, closed.consts, { donate });
    closed.executables.set(key, exe);
  }
  return exe;
}

/** Run a jit call on concrete arguments (primitive by primitive in NaN-debug mode, which checks each one). */
export function runJitCall(args: readonly Tensor[], p: JitCallParams): Tensor[] {
  if (debugNansEnabled()) return evalClosed(p.jaxpr, args);
  const outs = executableFor(p.jaxpr, args, p.donate, p.name).run(args);
  if (p._counters) p._counters.executions++;
  // Donated arguments are invalid from now on (an output may own their storage); an argument
  // returned unchanged as an output stays valid, since it is that output.
  // Storage that donated arguments leave behind goes back to the CPU pool; outputs own theirs.
  afterJitCall(args, p.donate, outs);
  if (p.donate.some(Boolean)) {
    const returned = new Set(outs);
    args.forEach((a, i) => {
      if (p.donate[i] && !returned.has(a)) markDonated(a, `jit(${p.name})`);
    });
  }
  return outs;
}
