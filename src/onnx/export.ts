/**
 * toOnnx: trace a function the way jit does (same staging, same optimizing passes), lower the
 * program to an ONNX graph and encode it as a ModelProto for ONNX Runtime and other engines.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { checkOptions as checkOptionKeys, describeValue, optionKeys, type DType, type TypedArray } from '../tensor';
import type { AsTensors } from '../grad';
import { makeFeeds, outputTree, type FeedSpec, type OnnxValue, type OrtTensorLike } from './feeds';
import { GraphBuilder, valueInfo, type OnnxDim } from './graph';
import { lowerJaxpr, staticDims, type Eqn, type SymShape, type Var } from './lower';
import { ModelProtoSchema } from './proto/onnx_pb';
import { ruleFor } from './rules';
import { alignTraces } from './symbolic';
import { fail, leavesOf, pathName, resized, trace, type Leaf, type Trace } from './trace';

export type { OnnxValue, OrtTensorLike };

export interface DynamicBatchOptions {
  /** Arguments whose leaves carry the batch (default: every non-parameter argument). */
  readonly argnums?: number | readonly number[];
  /** The batch axis of those leaves (default 0). */
  readonly axis?: number;
  /** The symbolic dimension's name in the model (default 'batch'). */
  readonly name?: string;
}

export interface ToOnnxOptions {
  /** Arguments holding parameters: their leaves become initializers named by tree path (`layers.0.weight`). */
  readonly parameterArgnums?: number | readonly number[];
  /**
   * Names of f's positional arguments: each leaf is named `name.path` (`name` alone for a single
   * tensor). Default `input0`, `input1`...; parameter arguments default to their paths alone.
   */
  readonly argNames?: readonly (string | undefined)[];
  /** Names of the output leaves in flattening order (default: their tree paths, or `output`). */
  readonly outputNames?: readonly string[];
  /** A symbolic batch dimension: `true` for axis 0 of every non-parameter argument, or details. */
  readonly dynamicBatch?: boolean | DynamicBatchOptions;
  /** ONNX opset, 17 to 21 (default 18). */
  readonly opset?: number;
  /** The graph's name (default: f's name). */
  readonly name?: string;
}

/**
 * An exported function whose output tree has type R (f's output type with tensor leaves): the
 * model's bytes and how to move f's arguments in and its outputs out.
 */
export interface OnnxModel<R = unknown> {
  /** The serialized ModelProto: write it to a .onnx file or hand it to InferenceSession.create. */
  readonly bytes: Uint8Array;
  /** Graph inputs in order: the non-parameter leaves, then one input per random-bits draw. */
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  /** Names of the initializers holding the parameters. */
  readonly parameters: readonly string[];
  /**
   * Inputs standing for random bits (int32, uniformly random). In serving, fill them with fresh
   * random values; `feeds` computes the bits tensorlaw would draw from the arguments' keys.
   */
  readonly randomInputs: readonly string[];
  /**
   * ONNX Runtime feeds for f's arguments (parameter arguments are ignored, their values are in
   * the model): `model.feeds([params, x], (type, data, dims) => new ort.Tensor(type, data, dims))`.
   */
  feeds<V>(args: readonly unknown[], makeTensor: (type: DType, data: TypedArray, dims: readonly number[]) => V): Record<string, V>;
  /** f's output tree rebuilt from ONNX Runtime's results. */
  outputTree(results: Readonly<Record<string, OrtTensorLike>>): R;
}

const OPTIONS = optionKeys<ToOnnxOptions>({ parameterArgnums: true, argNames: true, outputNames: true, dynamicBatch: true, opset: true, name: true });
const BATCH_OPTIONS = optionKeys<DynamicBatchOptions>({ argnums: true, axis: true, name: true });
/** The IR version each supported opset was released with. */
const IR_VERSION: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };


function argnumList(x: number | readonly number[] | undefined, n: number, what: string): number[] {
  const list = x === undefined ? [] : typeof x === 'number' ? [x] : [...x];
  for (const i of list) if (!Number.isInteger(i) || i < 0 || i >= n) fail(`${what} ${i} is out of range for ${n} arguments`);
  return list;
}

interface Batch {
  readonly argnums: readonly number[];
  readonly axis: number;
  readonly name: string;
}

