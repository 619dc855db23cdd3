/**
 * einsum beyond two operands: diagonals and traces from repeated labels, '...' with NumPy
 * broadcasting, implicit outputs, many operands in a greedy order — each against a direct sum
 * over every index assignment (the definition), drawn by fast-check; plus its laws under grad,
 * vmap and jit on a four-operand chain.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src/tensor';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { vmapMatchesLoop } from '../laws/vmap';
import { jitMatchesEager } from '../laws/jit';
import { expectClose } from './ops.helpers';

/** The definition: sum over all label assignments of the product of the operands' entries. */
function definition(spec: string, xs: readonly T.Tensor[]): { shape: number[]; values: number[] } {
  const [lhs, rhs] = spec.split('->') as [string, string];
  const terms = lhs.split(',');
  const size = new Map<string, number>();
  terms.forEach((term, i) => [...term].forEach((c, j) => size.set(c, xs[i]!.shape[j]!)));
  const labels = [...size.keys()];
  const data = xs.map((x) => Array.from(x.dataSync()));
  const strides = xs.map((x) => x.shape.map((_, j) => x.shape.slice(j + 1).reduce((a, b) => a * b, 1)));
  const shape = [...rhs].map((c) => size.get(c)!);
  const values = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
  const total = labels.reduce((n, c) => n * size.get(c)!, 1);
  for (let flat = 0; flat < total; flat++) {
    const at = new Map<string, number>();
    let r = flat;
    for (const c of labels) {
      at.set(c, r % size.get(c)!);
      r = Math.floor(r / size.get(c)!);
    }
    let p = 1;
    terms.forEach((term, i) => (p *= data[i]![[...term].reduce((o, c, j) => o + at.get(c)! * strides[i]![j]!, 0)]!));
    values[[...rhs].reduce((o, c) => o * size.get(c)! + at.get(c)!, 0)] += p;
  }
  return { shape, values };
}

const SPECS = [
  'ii->i', 'ii->', 'ii', 'iij->ji', 'ijij->ij', 'iji->j', 'i,i', 'ij,jk,kl->il', 'i,ij,jk,k->', 'ab,bc,cd,de->ae', 'ab,cd->abcd',
  'ij,ji->', 'bij,bjk,bkl->bil', 'ijk,jkl,li->', 'ij,ij,ij->ij', 'ba', 'abc,cb->a', 'i,j,k->kji',
];

describe('einsum against its definition', () => {
  it.each(SPECS)('%s', (spec) => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 12, maxLength: 12 }), fc.nat(1000), (dims, seed) => {
      const dimOf = new Map<string, number>();
      const lhs = spec.split('->')[0]!;
      [...new Set(lhs.replace(/,/g, ''))].forEach((c, k) => dimOf.set(c, dims[k]!));
      const xs = lhs.split(',').map((term, i) => {
        const shape = [...term].map((c) => dimOf.get(c)!);
        const n = shape.reduce((a, b) => a * b, 1);
        return T.tensor(Array.from({ length: n }, (_, j) => ((j * 7 + i * 3 + seed) % 9) - 4), { shape, dtype: 'float64' });
      });
      const explicit = spec.includes('->') ? spec : `${spec}->${[...new Set(lhs.replace(/,/g, ''))].filter((c) => lhs.indexOf(c) === lhs.lastIndexOf(c)).sort().join('')}`;
      const want = definition(explicit, xs);
      const got = T.einsum(spec, ...xs);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.dataSync())).toEqual(want.values);
    }), { seed: 12, numRuns: 8 });
  });
});

describe('einsum with broadcast dimensions (...)', () => {
  const x = T.reshape(T.arange(24, undefined, 1, 'float64'), [2, 3, 4]);
  const m = T.reshape(T.arange(12, undefined, 1, 'float64'), [4, 3]);
  it('broadcasts like matmul and NumPy', () => {
    expectClose(T.einsum('...ij,jk->...ik', x, m), T.matmul(x, m), 0);
    expectClose(T.einsum('...ij,...jk', x, T.reshape(m, [1, 4, 3])), T.matmul(x, m), 0);
    expectClose(T.einsum('i...->...', x), T.sum(x, { axis: 0 }), 0);
    expectClose(T.einsum('...i->...', x), T.sum(x, { axis: -1 }), 0);
    expectClose(T.einsum('...ii->...i', T.reshape(T.arange(18, undefined, 1, 'float64'), [2, 3, 3])), T.diagonal(T.reshape(T.arange(18, undefined, 1, 'float64'), [2, 3, 3]), { axis1: 1, axis2: 2 }), 0);
    expectClose(T.einsum('i...,i...->...', x, x), T.sum(T.mul(x, x), { axis: 0 }), 0);
    // Without '->' the broadcast axes come first; an explicit output without '...' sums them.
    expect(T.einsum('...ji', x).shape).toEqual([2, 4, 3]);
    expect(T.einsum('...ij->j', x).toArray()).toEqual(T.sum(x, { axis: [0, 1] }).toArray());
    expect(T.einsum('...,...', T.ones([2, 1]), T.ones([3])).shape).toEqual([2, 3]);
  });

  it('explains what it cannot read', () => {
    expect(() => T.einsum('i..j', x)).toThrow(/einsum: .*one '...'/);
    expect(() => T.einsum('ij...k->', T.zeros([2, 2]))).toThrow(/einsum: operand 0 is float32\[2, 2\], of lower rank than the 3 letters/);
    expect(() => T.einsum('ii->i', T.zeros([2, 3]))).toThrow(/einsum: index 'i' has sizes 2 and 3 \(operands float32\[2, 3\]\) in 'ii->i'/);
    expect(() => T.einsum('...,...', T.ones([2]), T.ones([3]))).toThrow(/einsum: a '...' axis has sizes 2 and 3/);
    expect(() => T.einsum('i->j->k', x)).toThrow(/more than one '->'/);
  });
});

describe('einsum under transformations', () => {
  const chain = (a: T.Tensor, b: T.Tensor, c: T.Tensor, d: T.Tensor) => T.einsum('ab,bc,cd,da->', a, b, c, d);
  const draw = (shape: number[], s: number) => T.tensor(Array.from({ length: shape[0]! * shape[1]! }, (_, i) => Math.sin(i * 1.3 + s)), { shape, dtype: 'float64' });
  const args = (s: number) => [draw([2, 3], s), draw([3, 4], s + 1), draw([4, 2], s + 2), draw([2, 2], s + 3)];
  it('a four-operand trace of products: finite differences, vmap vs loop, jit vs eager', () => {
    expect(gradsMatchFiniteDifferences(chain, args(0), { seed: 3 })).toBe(true);
    expect(vmapMatchesLoop(chain, [args(1), args(2), args(3)], { inAxes: [0, 0, 0, 0] })).toBe(true);
    expect(jitMatchesEager(chain, args(4))).toBe(true);
    expect(gradsMatchFiniteDifferences((x: T.Tensor) => T.einsum('ii->i', x), [draw([3, 3], 5)], { seed: 4 })).toBe(true);
  });
});
