/**
 * The types of the transformations, computed from the transformed function's own types, so
 * `grad(loss)` returns the parameters' type and `vmap(f)` keeps f's signature. Type-level only
 * (nothing here exists at run time); test/types.test.ts pins the results.
 *
 * Conventions (docs/api.md, "Types"):
 * - a transformed function takes the arguments f declares (so `jit`, `grad` and `vmap` of f
 *   accept exactly what f does; a JS number stands for a tensor only where f says `number`);
 * - results are `AsTensors<R>`: R's structure with a Tensor at every leaf (numbers come back as
 *   scalar tensors);
 * - gradients, tangents and cotangents have their primal's type `AsTensors<A>`, and options that
 *   change the result's shape (`hasAux`, `argnums` lists) select an overload.
 */
import type { Tensor } from '../tensor';
import type { ShapeDtype } from './stagingApi';
import type { TensorTree } from '../tree';
export type { TensorTree };

/** `true` for `any` (kept as is, so untyped code stays untyped rather than becoming a union). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** Values a tree keeps as they are: empty nodes, static strings and functions. */
type Opaque = string | null | undefined | ((...args: never[]) => unknown);

/**
 * T's structure with a Tensor at every leaf: how a transformation returns f's output (a JS
 * number comes back as a scalar tensor) and the type of a gradient, tangent or cotangent of a
 * value of type T.
 * @example type G = AsTensors<{ w: Tensor; scale: number }>;   // { w: Tensor; scale: Tensor }
 */
export type AsTensors<T> =
  IsAny<T> extends true ? any
  : [TensorTree] extends [T] ? T
  : T extends Tensor | number | boolean ? Tensor
  : T extends Opaque ? T
  : { [K in keyof T]: AsTensors<T[K]> };

/** Positional arguments to differentiate: one index or a list of them (JAX's argnums). */
export type Argnums = number | readonly number[];

/**
 * The gradient for `argnums` I of arguments A: the argument's type for one index, a tuple of
 * them for a list (`argnums: [0, 2]` gives `[AsTensors<A[0]>, AsTensors<A[2]>]`).
 */
export type GradientOf<A extends readonly unknown[], I> =
  I extends number ? AsTensors<A[I]>
  : I extends readonly number[] ? { -readonly [K in keyof I]: AsTensors<A[I[K] & number]> }
  : never;

/** The tree of inputs a jacobian differentiates: one argument, or the tuple of several. */
export type JacobianInput<A extends readonly unknown[], I> =
  I extends number ? A[I]
  : I extends readonly number[] ? { -readonly [K in keyof I]: A[I[K] & number] }
  : never;

/**
 * The jacobian of an output of type Out with respect to an input of type In (JAX's layout):
 * Out's structure, and at each of its leaves In's structure of blocks (each block a Tensor of
 * shape [...outLeaf.shape, ...inLeaf.shape]).
 * @example type J = Jacobian<{ y: Tensor }, [Tensor, Tensor]>;   // { y: [Tensor, Tensor] }
 */
export type Jacobian<Out, In> =
  IsAny<Out> extends true ? any
  : Out extends Tensor | number | boolean ? AsTensors<In>
  : Out extends Opaque ? Out
  : { [K in keyof Out]: Jacobian<Out[K], In> };

/** A differentiable scalar output: a tensor of shape [] (checked at run time) or a number. */
export type ScalarOutput = Tensor | number;

/** A function's output paired with auxiliary data (hasAux: true). */
export type WithAux<Out, Aux> = readonly [Out, Aux];

/**
 * evalShape's arguments: f's arguments with each tensor leaf replaceable by a ShapeDtype.
 * @example const args: ShapeDtypeLike<[Tensor]> = [new ShapeDtype([2, 3])];
 */
export type ShapeDtypeLike<T> =
  IsAny<T> extends true ? any
  : T extends Tensor ? Tensor | ShapeDtype
  : T extends number | boolean ? T | Tensor | ShapeDtype
  : T extends Opaque ? T
  : { [K in keyof T]: ShapeDtypeLike<T[K]> };

/**
 * evalShape's result: T's structure with a ShapeDtype at every tensor (or number) leaf.
 * @example type S = ShapeDtypes<{ y: Tensor }>;   // { y: ShapeDtype }
 */
export type ShapeDtypes<T> =
  IsAny<T> extends true ? any
  : T extends Tensor | number | boolean ? ShapeDtype
  : T extends Opaque ? T
  : { [K in keyof T]: ShapeDtypes<T[K]> };
