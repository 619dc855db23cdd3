/**
 * definePrimitive: a user-defined primitive with its rules. It joins the built-in set the way a
 * built-in primitive does, through the registries consulted after the built-in tables: its
 * shape rule and kernels in src/tensor (abstract evaluation, the CPU and WebGPU backends, both
 * jit lowerings, where it runs as an opaque call to its kernel), its jvp, transpose and batching
 * rules with the interpreters in src/grad.
 */
import * as T from '../tensor';
import { bind, findUserPrimitive, isHigherOrder, isPrim, registerUserPrimitive, Tensor, type Aval, type CpuArray } from '../tensor';
import { extraBatchRules, moveBatchAxis, type BatchRule } from '../grad/rules/batchRules';
import { extraJvpRules, type JvpRule } from '../grad/rules/jvpRules';
import { extraTransposeRules, UndefPrimal, type TransposeRule } from '../grad/rules/transposeRules';
import { instantiate, isZero, Zero } from '../grad/zero';

/** The rules of a primitive with parameters P (a plain object, part of jit's cache key). */
export interface PrimitiveDefinition<P> {
  /** A name no other primitive has (it appears in jaxprs and error messages). */
  readonly name: string;
  /** Output shape and dtype from the operands' (throw an Error naming the primitive on bad operands). */
  readonly abstractEval: (args: readonly Aval[], params: P) => Aval;
  /** Fill `out.data` (fresh, zeroed) from the inputs' data. Must be pure: jit may merge equal calls. */
  readonly cpu: (inputs: readonly CpuArray[], params: P, out: CpuArray) => void;
  /**
   * Optional WebGPU kernel: WGSL statements computing output element `i` (a u32) into `y[i]`,
   * reading the inputs as storage arrays `x0`, `x1`, ... (f32, i32, or u32 0/1 for bool).
   */
  readonly webgpu?: (ctx: { readonly inputs: readonly Aval[]; readonly out: Aval; readonly params: P }) => string;
  /**
   * Forward mode: the output tangent from the primals and their tangents (zeros where an input
   * has none), written with ops. Reverse mode transposes it, so it must be linear in the tangents.
   */
  readonly jvp?: (primals: readonly Tensor[], tangents: readonly Tensor[], params: P) => Tensor;
  /**
   * For a primitive linear in some operands: the cotangents of the operands given as
   * UndefPrimal (the linear ones), from the output's cotangent; null for the others.
   */
  readonly transpose?: (ct: Tensor, args: readonly (Tensor | UndefPrimal)[], params: P) => readonly (Tensor | null)[];
  /**
   * Batching: the result and its batch axis, given operands batched along `dims[i]` (null when
   * unbatched). Without it, vmap loops over the batch and stacks the results.
   */
  readonly batch?: (args: readonly Tensor[], dims: readonly (number | null)[], params: P, axisSize: number) => readonly [Tensor, number | null];
}

/** A defined primitive: apply it to tensors (and params), like any operation. */
export type Primitive<P> = (args: readonly Tensor[], params: P) => Tensor;

const KEYS = new Set(['name', 'abstractEval', 'cpu', 'webgpu', 'jvp', 'transpose', 'batch']);

function check(def: PrimitiveDefinition<unknown>): void {
  const fail = (msg: string): never => {
    throw new Error(`definePrimitive: ${msg}`);
  };
  if (typeof def !== 'object' || def === null) fail(`expects an object of rules, got ${T.describe(def)}`);
  const { name } = def;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`name must be an identifier, got ${JSON.stringify(name)}`);
  for (const k of Object.keys(def)) if (!KEYS.has(k)) fail(`${name}: unknown rule '${k}' (expected ${[...KEYS].join(', ')})`);
  for (const k of ['abstractEval', 'cpu']) if (typeof def[k as keyof typeof def] !== 'function') fail(`${name}: '${k}' must be a function`);
  for (const k of ['webgpu', 'jvp', 'transpose', 'batch']) {
    const v = def[k as keyof typeof def];
    if (v !== undefined && typeof v !== 'function') fail(`${name}: '${k}' must be a function when given`);
  }
  if (isPrim(name) || isHigherOrder(name) || findUserPrimitive(name)) fail(`a primitive named '${name}' already exists`);
}

/** Without a batching rule: run the primitive once per batch element and stack the results. */
const loopBatch = (name: string): BatchRule => (args, dims, params, size) => {
  const fronts = args.map((a, i) => (dims[i] === null ? undefined : moveBatchAxis(size, dims[i]!, 0, a)));
  const outs = Array.from({ length: size }, (_, b) => {
    const xs = args.map((a, i) => {
      const f = fronts[i];
      return f ? T.reshape(T.slice(f, [{ start: b, stop: b + 1 }]), f.shape.slice(1)) : a;
    });
    return bind(name, xs, params)[0]!;
  });
  return [[T.stack(outs, 0)], [0]];
};

/**
 * Define a primitive with its rules; returns the function that applies it. Every
 * transformation then handles it: grad and vjp through its jvp (and transpose when it is
 * linear), vmap through its batching rule, jit as an opaque call to its kernel.
 * @example
 *   const square = definePrimitive<{}>({
 *     name: 'mySquare',
 *     abstractEval: ([x]) => x!,
 *     cpu: ([x], _, out) => { for (let i = 0; i < out.data.length; i++) out.data[i] = x!.data[i]! ** 2; },
 *     jvp: ([x], [t]) => mul(mul(x!, 2), t!),
 *   });
 *   grad((x) => sum(square([x], {})))(tensor([1, 2]));   // [2, 4]
 */
export function definePrimitive<P extends object = Record<string, never>>(def: PrimitiveDefinition<P>): Primitive<P> {
  check(def as PrimitiveDefinition<unknown>);
  const { name } = def;
  registerUserPrimitive({ name, abstractEval: def.abstractEval, cpu: def.cpu, webgpu: def.webgpu });
  if (def.jvp) {
    const rule = def.jvp;
    const jvp: JvpRule = (primals, tangents, params) => {
      const y = bind(name, primals, params)[0]!;
      if (tangents.every(isZero)) return [[y], [new Zero(y)]];
      return [[y], [rule(primals, tangents.map(instantiate), params)]];
    };
    extraJvpRules.set(name, jvp);
  }
  if (def.transpose) {
    const rule = def.transpose;
    const transpose: TransposeRule = (ct, args, params) => [...rule(ct, args, params)];
    extraTransposeRules.set(name, transpose);
  }
  const batch = def.batch;
  extraBatchRules.set(name, batch ? (args, dims, params, size) => {
    const [y, d] = batch(args, dims, params, size);
    return [[y], [d]];
  } : loopBatch(name));
  const apply: Primitive<P> = (args, params) => {
    if (!Array.isArray(args) || !args.every((a) => a instanceof Tensor)) throw new Error(`${name}: expects an array of tensors, got ${T.describe(args)}`);
    return bind(name, args, params ?? {})[0]!;
  };
  Object.defineProperty(apply, 'name', { value: name });
  return apply;
}

export { UndefPrimal };
