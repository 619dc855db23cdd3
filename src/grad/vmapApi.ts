/** vmap over pytree arguments: axis specs are prefix trees of the arguments and outputs. */
import * as T from '../tensor';
import { checkFunction, checkOptions, fmtAval, type Tensor } from '../tensor';
import { flatten, unflatten, flattenUpTo, structure } from '../tree';
import { flatFn, flattenArgs, fnName } from './args';
import { vmapFlat } from './vmap';
import type { BatchDim } from './rules/batchRules';
import type { AsTensors } from './types';

export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };

export interface VmapOptions {
  /** Mapped axis per argument: a number or null for all, or a prefix tree of the arguments. */
  readonly inAxes?: AxisSpec;
  /** Where the mapped axis goes in each output (a prefix tree of the output); null: unmapped. */
  readonly outAxes?: AxisSpec;
  /** The mapped size, required when no argument is mapped. */
  readonly axisSize?: number;
}

const isAxisLeaf = (x: unknown): boolean => x === null || typeof x === 'number';

/** Broadcast a prefix tree of axes onto a tree, giving one axis per leaf. */
function axesFor(op: string, spec: AxisSpec, tree: unknown, what: string): BatchDim[] {
  const [specLeaves, specDef] = flatten(spec, { isLeaf: isAxisLeaf });
  let subtrees: unknown[];
  try {
    subtrees = flattenUpTo(specDef, tree);
  } catch (e) {
    throw new Error(`${op}: ${what} axes ${JSON.stringify(spec)} are not a prefix of the ${what} structure ${structure(tree)}: ${(e as Error).message}`);
  }
  return subtrees.flatMap((sub, i) => flatten(sub)[0].map(() => specLeaves[i] as BatchDim));
}

/**
 * Vectorize f over a mapped axis of its arguments. The result takes f's arguments (with the
 * mapped axis added) and returns f's output structure (numbers as tensors).
 * @example vmap((x: Tensor, w: Tensor) => matmul(w, x), { inAxes: [0, null] })(xs, w)
 */
export function vmap<A extends unknown[], R>(f: (...args: A) => R, options?: VmapOptions): (...args: A) => AsTensors<R>;
export function vmap(f: (...args: unknown[]) => unknown, options: VmapOptions = {}): (...args: unknown[]) => unknown {
  checkFunction('vmap', f);
  const opts = checkOptions('vmap', options, ['inAxes', 'outAxes', 'axisSize']);
  // null is a meaningful axis (unmapped), so only undefined takes the default.
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
  const name = fnName(f);
  const mapped = (...args: unknown[]) => {
    const p = flattenArgs('vmap', args);
    const spec: AxisSpec = typeof inAxes === 'number' || inAxes === null ? args.map(() => inAxes) : inAxes;
    const dims = axesFor('vmap', spec, args, 'argument');
    const normDims = dims.map((d, i) => (d === null ? null : T.normalizeAxis('vmap', d, p.leaves[i]!.ndim)));
    const sizes = normDims.map((d, i) => (d === null ? -1 : p.leaves[i]!.shape[d]!)).filter((s) => s >= 0);
    const size = opts.axisSize ?? sizes[0];
    if (size === undefined) throw new Error('vmap: no argument is mapped (all inAxes are null); pass axisSize');
    normDims.forEach((d, i) => {
      if (d !== null && p.leaves[i]!.shape[d] !== size) {
        throw new Error(`vmap: mapped axes must all have size ${size}, but argument leaf ${i} (${fmtAval(p.leaves[i]!)}) has size ${p.leaves[i]!.shape[d]} on axis ${d}`);
      }
    });
    const { fn, outDef } = flatFn(f, p.defs, 'vmap');
    let outDims: BatchDim[] = [];
    const fnWithOutAxes = (...xs: Tensor[]) => {
      const outs = fn(...xs);
      const outTree = unflatten(outDef.value!, outs);
      outDims = axesFor('vmap', outAxes, outTree, 'output').map((d, i) => (d === null ? null : T.normalizeAxis('vmap', d, outs[i]!.ndim + 1)));
      return outs;
    };
    const outs = vmapFlat(fnWithOutAxes, size, p.leaves, normDims, () => outDims, 'vmap', name);
    return unflatten(outDef.value!, outs);
  };
  return mapped;
}
