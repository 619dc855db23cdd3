/**
 * The structure of a tree with its leaves taken out: what `flatten` returns beside the leaves,
 * what `unflatten` needs to put them back, and what `jit` uses as part of its cache key.
 */
import { deepEqual } from './equal';
import { buildObject, type NodeView } from './node';
import type { KeyPath } from './path';
import type { RegisteredNode } from './registry';

/** A node of a structure: a NodeView without its children. */
export type DefNode =
  | { kind: 'leaf' }
  | { kind: 'none'; value: null | undefined }
  | { kind: 'array' }
  | { kind: 'object'; keys: readonly string[]; nullPrototype: boolean }
  | { kind: 'custom'; type: RegisteredNode; aux: unknown; keys: readonly (string | number)[] | undefined };

/**
 * An opaque tree structure. Two structures are equal when they have the same node kinds, the
 * same object keys, array lengths, registered classes and (deeply equal) aux data. `null` and
 * `undefined` are both empty nodes but distinct from each other; plain objects compare equal
 * whatever their prototype (Object.prototype or null).
 *
 *   structure({ w: [1, 2], b: 0 }).toString();                        // '{b: *, w: [*, *]}'
 *   structure({ b: 0, w: [3, 4] }).equals(structure({ w: [1, 2], b: 0 })); // true
 */
export class TreeDef {
  /** How many leaves a tree of this structure holds. */
  readonly numLeaves: number;

  /** @internal Use `structure` or `flatten`. */
  constructor(
    readonly node: DefNode,
    readonly children: readonly TreeDef[],
  ) {
    this.numLeaves = node.kind === 'leaf' ? 1 : children.reduce((n, c) => n + c.numLeaves, 0);
  }

  /** Whether `other` has exactly this structure (see the class comment for what counts). */
  equals(other: TreeDef): boolean {
    if (this === other) return true;
    if (this.numLeaves !== other.numLeaves || this.children.length !== other.children.length) return false;
    if (!sameNode(this.node, other.node)) return false;
    return this.children.every((c, i) => c.equals(other.children[i]!));
  }

  /** Readable structure with `*` for each leaf, e.g. `{b: *, w: [*, *]}` or `Linear{w: *, b: *}`. */
  toString(): string {
    const node = this.node;
    const kids = this.children.map((c) => c.toString());
    switch (node.kind) {
      case 'leaf':
        return '*';
      case 'none':
        return String(node.value);
      case 'array':
        return `[${kids.join(', ')}]`;
      case 'object':
        return `{${kids.map((k, i) => `${keyText(node.keys[i]!)}: ${k}`).join(', ')}}`;
      case 'custom': {
        const aux = node.aux === undefined || node.aux === null ? '' : `<${auxString(node.aux)}>`;
        const body = node.keys ? `{${kids.map((k, i) => `${keyText(node.keys![i]!)}: ${k}`).join(', ')}}` : `(${kids.join(', ')})`;
        return `${node.type.name}${aux}${body}`;
      }
    }
  }

  /** @internal The key of child `i` in key paths. */
  keyOf(i: number): string | number {
    const node = this.node;
    if (node.kind === 'object') return node.keys[i]!;
    if (node.kind === 'custom') return node.keys?.[i] ?? i;
    return i;
  }

  /** @internal Rebuild one level from already rebuilt children. */
  build(children: unknown[]): unknown {
    const node = this.node;
    switch (node.kind) {
      case 'leaf':
        return children[0];
      case 'none':
        return node.value;
      case 'array':
        return children;
      case 'object':
        return buildObject(node.keys, children, node.nullPrototype);
      case 'custom':
        return node.type.unflatten(node.aux, children);
    }
  }

  /** @internal The key path of every leaf, in leaf order. */
  leafPaths(): KeyPath[] {
    const out: KeyPath[] = [];
    const walk = (def: TreeDef, path: (string | number)[]): void => {
      if (def.node.kind === 'leaf') out.push(path.slice());
      def.children.forEach((c, i) => {
        path.push(def.keyOf(i));
        walk(c, path);
        path.pop();
      });
    };
    walk(this, []);
    return out;
  }
}

/** Whether two structure nodes agree on one level (children are compared by the caller). */
export function sameNode(a: DefNode, b: DefNode): boolean {
  switch (a.kind) {
    case 'leaf':
    case 'array':
      return a.kind === b.kind;
    case 'none':
      return b.kind === 'none' && a.value === b.value;
    case 'object':
      return b.kind === 'object' && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]);
    case 'custom':
      return b.kind === 'custom' && a.type === b.type && deepEqual(a.keys, b.keys) && deepEqual(a.aux, b.aux);
  }
}

/** Keys that are not identifiers are quoted, so `{'a, b': *}` cannot read as two keys. */
function keyText(key: string | number): string {
  return typeof key === 'number' || /^[A-Za-z_$][\w$]*$/.test(key) ? String(key) : JSON.stringify(key);
}

/** @internal How aux data appears in `toString` (and so in jit's cache keys). */
export function auxString(aux: unknown): string {
  try {
    return JSON.stringify(aux) ?? String(aux);
  } catch {
    return String(aux);
  }
}

/** The structure node for a view (drops the children, which the caller turns into TreeDefs). */
export function defNodeOf(view: NodeView): DefNode {
  switch (view.kind) {
    case 'leaf':
      return leafNode;
    case 'none':
      return view.value === null ? nullNode : undefinedNode;
    case 'array':
      return arrayNode;
    case 'object':
      return { kind: 'object', keys: view.keys, nullPrototype: view.nullPrototype };
    case 'custom':
      return { kind: 'custom', type: view.type, aux: view.aux, keys: view.keys };
  }
}

const leafNode: DefNode = { kind: 'leaf' };
const nullNode: DefNode = { kind: 'none', value: null };
const undefinedNode: DefNode = { kind: 'none', value: undefined };
const arrayNode: DefNode = { kind: 'array' };

/** Shared structure of a single leaf; `flatten` of any leaf returns it. */
export const leafDef = new TreeDef(leafNode, []);
