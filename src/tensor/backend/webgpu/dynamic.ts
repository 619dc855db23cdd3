/**
 * dynamicSlice and dynamicUpdateSlice on WebGPU: the start operands are one-element i32 buffers,
 * read and clamped in the kernel exactly as the CPU's clampStart does.
 */
import type { Aval } from '../../aval';
import { sizeOf, stridesOf } from '../../shape';
import { dotIndex, input, output, perElement, unravel, type Plan } from './plan';
import { Emit, storageType } from './wgsl';

/** The clamped start of axis k (a name bound in `e`), read from buffer `s{k}`. */
function clampedStart(e: Emit, k: number, dim: number, size: number): string {
  const raw = e.let(`s${k}[0]`, 'r');
  return e.let(`u32(clamp(select(${raw}, ${raw} + ${dim}i, ${raw} < 0i), 0i, ${dim - size}i))`, 'st');
}

export function dynamicSlicePlan([x, ...starts]: readonly Aval[], sizes: readonly number[], out: Aval): Plan {
  const type = storageType(x!.dtype);
  const xs = stridesOf(x!.shape);
  const bindings = [input(0, type, 'x'), ...starts.map((_, k) => input(k + 1, 'i32', `s${k}`)), output(starts.length + 1, type)];
  const step = perElement(sizeOf(out.shape), bindings, (e, i) => {
    const c = unravel(e, i, out.shape);
    const at = c.map((ck, k) => `(${clampedStart(e, k, x!.shape[k]!, sizes[k]!)} + ${ck})`);
    e.line(`y[${i}] = x[${dotIndex(at, xs)}];`);
  });
  return { steps: [step], temps: [] };
}

export function dynamicUpdateSlicePlan([x, u, ...starts]: readonly Aval[], out: Aval): Plan {
  const type = storageType(x!.dtype);
  const us = stridesOf(u!.shape);
  const bindings = [input(0, type, 'x'), input(1, type, 'u'), ...starts.map((_, k) => input(k + 2, 'i32', `s${k}`)), output(starts.length + 2, type)];
  const step = perElement(sizeOf(out.shape), bindings, (e, i) => {
    const c = unravel(e, i, out.shape);
    const st = c.map((_, k) => clampedStart(e, k, x!.shape[k]!, u!.shape[k]!));
    const inside = c.map((ck, k) => `${ck} >= ${st[k]} && ${ck} < ${st[k]} + ${u!.shape[k]}u`);
    e.line(`var v = x[${i}];`);
    if (sizeOf(u!.shape) > 0) e.line(`if (${inside.length ? inside.join(' && ') : 'true'}) { v = u[${dotIndex(c.map((ck, k) => `(${ck} - ${st[k]})`), us)}]; }`);
    e.line(`y[${i}] = v;`);
  });
  return { steps: [step], temps: [] };
}
