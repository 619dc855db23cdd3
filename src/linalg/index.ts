/**
 * tensorlaw's linear algebra, mirroring jnp.linalg: `import { linalg } from 'tensorlaw'`, then
 * `linalg.solve(a, b)`. Matrices live in the last two axes and leading axes batch, as in NumPy.
 *
 * The decompositions (cholesky, qr, eigh, svd, lu) and triangularSolve are primitives with JAX's
 * derivative rules; solve, inv, det, slogdet and norm are composed from them, solve and the
 * determinants with hand-written derivatives that reuse the LU factors (docs/architecture.md,
 * "Linear algebra", says why).
 * @example
 *   import { linalg, tensor } from 'tensorlaw';
 *   const a = tensor([[4, 1], [1, 3]]);
 *   linalg.solve(a, tensor([1, 2]));         // [0.0909, 0.6364]
 *   const [w, v] = linalg.eigh(a);           // ascending eigenvalues, eigenvectors as columns
 */
export { cholesky, qr, eigh, eigvalsh, svd, svdvals, lu, triangularSolve } from './decompositions';
export type { CholeskyOptions, QrOptions, QrResult, EighResult, SvdOptions, SvdResult, LuResult, TriangularSolveOptions } from './decompositions';
export { solve, inv } from './solve';
export { det, slogdet } from './determinant';
export type { SlogdetResult } from './determinant';
export { norm } from './norm';
export type { NormOptions, NormOrder } from './norm';
