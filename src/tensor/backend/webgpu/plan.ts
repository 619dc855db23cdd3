/**
 * Kernel plans: what a primitive (or a fused cluster) runs, independent of which buffers it runs
 * on. Refs index a buffer list given when the plan is encoded: for a primitive's plan, inputs
 * first, then the output, then the plan's temporaries. Eager mode encodes one plan per op; jit
 * encodes all of a program's plans into one command encoder over its planned buffers.
 */
import { Emit, gridFor, shader, type BindingDecl, type StorageType } from './wgsl';
import { deviceGeneration, gpu } from './device';
import { pipelineCache } from './caches';
import { sizeOf, stridesOf, unreachable, type Shape } from '../../shape';

export interface DispatchStep {
  readonly kind: 'dispatch';
  readonly code: string;
  readonly refs: readonly number[];
  readonly workgroups: number;
}

export interface CopyStep {
  readonly kind: 'copy';
  readonly src: number;
  readonly dst: number;
  readonly bytes: number;
}

export type Step = DispatchStep | CopyStep;

export interface Plan {
  readonly steps: readonly Step[];
  /** Byte sizes of scratch buffers the plan needs (refs after the output). */
  readonly temps: readonly number[];
}

export interface Binding extends BindingDecl {
  readonly ref: number;
}

export const ELEMENT_WG = 64;

/** A dispatch from a shader body; bindings the body never touches are left out. */
export function dispatch(bindings: readonly Binding[], workgroups: number, wgSize: number, body: string, decls?: string): DispatchStep {
  const { code, used } = shader({ bindings, workgroups, wgSize, body, decls });
  return { kind: 'dispatch', code, refs: used.map((i) => bindings[i]!.ref), workgroups };
}

/** One invocation per element i < n; `body` writes the element (it sees `i: u32`). */
export function perElement(n: number, bindings: readonly Binding[], body: (e: Emit, i: string) => void, decls?: string): DispatchStep {
  const e = new Emit();
  body(e, 'i');
  const head = `  let i = wid * ${ELEMENT_WG}u + lid;\n  if (i >= ${n}u) { return; }\n`;
  return dispatch(bindings, Math.ceil(n / ELEMENT_WG), ELEMENT_WG, head + e.code(), decls);
}

export function input(ref: number, type: StorageType, name = `x${ref}`): Binding {
  return { ref, name, type, write: false };
}

export function output(ref: number, type: StorageType, name = 'y'): Binding {
  return { ref, name, type, write: true };
}

// ---------------------------------------------------------------------------------------------
// Index arithmetic (u32)

/** Per-axis coordinates of flat index `idx` in a row-major `shape`. */
export function unravel(e: Emit, idx: string, shape: Shape): string[] {
  const strides = stridesOf(shape);
  return shape.map((d, k) => {
    if (d === 1) return '0u';
    const q = strides[k] === 1 ? idx : `(${idx} / ${strides[k]}u)`;
    return k === 0 ? e.let(q, 'c') : e.let(`${q} % ${d}u`, 'c');
  });
}

/** sum_k coords[k] * strides[k] (+ base), skipping zero terms. */
export function dotIndex(coords: readonly string[], strides: readonly number[], base = 0): string {
  const terms = coords.flatMap((c, k) => (strides[k] === 0 || c === '0u' ? [] : [strides[k] === 1 ? c : `${c} * ${strides[k]}u`]));
  if (base !== 0) terms.push(`${base}u`);
  return terms.length === 0 ? '0u' : terms.join(' + ');
}

/** Movement primitives whose output element i reads one input element (an index map). */
export type IndexMapPrim = 'broadcast' | 'transpose' | 'slice' | 'flip';

/**
 * The input flat index read by output element `idx` of a movement primitive that maps indices.
 * Returns a name bound in `e`.
 */
export function sourceIndex(e: Emit, prim: IndexMapPrim, params: any, inShape: Shape, outShape: Shape, idx: string): string {
  if (sizeOf(inShape) <= 1) return '0u';
  const s = stridesOf(inShape);
  const c = unravel(e, idx, outShape);
  switch (prim) {
    case 'broadcast':
      return e.let(dotIndex(c, inShape.map((d, k) => (d === 1 ? 0 : s[k]!))), 's');
    case 'transpose':
      return e.let(dotIndex(c, (params.perm as number[]).map((a) => s[a]!)), 's');
    case 'slice': {
      const base = (params.starts as number[]).reduce((acc, st, k) => acc + st * s[k]!, 0);
      return e.let(dotIndex(c, s.map((st, k) => st * params.strides[k]), base), 's');
    }
    case 'flip': {
      const axes = params.axes as number[];
      const cs = c.map((ck, k) => (axes.includes(k) && inShape[k]! > 1 ? `(${inShape[k]! - 1}u - ${ck})` : ck));
      return e.let(dotIndex(cs, s), 's');
    }
    default:
      return unreachable(prim);
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Pipelines are cached by shader text (per device, bounded): equal kernels compile once. */
export function pipelineFor(code: string): GPUComputePipeline {
  const { device } = gpu();
  const cache = pipelineCache(deviceGeneration());
  let p = cache.get(code);
  if (!p) {
    const module = device.createShaderModule({ code });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(code, p);
  }
  return p;
}

/**
 * Where the workgroup counts of indirect dispatches are read: `next()` gives the byte offset of
 * the next dispatch's [x, y, z] in `buffer` (a cond's branches dispatch this way, with counts a
 * kernel zeroes for the untaken branches).
 */
export interface IndirectCounts {
  readonly buffer: GPUBuffer;
  next(): number;
}

/** The (x, y) grid of every dispatch `steps` encode, in order (copies make it undefined: they cannot be skipped). */
export function dispatchGrids(steps: readonly Step[]): [number, number][] | undefined {
  if (steps.some((s) => s.kind === 'copy')) return undefined;
  return steps.flatMap((s) => (s.kind === 'dispatch' && s.workgroups > 0 ? [gridFor(s.workgroups)] : []));
}

/** Encode `steps` over `buffers` (consecutive dispatches share one compute pass). */
export function encodeSteps(encoder: GPUCommandEncoder, steps: readonly Step[], buffers: readonly GPUBuffer[], indirect?: IndirectCounts): void {
  const { device } = gpu();
  let pass: GPUComputePassEncoder | null = null;
  for (const step of steps) {
    if (step.kind === 'copy') {
      if (indirect) throw new Error('internal: a copy in an indirectly dispatched program');
      pass?.end();
      pass = null;
      if (step.bytes > 0) encoder.copyBufferToBuffer(buffers[step.src]!, 0, buffers[step.dst]!, 0, step.bytes);
      continue;
    }
    if (step.workgroups === 0) continue;
    const pipeline = pipelineFor(step.code);
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: step.refs.map((r, binding) => ({ binding, resource: { buffer: buffers[r]! } })),
    });
    pass ??= encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    if (indirect) pass.dispatchWorkgroupsIndirect(indirect.buffer, indirect.next());
    else {
      const [x, y] = gridFor(step.workgroups);
      pass.dispatchWorkgroups(x, y);
    }
  }
  pass?.end();
}
