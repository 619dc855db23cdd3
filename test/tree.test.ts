import { describe, expect, it } from 'vitest';
import { fromStorage, Tensor } from '../src/tensor/core';
import {
  combine,
  flatten,
  flattenUpTo,
  flattenWithPath,
  keyPathToString,
  leaves,
  map,
  mapWithPath,
  partition,
  reduce,
  registerNode,
  structure,
  treeAt,
  unflatten,
  zip,
} from '../src/tree';
import { sameValue } from '../laws/approx';

const vec = (...xs: number[]) => fromStorage([xs.length], 'float32', new Float32Array(xs));

class Linear {
  constructor(
    readonly w: unknown,
    readonly b: unknown,
    readonly name: string,
  ) {}
}
registerNode(Linear, {
  flatten: (l) => [[l.w, l.b], l.name, ['w', 'b']],
  unflatten: (name, [w, b]) => new Linear(w, b, name),
});

class Pair {
  constructor(
    readonly first: unknown,
    readonly second: unknown,
  ) {}
}
registerNode(Pair, { flatten: (p) => [[p.first, p.second], undefined], unflatten: (_, [a, b]) => new Pair(a, b) });
class LabeledPair extends Pair {}

describe('flatten and structure', () => {
  it('orders object keys by sorted key, so key order does not matter', () => {
    const [xs, def] = flatten({ w: [1, 2], b: 3 });
    expect(xs).toEqual([3, 1, 2]);
    expect(def.toString()).toBe('{b: *, w: [*, *]}');
    expect(structure({ b: 0, w: [0, 0] }).equals(def)).toBe(true);
    expect(leaves({ b: 3, w: [1, 2] })).toEqual(xs);
  });

  it('treats numbers, booleans, strings, functions, unregistered instances and Tensors as leaves', () => {
    const t = vec(1, 2);
    const f = () => 0;
    const d = new Date(0);
    const [xs, def] = flatten([1, true, 'relu', f, d, t]);
    expect(xs).toEqual([1, true, 'relu', f, d, t]);
    expect(xs[5]).toBe(t);
    expect(def.numLeaves).toBe(6);
    expect(flatten(5)[1].toString()).toBe('*');
  });

  it('keeps null and undefined as empty nodes with no leaves', () => {
    const [xs, def] = flatten({ a: null, b: [undefined, 1] });
    expect(xs).toEqual([1]);
    expect(def.toString()).toBe('{a: null, b: [undefined, *]}');
    expect(def.numLeaves).toBe(1);
    const back = unflatten(def, [7]);
    expect(back).toEqual({ a: null, b: [undefined, 7] });
    expect(back.a).toBeNull();
    expect(structure(null).numLeaves).toBe(0);
    expect(structure([null]).equals(structure([undefined]))).toBe(false);
  });

  it('distinguishes structures by keys, lengths and leaf positions', () => {
    expect(structure({ a: 1 }).equals(structure({ b: 1 }))).toBe(false);
    expect(structure([1, 2]).equals(structure([1]))).toBe(false);
    expect(structure([1, [2]]).equals(structure([1, 2]))).toBe(false);
    expect(structure([vec(1), 2]).equals(structure([3, vec(4, 5)]))).toBe(true);
  });

  it('unflatten rejects the wrong number of leaves with a clear message', () => {
    const def = structure({ a: 1, b: [2, 3] });
    expect(() => unflatten(def, [1, 2])).toThrow('tree.unflatten: structure {a: *, b: [*, *]} holds 3 leaves, got 2');
  });

  it('does not mutate its input and round-trips Tensors by identity', () => {
    const t = vec(1, 2);
    const tree = { w: t, b: [1, 2] };
    const copy = structuredClone({ b: tree.b });
    const [xs, def] = flatten(tree);
    const back = unflatten(def, xs);
    expect(back).not.toBe(tree);
    expect(back.w).toBe(t);
    expect(tree.b).toEqual(copy.b);
    expect(Array.from(back.w.dataSync())).toEqual([1, 2]);
  });

  it('supports isLeaf to stop at chosen subtrees', () => {
    const [xs, def] = flatten({ a: [1, 2], b: 3 }, { isLeaf: Array.isArray });
    expect(xs).toEqual([[1, 2], 3]);
    expect(def.toString()).toBe('{a: *, b: *}');
  });

  it('detects cycles', () => {
    const a: unknown[] = [1];
    a.push({ back: a });
    expect(() => flatten(a)).toThrow('tree.flatten: the tree contains a cycle at [1].back');
  });

  it('flattenUpTo lines a prefix up with a deeper tree', () => {
    expect(flattenUpTo(structure({ a: 0, b: 0 }), { a: [1, 2], b: 3 })).toEqual([[1, 2], 3]);
    expect(() => flattenUpTo(structure({ a: 0 }), { b: 1 })).toThrow('structures differ at the root');
  });
});

