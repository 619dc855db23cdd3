/**
 * stopGradient over a whole pytree (JAX's `lax.stop_gradient` takes any tree): every tensor leaf
 * passes through unchanged in value but carries no derivative. It lives here rather than beside
 * the tensor op because the tensor layer knows nothing of trees.
 */
import * as T from '../tensor';
import { Tensor, type TensorLike } from '../tensor';
import { map } from '../tree';

/**
 * Values pass through unchanged but no derivative flows back through them; on a tree, every
 * tensor leaf is stopped (numbers and other leaves are constants already and stay as they are).
 * @example grad((x) => mul(x, stopGradient(x)))(3)          // 3, not 6
 * @example const target = stopGradient({ w: params.w, b: params.b });   // a frozen copy of a subtree
 */
export function stopGradient(x: TensorLike): Tensor;
export function stopGradient<Tree>(tree: Tree): Tree;
export function stopGradient(tree: unknown): unknown {
  if (tree instanceof Tensor || typeof tree === 'number' || typeof tree === 'boolean') return T.stopGradient(tree);
  // A bare string or function is not a tree of values: most likely an argument slipped.
  if (tree !== undefined && typeof tree !== 'object') T.opError('stopGradient', `expects a tensor, a number or a pytree of them, got ${T.describeValue(tree)}`);
  return map((leaf: unknown) => (leaf instanceof Tensor ? T.stopGradient(leaf) : leaf), tree);
}
