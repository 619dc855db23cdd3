/**
 * The laws of the public linalg functions (the primitives under them get the per-primitive
 * transformation laws in grad.laws.test.ts): reconstruction of every decomposition in float64
 * and float32, derivatives of every function against finite differences in float64 (second
 * order for the hand-written rules of solve, inv, det and slogdet), jvp/vjp duality, vmap
 * against a loop and jit against eager (bit for bit). Functions of eigenvectors and singular
 * vectors are made sign-invariant (squared entries), so the laws hold whatever sign convention
 * the vectors follow.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import * as linalg from '../src/linalg';
import * as L from '../laws/linalg';
import { pushforwardPullbackDuality } from '../laws/grad';
import { vmapMatchesLoop } from '../laws/vmap';
import { jitMatchesEager } from '../laws/jit';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { allOf } from '../laws/result';
import { approx } from '../laws/approx';
import { lawProperty } from '../laws/arbitraries/property';
import { matrixArb, matrixTensor, type MatrixKind } from '../laws/arbitraries/linalg';
import { Rng, uniform } from '../laws/gradUtil';

const SEED = 31337;
const opts = (numRuns: number) => ({ seed: SEED, numRuns });
const loose = approx({ scale: 'tree', float64: { rtol: 1e-8, atol: 1e-10 } });

describe(`linalg reconstruction laws (seed ${SEED})`, () => {
  for (const dtype of ['float64', 'float32'] as const) {
    describe(dtype, () => {
      const o = { dtype };
      it('cholesky: L Lᵀ = A, L lower triangular', () => fc.assert(lawProperty(matrixArb('spd', o), (a) => L.choleskyReconstructs(a)), opts(20)));
      it('qr: Q R = A, Qᵀ Q = I, R upper triangular with diag >= 0 (reduced and complete)', () =>
        fc.assert(lawProperty(matrixArb('general', o), fc.constantFrom('reduced' as const, 'complete' as const), (a, mode) => L.qrReconstructs(a, mode)), opts(30)));
      it('eigh: A V = V diag(w), Vᵀ V = I, w ascending (of the symmetric part of any matrix)', () =>
        fc.assert(lawProperty(matrixArb('general', { ...o, square: true, maxDim: 6 }), (a) => L.eighReconstructs(a)), opts(30)));
      it('svd: U diag(s) Vh = A, U and Vh orthonormal, s descending (thin and full)', () =>
        fc.assert(lawProperty(matrixArb('general', { ...o, maxDim: 5 }), fc.boolean(), (a, full) => L.svdReconstructs(a, full)), opts(30)));
      it('lu: P L U = A, P a permutation, L unit lower, U upper triangular', () => fc.assert(lawProperty(matrixArb('general', o), (a) => L.luReconstructs(a)), opts(30)));
      it('inv: A inv(A) = inv(A) A = I', () => fc.assert(lawProperty(matrixArb('wellConditioned', { ...o, square: true }), (a) => L.inverseIsInverse(a)), opts(20)));
      it('solve: A x = b', () => {
        const arb = fc.tuple(matrixArb('wellConditioned', { ...o, square: true }), fc.integer({ min: 1, max: 3 }), fc.nat())
          .map(([a, k, s]) => [a, matrixTensor('general', s, [...a.shape.slice(0, -1), k], dtype)] as const);
        fc.assert(lawProperty(arb, ([a, b]) => L.solveSatisfiesSystem(a, b)), opts(20));
      });
      it('slogdet: sign · exp(logabsdet) = det', () => fc.assert(lawProperty(matrixArb('wellConditioned', { ...o, square: true, maxDim: 5 }), (a) => L.slogdetMatchesDet(a)), opts(20)));
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Transformation laws over the public functions

interface Case {
  readonly name: string;
  readonly f: (...xs: Tensor[]) => unknown;
  /** The structure of one case (batch axes, sizes), drawn by fast-check. */
  readonly dims: fc.Arbitrary<number[]>;
  /** Arguments of that structure from a seed (fresh values for each seed). */
  readonly make: (dims: number[], seed: number) => Tensor[];
  /** Also check second derivatives (the hand-written rules). */
  readonly secondOrder?: boolean;
}

const size = (max = 3) => fc.integer({ min: 1, max });
const batch = fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 });
/** [...batch, n] then [...batch, m, n]-style dims. */
const squareDims = (max = 3) => fc.tuple(batch, size(max)).map(([b, n]) => [...b, n]);
const rectDims = (max = 3) => fc.tuple(batch, size(max), size(max)).map(([b, m, n]) => [...b, m, n]);
const square = (kind: MatrixKind) => (d: number[], seed: number) => [matrixTensor(kind, seed, [...d, d[d.length - 1]!])];
const rect = (kind: MatrixKind) => (d: number[], seed: number) => [matrixTensor(kind, seed, d)];
const squared = (x: Tensor) => T.mul(x, x);

/** A vector whose entries are away from 0 and from each other in magnitude (no kinks of |x|, max, min). */
const vector = (n: number, seed: number): Tensor => {
  const rng = new Rng(seed);
  const mags = Array.from({ length: n }, (_, i) => 0.5 + 0.4 * i + rng.uniform(0, 0.2)).sort(() => rng.next() - 0.5);
  return T.tensor(mags.map((v) => rng.sign() * v), { dtype: 'float64' });
};