describe('key paths', () => {
  it('prints paths in accessor syntax', () => {
    expect(keyPathToString(['layers', 0, 'weight'])).toBe('.layers[0].weight');
    expect(keyPathToString([])).toBe('');
    expect(keyPathToString(['my key', 2])).toBe('["my key"][2]');
  });

  it('flattenWithPath pairs every leaf with its path in leaf order', () => {
    expect(flattenWithPath({ layers: [{ w: 1, b: 2 }], out: null })).toEqual([
      [['layers', 0, 'b'], 2],
      [['layers', 0, 'w'], 1],
    ]);
    expect(flattenWithPath(7)).toEqual([[[], 7]]);
  });
});

describe('map', () => {
  it('maps over several trees leafwise and keeps empty nodes', () => {
    const out = map((x: number, y: number) => x + y, { a: 1, b: [2, null] }, { b: [20, null], a: 10 });
    expect(out).toEqual({ a: 11, b: [22, null] });
  });

  it('maps Tensors', () => {
    const out = map((t: Tensor) => t.shape[0], { w: vec(1, 2, 3), b: vec(0) });
    expect(out).toEqual({ b: 1, w: 3 });
  });

  it('names the key path where structures differ', () => {
    const a = { layers: [{ w: 1 }, { w: 2 }] };
    const b = { layers: [{ w: 1 }, { w: [2, 3] }] };
    expect(() => map((x: number) => x, a, b)).toThrow('tree.map: structures differ at .layers[1].w: tree 1 has a leaf, tree 2 has [*, *]');
    expect(() => map((x: number) => x, a, { layers: [{ w: 1 }] })).toThrow('tree.map: structures differ at .layers: tree 1 has [{w: *}, {w: *}], tree 2 has [{w: *}]');
    expect(() => map((x: number) => x, { a: 1 }, { a: 1 }, { b: 1 })).toThrow('tree.map: structures differ at the root: tree 1 has {a: *}, tree 3 has {b: *}');
    expect(() => map((x: number) => x, [null], [1])).toThrow('at [0]: tree 1 has null, tree 2 has a leaf');
  });

  it('takes a trailing { isLeaf } (JAX is_leaf): the walk stops there and the other trees match up to it', () => {
    const pairs = { a: [1, 2], b: { c: [3, 4] } };
    const isLeaf = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number');
    expect(map((p: number[]) => p[0]! + p[1]!, pairs, { isLeaf })).toEqual({ a: 3, b: { c: 7 } });
    // The second tree holds whole subtrees at the first tree's leaf positions.
    expect(map((p: number[], q: { s: number }) => p[0]! * q.s, pairs, { a: { s: 10 }, b: { c: { s: 100 } } }, { isLeaf })).toEqual({ a: 10, b: { c: 300 } });
    expect(mapWithPath((path, p: number[]) => `${keyPathToString(path)}=${p.length}`, pairs, { isLeaf })).toEqual({ a: '.a=2', b: { c: '.b.c=2' } });
    // Without isLeaf an options-looking object that is not { isLeaf: function } is a tree as before.
    expect(() => map((x: number) => x, { a: 1 }, { isLeaf: 1 })).toThrow('tree.map: structures differ at the root: tree 1 has {a: *}, tree 2 has {isLeaf: *}');
    expect(() => map(undefined as never, { a: 1 })).toThrow('tree.map: expects a function of the leaves as its first argument, got undefined');
  });

  it('mapWithPath passes the key path', () => {
    const out = mapWithPath((path, x: number) => (path.at(-1) === 'b' ? x : x * 10), { w: 1, b: 2, inner: { b: 3 } });
    expect(out).toEqual({ w: 10, b: 2, inner: { b: 3 } });
    expect(mapWithPath((path) => keyPathToString(path), { layers: [{ w: 0 }] })).toEqual({ layers: [{ w: '.layers[0].w' }] });
  });

  it('reduce folds leaves in order', () => {
    expect(reduce((acc: number[], x: number) => [...acc, x], { b: [1, 2], a: 0 }, [] as number[])).toEqual([0, 1, 2]);
    expect(reduce((n, t: Tensor) => n + t.size, [vec(1, 2), vec(3)], 0)).toBe(3);
  });

  it('zip puts tuples at the first tree leaf positions', () => {
    const zipped = zip({ a: 1, b: [2] }, { a: 'x', b: ['y'] });
    expect(zipped).toEqual({ a: [1, 'x'], b: [[2, 'y']] });
    expect(flattenUpTo(structure({ a: 1, b: [2] }), zipped)).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(() => zip([1], [1, 2])).toThrow('tree.zip: structures differ at the root');
  });
});

