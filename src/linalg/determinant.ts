/**
 * Determinants from the LU factorization: det(A) = sign(P) ∏ diag(U), with hand-written
 * derivatives as in jnp.linalg. d log|det A| = tr(A⁻¹ dA) reuses the factors; d det A =
 * tr(adj(A) dA) is computed from the factors too (JAX's cofactor solve), so it stays finite
 * and correct for a singular A of rank n - 1 whose zero pivot comes last, where det · A⁻¹ is 0 · ∞.
 */
import * as T from '../tensor';
import { type Tensor, type TensorLike } from '../tensor';
import { customJvp } from '../grad';
import { matrixDims, matrixOperand } from './args';

const L = T.laxLinalg;
type Factors = T.laxLinalg.LuFactors;

/** ±1: the sign of the row permutation, (-1)^(number of pivot rows that moved). */
function permutationSign(f: Factors, dtype: T.DType): Tensor {
  const m = f.pivots.shape[f.pivots.ndim - 1]!;
  const steps = T.tensor(Array.from({ length: m }, (_, i) => i), { dtype: 'int32' });
  return T.prod(T.where(T.equal(f.pivots, steps), T.scalar(1, dtype), -1), { axis: -1 });
}

const trace = (x: Tensor): Tensor => T.sum(L.diagonal(x), { axis: -1 });

/** The leading axes of a batch of matrices, as a broadcastable [..., 1, 1] shape. */
const asMatrix = (x: Tensor): Tensor => T.reshape(x, [...x.shape, 1, 1]);

/**
 * adj(A) B for square A = P⁻¹ L U and B [..., n, n], without dividing by a zero last pivot:
 * adj(A) B = det(A) U⁻¹ L⁻¹ P B, and with U's last pivot u replaced by 1 / (sign · ∏ of the
 * others), scaling all but the last row of L⁻¹ P B by det(A) gives the same product. If an
 * earlier pivot is zero (rank < n - 1, or rank n - 1 with an early zero pivot) the result is 0,
 * as in JAX (the true adjugate is 0 for rank < n - 1).
 */
function adjugateTimes(f: Factors, b: Tensor): Tensor {
  const [n] = matrixDims(f.lu);
  if (n === 1) return b;
  // sign · ∏ of the first n - 1 pivots, and det(A), as [..., 1, 1] matrices.
  const leading = T.mul(asMatrix(permutationSign(f, b.dtype)), asMatrix(T.prod(L.diagonal(L.block(f.lu, 0, n - 1, 0, n - 1)), { axis: -1 })));
  const det = T.mul(leading, L.block(f.lu, n - 1, n, n - 1, n));
  const singular = T.equal(leading, 0);
  const corner = T.tensor(Array.from({ length: n * n }, (_, i) => i === n * n - 1), { shape: [n, n], dtype: 'bool' });
  const lu = T.where(corner, T.div(1, T.where(singular, 1, leading)), f.lu);
  // Zeroing before and after keeps the singular case's infinities out of both directions.
  let x = T.where(singular, 0, L.permuteRows(b, f.permutation));
  x = L.triangularSolve(lu, x, { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
  x = L.stackRows([T.mul(L.block(x, 0, n - 1, 0, n), det), L.block(x, n - 1, n, 0, n)]);
  x = L.triangularSolve(lu, x, { leftSide: true, lower: false, transposeA: false, unitDiagonal: false });
  return T.where(singular, 0, x);
}

function detFromFactors(f: Factors, dtype: T.DType): Tensor {
  return T.mul(permutationSign(f, dtype), T.prod(L.diagonal(f.lu), { axis: -1 }));
}

const detOfMatrices: (a: Tensor) => Tensor = customJvp(
  (a: Tensor) => detFromFactors(L.lu(a), a.dtype),
  ([a]: Tensor[], [da]: Tensor[]) => {
    const f = L.lu(a!);
    return [detFromFactors(f, a!.dtype), trace(adjugateTimes(f, da!))];
  },
);

/**
 * Determinants of square matrices (numpy.linalg.det), by LU with partial pivoting. The
 * derivative is tr(adj(A) dA) (finite at singular matrices of rank n - 1, see above).
 * @example linalg.det(tensor([[1, 2], [3, 4]]))   // -2
 */
export function det(a: TensorLike): Tensor {
  const x = matrixOperand('det', a, { square: true });
  return matrixDims(x)[0] === 0 ? T.ones(x.shape.slice(0, -2), x.dtype) : detOfMatrices(x);
}

/** [sign, logabsdet] (NumPy's SlogdetResult order): det = sign · exp(logabsdet). */
export type SlogdetResult = readonly [sign: Tensor, logabsdet: Tensor];

function slogdetFromFactors(f: Factors, dtype: T.DType): [Tensor, Tensor] {
  const diag = L.diagonal(f.lu);
  // A zero pivot makes the sign 0 (+0: adding 0 clears a -0) and log|det| -inf by itself.
  const sign = T.add(T.mul(permutationSign(f, dtype), T.prod(T.sign(diag), { axis: -1 })), 0);
  return [sign, T.sum(T.log(T.abs(diag)), { axis: -1 })];
}

const slogdetOfMatrices: (a: Tensor) => [Tensor, Tensor] = customJvp(
  (a: Tensor) => slogdetFromFactors(L.lu(a), a.dtype),
  ([a]: Tensor[], [da]: Tensor[]) => {
    const f = L.lu(a!);
    const [sign, logabsdet] = slogdetFromFactors(f, a!.dtype);
    // The sign is piecewise constant; d log|det A| = tr(A⁻¹ dA).
    return [[sign, logabsdet], [T.zerosLike(sign), trace(L.luSolve(f, da!))]];
  },
);

/**
 * Sign and natural log of the absolute determinant (numpy.linalg.slogdet): accurate where det
 * itself would overflow or underflow. A singular matrix gives sign 0 and logabsdet -inf.
 * @example const [sign, logabsdet] = linalg.slogdet(tensor([[1, 2], [3, 4]]));   // -1, log 2
 */
export function slogdet(a: TensorLike): SlogdetResult {
  const x = matrixOperand('slogdet', a, { square: true });
  if (matrixDims(x)[0] === 0) {
    const one = T.ones(x.shape.slice(0, -2), x.dtype);
    return [one, T.zerosLike(one)];
  }
  const [sign, logabsdet] = slogdetOfMatrices(x);
  return [sign, logabsdet];
}