const CASES: readonly Case[] = [
  { name: 'solve(A, b), b a vector', f: (a, b) => linalg.solve(a!, b!), dims: fc.tuple(size(), size()).map(([n]) => [n]), make: ([n], s) => [matrixTensor('wellConditioned', s, [n!, n!]), uniform(new Rng(s + 1), [n!], -1, 1)], secondOrder: true },
  { name: 'solve(A, B), batched', f: (a, b) => linalg.solve(a!, b!), dims: fc.tuple(batch, size(), size()).map(([b, n, k]) => [...b, n, k]), make: (d, s) => [matrixTensor('wellConditioned', s, [...d.slice(0, -1), d[d.length - 2]!]), uniform(new Rng(s + 1), d, -1, 1)], secondOrder: true },
  { name: 'inv', f: (a) => linalg.inv(a!), dims: squareDims(), make: square('wellConditioned'), secondOrder: true },
  { name: 'det', f: (a) => linalg.det(a!), dims: squareDims(4), make: square('wellConditioned'), secondOrder: true },
  { name: 'slogdet', f: (a) => linalg.slogdet(a!), dims: squareDims(4), make: square('wellConditioned'), secondOrder: true },
  { name: 'cholesky (upper)', f: (a) => linalg.cholesky(a!, { upper: true }), dims: squareDims(), make: square('spd'), secondOrder: true },
  { name: 'qr (reduced)', f: (a) => linalg.qr(a!), dims: rectDims(), make: rect('wellConditioned') },
  { name: 'qr (mode r)', f: (a) => linalg.qr(a!, { mode: 'r' }), dims: rectDims(), make: rect('wellConditioned') },
  { name: 'eigh: [w, V ∘ V]', f: (a) => { const [w, v] = linalg.eigh(a!); return [w, squared(v)]; }, dims: squareDims(4), make: square('symmetric'), secondOrder: true },
  { name: 'eigvalsh', f: (a) => linalg.eigvalsh(a!), dims: squareDims(4), make: square('symmetric') },
  { name: 'svd (thin): [U ∘ U, s, Vh ∘ Vh]', f: (a) => { const [u, s, vh] = linalg.svd(a!, { fullMatrices: false }); return [squared(u), s, squared(vh)]; }, dims: rectDims(), make: rect('spectrum'), secondOrder: true },
  { name: 'svdvals', f: (a) => linalg.svdvals(a!), dims: rectDims(), make: rect('spectrum') },
  { name: 'lu', f: (a) => linalg.lu(a!), dims: rectDims(), make: rect('pivoted') },
  { name: 'triangularSolve (right side, lower)', f: (a, b) => linalg.triangularSolve(a!, b!, { lower: true }), dims: fc.tuple(batch, size(), size()).map(([b, n, k]) => [...b, k, n]), make: (d, s) => [T.add(matrixTensor('general', s, [...d.slice(0, -2), d[d.length - 1]!, d[d.length - 1]!]), T.mul(T.laxLinalg.identity(d[d.length - 1]!, 'float64'), 3)), uniform(new Rng(s + 1), d, -1, 1)] },
  ...[undefined, 1, 2, 3, 0.5, Infinity, -Infinity].map((ord): Case => ({ name: `norm of a vector, ord ${ord}`, f: (x) => linalg.norm(x!, ord ?? null), dims: size(5).map((n) => [n]), make: ([n], s) => [vector(n!, s)] })),
  ...(['fro', 'nuc', 1, -1, 2, -2, Infinity, -Infinity] as const).map((ord): Case => ({ name: `norm of a matrix, ord ${ord}`, f: (x) => linalg.norm(x!, ord), dims: fc.tuple(size(), size()).map(([m, n]) => [m, n]), make: rect('spectrum') })),
  { name: 'norm over axes [2, 0] with keepdims', f: (x) => linalg.norm(x!, { ord: 'nuc', axis: [2, 0], keepdims: true }), dims: fc.tuple(size(), size(), size()).map((d) => d), make: (d, s) => [uniform(new Rng(s), d, -1, 1)] },
];

describe(`linalg transformation laws (seed ${SEED})`, () => {
  const instance = (c: Case) => fc.tuple(c.dims, fc.nat(1 << 20));

  describe('derivatives match finite differences (float64; second order for hand-written rules)', () => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
      fc.assert(lawProperty(instance(c), ([d, s]) => gradsMatchFiniteDifferences(c.f, c.make(d, s), { seed: s, order: c.secondOrder ? 2 : 1 })), opts(c.secondOrder ? 4 : 6));
    });
  });

  describe('jvp and vjp are dual, vmap matches a loop, jit matches eager bit for bit', () => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
      fc.assert(lawProperty(instance(c), ([d, s]) => {
        const args = c.make(d, s);
        const examples = [args, c.make(d, s + 7), c.make(d, s + 13)];
        return allOf(
          ['duality', () => pushforwardPullbackDuality(c.f, args, s, loose)],
          ['vmap over every argument', () => vmapMatchesLoop(c.f, examples, { inAxes: args.map(() => 0) }, loose)],
          ['vmap over the first argument', () => vmapMatchesLoop(c.f, examples, { inAxes: args.map((_, i) => (i === 0 ? -1 : null)) }, loose)],
          ['jit, float64', () => jitMatchesEager(c.f, args)],
          ['jit, float32', () => jitMatchesEager(c.f, args.map((x) => T.astype(x, 'float32')))],
        );
      }), opts(5));
    });
  });
});
