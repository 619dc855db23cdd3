import { describe, expect, it } from 'vitest';
import * as T from '../src';
import * as nn from '../src/nn';
import { key } from '../src/random';
import { fromTensors } from '../src/data';
import { classificationReport, evaluate, fit, predict } from '../src/train';

const w = T.tensor([[1, 0], [0, 1], [1, 1]]);
const linear = (p: { w: T.Tensor }, x: T.Tensor) => T.matmul(x, p.w);
const x = T.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [2, 0, 0], [0, 3, 0]]);
const y = T.tensor([0, 1, 0, 0, 0], { dtype: 'int32' });
const ds = fromTensors({ x, y });

describe('evaluate', () => {
  it('means over all examples, whatever the batch size, with models as functions or layers', async () => {
    const all = await evaluate(linear, { w }, ds, { metrics: { accuracy: nn.accuracy }, batchSize: 2 });
    expect(all.accuracy).toBeCloseTo(4 / 5, 6); // row 2 is a tie (argmax takes 0: right), row 4 is wrong
    const layer = nn.linear(2, { bias: false });
    const { params } = layer.init(key(0), [-1, 3]);
    const a = await evaluate(layer, params, ds, { metrics: { loss: nn.softmaxCrossEntropy }, batchSize: 4 });
    const b = Number(nn.softmaxCrossEntropy(layer.apply(params, x), y).item());
    expect(a.loss).toBeCloseTo(b, 6);
  });

  it('reads other batch fields when told, and traces once per batch shape', async () => {
    const pairs = fromTensors({ inputs: x, labels: y });
    const metric = (p: T.Tensor, t: T.Tensor) => nn.accuracy(p, t);
    const r = await evaluate(linear, { w }, pairs, { metrics: { acc: metric }, batchSize: 2, inputs: (b) => b.inputs, targets: (b) => b.labels });
    expect(r.acc).toBeCloseTo(0.8, 6);
  });

  it('fails clearly', async () => {
    await expect(evaluate(linear, { w }, ds, { metrics: {} })).rejects.toThrow(/evaluate: metrics must be a non-empty record of functions/);
    await expect(evaluate(linear, { w }, ds, { metrics: { a: nn.accuracy }, batchSize: 0 })).rejects.toThrow(/evaluate: batchSize must be an integer >= 1, got 0/);
    await expect(evaluate(linear, { w }, ds, { metrics: { a: nn.accuracy }, batchsize: 2 } as never)).rejects.toThrow(/evaluate: unknown option "batchsize" \(valid options: metrics, batchSize, inputs, targets\)/);
    await expect(evaluate(linear, { w }, fromTensors({ a: x }), { metrics: { a: nn.accuracy } })).rejects.toThrow(/evaluate: the batch has no 'x' field \(it has a\); pass inputs/);
    await expect(evaluate(linear, { w }, ds, { metrics: { a: (p: T.Tensor) => p } })).rejects.toThrow(/metric 'a' must return a scalar/);
    await expect(evaluate(linear, { w }, ds.take(0), { metrics: { a: nn.accuracy } })).rejects.toThrow(/the dataset is empty/);
    await expect(evaluate(42 as never, { w }, ds, { metrics: { a: nn.accuracy } })).rejects.toThrow(/model must be a function \(params, x\) => y or have an apply method/);
  });
});

describe('predict', () => {
  it('joins batch outputs along the first axis, from a dataset or a tensor', async () => {
    const fromDataset = await predict(linear, { w }, ds, { batchSize: 2 });
    const fromTensor = await predict(linear, { w }, x, { batchSize: 3 });
    const direct = linear({ w }, x).toArray();
    expect(fromDataset.toArray()).toEqual(direct);
    expect(fromTensor.toArray()).toEqual(direct);
    await expect(predict(linear, { w }, T.scalar(1))).rejects.toThrow(/inputs must have a batch axis/);
    await expect(predict((p: { w: T.Tensor }) => T.sum(p.w), { w }, x)).rejects.toThrow(/one row per example, got a scalar/);
  });
});

