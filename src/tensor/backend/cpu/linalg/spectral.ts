/**
 * CPU kernels of the spectral decompositions, in float64: the symmetric eigendecomposition
 * (Householder tridiagonalization, then implicit QR steps with Wilkinson shifts) and the thin
 * SVD (one-sided Jacobi). Both fix the conventions the outputs need to be functions of the input:
 * eigenvalues ascending, singular values descending (ties keep their index order), and each
 * eigenvector / left singular vector signed so that its entry of largest magnitude (the first,
 * on ties) is positive; a right singular vector takes its left partner's sign. The WebGPU
 * kernels (backend/webgpu/linalg.ts) follow the same conventions.
 */
import type { TypedArray } from '../../../dtype';
import type { Shape } from '../../../shape';
import { batchCount } from './factor';

const EPS = 2 ** -52;

/** Column j of the row-major [rows, stride] matrix `a`, times -1 when its largest entry is negative. */
function signOfLargest(a: Float64Array, rows: number, stride: number, j: number): number {
  let best = 0;
  for (let i = 1; i < rows; i++) if (Math.abs(a[i * stride + j]!) > Math.abs(a[best * stride + j]!)) best = i;
  return a[best * stride + j]! < 0 ? -1 : 1;
}

/** Indices 0..n-1 ordered by `key` (stable: equal keys keep index order). */
const order = (n: number, key: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => i).sort((i, j) => key(i) - key(j) || i - j);

/** Apply the rotation [c s; -s c] to columns p and q of a row-major [rows, stride] matrix. */
function rotateColumns(a: Float64Array, rows: number, stride: number, p: number, q: number, c: number, s: number, from = 0): void {
  for (let i = from; i < rows; i++) {
    const ap = a[i * stride + p]!, aq = a[i * stride + q]!;
    a[i * stride + p] = c * ap - s * aq;
    a[i * stride + q] = s * ap + c * aq;
  }
}

/**
 * Reduce the symmetric n x n matrix `a` (in place) to tridiagonal form Qᵀ A Q with Householder
 * reflections, accumulating Q into `q`.
 */
function tridiagonalize(a: Float64Array, q: Float64Array, n: number): void {
  const v = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    let below = 0;
    for (let i = k + 2; i < n; i++) below += a[i * n + k]! ** 2;
    if (below === 0) continue;
    const x0 = a[(k + 1) * n + k]!;
    const norm = Math.sqrt(x0 * x0 + below);
    const alpha = x0 > 0 ? -norm : norm;
    v.fill(0);
    v[k + 1] = x0 - alpha;
    for (let i = k + 2; i < n; i++) v[i] = a[i * n + k]!;
    const scale = 2 / (v[k + 1]! * v[k + 1]! + below);
    // A := H A H and Q := Q H with H = I - scale v vᵀ, touching rows/columns k+1.. only.
    for (const [mat, leftToo] of [[a, true], [q, false]] as const) {
      if (leftToo) {
        for (let c = 0; c < n; c++) {
          let s = 0;
          for (let i = k + 1; i < n; i++) s += v[i]! * mat[i * n + c]!;
          for (let i = k + 1; i < n; i++) mat[i * n + c]! -= scale * s * v[i]!;
        }
      }
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let i = k + 1; i < n; i++) s += mat[r * n + i]! * v[i]!;
        for (let i = k + 1; i < n; i++) mat[r * n + i]! -= scale * s * v[i]!;
      }
    }
    for (let i = k + 2; i < n; i++) a[i * n + k] = a[k * n + i] = 0;
    a[(k + 1) * n + k] = a[k * n + k + 1] = alpha;
  }
}

/**
 * Diagonalize the symmetric tridiagonal `t` (stored densely, n x n) by implicit QR steps with
 * Wilkinson shifts on its unreduced blocks (Golub & Van Loan, algorithm 8.3.3), accumulating the
 * rotations into `q`. Each rotation chases the bulge one row down; off-diagonals below
 * eps (|d_i| + |d_i+1|) are set to zero and split the problem.
 */
