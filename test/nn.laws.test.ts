import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import * as R from '../src/random';
import * as nn from '../src/nn';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { allOf } from '../laws/result';
import { lawProperty } from '../laws/arbitraries/property';
import {
  batchNormEvalUsesRunningStats,
  batchNormTrainUpdatesRunningStats,
  causalAttentionDoesNotLookAhead,
  classificationMetricsMatchCounts,
  confusionMatrixMatchesCounts,
  dropoutEvalIsIdentity,
  dropoutTrainScalesAndDrops,
  intLabelsMatchOneHot,
  labelSmoothingMatchesFormula,
  layerGradientsMatchFiniteDifferences,
  lossIsFiniteAndNonNegative,
  outputShapeMatchesInit,
  paramGradientsMatchFiniteDifferences,
  sequentialComposes,
  toFloat64,
  unknownBatchKeepsShape,
} from '../laws/nn';

const seed = 20240611;
const runs = (numRuns: number) => ({ seed, numRuns });
const arbKey = fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((s) => R.key(s));

/** Layers with a small concrete input shape and the apply options their law runs use. */
const cases: [string, () => nn.AnyLayer, number[], nn.ApplyOptions<any>?][] = [
  ['linear', () => nn.linear(3), [2, 4]],
  ['linear without bias, 3-d input', () => nn.linear(3, { bias: false }), [2, 2, 4]],
  ['conv2d stride 2 padding 1', () => nn.conv2d(2, 3, { stride: 2, padding: 1 }), [1, 2, 5, 5]],
  ['conv2d groups + dilation', () => nn.conv2d(4, 2, { groups: 2, dilation: 2 }), [1, 2, 5, 5]],
  ['conv2d same', () => nn.conv2d(2, [3, 2], { padding: 'same' }), [2, 1, 4, 3]],
  ['maxPool2d', () => nn.maxPool2d(2), [1, 2, 4, 4]],
  ['avgPool2d without pad counting', () => nn.avgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), [1, 2, 4, 4]],
  ['globalAvgPool', () => nn.globalAvgPool(), [2, 3, 2, 2]],
  ['flatten', () => nn.flatten(), [2, 3, 2]],
  ['batchNorm train', () => nn.batchNorm(), [4, 3, 2], { train: true }],
  ['batchNorm eval', () => nn.batchNorm(), [4, 3, 2]],
  ['layerNorm', () => nn.layerNorm(4), [2, 3, 4]],
  ['layerNorm over two axes', () => nn.layerNorm([3, 4]), [2, 3, 4]],
  ['rmsNorm', () => nn.rmsNorm(4), [2, 3, 4]],
  ['dropout train (fixed key)', () => nn.dropout(0.5), [3, 4], { train: true, key: R.key(3) }],
  ['multiHeadAttention causal', () => nn.multiHeadAttention({ numHeads: 2, causal: true }), [2, 3, 4]],
  ['multiHeadAttention dim 6', () => nn.multiHeadAttention({ numHeads: 3, dim: 6 }), [1, 3, 4]],
  ['transformerBlock', () => nn.transformerBlock({ dim: 4, numHeads: 2, causal: true, mlpRatio: 2 }), [1, 3, 4]],
  ['rnn(lstmCell)', () => nn.rnn(nn.lstmCell(3)), [2, 3, 2]],
  ['rnn(gruCell) reverse, last output', () => nn.rnn(nn.gruCell(3), { reverse: true, returnSequences: false }), [2, 3, 2]],
  ['sequential', () => nn.sequential(nn.linear(4), nn.activation(nn.gelu), nn.linear(2)), [2, 3]],
  ['sequential with batchNorm and dropout', () => nn.sequential(nn.linear(4), nn.batchNorm(), nn.activation(nn.silu), nn.dropout(0.25)), [5, 3], { train: true, key: R.key(9) }],
  ['residual', () => nn.residual(nn.sequential(nn.layerNorm(4), nn.linear(4))), [2, 4]],
  ['parallel concat', () => nn.parallel(nn.linear(2), nn.linear(3)), [2, 4]],
  ['parallel sum on channels', () => nn.parallel(nn.conv2d(2, 1), nn.conv2d(2, 3, { padding: 1 }), { merge: 'sum' }), [1, 2, 3, 3]],
  ['activation(elu)', () => nn.activation(nn.elu), [2, 3]],
];

