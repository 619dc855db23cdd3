/** Pytree plumbing shared by the public transformations. */
import { isFloat, Tensor, scalar, fmtAval } from '../tensor';
import { flatten, unflatten, type TreeDef } from '../tree';

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

/** grad and friends differentiate float inputs only (JAX rejects integer inputs the same way). */
export function checkDifferentiable(op: string, xs: readonly Tensor[], argnum: number): void {
  for (const x of xs) {
    if (!isFloat(x.dtype)) throw new Error(`${op}: argument ${argnum} has a ${fmtAval(x)} input; only float32/float64 inputs can be differentiated (cast it with astype, or leave it out of argnums)`);
  }
}

/** Flatten positional arguments (each a pytree) into one list of tensors, with each one's structure. */
export function flattenArgs(op: string, args: readonly unknown[]): { leaves: Tensor[]; defs: TreeDef[]; counts: number[] } {
  const leaves: Tensor[] = [];
  const defs: TreeDef[] = [];
  const counts: number[] = [];
  args.forEach((a, i) => {
    const [ls, d] = flattenTensors(op, a, `argument ${i}`);
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