describe('registered nodes', () => {
  it('flattens registered classes with keys in paths and aux in the structure', () => {
    const layer = new Linear(vec(1, 2), 0.5, 'dense');
    const [xs, def] = flatten({ layer });
    expect(xs).toEqual([layer.w, 0.5]);
    expect(def.toString()).toBe('{layer: Linear<"dense">{w: *, b: *}}');
    const back = unflatten(def, [1, 2]);
    expect(back.layer).toBeInstanceOf(Linear);
    expect(back.layer).toEqual(new Linear(1, 2, 'dense'));
    expect(flattenWithPath(layer).map(([p]) => keyPathToString(p))).toEqual(['.w', '.b']);
  });

  it('compares aux data by deep equality', () => {
    expect(structure(new Linear(1, 2, 'a')).equals(structure(new Linear(3, 4, 'a')))).toBe(true);
    expect(structure(new Linear(1, 2, 'a')).equals(structure(new Linear(1, 2, 'b')))).toBe(false);
    expect(() => map((x: number) => x, new Linear(1, 2, 'a'), new Linear(1, 2, 'b'))).toThrow('structures differ at the root');
  });

  it('treats subclasses of a registered class as nodes', () => {
    const [xs, def] = flatten(new LabeledPair(1, [2, 3]));
    expect(xs).toEqual([1, 2, 3]);
    expect(def.toString()).toBe('Pair(*, [*, *])');
  });

  it('maps through registered nodes and names their keys in errors', () => {
    const net = { layers: [new Linear(1, 2, 'a'), new Linear(3, 4, 'b')] };
    const doubled = map((x: number) => x * 2, net);
    expect(doubled.layers[1]).toEqual(new Linear(6, 8, 'b'));
    const bad = { layers: [new Linear(1, 2, 'a'), new Linear([3], 4, 'b')] };
    expect(() => map((x: number) => x, net, bad)).toThrow('structures differ at .layers[1].w');
  });

  it('refuses to register Tensor, built-ins, or a class twice', () => {
    expect(() => registerNode(Tensor, { flatten: () => [[], null], unflatten: () => vec() })).toThrow('tensors are always leaves');
    expect(() => registerNode(Array, { flatten: () => [[], null], unflatten: () => [] })).toThrow('already nodes');
    expect(() => registerNode(Pair, { flatten: () => [[], null], unflatten: () => new Pair(0, 0) })).toThrow('already registered');
  });
});

