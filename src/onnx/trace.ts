/**
 * The export's front end: stage f the way jit does, and name the leaves of its arguments and
 * outputs by their tree paths (`params.layers.0.weight`).
 */
import { jit, makeJaxpr } from '../grad';
import { inlineCalls } from '../grad/jit/inline';
import * as T from '../tensor';
import { Tensor } from '../tensor';
import { flatten, flattenWithPath, unflatten, type KeyPath, type TreeDef } from '../tree';
import type { Traced } from './symbolic';

/** Throw an error naming toOnnx. */
export const fail = (msg: string): never => {
  throw new Error(`toOnnx: ${msg}`);
};

export function toLeaf(x: unknown, where: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return T.scalar(x, 'float32');
  if (typeof x === 'boolean') return T.scalar(x, 'bool');
  return fail(`${where} is ${x === null ? 'null' : typeof x}, not a tensor (close over configuration values instead of passing them)`);
}

/** Dotted key paths, as in safetensors checkpoints (`layers.0.weight`). */
export const pathName = (path: KeyPath) => path.map(String).join('.');

export interface Leaf {
  readonly arg: number;
  readonly name: string;
  readonly tensor: Tensor;
}

/** Every argument leaf with its name: `argName.path`, the path alone for parameters, `input<i>` by default. */
export function leavesOf(args: readonly unknown[], params: readonly number[], argNames: readonly (string | undefined)[]): Leaf[] {
  return args.flatMap((a, arg) =>
    flattenWithPath(a).map(([path, x]) => {
      const prefix = argNames[arg] ?? (params.includes(arg) ? undefined : `input${arg}`);
      const name = [prefix, pathName(path)].filter((s) => s).join('.') || `param${arg}`;
      return { arg, name, tensor: toLeaf(x, `argument ${arg} leaf '${pathName(path) || '(root)'}'`) };
    }),
  );
}

export interface Trace extends Traced {
  readonly outDef: TreeDef;
  readonly outPaths: readonly KeyPath[];
}

/** Stage f as jit would (optimized), then inline that program into a jaxpr with its constants. */
export function trace(f: (...args: any[]) => unknown, args: readonly unknown[]): Trace {
  let outDef: TreeDef | undefined;
  let outPaths: KeyPath[] = [];
  const recorded = (...a: unknown[]) => {
    const out = f(...a);
    outDef = flatten(out)[1];
    outPaths = flattenWithPath(out).map(([p]) => p);
    return out;
  };
  Object.defineProperty(recorded, 'name', { value: f.name || 'f' });
  const staged = makeJaxpr(jit(recorded))(...args);
  // The jit call (and any nested call of a closed program) is spliced in, as jit's lowering does.
  const { jaxpr, consts } = inlineCalls(staged, staged.consts);
  return { jaxpr, consts, outDef: outDef!, outPaths };
}

/** The arguments with the batch axis of the batched leaves resized (zeros: tracing reads shapes only). */
export function resized(args: readonly unknown[], batched: readonly number[], axis: number, size: number): unknown[] {
  return args.map((a, i) => {
    if (!batched.includes(i)) return a;
    const [xs, def] = flatten(a);
    return unflatten(def, xs.map((x, k) => {
      const t = toLeaf(x, `argument ${i} leaf ${k}`);
      return T.zeros(t.shape.map((d, j) => (j === axis ? size : d)), t.dtype);
    }));
  });
}
