/**
 * The dispatch core: the immutable Tensor, tracers, the interpreter stack and `bind`.
 *
 * Every operation ends in `bind(prim, args, params)`. `bind` finds the innermost interpreter
 * (trace) that owns one of the arguments and hands it the primitive; with no tracer involved it
 * evaluates eagerly on the arguments' backend. Transformations (src/grad) subclass `Trace` and
 * `Tracer`; this file knows nothing about any of them (the layering of JAX's core.py).
 */
import { arrayFor, type DType, type TypedArray } from './dtype';
import { fmtAval, type Aval } from './aval';
import { abstractEval } from './shapeRules';
import type { Prim, PrimParams } from './primitives';
import type { Lowering } from './program';
import { isHigherOrder, type HigherOrderPrim } from './higherOrder';
import { fmtShape, OpError, opError, setErrorContext, sizeOf, stridesOf, type Shape } from './shape';
import type { TensorMethodName } from './methodNames';
import type { AtIndexer } from './ops/at';
import type * as ops from './ops';

export type Device = 'cpu' | 'webgpu';

/** Storage a backend keeps for one concrete tensor. The CPU backend stores typed arrays. */
export interface Backend {
  readonly name: Device;
  /** Run one primitive (built-in or user-defined) on concrete inputs; `out` is the result's shape and dtype. */
  run(prim: string, inputs: readonly Tensor[], params: any, out: Aval): Tensor;
  /** Compile a fused program (jit); without it, jit refuses this device's arguments. */
  lower?: Lowering;
  /** Read a tensor's data (devices whose reads are asynchronous, e.g. webgpu). */
  read?(t: Tensor): Promise<TypedArray>;
  /**
   * Copy a CPU operand onto this device when it meets this device's tensors in one primitive
   * (JS numbers become CPU scalars, so `x.add(1)` works on any device, as in JAX).
   */
  adopt?(t: Tensor): Tensor;
}

const backends: Partial<Record<Device, Backend>> = {};
export function registerBackend(backend: Backend): void {
  backends[backend.name] = backend;
}
export function getBackend(device: Device): Backend {
  const b = backends[device];
  if (!b) throw new Error(`no backend registered for device '${device}'`);
  return b;
}

let nextId = 0;

/** A free function `f(x, ...rest)` seen as a method of x: `(...rest) => result`. */
type MethodOf<F> = F extends (x: never, ...rest: infer A) => infer R ? (...rest: A) => R : never;

/**
 * The chaining methods (`x.add(y).sum({ axis: 0 })`), typed from the free functions of the same
 * names (methodNames.ts lists them; methods.ts attaches them to the prototype).
 */
export type TensorMethods = { readonly [K in TensorMethodName]: MethodOf<(typeof ops)[K]> };

// Declaration merging: every Tensor (and Tracer) has the methods, in the emitted .d.ts too.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Tensor extends TensorMethods {
  /**
   * Functional index updates (JAX's x.at): `x.at[0].set(1)`, `x.at['1:3'].add(v)`,
   * `x.at([i, { stop: 2 }]).max(v)` with i a traced int32 scalar; each returns a new tensor.
   */
  readonly at: AtIndexer;
}

/** The capability to give a tensor storage: only this module's factories hold it. */
const MINT: unique symbol = Symbol('tensorlaw.mint');
/** Reads a tensor's private storage (set in the class's static block). */
let readStorage: (t: Tensor) => unknown;
let readDonated: (t: Tensor) => string | undefined;
let writeDonated: (t: Tensor, fn: string) => void;

/**
 * An immutable n-dimensional array. Concrete tensors hold data; tracers (subclasses) stand for
 * values inside a transformation. No public method mutates: operations return new tensors and
 * reads return copies.
 *
 * Immutable from every JS door: a concrete tensor is frozen (its `shape`, `dtype`, `device` and
 * `_id` cannot be assigned, deleted or redefined, its prototype cannot be swapped, and `shape` is
 * a frozen array; strict-mode code that tries gets a TypeError, sloppy code is silently
 * ignored), its storage is a private field no property reaches, and the constructor is internal
 * (tensors come from `tensor`, `zeros` and the other creation functions, which copy what they
 * are given).
 * @example const x = tensor([1, 2]); x.dataSync()[0] = 9; x.toArray();   // [1, 2]
 */
export class Tensor implements Aval {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: Device;
  /** Identity for debugging and jaxpr printing. */
  readonly _id: number;
  /** Backend storage; `undefined` for tracers. Never written after construction. */
  readonly #storage: unknown;
  /**
   * The jitted function this tensor was donated to, once it is (see markDonated). A private
   * field, writable though the tensor is frozen, and far cheaper per jit call than a WeakMap.
   */
  #donatedTo: string | undefined = undefined;