describe('fit with validationSplit', () => {
  it('holds out the last examples (as Keras): never trained on, scored each epoch', async () => {
    const n = 20;
    const data = fromTensors({ x: T.reshape(T.arange(0, n), [n, 1]), y: T.arange(0, n, 1, 'int32') });
    const seen = new Set<number>();
    const scored = new Set<number>();
    const step = (s: number, b: { x: T.Tensor; y: T.Tensor }) => {
      b.y.dataSync().forEach((v) => seen.add(v));
      return [s + 1, { loss: 0 }] as const;
    };
    const evalStep = (_s: number, b: { x: T.Tensor; y: T.Tensor }) => {
      b.y.dataSync().forEach((v) => scored.add(v));
      return { loss: T.mean(b.x) };
    };
    const r = await fit(0, data, { epochs: 2, batchSize: 3, key: key(0), step, evalStep, validationSplit: 0.25, progress: false });
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect([...scored].sort((a, b) => a - b)).toEqual([15, 16, 17, 18, 19]);
    expect(r.history.valLoss).toEqual([17, 17]);
    expect(r.state).toBe(10); // 2 epochs of ceil(15 / 3) steps
  });

  it('rejects what it cannot split', async () => {
    const step = (s: number) => [s, { loss: 0 }] as const;
    const evalStep = () => ({ loss: 0 });
    const base = { epochs: 1, batchSize: 2, key: key(0), step, progress: false as const };
    await expect(fit(0, ds, { ...base, evalStep, validationSplit: 1 })).rejects.toThrow(/validationSplit must be a fraction strictly between 0 and 1, got 1/);
    await expect(fit(0, ds, { ...base, validationSplit: 0.2 })).rejects.toThrow(/validationSplit needs an evalStep/);
    await expect(fit(0, ds, { ...base, evalStep, validationSplit: 0.2, validation: ds })).rejects.toThrow(/either validation or validationSplit, not both/);
    await expect(fit(0, ds, { ...base, evalStep, validationSplit: 0.01 })).rejects.toThrow(/validationSplit 0.01 of 5 examples leaves no validation examples/);
    const noSlice = { size: 5, shuffle: () => noSlice, batch: () => [] };
    await expect(fit(0, noSlice, { ...base, evalStep, validationSplit: 0.2 })).rejects.toThrow(/needs a dataset with slice/);
  });
});

describe('classificationReport', () => {
  it('matches scikit-learn on a small example, as data and text', () => {
    // sklearn.metrics.classification_report([0, 1, 2, 2, 2], [0, 0, 2, 2, 1]):
    // class 0: p 0.50 r 1.00 f1 0.67 s 1; class 1: 0.00 0.00 0.00 1; class 2: 1.00 0.67 0.80 3;
    // accuracy 0.60; macro 0.50 0.56 0.49; weighted 0.70 0.60 0.61.
    const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['ant', 'bee', 'cat'] });
    const round = (v: number) => Math.round(v * 100) / 100;
    expect(r.classes.map((c) => [c.name, round(c.precision), round(c.recall), round(c.f1), c.support])).toEqual([
      ['ant', 0.5, 1, 0.67, 1],
      ['bee', 0, 0, 0, 1],
      ['cat', 1, 0.67, 0.8, 3],
    ]);
    expect(r.accuracy).toBe(0.6);
    expect([r.macroAverage.precision, r.macroAverage.recall, r.macroAverage.f1].map(round)).toEqual([0.5, 0.56, 0.49]);
    expect([r.weightedAverage.precision, r.weightedAverage.recall, r.weightedAverage.f1].map(round)).toEqual([0.7, 0.6, 0.61]);
    expect(r.confusionMatrix).toEqual([[1, 0, 0], [1, 0, 0], [0, 1, 2]]);
    expect(r.text).toContain('         ant       0.50      1.00      0.67         1');
    expect(r.text).toContain('    accuracy                           0.60         5');
    expect(r.text).toContain('weighted avg       0.70      0.60      0.61         5');
    expect(r.text).toMatch(/confusion matrix \(rows: true class, columns: predicted class\)\n\s+ant\s+bee\s+cat\n\s+ant\s+1\s+0\s+0/);
  });

  it('takes tensors (logits are argmaxed) and a subset of labels', () => {
    const logits = T.tensor([[2, 1], [0, 3], [5, 1]]);
    const r = classificationReport(T.tensor([0, 1, 1], { dtype: 'int32' }), logits);
    expect(r.confusionMatrix).toEqual([[1, 0], [1, 1]]);
    const sub = classificationReport([0, 1, 2], [0, 2, 2], { labels: [2], digits: 3 });
    expect(sub.classes.map((c) => [c.label, c.precision, c.recall])).toEqual([[2, 0.5, 1]]);
    expect(sub.text).toContain('0.500');
  });

  it('fails clearly', () => {
    expect(() => classificationReport([0, 1], [0])).toThrow(/one label per example, got 2 and 1/);
    expect(() => classificationReport([], [])).toThrow(/no examples/);
    expect(() => classificationReport([0.5], [0])).toThrow(/yTrue\[0\] must be an integer label, got 0.5/);
    expect(() => classificationReport([0], [0], { targetNames: ['a', 'b'] })).toThrow(/targetNames has 2 names for 1 labels/);
    expect(() => classificationReport(T.zeros([3]), [0, 0, 0])).toThrow(/yTrue must be int32 class labels \[n\] or float logits \[n, classes\], got float32\[3\]/);
    expect(() => classificationReport([0], [0], { label: [0] } as never)).toThrow(/classificationReport: unknown option "label" \(valid options: labels, targetNames, digits\)/);
  });
});
