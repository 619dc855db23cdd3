import { describe, expect, it } from 'vitest';
import { arange, dot, einsum, matmul, outer, reshape, scalar, sum, tensor, transpose, zeros } from '../src/tensor';
import { expectClose, randomTensor, rng } from './ops.helpers';

/** Naive batched product on nested arrays: the reference for matmul and einsum. */
function naiveMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

describe('matmul', () => {
  const rand = rng(7);

  it('multiplies 2-D matrices', () => {
    const a = randomTensor([3, 4], rand), b = randomTensor([4, 5], rand);
    expectClose(matmul(a, b), naiveMatmul(a.toArray(), b.toArray()), 1e-12);
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
  });

  it('promotes 1-D operands and drops the added axis', () => {
    const a = tensor([[1, 2], [3, 4]]), v = tensor([1, 1]);
    expect(matmul(a, v).toArray()).toEqual([3, 7]);
    expect(matmul(v, a).toArray()).toEqual([4, 6]);
    expect(matmul(v, v).shape).toEqual([]);
    expect(matmul(v, v).item()).toBe(2);
    expect(matmul(zeros([5, 2, 3]), zeros([3])).shape).toEqual([5, 2]);
    expect(matmul(zeros([3]), zeros([5, 3, 2])).shape).toEqual([5, 2]);
  });

  it('broadcasts batch axes', () => {
    const a = randomTensor([2, 1, 3, 4], rand), b = randomTensor([5, 4, 2], rand);
    const y = matmul(a, b);
    expect(y.shape).toEqual([2, 5, 3, 2]);
    const A = a.toArray(), B = b.toArray(), Y = y.toArray();
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) expectClose(Y[i][j], naiveMatmul(A[i][0], B[j]), 1e-12);
    const shared = randomTensor([4, 2], rand);
    const z = matmul(a, shared);
    expect(z.shape).toEqual([2, 1, 3, 2]);
    expectClose(z.toArray()[1][0], naiveMatmul(A[1][0], shared.toArray()), 1e-12);
  });

  it('handles empty contractions and empty batches', () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(matmul(zeros([0, 2, 3]), zeros([3, 4])).shape).toEqual([0, 2, 4]);
    expect(matmul(zeros([2, 0, 3]), zeros([2, 3, 4])).shape).toEqual([2, 0, 4]);
  });

  it('promotes dtypes, and bool products are logical', () => {
    const i = tensor([[1, 2]], { dtype: 'int32' });
    expect(matmul(i, tensor([[1], [1]], { dtype: 'int32' })).dtype).toBe('int32');
    expect(matmul(i, tensor([[0.5], [0.5]])).toArray()).toEqual([[1.5]]);
    expect(matmul(tensor([[1, 2]], { dtype: 'float64' }), tensor([[1], [1]])).dtype).toBe('float64');
    const b = matmul(tensor([[true, false], [false, false]]), tensor([[true, true], [true, false]]));
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([[true, true], [false, false]]);
  });

  it('names both shapes when they do not fit', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/matmul.*\[2, 3\].*\[4, 5\]/);
    expect(() => matmul(zeros([2, 3]), zeros([4]))).toThrow(/matmul.*\[2, 3\].*\[4\]/);
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 1]))).toThrow(/matmul.*\[2\].*\[3\].*broadcast/);
    expect(() => matmul(scalar(1), zeros([2]))).toThrow(/matmul.*at least one axis/);
    expect(() => zeros([2, 3]).matmul(zeros([2, 3]))).toThrow(/matmul.*\[2, 3\].*\[2, 3\]/);
  });
});

