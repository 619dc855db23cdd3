/**
 * argsort on WebGPU: a bitonic sorting network over global memory, one dispatch per
 * compare-exchange stage (log2(N)(log2(N) + 1) / 2 stages for rows padded to N = 2^k), so any
 * row length works without workgroup-memory limits. The network sorts indices by the key
 * (value, index), a total order, so the unstable network yields the stable permutation the CPU
 * computes: NaN last (first when descending), -0 equal to +0, ties by index.
 */
import type { Aval } from '../../aval';
import { sizeOf, stridesOf } from '../../shape';
import { dispatch, ELEMENT_WG, input, output, perElement, type Binding, type DispatchStep, type Plan } from './plan';
import { storageType } from './wgsl';

/** A value as a u32 whose unsigned order is the sort order (NaN largest, -0 as +0). */
function keyFn(dtype: Aval['dtype']): string {
  if (dtype === 'int32') return `fn wl_key(v: i32) -> u32 { return bitcast<u32>(v) ^ 0x80000000u; }`;
  if (dtype === 'bool') return `fn wl_key(v: u32) -> u32 { return v; }`;
  return `fn wl_key(v: f32) -> u32 {
  if (wl_isnan(v)) { return 0xffffffffu; }
  let b = bitcast<u32>(select(v, 0.0, v == 0.0));
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}`;
}

export function argsortPlan(x: Aval, axis: number, descending: boolean): Plan {
  const n = x.shape[axis]!;
  const inner = stridesOf(x.shape)[axis]!;
  const rows = sizeOf(x.shape) / n;
  let padded = 1;
  while (padded < n) padded *= 2;
  const type = storageType(x.dtype);
  const t: Binding = { ref: 2, name: 't', type: 'u32', write: true };
  // Element a of row `row` (a < n) lives at ((row / inner) * n + a) * inner + row % inner.
  const at = (row: string, a: string) => `((${row} / ${inner}u) * ${n}u + ${a}) * ${inner}u + ${row} % ${inner}u`;
  const before = descending ? '>' : '<';
  const key = (a: string) => `wl_key(x[${at('row', a)}])`;
  const steps: DispatchStep[] = [];
  steps.push(perElement(rows * padded, [t], (e, i) => e.line(`t[${i}] = ${i} % ${padded}u;`)));
  const pairs = rows * (padded / 2);
  for (let k = 2; k <= padded; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      // Pair p of a row: its lower element i has bit j clear; i's bit k says the block's direction.
      // Padding (index >= n) sorts last; two real indices compare by (key, index).
      const body = `  let p = wid * ${ELEMENT_WG}u + lid;
  if (p >= ${pairs}u) { return; }
  let row = p / ${padded / 2}u;
  let q = p % ${padded / 2}u;
  let i = (q / ${j}u) * ${2 * j}u + q % ${j}u;
  let l = i + ${j}u;
  let ti = t[row * ${padded}u + i];
  let tl = t[row * ${padded}u + l];
  let up = (i & ${k}u) == 0u;
  var tlFirst = tl < ti;
  if (ti < ${n}u && tl < ${n}u) {
    let ki = ${key('ti')};
    let kl = ${key('tl')};
    tlFirst = kl ${before} ki || (kl == ki && tl < ti);
  } else if (ti < ${n}u || tl < ${n}u) {
    tlFirst = tl < ${n}u;
  }
  if (tlFirst == up) {
    t[row * ${padded}u + i] = tl;
    t[row * ${padded}u + l] = ti;
  }`;
      steps.push(dispatch([input(0, type, 'x'), t], Math.ceil(pairs / ELEMENT_WG), ELEMENT_WG, body, keyFn(x.dtype)));
    }
  }
  steps.push(perElement(rows * n, [t, output(1, 'i32')], (e, i) => {
    const o = e.let(`${i} / ${n * inner}u`, 'o');
    const a = e.let(`(${i} / ${inner}u) % ${n}u`, 'a');
    const r = e.let(`${i} % ${inner}u`, 'r');
    e.line(`y[${i}] = i32(t[(${o} * ${inner}u + ${r}) * ${padded}u + ${a}]);`);
  }));
  return { steps, temps: [rows * padded * 4] };
}
