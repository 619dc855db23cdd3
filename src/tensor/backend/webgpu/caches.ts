/**
 * The WebGPU backend's global caches, both bounded (least recently used entries go first):
 * compute pipelines by shader text (GPU objects of one device: the cache empties when the device
 * changes) and kernel plans by primitive, operand avals and params (device-independent WGSL).
 * A jitted program asks the pipeline cache for its kernels on every call, so the pipeline limit
 * should exceed the kernels of the largest program in use, or that program recompiles them.
 */
import { LruCache } from '../../lru';
import { checkNumber, checkOptions } from '../../validate';
import type { Plan } from './plan';
import { emptyPool } from './memory';

export interface WebGPUCacheLimits {
  /** Compute pipelines kept (default 1024). */
  readonly pipelines?: number;
  /** Kernel plans kept (default 4096). */
  readonly plans?: number;
}

export const DEFAULT_CACHE_LIMITS = { pipelines: 1024, plans: 4096 } as const;

const pipelines = new LruCache<string, GPUComputePipeline>(DEFAULT_CACHE_LIMITS.pipelines);
let pipelineGeneration = -1;
export const planCache = new LruCache<string, Plan>(DEFAULT_CACHE_LIMITS.plans);

/** The pipeline cache of device generation `generation` (emptied when the device changed). */
export function pipelineCache(generation: number): LruCache<string, GPUComputePipeline> {
  if (generation !== pipelineGeneration) {
    pipelines.clear();
    pipelineGeneration = generation;
  }
  return pipelines;
}

/**
 * Bound the WebGPU caches (defaults: 1024 pipelines, 4096 plans); shrinking evicts at once.
 * @example setWebGPUCacheLimits({ pipelines: 256 });
 */
export function setWebGPUCacheLimits(limits: WebGPUCacheLimits): void {
  const { pipelines: p, plans } = checkOptions('setWebGPUCacheLimits', limits, ['pipelines', 'plans']);
  if (p !== undefined) pipelines.resize(checkNumber('setWebGPUCacheLimits', 'pipelines', p, { integer: true, min: 1 }));
  if (plans !== undefined) planCache.resize(checkNumber('setWebGPUCacheLimits', 'plans', plans, { integer: true, min: 1 }));
}

/**
 * Empty the WebGPU pipeline and plan caches (kernels compile again on next use) and give the
 * pooled free buffers back to the device.
 * @example clearWebGPUCaches();
 */
export function clearWebGPUCaches(): void {
  pipelines.clear();
  planCache.clear();
  emptyPool();
}

/** How many pipelines and plans the caches hold, and their limits. */
export function webgpuCacheSizes(): { readonly pipelines: number; readonly plans: number; readonly limits: Required<WebGPUCacheLimits> } {
  return { pipelines: pipelines.size, plans: planCache.size, limits: { pipelines: pipelines.capacity, plans: planCache.capacity } };
}
