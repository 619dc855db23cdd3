/** Pytree plumbing shared by the public transformations. */
import { checkOptions, describeValue, fmtAval, isFloat, isPlainObject, opError, scalar, Tensor, zeros } from '../tensor';
import { flatten, unflatten, type TreeDef } from '../tree';
import type { Argnums } from './types';

/** Flatten a tree of arguments into tensors (numbers become float32 scalars). */
export function flattenTensors(op: string, tree: unknown, what: string): [Tensor[], TreeDef] {
  const [leaves, def] = flatten(tree);
  return [leaves.map((l, i) => toTensor(op, l, `${what} leaf ${i}`)), def];
}

export function toTensor(op: string, x: unknown, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalar(x, 'float32');
  if (typeof x === 'boolean') return scalar(x, 'bool');
  throw new Error(`${op}: ${what} must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Flatten positional arguments (each a pytree) into one list of tensors, with each one's
 * structure; errors name the position as `${what} i` (an argument, a cond's operand).
 */
export function flattenArgs(op: string, args: readonly unknown[], what = 'argument'): { leaves: Tensor[]; defs: TreeDef[]; counts: number[] } {
  const leaves: Tensor[] = [];
  const defs: TreeDef[] = [];
  const counts: number[] = [];
  args.forEach((a, i) => {
    const [ls, d] = flattenTensors(op, a, `${what} ${i}`);
    leaves.push(...ls);
    defs.push(d);
    counts.push(ls.length);
  });
  return { leaves, defs, counts };
}

/** The inverse of flattenArgs: rebuild each argument from its share of the leaves. */
export function unflattenArgs(defs: readonly TreeDef[], xs: readonly Tensor[]): unknown[] {
  let k = 0;
  return defs.map((d) => unflatten(d, xs.slice(k, (k += d.numLeaves))));
}

/** Wrap a pytree function as a flat one; `outDef.value` is set once it has run. */
export function flatFn(f: (...args: any[]) => unknown, argDefs: readonly TreeDef[], op: string): { fn: (...xs: Tensor[]) => Tensor[]; outDef: { value?: TreeDef } } {
  const outDef: { value?: TreeDef } = {};
  const fn = (...xs: Tensor[]): Tensor[] => {
    let k = 0;
    const args = argDefs.map((d) => {
      const leaves = xs.slice(k, k + d.numLeaves);
      k += d.numLeaves;
      return unflatten(d, leaves);
    });
    const [outs, def] = flattenTensors(op, f(...args), 'output');
    outDef.value = def;
    return outs;
  };
  return { fn, outDef };
}

export function fnName(f: (...args: any[]) => unknown): string | undefined {
  return f.name && f.name !== 'anonymous' ? f.name : undefined;
}

/** Validate `argnums` against the number of arguments: one index or a non-empty list of distinct ones. */
function argnumList(op: string, argnums: Argnums, count: number): number[] {
  const nums = typeof argnums === 'number' ? [argnums] : Array.isArray(argnums) ? [...argnums] : opError(op, `argnums must be an integer or an array of integers, got ${describeValue(argnums)}`);
  if (nums.length === 0) opError(op, 'argnums must not be an empty array');
  for (const a of nums) {
    if (!Number.isInteger(a) || a < 0 || a >= count) throw new Error(`${op}: argnums ${JSON.stringify(argnums)} out of range for ${count} arguments`);
  }
  if (new Set(nums).size !== nums.length) opError(op, `argnums ${JSON.stringify(argnums)} repeats an argument`);
  return nums;
}

/**
 * The inputs a transformation differentiates, flattened: the argument at `argnums` (one index)
 * or the tuple of the arguments at a list of them, as JAX arranges them. `fn` is f as a flat
 * function of the differentiated leaves that are `differentiated[i]` (the other arguments and
 * leaves are held constant); `outDef.value` is set once it has run.
 *
 * Integer and bool leaves are an error unless `allowInt` (JAX's allow_int): then they are held
 * constant and their cotangent is `zeros` of their shape and dtype (JAX returns float0 zeros;
 * there is no float0 dtype here, and the input's own dtype keeps `applyUpdates` type-stable).
 */
export function selectInputs(op: string, f: (...args: any[]) => unknown, args: readonly unknown[], argnums: Argnums, allowInt: boolean) {
  const nums = argnumList(op, argnums, args.length);
  const parts = nums.map((n) => flattenTensors(op, args[n], `argument ${n}`));
  const ins = parts.flatMap(([ls]) => ls);
  const differentiated = parts.flatMap(([ls], k) =>
    ls.map((x) => {
      if (isFloat(x.dtype)) return true;
      if (allowInt) return false;
      throw new Error(`${op}: argument ${nums[k]} has a ${fmtAval(x)} input; only float32/float64 inputs can be differentiated (cast it with astype, leave it out of argnums, or pass allowInt: true for a zero gradient)`);
    }),
  );
  const inDef = typeof argnums === 'number' ? parts[0]![1] : structureOfTuple(parts.map(([, d]) => d));
  const outDef: { value?: TreeDef } = {};
  const fn = (...xs: Tensor[]): Tensor[] => {
    let k = 0;
    const leaves = ins.map((x, i) => (differentiated[i] ? xs[k++]! : x));
    let offset = 0;
    const full = args.slice();
    nums.forEach((n, j) => {
      const d = parts[j]![1];
      full[n] = unflatten(d, leaves.slice(offset, (offset += d.numLeaves)));
    });
    const [outs, def] = flattenTensors(op, f(...full), 'output');
    outDef.value = def;
    return outs;
  };
  return { ins, inDef, differentiated, primals: ins.filter((_, i) => differentiated[i]), fn, outDef };
}

/** Expand cotangents of the differentiated leaves to every input leaf (zeros where held constant). */
export function withZeros(ins: readonly Tensor[], differentiated: readonly boolean[], cts: readonly Tensor[], leading: readonly number[] = []): Tensor[] {
  let k = 0;
  return ins.map((x, i) => (differentiated[i] ? cts[k++]! : zeros([...leading, ...x.shape], x.dtype)));
}

function structureOfTuple(defs: readonly TreeDef[]): TreeDef {
  return flatten(defs.map((d) => unflatten(d, Array.from({ length: d.numLeaves }, () => 0))))[1];
}

/**
 * vjp and linearize take their primals as rest arguments (JAX's `vjp(f, *primals, has_aux=...)`),
 * so their options come last: a trailing plain object whose values are all booleans is read as
 * options, never as a primal (a tree of JS booleans cannot be differentiated anyway), and an
 * unknown key in it is an error.
 */
export function trailingOptions(op: string, args: readonly unknown[]): [primals: unknown[], options: { hasAux?: boolean }] {
  const last = args[args.length - 1];
  const isOptions = isPlainObject(last) && Object.keys(last).length > 0 && Object.values(last).every((v) => typeof v === 'boolean' || v === undefined);
  if (!isOptions) return [args.slice(), {}];
  return [args.slice(0, -1), checkOptions(op, last as { hasAux?: boolean }, ['hasAux'])];
}
