/**
 * Keras-style `evaluate` and `predict` over the functional core: a model is a pure
 * `(params, x) => y` (or an nn layer, whose `apply` is one), and a dataset is scored in batches by
 * one jitted program, traced once per batch shape (so a ragged last batch costs one more trace,
 * and its examples count for exactly their number in the means).
 */
import * as T from '../tensor';
import { Tensor } from '../tensor';
import { jit } from '../grad';
import { batchLength, readData, toNumber } from './values';

/** A model: a pure function of the parameters and a batch of inputs, or anything with such an `apply` (an nn layer). */
export type Model<P> = ((params: P, x: any) => Tensor) | { readonly apply: (params: P, x: any) => unknown };

/** A metric of one batch: the mean over its examples of some score of the predictions against the targets. */
export type Metric = (predictions: Tensor, targets: any) => Tensor;

/** What `evaluate` and `predict` need from a dataset (src/data's Dataset has it). */
export interface Batchable<B> {
  readonly size: number;
  batch(size: number): Iterable<B>;
}

/** Where a batch's inputs and targets are (default: its `x` and `y` fields). */
export interface BatchFields<B> {
  /** The model's input in a batch (default `(b) => b.x`). */
  readonly inputs?: (batch: B) => unknown;
  /** The targets the metrics compare against (default `(b) => b.y`). */
  readonly targets?: (batch: B) => unknown;
}

/** Options of `evaluate`, e.g. `{ metrics: { loss: nn.softmaxCrossEntropy, accuracy: nn.accuracy } }`. */
export interface EvaluateOptions<B, M extends Readonly<Record<string, Metric>> = Readonly<Record<string, Metric>>> extends BatchFields<B> {
  /** Mean-over-examples metrics by name, each `(predictions, targets) => scalar`; the result has the same names. */
  readonly metrics: M;
  /** Examples per jitted call (default 32, as Keras). */
  readonly batchSize?: number;
}

/** Options of `predict`, e.g. `{ batchSize: 256 }`. */
export interface PredictOptions<B> extends Pick<BatchFields<B>, 'inputs'> {
  /** Examples per jitted call (default 32, as Keras). */
  readonly batchSize?: number;
}

/** The accessor of a batch's `x` or `y` field (one function per op and name, so jitted programs can be cached by it). */
function field(op: string, name: 'x' | 'y'): (batch: any) => unknown {
  const id = `${op}.${name}`;
  if (!accessors.has(id)) accessors.set(id, (batch) => read(op, name, batch));
  return accessors.get(id)!;
}
const accessors = new Map<string, (batch: any) => unknown>();

function read(op: string, name: 'x' | 'y', batch: any): unknown {
  if (batch === null || typeof batch !== 'object' || !(name in batch)) {
    throw new Error(`${op}: the batch has no '${name}' field (it has ${batch !== null && typeof batch === 'object' ? Object.keys(batch).join(', ') || 'none' : typeof batch}); pass ${name === 'x' ? 'inputs' : 'targets'}: (batch) => ... to say where it is`);
  }
  return batch[name];
}

function applyOf<P>(op: string, model: Model<P>): (params: P, x: unknown) => Tensor {
  const f = typeof model === 'function' ? model : typeof (model as { apply?: unknown })?.apply === 'function' ? model.apply.bind(model) : undefined;
  if (f === undefined) throw new Error(`${op}: model must be a function (params, x) => y or have an apply method, got ${typeof model}`);
  return (params, x) => {
    const y = f(params, x);
    if (!(y instanceof Tensor)) throw new Error(`${op}: the model must return a tensor, got ${y === null ? 'null' : typeof y} (a layer with state returns { y, state }: wrap it as (p, x) => layer.apply(p, x).y)`);
    return y;
  };
}

function checkBatchSize(op: string, batchSize: unknown): number {
  return T.checkNumber(op, 'batchSize', batchSize, { integer: true, min: 1 });
}

function checkKeys(op: string, options: object | undefined, known: readonly string[]): void {
  T.checkOptions(op, options as Record<string, unknown> | undefined, known);
}

/** Jitted programs by model and metric functions, so repeated calls (each epoch's validation) trace once. */
const programs = new WeakMap<object, { fns: readonly unknown[]; program: (...args: any[]) => any }[]>();

function cached(model: object, fns: readonly unknown[], make: () => (...args: any[]) => any): (...args: any[]) => any {
  const entries = programs.get(model) ?? [];
  programs.set(model, entries);
  const hit = entries.find((e) => e.fns.length === fns.length && e.fns.every((f, i) => f === fns[i]));
  if (hit) return hit.program;
  const program = make();
  entries.push({ fns, program });
  return program;
}

