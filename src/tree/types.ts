/**
 * Tree types: what `leaves`, `map`, `partition` and `combine` return, computed from the input
 * tree's type. Type-level only; at run time a leaf is whatever `viewNode` says.
 *
 * At the type level a leaf is a tensor, number, boolean, string, bigint, symbol or function;
 * arrays, tuples and other objects are nodes whose fields are the children (a class registered
 * with `registerNode` is seen through its fields, which is right when its fields are its
 * children). `null`/`undefined` are empty nodes. `any` stays `any`, and an `unknown` tree gives
 * `unknown` results, so loosely typed code keeps compiling as before.
 */
import type { Tensor } from '../tensor/core';

type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * A tree of any depth with leaves of type L: arrays and plain objects of them, with
 * `null`/`undefined` as empty nodes.
 * @example const shapes: Tree<number[]> = { w: [3, 2], b: [[2], null] };
 */
export type Tree<L> = L | null | undefined | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/**
 * A pytree of tensors (parameters, gradients, optimizer moments). An interface type is not
 * assignable to it (TypeScript gives interfaces no index signature), so functions over trees
 * take a type parameter instead and compute their results from it.
 * @example const params: TensorTree = { w: zeros([3, 2]), b: [zeros([2]), null] };
 */
export type TensorTree = Tree<Tensor>;

/**
 * The values a tree type treats as leaves.
 * @example const leaf: LeafType = zeros([2]);
 */
export type LeafType = Tensor | number | boolean | string | bigint | symbol | ((...args: never[]) => unknown);

/**
 * The union of the leaf types of a tree type: `LeafOf<{ w: Tensor; n: number[] }>` is
 * `Tensor | number`.
 * @example const xs: LeafOf<typeof params>[] = leaves(params);
 */
export type LeafOf<T> =
  IsAny<T> extends true ? any
  : unknown extends T ? unknown
  : [TensorTree] extends [T] ? Tensor
  : T extends null | undefined ? never
  : T extends LeafType ? T
  : T extends readonly (infer E)[] ? LeafOf<E>
  : { [K in keyof T]-?: LeafOf<T[K]> }[keyof T];

/**
 * T's structure with every leaf replaced by R (what `map` returns); empty nodes stay.
 * @example type Shapes = MapLeaves<{ w: Tensor; b: Tensor | null }, number[]>;   // { w: number[]; b: number[] | null }
 */
export type MapLeaves<T, R> =
  IsAny<T> extends true ? any
  : unknown extends T ? unknown
  : [TensorTree] extends [T] ? Tree<R>
  : T extends null | undefined ? T
  : T extends LeafType ? R
  : { [K in keyof T]: MapLeaves<T[K], R> };

/**
 * One half of `partition(tree, ...)`: T's structure where any leaf may be `null` (the leaves
 * the other half holds).
 * @example const [trainable, frozen]: [Partitioned<Params>, Partitioned<Params>] = partition(params, mask);
 */
export type Partitioned<T> =
  IsAny<T> extends true ? any
  : unknown extends T ? unknown
  : [TensorTree] extends [T] ? T
  : T extends null | undefined ? T
  : T extends LeafType ? T | null
  : { [K in keyof T]: Partitioned<T[K]> };

/**
 * What `combine` of partitioned halves gives: the `null` placeholders of leaves removed, so
 * `combine(...partition(params, mask))` has the type of `params` again.
 * @example const merged: Combined<Partitioned<Params>> = combine(trainable, frozen);
 */
export type Combined<T> =
  IsAny<T> extends true ? any
  : unknown extends T ? unknown
  : [TensorTree] extends [T] ? T
  : [T] extends [null | undefined] ? T
  : NonNullable<T> extends LeafType ? NonNullable<T>
  : CombinedNode<NonNullable<T>>;

type CombinedNode<T> = { [K in keyof T]: Combined<T[K]> };