const isNameList = (x: unknown, holes: boolean) => Array.isArray(x) && Array.from(x).every((n) => (typeof n === 'string' && n.length > 0) || (holes && n === undefined));

function checkOptions(options: ToOnnxOptions, arity: number): { opset: number; params: number[]; argNames: readonly (string | undefined)[]; batch?: Batch } {
  checkOptionKeys('toOnnx', options, OPTIONS);
  const opset = options.opset ?? 18;
  if (!Number.isInteger(opset) || !(opset in IR_VERSION)) fail(`opset ${String(opset)} is not supported (expected 17 to 21)`);
  const params = argnumList(options.parameterArgnums, arity, 'parameterArgnums');
  if (options.argNames !== undefined && !isNameList(options.argNames, true)) fail(`argNames must be an array of non-empty strings (or holes), got ${JSON.stringify(options.argNames)}`);
  if (options.outputNames !== undefined && !isNameList(options.outputNames, false)) fail(`outputNames must be an array of non-empty strings, got ${JSON.stringify(options.outputNames)}`);
  const argNames = options.argNames ?? [];
  const b = options.dynamicBatch === true ? {} : options.dynamicBatch || undefined;
  if (!b) return { opset, params, argNames };
  if (typeof b !== 'object') fail(`dynamicBatch must be true or an options object, got ${describeValue(b)}`);
  checkOptionKeys('toOnnx (dynamicBatch)', b, BATCH_OPTIONS);
  const argnums = b.argnums === undefined ? Array.from({ length: arity }, (_, i) => i).filter((i) => !params.includes(i)) : argnumList(b.argnums, arity, 'dynamicBatch.argnums');
  for (const i of argnums) if (params.includes(i)) fail(`argument ${i} is both a parameter and batched`);
  const axis = b.axis ?? 0;
  if (!Number.isInteger(axis) || axis < 0) fail(`dynamicBatch axis must be a non-negative integer, got ${String(axis)}`);
  const name = b.name ?? 'batch';
  if (typeof name !== 'string' || name.length === 0) fail(`dynamicBatch name must be a non-empty string, got ${JSON.stringify(name)}`);
  return { opset, params, argNames, batch: { argnums, axis, name } };
}

/** Trace at three batch sizes and find each dimension as a function of the batch size. */
function traceBatched(f: (...args: any[]) => unknown, args: readonly unknown[], leaves: readonly Leaf[], batch: Batch): { traced: Trace; dims: Map<Var, SymShape> } {
  const sizes = leaves.filter((l) => batch.argnums.includes(l.arg)).map((l) => {
    if (batch.axis >= l.tensor.shape.length) fail(`dynamicBatch axis ${batch.axis} is out of range for input '${l.name}' of shape [${l.tensor.shape.join(',')}]`);
    return l.tensor.shape[batch.axis]!;
  });
  if (sizes.length === 0) fail('dynamicBatch is set but no argument carries a batch');
  if (!sizes.every((s) => s === sizes[0])) fail(`the batched inputs disagree on the batch size (axis ${batch.axis}: ${sizes.join(', ')})`);
  // At least 2, where broadcasting cannot hide the batch axis.
  const b0 = Math.max(2, sizes[0]!);
  const batches = [b0, b0 + 1, b0 + 2];
  const traces = batches.map((b) => trace(f, resized(args, batch.argnums, batch.axis, b)));
  return { traced: traces[0]!, dims: alignTraces(traces, batches) };
}

/**
 * Export `f` at the shapes of `exampleArgs` as an ONNX model. The program is staged like jit
 * stages it (control flow inlined, constants folded), so whatever jit compiles exports: a
 * forward pass, or a whole training step with its backward pass and optimizer update.
 * Random draws inside f become int32 graph inputs (`randomInputs`). float32, int32 and bool run
 * everywhere; float64 programs run in ONNX Runtime except for erf and atan2 (no CPU kernels).
 * @example const model = toOnnx((p, x) => mlp.apply(p, x), [params, x], { parameterArgnums: 0, argNames: [, 'x'], dynamicBatch: true });
 * @example const session = await ort.InferenceSession.create(model.bytes);
 */
