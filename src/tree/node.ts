/**
 * One level of a tree: is this value a leaf, an empty node, or a node with children?
 * Everything else in the module is a walk built on `viewNode`, so this file is the single place
 * that decides what counts as a node.
 */
import { Tensor } from '../tensor/core';
import { isPlainObject } from './equal';
import { lookupNode, type RegisteredNode } from './registry';

/**
 * Options shared by the flattening functions.
 * `isLeaf` is asked before anything else, so it can stop the walk at any subtree.
 *
 *   flatten({ a: [1, 2] }, { isLeaf: Array.isArray }); // [[[1, 2]], {a: *}]
 *   leaves(pairs, { isLeaf: (x) => Array.isArray(x) && x.length === 2 });
 */
export interface TreeOptions {
  isLeaf?: (x: unknown) => boolean;
}

export type NodeView =
  | { kind: 'leaf' }
  | { kind: 'none'; value: null | undefined }
  | { kind: 'array'; children: unknown[] }
  | { kind: 'object'; keys: string[]; children: unknown[]; nullPrototype: boolean }
  | { kind: 'custom'; type: RegisteredNode; aux: unknown; children: unknown[]; keys: readonly (string | number)[] | undefined };

const leafView: NodeView = { kind: 'leaf' };

export function viewNode(x: unknown, options?: TreeOptions): NodeView {
  if (options?.isLeaf?.(x)) return leafView;
  if (x === null || x === undefined) return { kind: 'none', value: x };
  if (typeof x !== 'object' || x instanceof Tensor) return leafView;
  // Array.from turns holes into undefined, so sparse arrays get a definite structure.
  if (Array.isArray(x)) return { kind: 'array', children: Array.from(x) };
  const type = lookupNode(x);
  if (type) {
    const [children, aux, keys] = type.flatten(x);
    if (keys !== undefined && keys.length !== children.length) {
      throw new Error(`tree: ${type.name}'s flatten returned ${children.length} children but ${keys.length} keys`);
    }
    return { kind: 'custom', type, aux, children: [...children], keys };
  }
  if (isPlainObject(x)) {
    // Sorted keys make {w, b} and {b, w} the same structure with the same leaf order.
    const keys = Object.keys(x).sort();
    return { kind: 'object', keys, children: keys.map((k) => x[k]), nullPrototype: Object.getPrototypeOf(x) === null };
  }
  return leafView;
}

/** The key under which child `i` of a node appears in key paths. */
export function childKey(view: NodeView, i: number): string | number {
  if (view.kind === 'object') return view.keys[i]!;
  if (view.kind === 'custom') return view.keys?.[i] ?? i;
  return i;
}

/** A plain object with the given own keys, keeping a null prototype when the original had one. */
export function buildObject(keys: readonly string[], values: readonly unknown[], nullPrototype: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = nullPrototype ? Object.create(null) : {};
  keys.forEach((k, i) => {
    // Assigning '__proto__' would change the prototype instead of adding a key.
    if (k === '__proto__') Object.defineProperty(out, k, { value: values[i], enumerable: true, writable: true, configurable: true });
    else out[k] = values[i];
  });
  return out;
}
