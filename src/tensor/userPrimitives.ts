/**
 * The registry of user-defined primitives (tensorlaw/extend's definePrimitive). Built-in rule
 * tables are total over the built-in set; a name outside it is looked up here, after them, by
 * abstract evaluation, the backends and the jit lowerings.
 */
import type { Aval } from './aval';
import type { DType, TypedArray } from './dtype';
import type { Shape } from './shape';

/** A CPU operand or result of a user primitive's kernel: its data, shape and dtype. */
export interface CpuArray {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The tensor-layer part of a user primitive: its shape rule and its kernels. (Its jvp, transpose
 * and batching rules live with the interpreters, in src/grad.)
 */
export interface UserPrimitive<P = any> {
  readonly name: string;
  /** Output shape and dtype from the operands' (throw an OpError on bad operands). */
  abstractEval(args: readonly Aval[], params: P): Aval;
  /** Fill `out.data` (freshly allocated, zeroed) from the inputs' data; never write the inputs. */
  cpu(inputs: readonly CpuArray[], params: P, out: CpuArray): void;
  /**
   * WGSL statements computing output element `i` (a u32) into `y[i]`, reading the inputs as
   * storage arrays `x0`, `x1`, ... (f32 for float32, i32 for int32, u32 0/1 for bool).
   */
  webgpu?(ctx: { readonly inputs: readonly Aval[]; readonly out: Aval; readonly params: P }): string;
}

const registry = new Map<string, UserPrimitive>();

export function registerUserPrimitive(p: UserPrimitive): void {
  registry.set(p.name, p);
}

export function findUserPrimitive(name: string): UserPrimitive | undefined {
  return registry.get(name);
}

/** The user primitive `name`, or an error saying what was looked for and why. */
export function userPrimitive(name: string, purpose: string): UserPrimitive {
  const p = registry.get(name);
  if (!p) throw new Error(`${name}: unknown primitive (no ${purpose} rule); built-in primitives are listed in PRIMS and user primitives are declared with definePrimitive from 'tensorlaw/extend'`);
  return p;
}
