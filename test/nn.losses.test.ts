import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import * as R from '../src/random';
import { grad, jit } from '../src/grad';
import * as nn from '../src/nn';
import { expectClose } from './ops.helpers';

const f64 = (values: T.NestedArray): Tensor => T.tensor(values, { dtype: 'float64' });
const i32 = (values: T.NestedArray): Tensor => T.tensor(values, { dtype: 'int32' });
const k0 = R.key(0);

describe('regression losses', () => {
  const a = f64([[1, 2], [3, -4]]);
  const b = f64([[0, 2], [5, -1]]);
  it('mse, mae and huber against hand values, with every reduction', () => {
    expectClose(nn.mse(a, b), (1 + 0 + 4 + 9) / 4, 1e-12);
    expectClose(nn.mse(a, b, { reduction: 'sum' }), 14, 1e-12);
    expectClose(nn.mse(a, b, { reduction: 'none' }), [[1, 0], [4, 9]], 1e-12);
    expectClose(nn.mae(a, b), 6 / 4, 1e-12);
    expect(nn.l1Loss).toBe(nn.mae);
    // |d| = 1, 0, 2, 3 with delta 1: 0.5, 0, 1.5, 2.5
    expectClose(nn.huber(a, b, { reduction: 'none' }), [[0.5, 0], [1.5, 2.5]], 1e-12);
    expectClose(nn.huber(a, b, { delta: 2, reduction: 'sum' }), 0.5 + 0 + 2 + 4, 1e-12);
  });
  it('shape mismatches and bad reductions are reported', () => {
    expect(() => nn.mse(a, f64([1, 2]))).toThrow(/nn\.mse: predictions \[2, 2\] and targets \[2\] must have the same shape/);
    expect(() => nn.mse(a, b, { reduction: 'avg' as never })).toThrow(/nn.mse: reduction must be one of "mean", "sum", "none", got "avg"/);
  });
});

