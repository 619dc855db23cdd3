/**
 * User classes that act as tree nodes. Registration is keyed by prototype so that subclasses of a
 * registered class are nodes too (the nearest registered ancestor wins), matching `instanceof`.
 */
import { Tensor } from '../tensor/core';

/**
 * How to take a user class apart and put it back together.
 * `flatten` returns the children (which are trees themselves), auxiliary static data that is
 * part of the structure (compared with JSON-like deep equality), and optionally a key per child
 * so that key paths and error messages read `.weight` instead of `[0]`.
 *
 *   registerNode(Linear, { flatten: (l) => [[l.w, l.b], l.name, ['w', 'b']],
 *                          unflatten: (name, [w, b]) => new Linear(w, b, name) });
 */
export interface NodeDefinition<T = any> {
  flatten(x: T): readonly [children: readonly unknown[], aux: unknown, keys?: readonly (string | number)[]];
  unflatten(aux: any, children: any[]): T;
}

/** A registered class, with its name kept for readable structure strings. */
export interface RegisteredNode extends NodeDefinition {
  readonly name: string;
}

const registry = new Map<object, RegisteredNode>();

/**
 * Make instances of `cls` (and its subclasses) tree nodes instead of leaves.
 * Registering a class twice is an error, because two definitions would make structures ambiguous.
 *
 *   class Pair { constructor(readonly a: unknown, readonly b: unknown) {} }
 *   registerNode(Pair, { flatten: (p) => [[p.a, p.b], null], unflatten: (_, [a, b]) => new Pair(a, b) });
 */
export function registerNode<T extends object>(cls: abstract new (...args: any[]) => T, definition: NodeDefinition<T>): void {
  const name = cls.name || 'anonymous class';
  if (cls === (Tensor as unknown) || cls.prototype instanceof Tensor) {
    throw new Error(`tree.registerNode: ${name} is a Tensor class; tensors are always leaves`);
  }
  if (cls === (Array as unknown) || cls === (Object as unknown)) {
    throw new Error(`tree.registerNode: ${name} is built in; arrays and plain objects are already nodes`);
  }
  if (registry.has(cls.prototype)) throw new Error(`tree.registerNode: ${name} is already registered`);
  registry.set(cls.prototype, { name, flatten: definition.flatten, unflatten: definition.unflatten });
}

/** The definition for `x`'s class or its nearest registered ancestor, if any. */
export function lookupNode(x: object): RegisteredNode | undefined {
  if (registry.size === 0) return undefined;
  for (let proto = Object.getPrototypeOf(x); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const found = registry.get(proto);
    if (found) return found;
  }
  return undefined;
}
