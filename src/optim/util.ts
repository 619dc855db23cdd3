/**
 * Leafwise helpers shared by the transformations. Everything here is built from tensor ops, so a
 * transformation written with them stays traceable by grad, vmap and jit.
 */
import { abs, add, all, astype, div, isFloat, less, logicalAnd, minimum, mul, pow, scalar, sub, sum, square, Tensor, where, zerosLike, type TensorLike } from '../tensor';
import { leaves, map, type TensorTree } from '../tree';

/** The step counters' dtype and the largest value they reach (they saturate instead of wrapping). */
const INT32_MAX = 2147483647;

/** A fresh step counter: an int32 scalar tensor at 0. */
export function zeroCount(): Tensor {
  return scalar(0, 'int32');
}

/** `count + 1`, saturating at the int32 maximum (Optax's `safe_int32_increment`). */
export function incrementCount(count: Tensor): Tensor {
  return add(minimum(count, INT32_MAX - 1), 1);
}

/** The float dtype a leaf computes in: its own when float, float32 otherwise. */
function floatTypeOf(x: Tensor): 'float32' | 'float64' {
  return isFloat(x.dtype) ? (x.dtype as 'float32' | 'float64') : 'float32';
}

/** `x * s`, keeping `x`'s dtype whatever `s` is (a float64 learning rate must not widen float32 updates). */
export function scaleLeaf(x: Tensor, s: TensorLike): Tensor {
  return astype(mul(x, s), x.dtype);
}

/**
 * Moments, traces and accumulators have the updates' structure, but a state's static type cannot
 * name the parameters' type (init is not generic in it), so states store them as TensorTree.
 */
export function asTree(tree: unknown): TensorTree {
  return tree as TensorTree;
}

/** A tree of zeros shaped like `tree` (same dtypes); empty nodes stay empty. */
export function zerosLikeTree(tree: unknown): TensorTree {
  return asTree(map((x: Tensor) => zerosLike(x), tree));
}

/** Exponential moving average `decay * m + (1 - decay) * g^order`, leafwise (Optax's `update_moment`). */
export function updateMoment<T>(updates: T, moments: TensorTree, decay: number, order: 1 | 2): T {
  return map((g: Tensor, m: Tensor) => add(mul(m, decay), mul(order === 1 ? g : square(g), 1 - decay)), updates, moments);
}

/** `m / (1 - decay^count)` leafwise, computing the power in each leaf's float dtype. */
export function biasCorrection<T>(moments: T, decay: number, count: Tensor): T {
  return map((m: Tensor) => {
    const t = astype(count, floatTypeOf(m));
    return astype(div(m, sub(1, pow(decay, t))), m.dtype);
  }, moments);
}

/** A bool scalar: every element of every leaf is finite (no NaN, no ±Infinity). */
export function allFinite(tree: unknown): Tensor {
  // |x| < Infinity is false exactly for NaN and the infinities.
  return leaves(tree).reduce<Tensor>((ok, x) => logicalAnd(ok, all(less(abs(x as Tensor), Infinity))), scalar(true));
}

/** Sum of squares of all leaves, as one scalar in the widest leaf dtype (float32 for none). */
export function sumOfSquares(tree: unknown): Tensor {
  return leaves(tree).reduce<Tensor>((acc, x) => add(acc, sum(square(x as Tensor))), scalar(0));
}

/**
 * Select between two trees of the same structure with a bool scalar `flag`: tensor leaves through
 * `where`, so no JS branch depends on data; other (static) leaves come from `ifFalse`.
 */
export function selectTree<T>(flag: Tensor, ifTrue: T, ifFalse: T): T {
  const selected: unknown = map((a: unknown, b: unknown) => (a instanceof Tensor && b instanceof Tensor ? astype(where(flag, a, b), b.dtype) : b), ifTrue, ifFalse);
  return selected as T;
}