describe('treeAt', () => {
  it('replaces the node chosen by a function and leaves the input unchanged', () => {
    const tree = { a: 1, b: [1, 1] };
    const out = treeAt(tree, (t) => t.b[1], 9);
    expect(out).toEqual({ a: 1, b: [1, 9] });
    expect(tree).toEqual({ a: 1, b: [1, 1] });
    expect(out.b).not.toBe(tree.b);
  });

  it('tells equal numbers apart (identity via placeholders)', () => {
    expect(treeAt({ x: 1, y: 1 }, (t) => t.y, 5)).toEqual({ x: 1, y: 5 });
  });

  it('replaces subtrees, Tensors and empty nodes, with a value or a function of the old value', () => {
    const t = vec(1, 2);
    const tree = { enc: { w: t, b: null }, head: [1, 2] };
    expect(treeAt(tree, (x) => x.head, [0])).toEqual({ enc: { w: t, b: null }, head: [0] });
    expect(treeAt(tree, (x) => x.enc.b, 3).enc.b).toBe(3);
    const scaled = treeAt(tree, (x) => x.enc.w, (old: Tensor) => old.shape.length);
    expect(scaled.enc.w).toBe(1);
    expect(treeAt(tree, (x) => x, 'root')).toBe('root');
  });

  it('accepts a key path, through registered nodes too', () => {
    const net = { layers: [new Linear(1, 2, 'a')] };
    const out = treeAt(net, ['layers', 0, 'b'], (b: number) => b + 1);
    expect(out.layers[0]).toEqual(new Linear(1, 3, 'a'));
    expect(net.layers[0]!.b).toBe(2);
    expect(treeAt(net, (n) => n.layers[0]!.w, 7).layers[0]).toEqual(new Linear(7, 2, 'a'));
  });

  it('throws a clear error when the node is not found', () => {
    const tree = { a: 1, b: [1, 2] };
    expect(() => treeAt(tree, () => 5, 0)).toThrow('tree.treeAt: `where` did not return a node or leaf of the tree');
    expect(() => treeAt(tree, ['b', 5], 0)).toThrow('tree.treeAt: no node at .b[5]: the array at .b has length 2');
    expect(() => treeAt(tree, ['c'], 0)).toThrow('tree.treeAt: no node at .c: the node at the root has keys {a, b}');
    expect(() => treeAt(tree, ['a', 'x'], 0)).toThrow('tree.treeAt: no node at .a.x: .a is a leaf (number)');
  });
});

describe('partition and combine', () => {
  const t = vec(1, 2);
  const model = { w: t, activation: 'relu', layers: [{ w: vec(3), size: 4 }], extra: null };

  it('partitions with a predicate, leaving null placeholders', () => {
    const [tensors, rest] = partition(model, (x) => x instanceof Tensor);
    expect(tensors).toEqual({ w: t, activation: null, layers: [{ w: model.layers[0]!.w, size: null }], extra: null });
    expect(rest).toEqual({ w: null, activation: 'relu', layers: [{ w: null, size: 4 }], extra: null });
    expect(sameValue.equals(combine(tensors, rest), model)).toBe(true);
  });

  it('passes key paths to the predicate', () => {
    const [biases] = partition({ w: 1, b: 2, inner: { b: 3 } }, (_, path) => path.at(-1) === 'b');
    expect(biases).toEqual({ w: null, b: 2, inner: { b: 3 } });
  });

  it('partitions with a prefix mask tree', () => {
    const tree = { encoder: { w: 1, b: [2, 3] }, head: { w: 4 } };
    const [trainable, frozen] = partition(tree, { encoder: false, head: true });
    expect(trainable).toEqual({ encoder: { w: null, b: [null, null] }, head: { w: 4 } });
    expect(frozen).toEqual({ encoder: { w: 1, b: [2, 3] }, head: { w: null } });
    expect(combine(trainable, frozen)).toEqual(tree);
    expect(partition(tree, true)[1]).toEqual({ encoder: { w: null, b: [null, null] }, head: { w: null } });
    const [leafMasked] = partition([1, 2], [true, false]);
    expect(leafMasked).toEqual([1, null]);
  });

  it('rejects masks that do not fit or hold non-booleans', () => {
    expect(() => partition({ a: 1 }, { b: true })).toThrow('tree.partition: structures differ at the root: the mask has {b: *}, the tree has {a: *}');
    expect(() => partition({ a: [1] }, { a: 'yes' })).toThrow('tree.partition: mask leaves must be booleans, got string at .a');
  });

  it('combine takes the first present value and keeps empty positions', () => {
    expect(combine({ a: 1, b: null, c: undefined }, { a: 5, b: 2, c: undefined })).toEqual({ a: 1, b: 2, c: undefined });
    expect(combine([null, [1, null]], [[2], [null, 3]])).toEqual([[2], [1, 3]]);
    expect(() => combine({ a: [1, null] }, { a: [null, 2, 3] })).toThrow('tree.combine: trees differ at .a');
  });

  it('round-trips registered nodes', () => {
    const net = { layers: [new Linear(vec(1), 0, 'a')] };
    const [tensors, rest] = partition(net, (x) => x instanceof Tensor);
    expect(tensors.layers[0]).toEqual(new Linear(net.layers[0]!.w, null, 'a'));
    const back = combine(tensors, rest);
    expect(back.layers[0]).toBeInstanceOf(Linear);
    expect(sameValue.equals(back, net)).toBe(true);
  });
});
