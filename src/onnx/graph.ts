/**
 * Building ONNX graphs: a GraphBuilder collects nodes and initializers under unique value names
 * and encodes them with the generated protobuf schema (proto/onnx_pb.ts). Nothing here knows
 * about jaxprs; lower.ts drives it.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { DType, Tensor } from '../tensor';
import {
  AttributeProto_AttributeType as AttrType, AttributeProtoSchema, GraphProtoSchema, NodeProtoSchema, TensorProto_DataType as DataType, TensorProtoSchema,
  ValueInfoProtoSchema, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './proto/onnx_pb';

/** ONNX element types of tensorlaw's dtypes (plus int64 for shapes and uint32 for bit shifts). */
export type OnnxElement = DType | 'int64' | 'uint32';
const elementTypes: Record<OnnxElement, DataType> = {
  float32: DataType.FLOAT, float64: DataType.DOUBLE, int32: DataType.INT32, bool: DataType.BOOL, int64: DataType.INT64, uint32: DataType.UINT32,
};
export const onnxElementType = (dtype: OnnxElement): number => elementTypes[dtype];

/** A float attribute (plain numbers are INT attributes, the common case). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export type AttrValue = number | string | readonly number[] | FloatAttr | GraphProto;
export type Attrs = Readonly<Record<string, AttrValue>>;

function attribute(name: string, v: AttrValue): AttributeProto {
  const init: MessageInitShape<typeof AttributeProtoSchema> =
    typeof v === 'number' ? { name, type: AttrType.INT, i: BigInt(v) }
    : typeof v === 'string' ? { name, type: AttrType.STRING, s: new TextEncoder().encode(v) }
    : v instanceof FloatAttr ? { name, type: AttrType.FLOAT, f: v.value }
    : Array.isArray(v) ? { name, type: AttrType.INTS, ints: v.map((x) => BigInt(x)) }
    : { name, type: AttrType.GRAPH, g: v as GraphProto };
  return create(AttributeProtoSchema, init);
}

/** A dimension of a graph input or output: a size, a named symbol (a dynamic batch), or unknown. */
export type OnnxDim = number | string | null;

export function valueInfo(name: string, dtype: OnnxElement, shape: readonly OnnxDim[]): ValueInfoProto {
  const dim = shape.map((d) =>
    d === null ? {} : typeof d === 'number' ? { value: { case: 'dimValue' as const, value: BigInt(d) } } : { value: { case: 'dimParam' as const, value: d } },
  );
  return create(ValueInfoProtoSchema, { name, type: { value: { case: 'tensorType', value: { elemType: onnxElementType(dtype), shape: { dim } } } } });
}

/** Little-endian bytes of a typed array (every platform tensorlaw runs on is little-endian). */
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

export function tensorProto(name: string, dtype: OnnxElement, shape: readonly number[], data: ArrayBufferView): TensorProto {
  return create(TensorProtoSchema, { name, dims: shape.map((d) => BigInt(d)), dataType: onnxElementType(dtype), rawData: bytesOf(data) });
}

/** Names that are legal and readable in ONNX: anything but empty. */
function checkName(name: string): string {
  if (name.length === 0) throw new Error('toOnnx: value names must not be empty');
  return name;
}

/**
 * Nodes and initializers of one graph. Value names are unique across a model and its subgraphs
 * (ONNX's static single assignment), so subgraph builders share their parent's name counter.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly cache = new Map<string, string>();

  constructor(private readonly names: { next: number; taken: Set<string> } = { next: 0, taken: new Set() }) {}

  /** A builder for a subgraph (If/Loop/Scan body) sharing this one's names. */
  child(): GraphBuilder {
    return new GraphBuilder(this.names);
  }

  /** Reserve a name chosen by the user (inputs, outputs, parameters); throws on a clash. */
  reserve(name: string, what: string): string {
    checkName(name);
    if (this.names.taken.has(name)) throw new Error(`toOnnx: two values are named '${name}' (the second is ${what}); choose distinct names with argNames/outputNames`);
    this.names.taken.add(name);
    return name;
  }

  /** A fresh internal name. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.names.next++}`;
    while (this.names.taken.has(name));
    this.names.taken.add(name);
    return name;
  }

  /** Append a node; returns its output names (fresh unless given). */
  node(op: string, inputs: readonly string[], attrs: Attrs = {}, outputs: number | readonly string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : [...outputs];
    const attributes = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push(create(NodeProtoSchema, { opType: op, input: [...inputs], output: outs, attribute: attributes, name: `${op}_${this.nodes.length}` }));
    return outs;
  }

  /** A single-output node. */
  op(op: string, inputs: readonly string[], attrs: Attrs = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  /** Cast to an element type. */
  cast(x: string, dtype: OnnxElement): string {
    return this.op('Cast', [x], { to: onnxElementType(dtype) });
  }

  /** An initializer holding a tensor's values (CPU tensors only: they are read synchronously). */
  tensor(t: Tensor, name?: string): string {
    if (t.device !== 'cpu') throw new Error(`toOnnx: a ${t.device} tensor ${name ? `'${name}' ` : ''}cannot be stored in the model; move it with toDevice(x, 'cpu') first`);
    const n = name ?? this.fresh('const');
    this.initializers.push(tensorProto(n, t.dtype, t.shape, t.dataSync()));
    return n;
  }

  /** A constant initializer, shared between equal uses (shapes, axes, scalars). */
  constant(dtype: OnnxElement, shape: readonly number[], values: readonly number[]): string {
    const key = `${dtype}[${shape.join(',')}]${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`;
    let name = this.cache.get(key);
    if (name === undefined) {
      name = this.fresh(dtype === 'int64' ? 'ints' : 'scalar');
      this.initializers.push(tensorProto(name, dtype, shape, typedArrayOf(dtype, values)));
      this.cache.set(key, name);
    }
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, pads, starts...). */
  ints(values: readonly number[]): string {
    return this.constant('int64', [values.length], values);
  }

  /** A scalar initializer of a dtype. */
  scalar(value: number, dtype: OnnxElement): string {
    return this.constant(dtype, [], [value]);
  }

  graph(name: string, inputs: readonly ValueInfoProto[], outputs: readonly ValueInfoProto[], initializers = true): GraphProto {
    return create(GraphProtoSchema, { name, node: this.nodes, initializer: initializers ? this.initializers : [], input: [...inputs], output: [...outputs] });
  }
}

function typedArrayOf(dtype: OnnxElement, values: readonly number[]): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'uint32': return Uint32Array.from(values);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(v));
  }
}