describe('classification losses', () => {
  it('binary cross-entropy on probabilities and on logits agree and match hand values', () => {
    const logits = f64([0, 2, -3]);
    const y = f64([1, 0, 1]);
    const expected = [Math.log(2), Math.log1p(Math.exp(2)), Math.log1p(Math.exp(3))];
    expectClose(nn.binaryCrossEntropyWithLogits(logits, y, { reduction: 'none' }), expected, 1e-12);
    expectClose(nn.binaryCrossEntropy(nn.sigmoid(logits), y, { reduction: 'none' }), expected, 1e-9);
    expectClose(nn.binaryCrossEntropyWithLogits(f64([1000, -1000]), f64([0, 1])), 1000, 1e-12);
    expectClose(nn.binaryCrossEntropy(f64([0, 1]), f64([1, 0]), { reduction: 'none' }), [-Math.log(1e-7), -Math.log(1e-7)], 1e-6);
  });

  it('softmaxCrossEntropy with int labels, one-hot targets and label smoothing', () => {
    const logits = f64([[0, 0], [1000, -1000]]);
    expectClose(nn.softmaxCrossEntropy(logits, i32([0, 0]), { reduction: 'none' }), [Math.log(2), 0], 1e-12);
    expectClose(nn.softmaxCrossEntropy(logits, i32([0, 1]), { reduction: 'none' }), [Math.log(2), 2000], 1e-12);
    expectClose(nn.softmaxCrossEntropy(logits, f64([[1, 0], [0, 1]])), (Math.log(2) + 2000) / 2, 1e-12);
    // Smoothing 0.2 over 2 classes: targets [0.9, 0.1] on row 2 -> 0.1 * 2000.
    expectClose(nn.softmaxCrossEntropy(logits, i32([0, 0]), { labelSmoothing: 0.2, reduction: 'none' }), [Math.log(2), 200], 1e-9);
    expect(() => nn.softmaxCrossEntropy(logits, i32([0, 0, 1]))).toThrow(/int32 labels \[3\] must have the batch shape \[2\]/);
    expect(() => nn.softmaxCrossEntropy(logits, i32([0, 0]), { labelSmoothing: 2 })).toThrow(/labelSmoothing must be in \[0, 1\]/);
  });

  it('softmaxCrossEntropy gradients are softmax - onehot, finite at +-1000', () => {
    const logits = f64([[1000, -1000, 0]]);
    const g = grad((z: Tensor) => nn.softmaxCrossEntropy(z, i32([1])))(logits);
    expectClose(g, [[1, -1, 0]], 1e-12);
  });

  it('nll picks -logp of the label; klDivergence follows KL(p || q) with 0 log 0 = 0', () => {
    const logp = T.log(f64([[0.25, 0.75], [0.5, 0.5]]));
    expectClose(nn.nll(logp, i32([1, 0]), { reduction: 'none' }), [-Math.log(0.75), Math.log(2)], 1e-12);
    expect(() => nn.nll(logp, f64([1, 0]))).toThrow(/nn\.nll: labels must be int32/);
    const p = f64([[0.5, 0.5, 0], [1, 0, 0]]);
    const q = f64([[0.25, 0.25, 0.5], [0.5, 0.25, 0.25]]);
    expectClose(nn.klDivergence(p, q, { reduction: 'none' }), [Math.log(2), Math.log(2)], 1e-12);
    expectClose(nn.klDivergence(p, p), 0, 1e-12);
    const g = grad((pp: Tensor) => nn.klDivergence(pp, q))(p);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('cosineSimilarity along the last axis (a similarity, not a loss)', () => {
    expectClose(nn.cosineSimilarity(f64([[1, 0], [1, 1], [0, 0]]), f64([[0, 3], [2, 2], [1, 0]])), [0, 1, 0], 1e-12);
  });

  it('l1Penalty and l2Penalty sum over float leaves, optionally filtered by path', () => {
    const params = { fc: { weight: f64([[1, -2], [3, 0]]), bias: f64([-1]) }, steps: i32([7]) };
    expectClose(nn.l1Penalty(params), 7, 1e-12);
    expectClose(nn.l2Penalty(params), 15, 1e-12);
    expectClose(nn.l2Penalty(params, (_w, path) => path.at(-1) === 'weight'), 14, 1e-12);
    expectClose(grad((fc: typeof params.fc) => nn.l2Penalty({ fc, steps: params.steps }))(params.fc).weight, [[2, -4], [6, 0]], 1e-12);
  });
});

describe('metrics', () => {
  const preds = i32([0, 1, 1, 2, 2, 2]);
  const labels = i32([0, 1, 2, 2, 2, 0]);
  it('accuracy from int predictions or logits', () => {
    expectClose(nn.accuracy(preds, labels), 4 / 6);
    expectClose(nn.accuracy(T.tensor([[2, 1], [0, 3], [5, 4]]), i32([0, 1, 1])), 2 / 3);
    expect(() => nn.accuracy(preds, T.astype(labels, 'float32'))).toThrow(/nn\.accuracy: labels must be int32/);
    expect(() => nn.accuracy(T.zeros([3, 2, 2]), i32([0, 1, 1]))).toThrow(/must be logits \[\.\.\., classes\] or int32 classes shaped like labels \[3\]/);
  });
  it('confusionMatrix has true labels as rows and predictions as columns', () => {
    expect(nn.confusionMatrix(preds, labels, 3).toArray()).toEqual([[1, 0, 1], [0, 1, 0], [0, 1, 2]]);
  });
  it('precision, recall and f1 by hand (macro, micro, per class)', () => {
    // Per class: tp = [1, 1, 2], fp = [0, 1, 1], fn = [1, 0, 1]
    expectClose(nn.precision(preds, labels, 3, { average: 'none' }), [1, 0.5, 2 / 3]);
    expectClose(nn.recall(preds, labels, 3, { average: 'none' }), [0.5, 1, 2 / 3]);
    expectClose(nn.f1(preds, labels, 3, { average: 'none' }), [2 / 3, 2 / 3, 2 / 3]);
    expectClose(nn.precision(preds, labels, 3), (1 + 0.5 + 2 / 3) / 3);
    expectClose(nn.recall(preds, labels, 3, { average: 'micro' }), 4 / 6);
    expectClose(nn.precision(i32([0, 0]), i32([0, 1]), 3, { average: 'none' }), [0.5, 0, 0]);
  });
  it('metrics run inside jit', () => {
    expectClose(jit((p: Tensor, y: Tensor) => nn.f1(p, y, 3))(preds, labels), 2 / 3);
  });
});

describe('initializers', () => {
  const spread = (t: Tensor): { max: number; std: number } => {
    const v = Array.from(t.dataSync());
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { max: Math.max(...v.map(Math.abs)), std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) };
  };
  it('computes fans in PyTorch layouts', () => {
    expect(nn.initializers.fans([10, 784])).toEqual([784, 10]);
    expect(nn.initializers.fans([16, 3, 5, 5])).toEqual([75, 400]);
    expect(nn.initializers.fans([7])).toEqual([7, 7]);
  });
  it('uniform initializers respect their bounds and normal ones their std', () => {
    const shape = [200, 300];
    expect(spread(nn.initializers.glorotUniform(k0, shape)).max).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(spread(nn.initializers.heUniform(k0, shape)).max).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(spread(nn.initializers.lecunUniform(k0, shape)).max).toBeLessThanOrEqual(Math.sqrt(3 / 300));
    expect(spread(nn.initializers.torchDefault(k0, shape)).max).toBeLessThanOrEqual(1 / Math.sqrt(300));
    expect(spread(nn.initializers.heNormal(k0, shape)).std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    expect(spread(nn.initializers.glorotNormal(k0, shape)).std).toBeCloseTo(Math.sqrt(2 / 500), 2);
    expect(spread(nn.initializers.lecunNormal(k0, shape)).std).toBeCloseTo(Math.sqrt(1 / 300), 2);
    expect(spread(nn.initializers.normal(0.02)(k0, shape)).std).toBeCloseTo(0.02, 3);
    expect(spread(nn.initializers.truncatedNormal(0.02)(k0, shape)).max).toBeLessThanOrEqual(0.04 + 1e-7);
    expect(nn.initializers.xavierUniform).toBe(nn.initializers.glorotUniform);
    expect(nn.initializers.kaimingNormal).toBe(nn.initializers.heNormal);
    expect(nn.initializers.zeros(k0, [2], 'float64').dtype).toBe('float64');
    expectClose(nn.initializers.ones(k0, [2]), [1, 1]);
  });
  it('orthogonal gives orthonormal rows (wide) or columns (tall), times the gain', () => {
    const wide = nn.initializers.orthogonal()(k0, [3, 2, 4], 'float64');
    const w = T.reshape(wide, [3, 8]);
    expectClose(T.matmul(w, T.transpose(w)), T.eye(3).toArray(), 1e-12);
    const tall = nn.initializers.orthogonal(2)(k0, [6, 3], 'float64');
    expectClose(T.matmul(T.transpose(tall), tall), T.mul(T.eye(3), 4).toArray(), 1e-12);
    expect(() => nn.initializers.orthogonal()(k0, [3])).toThrow(/nn\.initializers\.orthogonal: needs a shape of rank >= 2/);
  });
  it('layers take initializers', () => {
    const { params } = nn.linear(3, { init: nn.initializers.zeros, biasInit: nn.initializers.ones }).init(k0, [-1, 2]);
    expectClose(params.weight, [[0, 0], [0, 0], [0, 0]]);
    expectClose(params.bias!, [1, 1, 1]);
  });
});

describe('summary', () => {
  it('counts parameters per top-level entry and in total, as data and as a table', () => {
    const model = nn.sequential(nn.linear(128), nn.activation(nn.relu), nn.linear(10));
    const { params } = model.init(k0, [-1, 784]);
    const s = nn.summary(params, { layers: model.layers });
    expect(s.total).toBe(784 * 128 + 128 + 128 * 10 + 10);
    expect(s.rows.map((r) => [r.name, r.count])).toEqual([['0: linear(128)', 100480], ['1: relu', 0], ['2: linear(10)', 1290]]);
    expect(s.rows[0]!.tensors).toEqual(['bias [128]', 'weight [128, 784]']);
    expect(s.table).toContain('total');
    expect(s.table).toContain('101,770');
    expect(s.table.split('\n')[2]).toMatch(/^0: linear\(128\)\s+bias \[128\], weight \[128, 784\]\s+100,480$/);
    expect(nn.summary({ encoder: params[0], head: params[2] }).rows.map((r) => r.name)).toEqual(['encoder', 'head']);
  });
});