function diagonalizeTridiagonal(t: Float64Array, q: Float64Array, n: number): void {
  const at = (i: number, j: number) => t[i * n + j]!;
  let hi = n - 1;
  for (let iterations = 0; hi > 0 && iterations < 64 * n; iterations++) {
    for (let i = 0; i < hi; i++) {
      if (Math.abs(at(i + 1, i)) <= EPS * (Math.abs(at(i, i)) + Math.abs(at(i + 1, i + 1)))) t[(i + 1) * n + i] = t[i * n + i + 1] = 0;
    }
    while (hi > 0 && at(hi, hi - 1) === 0) hi--;
    if (hi === 0) break;
    let lo = hi - 1;
    while (lo > 0 && at(lo, lo - 1) !== 0) lo--;
    const d = (at(hi - 1, hi - 1) - at(hi, hi)) / 2;
    const e = at(hi, hi - 1);
    const shift = at(hi, hi) - (e * e) / (d + (d < 0 ? -1 : 1) * Math.hypot(d, e));
    let x = at(lo, lo) - shift;
    let z = at(lo + 1, lo);
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r, s = r === 0 ? 0 : -z / r;
      // T := Gᵀ T G on rows and columns k, k+1 (only the band around them is nonzero).
      const from = Math.max(lo, k - 1), to = Math.min(hi, k + 2);
      for (let j = from; j <= to; j++) {
        const a = at(k, j), b = at(k + 1, j);
        t[k * n + j] = c * a - s * b;
        t[(k + 1) * n + j] = s * a + c * b;
      }
      rotateColumns(t, to + 1, n, k, k + 1, c, s, from);
      rotateColumns(q, n, n, k, k + 1, c, s);
      if (k > lo) t[(k + 1) * n + k - 1] = t[(k - 1) * n + k + 1] = 0;
      if (k + 1 < hi) {
        x = at(k + 1, k);
        z = at(k + 2, k);
      }
    }
  }
}

/**
 * Eigendecomposition of the symmetric part of each [n, n] matrix: [n + 1, n], the eigenvectors as
 * columns above the ascending eigenvalues. A matrix with a NaN gives all NaN.
 */
export function eighKernel(x: TypedArray, shape: Shape, out: TypedArray): void {
  const n = shape[shape.length - 1]!;
  const a = new Float64Array(n * n), q = new Float64Array(n * n);
  for (let b = 0; b < batchCount(shape); b++) {
    const xo = b * n * n, o = b * (n + 1) * n;
    let finite = true;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        a[i * n + j] = 0.5 * (x[xo + i * n + j]! + x[xo + j * n + i]!);
        finite &&= Number.isFinite(a[i * n + j]!);
      }
    }
    if (!finite) {
      out.fill(NaN, o, o + (n + 1) * n);
      continue;
    }
    q.fill(0);
    for (let i = 0; i < n; i++) q[i * n + i] = 1;
    tridiagonalize(a, q, n);
    diagonalizeTridiagonal(a, q, n);
    order(n, (i) => a[i * n + i]!).forEach((src, j) => {
      const sign = signOfLargest(q, n, n, src);
      for (let i = 0; i < n; i++) out[o + i * n + j] = sign * q[i * n + src]!;
      out[o + n * n + j] = a[src * n + src]!;
    });
  }
}

/**
 * One-sided Jacobi (Hestenes) on the [r, c] matrix w (r >= c): rotate pairs of columns until every
 * pair is orthogonal to working precision, applying the same rotations to v (c x c) when given.
 * Then w = U Σ with orthogonal columns, and A V = w.
 */
export function oneSidedJacobi(w: Float64Array, r: number, c: number, v: Float64Array | null, eps: number): void {
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p + 1 < c; p++) {
      for (let q = p + 1; q < c; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < r; i++) {
          const wp = w[i * c + p]!, wq = w[i * c + q]!;
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (!(Math.abs(gamma) > eps * Math.sqrt(alpha * beta))) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta < 0 ? -1 : 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
        rotateColumns(w, r, c, p, q, cs, sn);
        if (v) rotateColumns(v, c, c, p, q, cs, sn);
      }
    }
    if (!rotated) break;
  }
}