describe(`nn layer laws (fast-check seed ${seed})`, () => {
  for (const [name, make, shape, options] of cases) {
    it(`${name}: gradients match finite differences (float64)`, () => {
      fc.assert(lawProperty(arbKey, (k) => layerGradientsMatchFiniteDifferences(make(), k, shape, options)), runs(3));
    });
    it(`${name}: apply returns init's outputShape`, () => {
      fc.assert(lawProperty(arbKey, (k) => outputShapeMatchesInit(make(), k, shape, R.normal(k, shape), options)), runs(3));
    });
  }

  it('an open batch axis (-1) is carried into outputShape', () => {
    const open = cases.filter(([n]) => !n.includes('embedding'));
    fc.assert(lawProperty(arbKey, fc.constantFrom(...open), (k, [, make, shape]) => unknownBatchKeepsShape(make(), k, shape)), runs(20));
  });

  it('embedding: gradients with respect to the table match finite differences', () => {
    fc.assert(
      lawProperty(arbKey, (k) => {
        const idx = R.randint(k, [2, 3], 0, 5);
        return paramGradientsMatchFiniteDifferences(nn.embedding(5, 3), k, [2, 3], idx);
      }),
      runs(3),
    );
  });

  it('sequential(a, b) is b after a', () => {
    fc.assert(lawProperty(arbKey, (k) => {
      const a = nn.linear(3), b = nn.linear(2);
      return sequentialComposes(a, b, nn.sequential(a, b), k, [4, 5], R.normal(k, [4, 5]));
    }), runs(5));
  });
});

describe(`nn stochastic and stateful laws (fast-check seed ${seed})`, () => {
  it('dropout with train false is the identity', () => {
    fc.assert(lawProperty(arbKey, fc.double({ min: 0, max: 1, noNaN: true }), (k, rate) => dropoutEvalIsIdentity(nn.dropout(rate), R.normal(k, [3, 4]), k)), runs(20));
  });

  it('dropout in train mode zeroes about rate of the elements and scales the rest by 1 / (1 - rate)', () => {
    fc.assert(
      lawProperty(arbKey, fc.constantFrom(0.1, 0.25, 0.5, 0.8), (k, rate) => {
        // 4000 elements: a binomial proportion's std is at most 0.008, so 0.04 is 5 sigma.
        const x = T.add(R.uniform(k, [40, 100]), 0.5);
        return dropoutTrainScalesAndDrops(nn.dropout(rate), rate, x, R.foldIn(k, 1), 0.04);
      }),
      runs(10),
    );
  });

  it('batchNorm in eval mode is deterministic and uses the running statistics', () => {
    fc.assert(
      lawProperty(arbKey, (k) => {
        const [k1, k2, k3, k4, k5] = R.splitList(k, 5);
        const params = { weight: R.normal(k1!, [3], { dtype: 'float64' }), bias: R.normal(k2!, [3], { dtype: 'float64' }) };
        const state = { runningMean: R.normal(k3!, [3], { dtype: 'float64' }), runningVar: R.uniform(k4!, [3], { minval: 0.5, maxval: 2, dtype: 'float64' }) };
        return batchNormEvalUsesRunningStats(params, state, R.normal(k5!, [4, 3, 2, 2], { dtype: 'float64' }));
      }),
      runs(10),
    );
  });

  it('batchNorm in train mode normalizes per channel and updates running stats like PyTorch', () => {
    fc.assert(
      lawProperty(arbKey, fc.double({ min: 0, max: 1, noNaN: true }), (k, momentum) => {
        const state = toFloat64(nn.batchNorm().init(k, [-1, 3]).state);
        const x = T.add(T.mul(R.normal(k, [6, 3, 2], { dtype: 'float64' }), 3), 1);
        return batchNormTrainUpdatesRunningStats(state, x, momentum);
      }),
      runs(10),
    );
  });

  it('causal attention does not look ahead (changing future tokens keeps earlier outputs)', () => {
    fc.assert(
      lawProperty(arbKey, fc.integer({ min: 0, max: 4 }), fc.constantFrom('attention', 'block'), (k, t, kind) => {
        const layer = kind === 'attention' ? nn.multiHeadAttention({ numHeads: 2, causal: true }) : nn.transformerBlock({ dim: 4, numHeads: 2, causal: true });
        const [k1, k2, k3] = R.splitList(k, 3);
        const params = toFloat64(layer.init(k1!, [2, 5, 4]).params);
        return causalAttentionDoesNotLookAhead(layer, params, R.normal(k2!, [2, 5, 4], { dtype: 'float64' }), R.normal(k3!, [2, 5, 4], { dtype: 'float64' }), t);
      }),
      runs(10),
    );
  });

  it('without the causal mask, attention does look ahead (the law above is not vacuous)', () => {
    const layer = nn.multiHeadAttention({ numHeads: 2 });
    const k = R.key(1);
    const params = toFloat64(layer.init(k, [1, 4, 4]).params);
    expect(causalAttentionDoesNotLookAhead(layer, params, R.normal(k, [1, 4, 4], { dtype: 'float64' }), R.normal(R.key(2), [1, 4, 4], { dtype: 'float64' }), 1)).toMatch(/^outputs 0\.\.1 with later tokens changed vs unchanged: index \[0, 0, \d\]: /);
  });
});

const arbLogitsLabels = fc.record({ k: arbKey, n: fc.integer({ min: 1, max: 5 }), c: fc.integer({ min: 2, max: 6 }), scale: fc.constantFrom(1, 10, 1000) }).map(({ k, n, c, scale }) => {
  const [k1, k2] = R.splitList(k);
  return { logits: T.mul(R.normal(k1!, [n, c], { dtype: 'float64' }), scale), labels: R.randint(k2!, [n], 0, c) };
});

