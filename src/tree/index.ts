/**
 * Pytrees: nested arrays, plain objects and registered classes whose leaves are tensors and
 * other values. Parameters, gradients and optimizer states are all trees, and every
 * transformation flattens its arguments to leaves with these functions.
 */
export { TreeDef } from './treedef';
export type { TreeOptions } from './node';
export { flatten, unflatten, leaves, structure, flattenWithPath, flattenUpTo, matchStructure, type MatchOptions } from './flatten';
export { map, mapWithPath, reduce, zip } from './map';
export { partition, combine } from './partition';
export { treeAt } from './at';
export { registerNode, type NodeDefinition } from './registry';
export type { Combined, LeafOf, LeafType, MapLeaves, Partitioned, TensorTree, Tree } from './types';
export { keyPathToString, type KeyPath } from './path';
