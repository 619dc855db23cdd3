/**
 * The CPU kernels: one row per primitive, each a typed-array kernel (a total table: a primitive
 * without its kernel is a compile error here). A kernel writes a preallocated result and never
 * its inputs. User primitives (tensorlaw/extend) run their own kernel.
 */
import type { TypedArray } from '../../dtype';
import type { Aval } from '../../aval';
import { ELEMENTWISE, isPrim, REDUCE, rowsFor, type ElementwisePrim, type Prim, type PrimParams, type ReducePrim } from '../../primitives';
import { userPrimitive, type CpuArray } from '../../userPrimitives';
import { sizeOf } from '../../shape';
import { EAGER_WASM_MIN, eagerWasmKernel } from './eagerWasm';
import { elementwiseLoop } from './elementwise';
import { matmulKernel } from './matmul';
import { broadcastKernel, concatenateKernel, flipKernel, padKernel, sliceKernel, transposeKernel } from './movement';
import { argKernel, cumsumKernel, reduceKernel } from './reduce';
import { gatherKernel, scatterAddKernel } from './indexing';
import { patchesKernel, patchesTransposeKernel } from './patches';
import { randomBitsKernel } from './threefry';
import { choleskyKernel, luKernel, qrKernel, triangularSolveKernel } from './linalg/factor';
import { eighKernel, svdKernel } from './linalg/spectral';
import { argsortKernel } from './sort';
import { dynamicSliceKernel, dynamicUpdateSliceKernel } from './dynamic';

/** A kernel reads its inputs' `data` (with their shape and dtype) and writes the preallocated result `y`. */
export type Kernel<P extends Prim> = (xs: readonly CpuArray[], params: PrimParams[P], out: Aval, y: TypedArray) => void;

const d = (t: CpuArray): TypedArray => t.data;

/** Every elementwise primitive: its loop generated from the expression table; Wasm SIMD for large float32 arrays (./eagerWasm.ts). */
const elementwise = (prim: ElementwisePrim): Kernel<any> => (xs, params, o, out) => {
  const wasm = out.length >= EAGER_WASM_MIN ? eagerWasmKernel(prim, xs, params, o, out.length) : undefined;
  if (wasm) return wasm(xs.map(d), [out]);
  const x = xs[xs.length - 1]!; // where's dtype is its operands', not its condition's
  elementwiseLoop(prim, xs.length, x.dtype, o.dtype, params)(xs[0] && d(xs[0]), xs[1] && d(xs[1]), xs[2] && d(xs[2]), out);
};

/** The kernel table, also used by jit's CPU lowering to run unfused primitives into planned buffers. */
export const cpuKernels = {
  ...rowsFor(ELEMENTWISE, elementwise),
  ...rowsFor(REDUCE, (p): Kernel<ReducePrim> => ([x], { axes }, _, out) => reduceKernel(p, d(x!), x!.shape, axes, out)),
  argmax: ([x], { axis }, _, out) => argKernel(true, d(x!), x!.shape, axis, out),
  argmin: ([x], { axis }, _, out) => argKernel(false, d(x!), x!.shape, axis, out),
  cumsum: ([x], { axis, reverse }, _, out) => cumsumKernel(d(x!), x!.shape, axis, reverse, out),
  argsort: ([x], { axis, descending }, _, out) => argsortKernel(d(x!), x!.shape, axis, descending, out),
  dynamicSlice: ([x, ...starts], { sizes }, _, out) => dynamicSliceKernel(d(x!), x!.shape, starts.map(d), sizes, out),
  dynamicUpdateSlice: ([x, u, ...starts], _, __, out) => dynamicUpdateSliceKernel(d(x!), x!.shape, d(u!), u!.shape, starts.map(d), out),
  reshape: ([x], _, __, out) => out.set(d(x!)),
  broadcast: ([x], p, _, out) => broadcastKernel(d(x!), x!.shape, p, out),
  transpose: ([x], p, _, out) => transposeKernel(d(x!), x!.shape, p, out),
  slice: ([x], p, o, out) => sliceKernel(d(x!), x!.shape, p, o.shape, out),
  flip: ([x], p, _, out) => flipKernel(d(x!), x!.shape, p, out),
  pad: ([x], p, o, out) => padKernel(d(x!), x!.shape, p, o.shape, out),
  concatenate: (xs, p, o, out) => concatenateKernel(xs.map((x) => ({ data: d(x), shape: x.shape })), p, o.shape, out),
  dot: ([a, b], _, o, out) => {
    const r = o.shape.length;
    const m = o.shape[r - 2]!, n = o.shape[r - 1]!, k = a!.shape[r - 1]!;
    matmulKernel(d(a!), d(b!), sizeOf(o.shape.slice(0, -2)), m, k, n, out);
  },
  gather: ([x, idx], { axis }, _, out) => gatherKernel(d(x!), x!.shape, d(idx!), idx!.shape, axis, out),
  scatterAdd: ([base, idx, upd], { axis }, _, out) => scatterAddKernel(d(base!), base!.shape, d(idx!), idx!.shape, d(upd!), axis, out),
  patches: ([x], p, o, out) => patchesKernel(d(x!), x!.shape, p, o.shape, out),
  patchesTranspose: ([x], p, o, out) => patchesTransposeKernel(d(x!), x!.shape, p, o.shape, out),
  randomBits: ([key], p, _, out) => randomBitsKernel(d(key!) as Int32Array, sizeOf(p.shape), p.offset, out as Int32Array),
  cholesky: ([x], _, __, out) => choleskyKernel(d(x!), x!.shape, out),
  triangularSolve: ([a, b], p, _, out) => triangularSolveKernel(d(a!), a!.shape, d(b!), b!.shape, p, out),
  lu: ([x], _, __, out) => luKernel(d(x!), x!.shape, out),
  qr: ([x], { full }, _, out) => qrKernel(d(x!), x!.shape, full, out),
  eigh: ([x], _, __, out) => eighKernel(d(x!), x!.shape, out),
  svd: ([x], { computeUv }, _, out) => svdKernel(d(x!), x!.shape, computeUv, out),
} satisfies { [P in Prim]: Kernel<P> };

/** The kernel of a built-in or user-defined primitive. */
export function cpuKernel(prim: string): Kernel<any> {
  if (isPrim(prim)) return cpuKernels[prim] as Kernel<any>;
  const user = userPrimitive(prim, 'CPU kernel');
  return (xs, params, out, y) => user.cpu(xs, params, { data: y, shape: out.shape, dtype: out.dtype });
}
