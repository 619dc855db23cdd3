/**
 * Applying transformations to parts of the parameter tree: `masked` (inner only where a mask is
 * true), `freeze` (no movement where a mask is true) and label-based `partition` (one
 * transformation per group of parameters). Masks select subtrees with `tree.partition`, the inner
 * transformation sees a tree with `null` at the leaves it does not own, and `tree.combine` puts
 * the halves back.
 */
import { describeValue, isPlainObject, neg, opError, zerosLike, type Tensor } from '../tensor';
import { checkTransformation } from './checks';
import { combine, leaves, map, partition as splitTree } from '../tree';
import { stateless, type EmptyState, type GradientTransformation } from './transform';

/**
 * A pytree of booleans with the parameters' structure or a prefix of it (a boolean at a node
 * covers its whole subtree), or a function from the parameters (or updates) to such a tree.
 *
 *   const mask: Mask = { encoder: false, head: true };
 *   const weightsOnly: Mask = (params) => map((p: Tensor) => p.ndim > 1, params);
 */
export type Mask = unknown;

function resolve(mask: Mask, tree: unknown): unknown {
  return typeof mask === 'function' ? (mask as (t: unknown) => unknown)(tree) : mask;
}

/** The inner transformation's state, initialized on the masked-in parameters only. */
export interface MaskedState<S> {
  inner: S;
}

/**
 * Apply `inner` only to the leaves where `mask` is true; elsewhere updates pass through unchanged
 * (Optax's `masked`: unmasked leaves are not zeroed; use `freeze` for that). The inner
 * transformation's state and any global quantity it computes (a global norm, say) cover the
 * masked-in leaves only. A function mask is called with the params in `init` and with the
 * updates in `update`.
 *
 *   masked(addDecayedWeights(1e-4), (p) => map((x: Tensor) => x.ndim > 1, p));   // no decay on biases
 *   masked(scaleByAdam(), { head: true });
 */
export function masked<S>(inner: GradientTransformation<S>, mask: Mask): GradientTransformation<MaskedState<S>> {
  checkTransformation('masked', inner);
  if (mask === undefined || mask === null) opError('masked', 'expects a mask: a boolean, a tree of booleans or a function from the params to one');
  return {
    init(params) {
      const [selected] = splitTree(params, resolve(mask, params));
      return { inner: inner.init(selected) };
    },
    update(updates, state, params, extra) {
      const m = resolve(mask, updates);
      const [selected, rest] = splitTree(updates, m);
      const selectedParams = params === undefined ? undefined : splitTree(params, m)[0];
      const [changed, innerState] = inner.update(selected, state.inner, selectedParams, extra);
      // The two halves of one split merge back into the updates' own type.
      return [combine(changed, rest) as typeof updates, { inner: innerState }];
    },
  };
}

/**
 * Zero the updates of every leaf where `mask` is true, so those parameters stay bit-identical
 * under `applyUpdates`. The zeros are -0: `p + (-0)` is `p` for every float, -0 included, while
 * `-0 + 0` would flip the sign bit of a -0 parameter. Put it last in a chain.
 *
 *   chain(adam(1e-3), freeze({ encoder: true }));
 *   chain(sgd(0.1), freeze((p) => map((x: Tensor) => x.ndim === 1, p)));   // freeze biases
 */
export function freeze(mask: Mask): GradientTransformation<MaskedState<EmptyState>> {
  return masked(stateless((g: Tensor) => neg(zerosLike(g))), mask);
}

/** One inner state per label. */
export interface PartitionState {
  innerStates: Record<string, MaskedState<unknown>>;
}

/**
 * Label-based partition (Optax's `partition`, formerly `multi_transform`): `labels` is a tree of
 * label strings with the params' structure (or a prefix), or a function from params to it; each
 * leaf is updated by the transformation of its label. Every label used must have a
 * transformation.
 *
 *   partition({ train: adam(1e-3), frozen: freeze(true) }, { encoder: 'frozen', head: 'train' });
 *   partition({ decay: adamw(1e-3), plain: adam(1e-3) }, (p) => map((x: Tensor) => (x.ndim > 1 ? 'decay' : 'plain'), p));
 */
export function partition(transforms: Record<string, GradientTransformation<any>>, labels: unknown): GradientTransformation<PartitionState> {
  if (!isPlainObject(transforms)) opError('optim.partition', `expects { label: transformation } as its first argument, got ${describeValue(transforms)}`);
  const names = Object.keys(transforms);
  names.forEach((name) => checkTransformation('optim.partition', transforms[name], `the transformation for label ${JSON.stringify(name)}`));
  const groups = (tree: unknown) => {
    const ls = resolve(labels, tree);
    const unknown = [...new Set(leaves(ls))].filter((l) => typeof l !== 'string' || !names.includes(l));
    if (unknown.length > 0) {
      throw new Error(`optim.partition: labels ${unknown.map((l) => JSON.stringify(l)).join(', ')} have no transformation (known: ${names.join(', ')})`);
    }
    return names.map((name) => masked(transforms[name]!, map((l: string) => l === name, ls)));
  };
  return {
    init(params) {
      const txs = groups(params);
      return { innerStates: Object.fromEntries(names.map((name, i) => [name, txs[i]!.init(params)])) };
    },
    update(updates, state, params, extra) {
      const txs = groups(updates);
      let u = updates;
      const innerStates: Record<string, MaskedState<unknown>> = {};
      names.forEach((name, i) => {
        [u, innerStates[name]] = txs[i]!.update(u, state.innerStates[name]!, params, extra);
      });
      return [u, { innerStates }];
    },
  };
}

/**
 * Alias of `partition` under Optax's older name.
 *
 *   multiTransform({ a: sgd(0.1), b: freeze(true) }, { w: 'a', v: 'b' });
 *   multiTransform(transforms, (params) => labelsFor(params));
 */
export const multiTransform = partition;