describe(`nn loss laws (fast-check seed ${seed})`, () => {
  it('softmaxCrossEntropy with int labels equals the one-hot form', () => {
    fc.assert(lawProperty(arbLogitsLabels, fc.constantFrom(0, 0.1, 0.5), ({ logits, labels }, s) => intLabelsMatchOneHot(logits, labels, s)), runs(30));
  });

  it('label smoothing follows -sum((1 - s) onehot + s / K) log softmax', () => {
    fc.assert(lawProperty(arbLogitsLabels, fc.double({ min: 0, max: 1, noNaN: true }), ({ logits, labels }, s) => labelSmoothingMatchesFormula(logits, labels, s)), runs(30));
  });

  it('cross-entropy losses are finite and non-negative for logits of +-1000', () => {
    fc.assert(
      lawProperty(arbKey, fc.constantFrom('float32', 'float64') as fc.Arbitrary<'float32' | 'float64'>, (k, dtype) => {
        const logits = T.mul(T.sign(R.normal(k, [4, 3], { dtype })), 1000);
        const labels = R.randint(R.foldIn(k, 1), [4], 0, 3);
        const targets = T.astype(R.bernoulli(R.foldIn(k, 2), 0.5, [4, 3]), dtype);
        return allOf(
          ['softmaxCrossEntropy', () => lossIsFiniteAndNonNegative(nn.softmaxCrossEntropy(logits, labels, { reduction: 'none' }))],
          ['softmaxCrossEntropy smoothed', () => lossIsFiniteAndNonNegative(nn.softmaxCrossEntropy(logits, labels, { labelSmoothing: 0.1 }))],
          ['binaryCrossEntropyWithLogits', () => lossIsFiniteAndNonNegative(nn.binaryCrossEntropyWithLogits(logits, targets, { reduction: 'none' }))],
          ['binaryCrossEntropy', () => lossIsFiniteAndNonNegative(nn.binaryCrossEntropy(nn.sigmoid(logits), targets, { reduction: 'none' }))],
          ['nll', () => lossIsFiniteAndNonNegative(nn.nll(nn.logSoftmax(logits), labels))],
        );
      }),
      runs(10),
    );
  });

  const lossCases: [string, (a: Tensor, b: Tensor, labels: Tensor) => Tensor][] = [
    ['mse', (a, b) => nn.mse(a, b)],
    ['mae', (a, b) => nn.mae(a, b)],
    ['huber', (a, b) => nn.huber(a, b, { delta: 0.7 })],
    ['binaryCrossEntropy', (a, b) => nn.binaryCrossEntropy(nn.sigmoid(a), nn.sigmoid(b))],
    ['binaryCrossEntropyWithLogits', (a, b) => nn.binaryCrossEntropyWithLogits(a, nn.sigmoid(b))],
    ['softmaxCrossEntropy int labels, smoothed', (a, _b, y) => nn.softmaxCrossEntropy(a, y, { labelSmoothing: 0.2 })],
    ['softmaxCrossEntropy soft targets', (a, b) => nn.softmaxCrossEntropy(a, nn.softmax(b), { reduction: 'sum' })],
    ['klDivergence', (a, b) => nn.klDivergence(nn.softmax(b), nn.softmax(a))],
    ['cosineSimilarity', (a, b) => T.sum(nn.cosineSimilarity(a, b))],
    ['l2Penalty + l1Penalty', (a, b) => T.add(nn.l2Penalty({ a, b }), nn.l1Penalty([a]))],
  ];
  for (const [name, loss] of lossCases) {
    it(`${name}: gradients match finite differences (float64)`, () => {
      fc.assert(
        lawProperty(arbKey, (k) => {
          const [k1, k2, k3] = R.splitList(k, 3);
          const a = R.normal(k1!, [3, 4], { dtype: 'float64' }), b = R.normal(k2!, [3, 4], { dtype: 'float64' });
          const y = R.randint(k3!, [3], 0, 4);
          return gradsMatchFiniteDifferences((p: Tensor, q: Tensor) => loss(p, q, y), [a, b]);
        }),
        runs(3),
      );
    });
  }
});

const arbPredsLabels = fc.integer({ min: 1, max: 5 }).chain((c) =>
  fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.constant(c), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }))),
);

describe(`nn metric laws (fast-check seed ${seed})`, () => {
  it('confusionMatrix counts (label, prediction) pairs', () => {
    fc.assert(lawProperty(arbPredsLabels, ([c, p, y]) => confusionMatrixMatchesCounts(p, y, c)), runs(40));
  });

  it('precision, recall and f1 (none, macro, micro) match the counted definitions', () => {
    fc.assert(lawProperty(arbPredsLabels, ([c, p, y]) => classificationMetricsMatchCounts(p, y, c)), runs(40));
  });
});