export function toOnnx<A extends unknown[], R>(f: (...args: A) => R, exampleArgs: readonly [...A], options?: ToOnnxOptions): OnnxModel<AsTensors<R>>;
export function toOnnx(f: (...args: any[]) => unknown, exampleArgs: readonly unknown[], options: ToOnnxOptions = {}): OnnxModel {
  if (typeof f !== 'function') fail(`expects a function, got ${describeValue(f)}`);
  if (!Array.isArray(exampleArgs)) fail(`expects the example arguments as an array (one entry per positional argument), got ${describeValue(exampleArgs)}`);
  const { opset, params, argNames, batch } = checkOptions(options, exampleArgs.length);
  const leaves = leavesOf(exampleArgs, params, argNames);
  const { traced, dims } = batch ? traceBatched(f, exampleArgs, leaves, batch) : { traced: trace(f, exampleArgs), dims: undefined };
  const batchAxis = batch?.axis ?? 0;
  const batchName = batch?.name ?? 'batch';

  const { jaxpr } = traced;
  const graph = new GraphBuilder();
  const symbolic = (v: Var): SymShape => dims?.get(v) ?? staticDims(v.aval.shape);
  const onnxDims = (s: SymShape): OnnxDim[] => s.map((d) => (d.a === 0 ? d.c : d.a === 1 && d.c === 0 ? batchName : null));

  const inputs: OnnxValue[] = [];
  const parameters: string[] = [];
  const invarNames = leaves.map((leaf, i) => {
    if (params.includes(leaf.arg)) {
      parameters.push(graph.tensor(leaf.tensor, graph.reserve(leaf.name, `a parameter of argument ${leaf.arg}`)));
      return leaf.name;
    }
    inputs.push({ name: graph.reserve(leaf.name, `an input of argument ${leaf.arg}`), dtype: leaf.tensor.dtype, shape: onnxDims(symbolic(jaxpr.invars[i]!)) });
    return leaf.name;
  });
  // Default output names are tree paths; one that is not a plain key, or that an input already
  // has (a training step returns new params under the inputs' names), gets an 'output.' prefix.
  const taken = new Set(leaves.map((l) => l.name));
  const outputNames = options.outputNames ?? traced.outPaths.map((p) => (p.length === 0 ? 'output' : typeof p[0] === 'number' || taken.has(pathName(p)) ? `output.${pathName(p)}` : pathName(p)));
  if (outputNames.length !== jaxpr.outs.length) fail(`outputNames has ${outputNames.length} names for ${jaxpr.outs.length} output leaves`);
  outputNames.forEach((n, i) => graph.reserve(n, `output ${i}`));

  const randomEqns: number[] = [];
  const randomInputs: string[] = [];
  const outs = lowerJaxpr(graph, jaxpr, {
    opset,
    inputs: invarNames,
    consts: traced.consts,
    rules: ruleFor,
    dims,
    batch: batch && inputs.length ? { value: inputs.find((v) => v.shape[batchAxis] === batchName)?.name ?? inputs[0]!.name, axis: batchAxis } : undefined,
    extraInput: (eqn: Eqn) => {
      const name = graph.fresh('random_bits');
      randomEqns.push(jaxpr.eqns.indexOf(eqn));
      randomInputs.push(name);
      inputs.push({ name, dtype: 'int32', shape: onnxDims(symbolic(eqn.outs[0]!)) });
      return name;
    },
  });
  const outputs: OnnxValue[] = jaxpr.outs.map((o, i) => ({ name: outputNames[i]!, dtype: o.aval.dtype, shape: onnxDims('id' in o ? symbolic(o) : staticDims(o.aval.shape)) }));
  outs.forEach((v, i) => graph.node('Identity', [v], {}, [outputNames[i]!]));

  const model = create(ModelProtoSchema, {
    irVersion: BigInt(IR_VERSION[opset]!),
    opsetImport: [{ domain: '', version: BigInt(opset) }],
    producerName: 'tensorlaw',
    graph: graph.graph(options.name ?? (f.name || 'tensorlaw'), inputs.map((v) => valueInfo(v.name, v.dtype, v.shape)), outputs.map((v) => valueInfo(v.name, v.dtype, v.shape))),
  });
  const bytes = toBinary(ModelProtoSchema, model);

  const spec: FeedSpec = { f, arity: exampleArgs.length, params, argNames, inputs, randomInputs, randomEqns };
  return {
    bytes, inputs, outputs, parameters, randomInputs,
    feeds: (args, makeTensor) => makeFeeds(spec, args, makeTensor),
    outputTree: (results) => outputTree(outputs, traced.outDef, results),
  };
}
