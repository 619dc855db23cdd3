/**
 * Moving tensors between tensorlaw and an ONNX engine: feeds for a model's inputs (with the
 * random bits tensorlaw would draw), and the output tree rebuilt from the engine's results.
 */
import { arrayFor, bind, fromStorage, fmtAval, type DType, type Tensor, type TypedArray } from '../tensor';
import { unflatten, type TreeDef } from '../tree';
import type { OnnxDim } from './graph';
import type { Traced } from './symbolic';
import { fail, leavesOf, trace } from './trace';

/** A graph input or output: its name, dtype and shape (a string names a dynamic dimension, null an unnamed one). */
export interface OnnxValue {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly OnnxDim[];
}

/** A tensor as ONNX Runtime returns it (onnxruntime's Tensor has these fields). */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

export type MakeTensor<R> = (type: DType, data: TypedArray, dims: readonly number[]) => R;

/** What feeds need to know about an export. */
export interface FeedSpec {
  readonly f: (...args: any[]) => unknown;
  readonly arity: number;
  readonly params: readonly number[];
  readonly argNames: readonly (string | undefined)[];
  readonly inputs: readonly OnnxValue[];
  readonly randomInputs: readonly string[];
  /** The equation index of each random draw, in the order of randomInputs. */
  readonly randomEqns: readonly number[];
}

function readCpu(t: Tensor, name: string): TypedArray {
  if (t.device !== 'cpu') fail(`input '${name}' is a ${t.device} tensor; move it with toDevice(x, 'cpu') first`);
  return t.dataSync().slice();
}

export function makeFeeds<R>(spec: FeedSpec, args: readonly unknown[], makeTensor: MakeTensor<R>): Record<string, R> {
  if (!Array.isArray(args) || args.length !== spec.arity) fail(`feeds expects ${spec.arity} arguments like the example, got ${Array.isArray(args) ? args.length : typeof args}`);
  const given = leavesOf(args, spec.params, spec.argNames).filter((l) => !spec.params.includes(l.arg));
  const fed = spec.inputs.filter((v) => !spec.randomInputs.includes(v.name));
  if (given.length !== fed.length) fail(`feeds got ${given.length} input leaves, the model has ${fed.length}`);
  const out: Record<string, R> = {};
  given.forEach((l, i) => {
    const want = fed[i]!;
    if (l.tensor.dtype !== want.dtype || l.tensor.shape.length !== want.shape.length || want.shape.some((d, k) => typeof d === 'number' && d !== l.tensor.shape[k])) {
      fail(`feeds: input '${want.name}' expects ${want.dtype}[${want.shape.join(',')}], got ${fmtAval(l.tensor)}`);
    }
    out[want.name] = makeTensor(l.tensor.dtype, readCpu(l.tensor, want.name), l.tensor.shape);
  });
  if (spec.randomInputs.length) {
    const bits = randomBitsFor(trace(spec.f, args), spec.randomEqns, args, spec.params);
    bits.forEach((b, i) => (out[spec.randomInputs[i]!] = makeTensor('int32', readCpu(b, spec.randomInputs[i]!), b.shape)));
  }
  return out;
}

export function outputTree(outputs: readonly OnnxValue[], outDef: TreeDef, results: Readonly<Record<string, OrtTensorLike>>): unknown {
  const values = outputs.map((o) => {
    const r = results[o.name];
    if (!r) return fail(`outputTree: the results have no output '${o.name}'`);
    const data = arrayFor(o.dtype, (r.data as ArrayLike<number>).length);
    data.set(r.data as ArrayLike<number>);
    return fromStorage([...r.dims], o.dtype, data);
  });
  return unflatten(outDef, values);
}

/** Evaluate the equations the random draws need (and only those) to get tensorlaw's bits. */
function randomBitsFor({ jaxpr, consts }: Traced, indices: readonly number[], args: readonly unknown[], params: readonly number[]): Tensor[] {
  const env = new Map<unknown, Tensor>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  const leaves = leavesOf(args, params, []).map((l) => l.tensor);
  jaxpr.invars.forEach((v, i) => env.set(v, leaves[i]!));
  const last = Math.max(...indices);
  const needed = new Set<unknown>();
  const wanted = (i: number) => indices.includes(i) || jaxpr.eqns[i]!.outs.some((o) => needed.has(o));
  for (let i = last; i >= 0; i--) if (wanted(i)) jaxpr.eqns[i]!.inputs.forEach((a) => needed.add(a));
  const read = (a: unknown) => ('id' in (a as object) ? env.get(a)! : (a as { value: Tensor }).value);
  for (let i = 0; i <= last; i++) {
    const e = jaxpr.eqns[i]!;
    if (wanted(i)) bind(e.prim, e.inputs.map(read), e.params).forEach((t, k) => env.set(e.outs[k], t));
  }
  return indices.map((i) => {
    const e = jaxpr.eqns[i]!;
    if (e.prim !== 'randomBits') fail('feeds: the program traced differently for these arguments; export at their shapes');
    return env.get(e.outs[0])!;
  });
}