/**
 * A unit vector orthogonal to the first `count` columns of the row-major [r, stride] matrix u:
 * the standard basis vector with the largest component outside their span, orthogonalized twice.
 */
function complement(u: Float64Array, r: number, stride: number, count: number): Float64Array {
  let best = new Float64Array(r), bestNorm = -1;
  for (let e = 0; e < r; e++) {
    const y = new Float64Array(r);
    y[e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < count; j++) {
        let dot = 0;
        for (let i = 0; i < r; i++) dot += u[i * stride + j]! * y[i]!;
        for (let i = 0; i < r; i++) y[i]! -= dot * u[i * stride + j]!;
      }
    }
    const norm = Math.hypot(...y);
    if (norm > bestNorm) [best, bestNorm] = [y, norm];
  }
  return best.map((y) => y / bestNorm);
}

/**
 * Thin SVD of each [m, n] matrix, k = min(m, n). With `computeUv`: [m + 1 + n, k], U above the
 * descending singular values above V (A = U diag(s) Vᵀ); without: the k singular values. A
 * wide matrix is decomposed through its transpose. A zero singular value's left vector (the
 * factor Jacobi normalizes) is completed to an orthonormal set.
 */
export function svdKernel(x: TypedArray, shape: Shape, computeUv: boolean, out: TypedArray): void {
  const m = shape[shape.length - 2]!, n = shape[shape.length - 1]!;
  const k = Math.min(m, n);
  const wide = m < n;
  const [r, c] = wide ? [n, m] : [m, n]; // Jacobi works on the tall one of A and Aᵀ
  const w = new Float64Array(r * c), v = new Float64Array(c * c);
  // u: the normalized columns of w, [r, k]; with `wide` it is A's V, and v is A's U.
  const u = new Float64Array(r * k);
  for (let b = 0; b < batchCount(shape); b++) {
    const xo = b * m * n;
    const size = computeUv ? (m + 1 + n) * k : k;
    let finite = true;
    for (let i = 0; i < m * n; i++) finite &&= Number.isFinite(x[xo + i]!);
    if (!finite) {
      out.fill(NaN, b * size, (b + 1) * size);
      continue;
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[wide ? j * c + i : i * c + j] = x[xo + i * n + j]!;
    v.fill(0);
    for (let i = 0; i < c; i++) v[i * c + i] = 1;
    // Rounding in the column products is about r ulps: ask for no more orthogonality than that.
    oneSidedJacobi(w, r, c, computeUv ? v : null, r * EPS);
    const norms = Array.from({ length: c }, (_, j) => {
      let s = 0;
      for (let i = 0; i < r; i++) s += w[i * c + j]! ** 2;
      return Math.sqrt(s);
    });
    const ranked = order(c, (j) => -norms[j]!);
    if (!computeUv) {
      ranked.forEach((src, j) => (out[b * k + j] = norms[src]!));
      continue;
    }
    ranked.forEach((src, j) => {
      const s = norms[src]!;
      if (s > 0) {
        for (let i = 0; i < r; i++) u[i * k + j] = w[i * c + src]! / s;
      } else {
        complement(u, r, k, j).forEach((y, i) => (u[i * k + j] = y));
      }
    });
    const o = b * size;
    const [uRow, vRow] = wide ? [m + 1, 0] : [0, m + 1]; // where w's factor and v's factor go
    ranked.forEach((src, j) => {
      // The sign convention is on A's U: u itself, or v when A was transposed.
      const sign = wide ? signOfLargest(v, c, c, src) : signOfLargest(u, r, k, j);
      for (let i = 0; i < r; i++) out[o + (uRow + i) * k + j] = sign * u[i * k + j]!;
      for (let i = 0; i < c; i++) out[o + (vRow + i) * k + j] = sign * v[i * c + src]!;
      out[o + m * k + j] = norms[src]!;
    });
  }
}