  /**
   * @internal Use `tensor(...)` and the other creation functions: a Tensor cannot be made from
   * outside (there is no way to hand it storage). Tracer subclasses call it without storage.
   */
  constructor(shape: Shape, dtype: DType, device: Device, storage?: unknown, mint?: typeof MINT) {
    if (mint !== MINT && (new.target === Tensor || storage !== undefined)) {
      opError('Tensor', 'the constructor is internal; make tensors with tensor(), zeros(), full() and the other creation functions');
    }
    // A frozen shape (another tensor's, or an aval's) is shared: it can change no more than a copy.
    this.shape = Array.isArray(shape) && Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.dtype = dtype;
    this.device = device;
    this.#storage = storage;
    this._id = nextId++;
    // Tracers (subclasses) add their interpreter's fields after this constructor returns.
    if (new.target === Tensor) Object.freeze(this);
  }

  static {
    readStorage = (t) => t.#storage;
    readDonated = (t) => t.#donatedTo;
    writeDonated = (t, fn) => void (t.#donatedTo = fn);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** A typed-array copy of the data (synchronous; CPU tensors). */
  dataSync(): TypedArray {
    const t = concrete(this, 'dataSync');
    if (t.device !== 'cpu') opError('dataSync', `a ${t.device} tensor must be read with 'await x.data()'`);
    return (readStorage(t) as TypedArray).slice();
  }

  /** A typed-array copy of the data; works for every device. */
  async data(): Promise<TypedArray> {
    const t = concrete(this, 'data');
    if (t.device === 'cpu') return (readStorage(t) as TypedArray).slice();
    const backend = getBackend(t.device);
    if (!backend.read) opError('data', `backend ${t.device} cannot read data`);
    return backend.read(t);
  }

  /** Nested JS arrays (booleans for bool tensors); a 0-d tensor gives a number. */
  toArray(): any {
    const data = this.dataSync();
    const isBool = this.dtype === 'bool';
    const strides = stridesOf(this.shape);
    const build = (axis: number, offset: number): any => {
      if (axis === this.shape.length) return isBool ? data[offset] !== 0 : data[offset];
      const out = [];
      for (let i = 0; i < this.shape[axis]!; i++) out.push(build(axis + 1, offset + i * strides[axis]!));
      return out;
    };
    return build(0, 0);
  }

  /** The single element of a tensor of size 1 as a JS number (or boolean for bool). */
  item(): number | boolean {
    if (this.size !== 1) opError('item', `expects a tensor with one element, got shape ${fmtShape(this.shape)}`);
    const v = this.dataSync()[0]!;
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  toString(): string {
    if (this instanceof Tracer) return `Tracer<${fmtAval(this)}>`;
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Mark `t` as donated to `fn` (jit's donateArgnums): its buffer may now back an output, so any
 * later use of `t` must fail loudly rather than read someone else's data.
 */
export function markDonated(t: Tensor, fn: string): void {
  writeDonated(t, fn);
}

export function isDonated(t: Tensor): boolean {
  return readDonated(t) !== undefined;
}

/** Throw if `t` was donated. */
export function checkLive(t: Tensor, op: string): void {
  const fn = readDonated(t);
  if (fn !== undefined) opError(op, `this ${fmtAval(t)} tensor was donated to ${fn} (donateArgnums) and can no longer be used; use the function's outputs instead`);
}

function concrete(t: Tensor, op: string): Tensor {
  checkLive(t, op);
  if (t instanceof Tracer) {
    const c = t.concreteValue();
    if (c) return c;
    opError(op, `cannot read the value of a traced ${fmtAval(t)} inside a transformation (${t._trace.main.name}); return it from the function instead`);
  }
  return t;
}

function formatNumber(v: number, dtype: DType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.`;
  const s = Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
  return s;
}

function formatTensor(t: Tensor): string {
  const data = t.dataSync();
  const maxItems = 6;
  const strides = stridesOf(t.shape);
  const build = (axis: number, offset: number, indent: string): string => {
    if (axis === t.shape.length) return formatNumber(data[offset]!, t.dtype);
    const n = t.shape[axis]!;
    const idx = n > maxItems ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i < 0 ? '...' : build(axis + 1, offset + i * strides[axis]!, indent + ' ')));
    const sep = axis === t.shape.length - 1 ? ', ' : `,\n${indent} `;
    return `[${parts.join(sep)}]`;
  };
  return `Tensor(${build(0, 0, '')}, shape=${fmtShape(t.shape)}, dtype=${t.dtype})`;
}

// ---------------------------------------------------------------------------------------------
// Interpreters

/** One entry of the interpreter stack. `level` orders nested transformations. */
export interface MainTrace {
  readonly level: number;
  readonly traceType: new (main: MainTrace) => Trace;
  readonly globalData: unknown;
  /** The user-facing transformation, for error messages ("vmap(grad(loss))"); '' hides it. */
  readonly name: string;
  /** The name of the function being transformed, when known. */
  readonly fnName?: string;
}

/** An interpreter: it gives meaning to primitives applied to its tracers. */
export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wrap a value from outside the transformation (a constant). */
  abstract pure(x: Tensor): Tracer;
  /** Wrap a tracer of a lower (outer) interpreter. */
  abstract lift(x: Tensor): Tracer;
  abstract processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[];

  fullRaise(x: Tensor): Tracer {
    if (!(x instanceof Tracer)) return this.pure(x);
    const level = this.main.level;
    if (x._trace.main === this.main) return x;
    if (x._trace.main.level < level) return this.lift(x);
    throw new Error(`internal: a tracer of ${x._trace.main.name} leaked into ${this.main.name}; do not keep tracers from an inner transformation (a value escaped from a transformed function through a closure or global)`);
  }
}

/** A value inside a transformation. Its aval says what tracing knows (shape and dtype). */
export abstract class Tracer extends Tensor {
  abstract readonly _trace: Trace;
  /** `device` is where the traced value lives, when known (staged values report 'cpu'). */
  constructor(shape: Shape, dtype: DType, device: Device = 'cpu') {
    super(shape, dtype, device, undefined);
  }
  /** The concrete value, when this interpreter knows one (forward mode does). */
  concreteValue(): Tensor | undefined {
    return undefined;
  }
  /** Drop this tracer's wrapping when it carries nothing (e.g. a batch tracer with no batch axis). */
  fullLower(): Tensor {
    return this;
  }
}

class EvalTrace extends Trace {
  pure(x: Tensor): Tracer {
    return x as Tracer;
  }
  lift(x: Tensor): Tracer {
    return x as Tracer;
  }
  processPrimitive(prim: string, args: readonly Tracer[], params: any): Tensor[] {
    return evalPrimitive(prim, args, params);
  }
}

const traceStack: MainTrace[] = [{ level: 0, traceType: EvalTrace, globalData: null, name: 'eval' }];
/** The staging trace of the innermost `jit`/`makeJaxpr`: it must see constants too (omnistaging). */
let dynamicTrace: MainTrace | null = null;

/** Run `body` with a new interpreter on top of the stack. */
export function withMainTrace<T>(traceType: new (main: MainTrace) => Trace, name: string, globalData: unknown, body: (main: MainTrace) => T, fnName?: string): T {
  const main: MainTrace = { level: traceStack.length, traceType, globalData, name, fnName };
  traceStack.push(main);
  try {
    return body(main);
  } finally {
    traceStack.pop();
  }
}

/** Like withMainTrace, and makes the new trace the dynamic (staging) trace while body runs. */
export function withDynamicTrace<T>(traceType: new (main: MainTrace) => Trace, name: string, globalData: unknown, body: (main: MainTrace) => T, fnName?: string): T {
  return withMainTrace(traceType, name, globalData, (main) => {
    const prev = dynamicTrace;
    dynamicTrace = main;
    try {
      return body(main);
    } finally {
      dynamicTrace = prev;
    }
  }, fnName);
}

/** Whether a transformation is still running (its tracers are live). */
export function isMainActive(main: MainTrace): boolean {
  return traceStack[main.level] === main;
}

/** The names of the active transformations, outermost first: "vmap(grad(...))". */
export function transformationStack(): string {
  const mains = traceStack.slice(1).filter((m) => m.name !== '');
  if (mains.length === 0) return '';
  const innermost = [...mains].reverse().find((m) => m.fnName)?.fnName || '...';
  return mains.map((m) => m.name).reduceRight((inner, n) => `${n}(${inner})`, innermost);
}

function findTopTrace(args: readonly Tensor[]): Trace {
  let top: MainTrace = traceStack[0]!;
  for (const x of args) {
    if (x instanceof Tracer && x._trace.main.level > top.level) top = x._trace.main;
  }
  if (dynamicTrace && dynamicTrace.level > top.level) top = dynamicTrace;
  return new top.traceType(top);
}

/**
 * The eager implementation of the higher-order primitives (jit calls, control flow, custom
 * rules), installed by src/grad where their rule tables live (this layer cannot import them).
 */
let higherOrderEval: ((prim: HigherOrderPrim, args: readonly Tensor[], params: any) => Tensor[]) | undefined;
export function installHigherOrderImpl(impl: (prim: HigherOrderPrim, args: readonly Tensor[], params: any) => Tensor[]): void {
  higherOrderEval = impl;
}

/** Evaluate a primitive on concrete tensors. */
export function evalPrimitive(prim: string, args: readonly Tensor[], params: any): Tensor[] {
  if (isHigherOrder(prim)) {
    if (!higherOrderEval) throw new Error(`${prim}: the higher-order primitives' rules are not loaded (import tensorlaw, not only its tensor layer)`);
    return higherOrderEval(prim, args, params);
  }
  const out = abstractEval(prim as Prim, args, params);
  const device = args.find((a) => a.device !== 'cpu')?.device ?? 'cpu';
  const backend = getBackend(device);
  for (const a of args) {
    checkLive(a, prim);
    if (a.device !== device && !(a.device === 'cpu' && backend.adopt)) opError(prim, `operands live on different devices (${device} and ${a.device}); move them with toDevice first`);
  }
  const operands = device === 'cpu' ? args : args.map((a) => (a.device === 'cpu' ? backend.adopt!(a) : a));
  const y = backend.run(prim, operands, params, out);
  if (debugNans) checkFinite(prim, args, y);
  return [y];
}

let debugNans = false;

/**
 * Debug mode: after every primitive evaluated on the CPU, check that a float result has no NaN or
 * infinity when its operands had none, and throw naming that primitive (and the transformations
 * around it). jit runs its programs primitive by primitive while this is on.
 * @example setDebugNans(true); grad(loss)(params);   // "log: produced NaN/Infinity from finite operands ..."
 */
export function setDebugNans(on: boolean): void {
  debugNans = on;
}

export function debugNansEnabled(): boolean {
  return debugNans;
}

function nonFinite(t: Tensor): boolean {
  if (t.device !== 'cpu' || (t.dtype !== 'float32' && t.dtype !== 'float64')) return false;
  const d = readStorage(t) as TypedArray;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return true;
  return false;
}

function checkFinite(prim: string, args: readonly Tensor[], y: Tensor): void {
  if (nonFinite(y) && !args.some(nonFinite)) {
    opError(prim, `produced NaN/Infinity from finite operands ${args.map(fmtAval).join(', ')} (debug mode: setDebugNans(true))`);
  }
}

/** Apply a primitive, letting the innermost interpreter that owns an argument handle it. */
export function bind(prim: string, args: readonly Tensor[], params: any): Tensor[] {
  if (traceStack.length === 1) return evalPrimitive(prim, args, params);
  const trace = findTopTrace(args);
  const tracers = args.map((a) => trace.fullRaise(a));
  try {
    return trace.processPrimitive(prim, tracers, params).map(fullLower);
  } catch (e) {
    throw annotate(e);
  }
}

/** Bind a primitive of the base set, with its params type-checked; it has one output. */
export function bind1<P extends Prim>(prim: P, args: readonly Tensor[], params: PrimParams[P]): Tensor {
  return bind(prim, args, params)[0]!;
}

function fullLower(x: Tensor): Tensor {
  return x instanceof Tracer ? x.fullLower() : x;
}

setErrorContext(transformationStack);

const annotated = new WeakSet<object>();
/** Add the transformation stack to an error once, where it is first seen (OpErrors have it). */
function annotate(e: unknown): unknown {
  if (e instanceof Error && !(e instanceof OpError) && !annotated.has(e)) {
    annotated.add(e);
    const where = transformationStack();
    if (where) e.message += ` (inside ${where})`;
  }
  return e;
}

/** Make a concrete CPU tensor that owns `data` (the caller must not keep or write it). Internal. */
export function fromStorage(shape: Shape, dtype: DType, data: TypedArray): Tensor {
  return new Tensor(shape, dtype, 'cpu', data, MINT);
}

/** Make a concrete tensor on `device` owning a backend's `storage` (backends only). Internal. */
export function wrapStorage(shape: Shape, dtype: DType, device: Device, storage: unknown): Tensor {
  return new Tensor(shape, dtype, device, storage, MINT);
}

/** A concrete tensor's backend storage (internal: backends and jit read it; users cannot). */
export function storageOf(t: Tensor): unknown {
  return readStorage(t);
}

/** The typed array of a CPU tensor (or of a tracer's known CPU value). Internal: never write it. */
export function cpuData(t: Tensor): TypedArray {
  return readStorage(concrete(t, 'read')) as TypedArray;
}

export function emptyCpu(shape: Shape, dtype: DType): TypedArray {
  return arrayFor(dtype, sizeOf(shape));
}