describe('dot and outer', () => {
  it('dot follows numpy for scalars, vectors, matrices and N-D', () => {
    expect(dot(tensor([1, 2]), tensor([3, 4])).item()).toBe(11);
    expect(dot(2, tensor([1, 2])).toArray()).toEqual([2, 4]);
    expect(dot(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray()).toEqual([3, 7]);
    const rand = rng(3);
    const a = randomTensor([2, 3, 4], rand), b = randomTensor([5, 4, 6], rand);
    const y = dot(a, b);
    expect(y.shape).toEqual([2, 3, 5, 6]);
    const A = a.toArray(), B = b.toArray(), Y = y.toArray();
    // dot(a, b)[i, j, k, m] = sum_l a[i, j, l] * b[k, l, m]
    for (const [i, j, k, mm] of [[0, 0, 0, 0], [1, 2, 4, 5], [1, 1, 3, 2]] as const) {
      let s = 0;
      for (let l = 0; l < 4; l++) s += A[i][j][l] * B[k][l][mm];
      expect(Y[i][j][k][mm]).toBeCloseTo(s, 12);
    }
    expect(dot(a, randomTensor([4], rand)).shape).toEqual([2, 3]);
    expect(dot(zeros([2, 3]), zeros([2, 3, 4])).shape).toEqual([2, 2, 4]);
    expect(() => dot(zeros([2, 3]), zeros([2, 4, 5]))).toThrow(/dot.*\[2, 3\].*\[2, 4, 5\]/);
  });

  it('outer flattens its operands', () => {
    expect(outer(tensor([1, 2]), tensor([1, 10, 100])).toArray()).toEqual([[1, 10, 100], [2, 20, 200]]);
    expect(outer(tensor([[1, 2]]), scalar(3)).toArray()).toEqual([[3], [6]]);
    expect(outer(zeros([0]), zeros([2])).shape).toEqual([0, 2]);
  });
});

describe('einsum', () => {
  const rand = rng(11);
  const a = randomTensor([3, 4], rand), b = randomTensor([4, 5], rand);

  it('covers the common one- and two-operand specs', () => {
    expectClose(einsum('ij,jk->ik', a, b), matmul(a, b), 1e-12);
    expectClose(einsum('ij,jk', a, b), matmul(a, b), 1e-12);
    expectClose(einsum('ij->ji', a), transpose(a), 1e-12);
    expectClose(einsum('ij->j', a), sum(a, { axis: 0 }), 1e-12);
    expectClose(einsum('ij->', a), sum(a), 1e-12);
    expectClose(einsum('ji', a), transpose(a), 1e-12);
    const v = randomTensor([4], rand);
    expectClose(einsum('i,i->', v, v), dot(v, v), 1e-12);
    expectClose(einsum('i,j->ij', v, v), outer(v, v), 1e-12);
    expectClose(einsum('ij,j->i', a, v), matmul(a, v), 1e-12);
    expectClose(einsum('ij,kj->ik', a, a), matmul(a, transpose(a)), 1e-12);
  });

  it('batches, contracts and sums like the reference', () => {
    const x = randomTensor([2, 3, 4], rand), y = randomTensor([2, 4, 5], rand);
    expectClose(einsum('bij,bjk->bik', x, y), matmul(x, y), 1e-12);
    const q = randomTensor([2, 3, 4, 5], rand), k = randomTensor([2, 3, 6, 5], rand);
    expectClose(einsum('bhqd,bhkd->bhqk', q, k), matmul(q, transpose(k, [0, 1, 3, 2])), 1e-12);
    // An axis of one operand alone that is not in the output is summed before the product.
    expectClose(einsum('ij,kl->ik', a, b), matmul(sum(a, { axis: 1, keepdims: true }), reshape(sum(b, { axis: 1 }), [1, 4])), 1e-12);
    // Output order differs from the natural [batch, free] order.
    expectClose(einsum('bij,bjk->kib', x, y), transpose(matmul(x, y), [2, 1, 0]), 1e-12);
    // Three operands, contracted in a greedy order.
    const c = randomTensor([5, 2], rand);
    expectClose(einsum('ij,jk,kl->il', a, b, c), matmul(matmul(a, b), c), 1e-12);
  });

  it('works on empty axes and promotes dtypes', () => {
    expect(einsum('ij,jk->ik', zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const i = reshape(arange(4), [2, 2]);
    expect(einsum('ij,jk->ik', i, i).dtype).toBe('int32');
    expect(einsum('ij,jk->ik', i, i).toArray()).toEqual([[2, 3], [6, 11]]);
    expect(einsum('ij,jk->ik', i, tensor([[1, 0], [0, 1]], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('explains what it cannot do', () => {
    expect(() => einsum('ij,jk->ik', zeros([2, 3]), zeros([4, 5]))).toThrow(/einsum.*'j'.*3.*4.*\[2, 3\].*\[4, 5\]/);
    expect(() => einsum('ij->ik', zeros([2, 3]))).toThrow(/einsum.*'k'.*no operand/);
    expect(() => einsum('ij,jk->ik', zeros([2, 3]))).toThrow(/einsum.*2 operand.*1/);
    expect(() => einsum('ijk->i', zeros([2, 3]))).toThrow(/einsum.*float32\[2, 3\].*'ijk'/);
    expect(() => einsum('ij->ii', zeros([2, 3]))).toThrow(/einsum.*'i' repeats/);
  });
});