/**
 * Score a model on a dataset: each metric's mean over all examples, computed batch by batch in
 * one jitted program (batch means weighted by batch size, so the result does not depend on the
 * batch size). Metrics must be means over examples (loss, accuracy); for precision, recall and
 * F1 use `predict` and `classificationReport`.
 *
 *   const { loss, accuracy } = await evaluate(model, params, test, { metrics: { loss: nn.softmaxCrossEntropy, accuracy: nn.accuracy } });
 *   await evaluate((p, x) => mlp(p, x), params, test, { metrics: { mse: nn.mse }, batchSize: 256 });
 */
export async function evaluate<P, B, M extends Readonly<Record<string, Metric>>>(model: Model<P>, params: P, dataset: Batchable<B>, options: EvaluateOptions<B, M>): Promise<{ [K in keyof M]: number }> {
  const op = 'evaluate';
  if (options === undefined) throw new T.OpError(op, 'expects options with metrics, e.g. { metrics: { accuracy: nn.accuracy } }');
  checkKeys(op, options, ['metrics', 'batchSize', 'inputs', 'targets']);
  const metrics = options?.metrics;
  if (metrics === null || typeof metrics !== 'object' || Object.keys(metrics).length === 0 || Object.values(metrics).some((m) => typeof m !== 'function')) {
    throw new Error(`${op}: metrics must be a non-empty record of functions (predictions, targets) => scalar, e.g. { accuracy: nn.accuracy }`);
  }
  const batchSize = checkBatchSize(op, options.batchSize ?? 32);
  const names = Object.keys(metrics);
  const inputs = options.inputs ?? field(op, 'x');
  const targets = options.targets ?? field(op, 'y');
  const apply = applyOf(op, model);
  const fns = names.map((n) => metrics[n]);
  const program = cached(model, [op, inputs, targets, ...names, ...fns], () =>
    jit((p: P, x: unknown, y: unknown) => {
      const predictions = apply(p, x);
      return names.map((n) => metrics[n]!(predictions, y));
    }),
  );
  const sums = names.map(() => 0);
  let count = 0;
  for (const batch of dataset.batch(batchSize)) {
    const n = batchLength(batch);
    const values = program(params, inputs(batch), targets(batch)) as Tensor[];
    for (let i = 0; i < names.length; i++) {
      const v = values[i]!;
      if (v.size !== 1) throw new Error(`${op}: metric '${names[i]}' must return a scalar (a mean over the batch), got shape [${v.shape.join(', ')}]`);
      sums[i] += (await toNumber(v)) * n;
    }
    count += n;
  }
  if (count === 0) throw new Error(`${op}: the dataset is empty`);
  const means: Record<string, number> = Object.fromEntries(names.map((n, i) => [n, sums[i]! / count]));
  return means as { [K in keyof M]: number };
}

/**
 * The model's outputs for every example of a dataset (or a tensor of inputs), computed in
 * batches by one jitted program and joined along the first axis, as a CPU tensor.
 *
 *   const logits = await predict(model, params, test);              // [10000, 10]
 *   const classes = T.argmax(await predict(model, params, images, { batchSize: 256 }), { axis: -1 });
 */
export async function predict<P, B>(model: Model<P>, params: P, data: Batchable<B> | Tensor, options: PredictOptions<B> = {}): Promise<Tensor> {
  const op = 'predict';
  checkKeys(op, options, ['batchSize', 'inputs']);
  const batchSize = checkBatchSize(op, options.batchSize ?? 32);
  const apply = applyOf(op, model);
  const isTensor = data instanceof Tensor;
  if (isTensor && data.ndim === 0) throw new Error(`${op}: inputs must have a batch axis, got a scalar`);
  const inputs: (batch: any) => unknown = isTensor ? itself : options.inputs ?? field(op, 'x');
  const program = cached(model, [op, inputs], () => jit((p: P, x: unknown) => apply(p, x)));
  const parts: { data: T.TypedArray; shape: readonly number[]; dtype: T.DType }[] = [];
  for (const batch of isTensor ? tensorBatches(data, batchSize) : (data as Batchable<B>).batch(batchSize)) {
    const y = program(params, inputs(batch)) as Tensor;
    if (y.ndim === 0) throw new Error(`${op}: the model must return one row per example, got a scalar`);
    parts.push({ data: await readData(y), shape: y.shape, dtype: y.dtype });
  }
  if (parts.length === 0) throw new Error(`${op}: the data is empty`);
  const first = parts[0]!;
  const rowShape = first.shape.slice(1);
  const total = parts.reduce((n, p) => n + p.shape[0]!, 0);
  const out = T.arrayFor(first.dtype, parts.reduce((n, p) => n + p.data.length, 0));
  parts.reduce((at, p) => (out.set(p.data, at), at + p.data.length), 0);
  return T.fromStorage([total, ...rowShape], first.dtype, out);
}

const itself = (x: unknown): unknown => x;

function* tensorBatches(x: Tensor, batchSize: number): Iterable<Tensor> {
  const n = x.shape[0]!;
  for (let s = 0; s < n; s += batchSize) yield T.slice(x, [{ start: s, stop: Math.min(s + batchSize, n) }]);
}
