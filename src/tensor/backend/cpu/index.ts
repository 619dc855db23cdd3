/**
 * The CPU backend: one row per primitive, each a typed-array kernel. Results are freshly
 * allocated arrays that the new tensor owns; inputs are never written.
 */
import { fromStorage, registerBackend, type Backend, type Tensor } from '../../core';
import { arrayFor, type TypedArray } from '../../dtype';
import type { Aval } from '../../aval';
import { BINARY, COMPARE, REDUCE, UNARY, type Prim, type PrimParams } from '../../primitives';
import { sizeOf } from '../../shape';
import { binaryFns, compareFns, mapBinary, mapUnary, unaryFns } from './elementwise';
import { matmulKernel } from './matmul';
import { broadcastKernel, concatenateKernel, flipKernel, padKernel, sliceKernel, transposeKernel } from './movement';
import { argKernel, cumsumKernel, reduceKernel } from './reduce';
import { gatherKernel, scatterAddKernel } from './indexing';
import { patchesKernel, patchesTransposeKernel } from './patches';
import { randomBitsKernel } from './threefry';

/** A kernel reads its inputs' `shape` and `_storage` and writes the preallocated result `y`. */
export type Kernel<P extends Prim> = (xs: readonly Pick<Tensor, 'shape' | 'dtype' | '_storage'>[], params: PrimParams[P], out: Aval, y: TypedArray) => void;

const d = (t: Pick<Tensor, '_storage'>): TypedArray => t._storage as TypedArray;

const kernels: Partial<{ [P in Prim]: Kernel<P> }> = {
  where: ([c, x, y], _, __, out) => {
    const cd = d(c!), xd = d(x!), yd = d(y!);
    for (let i = 0; i < out.length; i++) out[i] = cd[i] ? xd[i]! : yd[i]!;
  },
  cast: ([x], { dtype }, __, out) => {
    const xd = d(x!);
    if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = xd[i] ? 1 : 0;
    // float -> int truncates toward zero, like numpy's astype.
    else if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(xd[i]!);
    else out.set(xd);
  },
  argmax: ([x], { axis }, _, out) => argKernel(true, d(x!), x!.shape, axis, out),
  argmin: ([x], { axis }, _, out) => argKernel(false, d(x!), x!.shape, axis, out),
  cumsum: ([x], { axis, reverse }, _, out) => cumsumKernel(d(x!), x!.shape, axis, reverse, out),
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
  shiftRightLogical: ([x], { shift }, _, out) => {
    const xd = d(x!);
    for (let i = 0; i < out.length; i++) out[i] = xd[i]! >>> shift;
  },
  randomBits: ([key], p, _, out) => randomBitsKernel(d(key!) as Int32Array, sizeOf(p.shape), p.offset, out as Int32Array),
};
for (const p of UNARY) kernels[p] = ([x], _, __, out) => mapUnary(unaryFns[p], d(x!), out);
for (const p of BINARY) kernels[p] = ([a, b], _, __, out) => mapBinary(binaryFns[p], d(a!), d(b!), out);
for (const p of COMPARE) kernels[p] = ([a, b], _, __, out) => mapBinary(compareFns[p], d(a!), d(b!), out);
for (const p of REDUCE) kernels[p] = ([x], { axes }, _, out) => reduceKernel(p, d(x!), x!.shape, axes, out);

/** The kernel table, also used by jit's CPU lowering to run unfused primitives into planned buffers. */
export const cpuKernels = kernels as { [P in Prim]: Kernel<P> };
const table = cpuKernels;

export const cpuBackend: Backend = {
  name: 'cpu',
  run(prim, inputs, params, out) {
    const y = arrayFor(out.dtype, sizeOf(out.shape));
    (table[prim] as Kernel<Prim>)(inputs, params, out, y);
    return fromStorage(out.shape, out.dtype, y);
  },
};

registerBackend(cpuBackend);
