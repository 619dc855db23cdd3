/**
 * Eager elementwise primitives over large float32 arrays (and bool masks), run as one-equation
 * Wasm SIMD kernels made by jit's fused-cluster code generator (./jit/wasm.ts). That generator
 * computes the same bits as the JS loop (correctly rounded IEEE single operations, no flushing;
 * see there), so eager results do not change. A mul of two [784, 64] arrays took 37-67 µs in the
 * JS loop and 12.5 µs in Wasm, copies in and out included; an eager Adam step makes about thirty
 * such calls per weight matrix.
 *
 * A kernel is specialized to its length, so it is compiled the second time a (primitive, params,
 * dtypes, length) comes by: a size seen once costs no compilation. Kernels stay in an LRU of
 * EAGER_WASM_CACHE entries.
 */
import type { Aval } from '../../aval';
import { Var, type Eqn } from '../../jaxpr';
import type { Cluster } from '../../program';
import type { CpuArray } from '../../userPrimitives';
import type { FusedKernel } from './jit/js';
import { compileClusterWasm } from './jit/wasm';

/** Below this many elements the JS loop is used (the copies into Wasm memory do not pay). */
export const EAGER_WASM_MIN = 16384;
/** Kernels (and sizes seen once) remembered. */
export const EAGER_WASM_CACHE = 64;

/** By key: null when seen once, false when the Wasm generator does not take it, else the kernel. */
const kernels = new Map<string, FusedKernel | null | false>();

function remember(key: string, k: FusedKernel | null | false): void {
  kernels.delete(key);
  kernels.set(key, k);
  if (kernels.size > EAGER_WASM_CACHE) kernels.delete(kernels.keys().next().value!);
}

/** One equation over flat arrays of `n` elements, every operand read contiguously. */
function compile(prim: string, xs: readonly CpuArray[], params: object, out: Aval, n: number): FusedKernel | false {
  const ins = xs.map((x) => new Var({ shape: [n], dtype: x.dtype }));
  const result = new Var({ shape: [n], dtype: out.dtype });
  const eqn: Eqn = { prim, inputs: ins, params, outs: [result] };
  const cluster: Cluster = {
    shape: [n],
    eqns: [eqn],
    inputs: ins.map((atom) => ({ atom, strides: [1] })),
    outputs: [result],
    reads: new Map(ins.map((v, i) => [v, i])),
  };
  return compileClusterWasm(cluster) ?? false;
}

/**
 * The Wasm kernel for an elementwise primitive on operands of `n` elements each (n at least
 * EAGER_WASM_MIN), called as kernel(inputs, [output]); undefined: use the JS loop.
 */
export function eagerWasmKernel(prim: string, xs: readonly CpuArray[], params: object, out: Aval, n: number): FusedKernel | undefined {
  let key = `${prim}|${out.dtype}|${n}|${JSON.stringify(params)}`;
  for (const x of xs) key += `|${x.dtype}`;
  const k = kernels.get(key);
  if (k === undefined) {
    remember(key, null);
    return undefined;
  }
  const kernel = k === null ? compile(prim, xs, params, out, n) : k;
  remember(key, kernel);
  return kernel || undefined;
}

/** How many kernels and once-seen sizes are remembered now (for tests). */
export function eagerWasmCacheSize(): number {
  return kernels.size;
}
