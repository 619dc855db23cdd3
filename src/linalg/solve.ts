/**
 * Linear systems: solve and inv, composed from LU and triangular solves, with a hand-written
 * derivative (JAX's custom_linear_solve idea). Differentiating through the LU factorization
 * would cost O(n³) per tangent; instead x = A⁻¹ b has dx = A⁻¹ (db - dA x), which reuses the
 * primal's factors, and reverse mode transposes A⁻¹ (a permutation and two triangular solves,
 * each linear in its right-hand side) into the solve with Aᵀ from the same factors:
 * the cotangents are b̄ = A⁻ᵀ x̄ and Ā = -b̄ xᵀ. The rule is written with ops, including the
 * primitives' own rules, so higher derivatives follow.
 */
import * as T from '../tensor';
import { fmtAval, type Tensor, type TensorLike } from '../tensor';
import { customJvp } from '../grad';
import { broadcastBatch, fail, matrixDims, matrixOperand, floatOperand } from './args';

const L = T.laxLinalg;

/** x with a x = b for a [..., n, n] and b [..., n, k] of equal batch axes. */
const solveMatrices: (a: Tensor, b: Tensor) => Tensor = customJvp(
  (a: Tensor, b: Tensor) => L.luSolve(L.lu(a), b),
  ([a, b]: Tensor[], [da, db]: Tensor[]) => {
    const factors = L.lu(a!);
    const x = L.luSolve(factors, b!);
    return [x, L.luSolve(factors, T.sub(db!, L.mm(da!, x)))];
  },
);

/**
 * Solve the linear systems A x = b (numpy.linalg.solve, NumPy 2 rules): A [..., n, n]; b [n]
 * (one vector, x [..., n]) or [..., n, k] (x [..., n, k]), batch axes broadcast. By LU with
 * partial pivoting; a singular A gives inf or NaN. Derivatives reuse the factors (see above).
 * @example linalg.solve(tensor([[3, 1], [1, 2]]), tensor([9, 8]))   // [2, 3]
 */
export function solve(a: TensorLike, b: TensorLike): Tensor {
  const ta = matrixOperand('solve', a, { square: true });
  const tb = floatOperand('solve', b, 'b');
  const n = ta.shape[ta.ndim - 1]!;
  const vector = tb.ndim === 1;
  if (tb.ndim === 0 || tb.shape[vector ? 0 : tb.ndim - 2] !== n) {
    fail('solve', `b must be [${n}] or [..., ${n}, k] for a of shape ${fmtAval(ta)}, got ${fmtAval(tb)}`);
  }
  const [x, y] = broadcastBatch('solve', ta, vector ? T.reshape(tb, [n, 1]) : tb);
  const out = solveMatrices(x, y);
  return vector ? T.reshape(out, out.shape.slice(0, -1)) : out;
}

/**
 * The inverse of square matrices (numpy.linalg.inv): solve(A, I). A singular matrix gives inf or NaN.
 * @example linalg.inv(tensor([[2, 0], [0, 4]]))   // [[0.5, 0], [0, 0.25]]
 */
export function inv(a: TensorLike): Tensor {
  const ta = matrixOperand('inv', a, { square: true });
  const [n] = matrixDims(ta);
  return solveMatrices(ta, T.broadcastTo(L.identity(n, ta.dtype), ta.shape));
}
