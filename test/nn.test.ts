import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import * as R from '../src/random';
import { grad, jit, vmap } from '../src/grad';
import { map } from '../src/tree';
import * as nn from '../src/nn';
import { expectClose } from './ops.helpers';
import { jitMatchesEager } from '../laws/jit';

const k0 = R.key(0);
const f64 = (values: T.NestedArray): Tensor => T.tensor(values, { dtype: 'float64' });
const shapes = (tree: unknown): unknown => map((t: Tensor) => t.shape, tree);

describe('linear', () => {
  it('uses PyTorch layout weight [out, in], bias [out] and computes x W^T + b', () => {
    const layer = nn.linear(2);
    const { params, outputShape } = layer.init(k0, [-1, 3]);
    expect(shapes(params)).toEqual({ weight: [2, 3], bias: [2] });
    expect(outputShape).toEqual([-1, 2]);
    const p = { weight: f64([[1, 2, 3], [4, 5, 6]]), bias: f64([10, 20]) };
    expectClose(layer.apply(p, f64([[1, 0, -1], [2, 1, 0]])), [[8, 18], [14, 33]]);
    expect(layer.apply(p, f64([[[1, 1, 1]]])).shape).toEqual([1, 1, 2]);
  });

  it('defaults to PyTorch init U(+-1/sqrt(in)) for weight and bias; bias false drops it', () => {
    const { params } = nn.linear(50, {}).init(k0, [-1, 16]);
    for (const t of [params.weight, params.bias!]) expect(Math.max(...Array.from(t.dataSync(), Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Object.keys(nn.linear(4, { bias: false }).init(k0, [2, 3]).params)).toEqual(['weight']);
  });

  it('errors name the layer and the shapes', () => {
    const layer = nn.linear(10);
    const { params } = layer.init(k0, [-1, 4]);
    expect(() => layer.apply(params, T.zeros([2, 5]))).toThrow(/nn\.linear\(10\): input \[2, 5\] has 5 features but weight \[10, 4\]/);
    expect(() => layer.init(k0, [2, -1])).toThrow(/nn\.linear\(10\): init: the input features .* must be known/);
    expect(() => nn.linear(0)).toThrow(/nn.linear\(0\): outFeatures must be an integer >= 1, got 0/);
  });
});

describe('conv2d and pooling', () => {
  it('has OIHW weights (with groups) and matches the conv op plus bias', () => {
    const layer = nn.conv2d(4, 3, { groups: 2, padding: 1, stride: 2 });
    const { params, outputShape } = layer.init(k0, [-1, 2, 7, 7]);
    expect(shapes(params)).toEqual({ weight: [4, 1, 3, 3], bias: [4] });
    expect(outputShape).toEqual([-1, 4, 4, 4]);
    const x = R.normal(k0, [2, 2, 7, 7]);
    const expected = T.add(T.conv2d(x, params.weight, { groups: 2, padding: 1, stride: 2 }), T.reshape(params.bias!, [1, 4, 1, 1]));
    expectClose(layer.apply(params, x), expected.toArray());
  });

  it('computes output shapes for same padding, dilation and pooling', () => {
    expect(nn.conv2d(3, [3, 5], { padding: 'same', stride: 2 }).init(k0, [1, 1, 9, 10]).outputShape).toEqual([1, 3, 5, 5]);
    expect(nn.conv2d(3, 3, { dilation: 2 }).init(k0, [1, 1, 9, 10]).outputShape).toEqual([1, 3, 5, 6]);
    expect(nn.maxPool2d(3, { stride: 2, padding: 1 }).init(k0, [-1, 8, 9, 9]).outputShape).toEqual([-1, 8, 5, 5]);
    expect(nn.avgPool2d(2).init(k0, [2, 8, -1, 6]).outputShape).toEqual([2, 8, -1, 3]);
    expect(nn.globalAvgPool().init(k0, [-1, 8, 3, 3]).outputShape).toEqual([-1, 8]);
    expect(nn.flatten().init(k0, [-1, 8, 3, 3]).outputShape).toEqual([-1, 72]);
    expectClose(nn.globalAvgPool().apply({}, T.reshape(T.arange(8, undefined, undefined, 'float32'), [1, 2, 2, 2])), [[1.5, 5.5]]);
  });

  it('errors name the layer and the shapes', () => {
    const layer = nn.conv2d(4, 3);
    const { params } = layer.init(k0, [1, 3, 8, 8]);
    expect(() => layer.apply(params, T.zeros([1, 2, 8, 8]))).toThrow(/nn\.conv2d\(4, 3\): input \[1, 2, 8, 8\] has 2 channels but weight \[4, 3, 3, 3\]/);
    expect(() => layer.init(k0, [1, 3, 8])).toThrow(/NCHW/);
    expect(() => layer.init(k0, [1, 3, 2, 8])).toThrow(/kernel \[3, 3\].*does not fit input \[1, 3, 2, 8\]/);
    expect(() => nn.conv2d(4, 3, { groups: 3 }).init(k0, [1, 3, 8, 8])).toThrow(/groups 3 must divide/);
    expect(() => nn.maxPool2d(2).apply({}, T.zeros([2, 4]))).toThrow(/nn\.maxPool2d\(2\): expects an NCHW input of rank 4, got \[2, 4\]/);
  });
});

describe('dropout', () => {
  it('needs a key in train mode and says so', () => {
    expect(() => nn.dropout(0.5).apply({}, T.ones([2, 3]), { train: true })).toThrow(/nn\.dropout\(0\.5\): train mode needs options\.key/);
    expect(() => nn.dropout(1.5)).toThrow(/rate must be a probability/);
  });
  it('rate 1 drops everything; the same key gives the same mask', () => {
    expectClose(nn.dropout(1).apply({}, T.ones([2, 2]), { train: true, key: k0 }), [[0, 0], [0, 0]]);
    const a = nn.dropout(0.5).apply({}, T.ones([50]), { train: true, key: k0 });
    expect(nn.dropout(0.5).apply({}, T.ones([50]), { train: true, key: k0 }).toArray()).toEqual(a.toArray());
  });
});

describe('normalization', () => {
  it('batchNorm has weight/bias params and runningMean/runningVar state (PyTorch running_mean/running_var)', () => {
    const bn = nn.batchNorm();
    const { params, state, outputShape } = bn.init(k0, [-1, 3, 4, 4]);
    expect(shapes(params)).toEqual({ weight: [3], bias: [3] });
    expect(shapes(state)).toEqual({ runningMean: [3], runningVar: [3] });
    expect(outputShape).toEqual([-1, 3, 4, 4]);
    expect(bn.stateful).toBe(true);
    const x = T.add(R.normal(k0, [8, 3, 4, 4]), 5);
    const train = bn.apply(params, x, { train: true, state });
    const evalOut = bn.apply(params, x, { state });
    expect(Math.abs(T.mean(train.y).item() as number)).toBeLessThan(1e-5);
    expect(T.mean(evalOut.y).item()).toBeGreaterThan(4); // running stats start at mean 0, var 1
    expectClose(train.state.runningMean, T.mul(T.mean(x, { axis: [0, 2, 3] }), 0.1).toArray());
  });

  it('batchNorm errors without state or with the wrong channels', () => {
    const bn = nn.batchNorm();
    const { params, state } = bn.init(k0, [-1, 3]);
    expect(() => bn.apply(params, T.zeros([2, 3]))).toThrow(/nn\.batchNorm: apply needs options\.state/);
    expect(() => bn.apply(params, T.zeros([2, 4]), { state })).toThrow(/nn\.batchNorm: input \[2, 4\] must have 3 channels/);
  });

  it('layerNorm and rmsNorm match hand computation', () => {
    const x = f64([[1, 2, 3, 6]]);
    const ln = nn.layerNorm(4);
    const { params } = ln.init(k0, [-1, 4]);
    expect(shapes(params)).toEqual({ weight: [4], bias: [4] });
    const sd = Math.sqrt((4 + 1 + 0 + 9) / 4 + 1e-5);
    expectClose(ln.apply(map((t: Tensor) => T.astype(t, 'float64'), params), x), [[-2 / sd, -1 / sd, 0, 3 / sd]], 1e-9);
    const rms = nn.rmsNorm(4, { eps: 0 });
    const r = Math.sqrt((1 + 4 + 9 + 36) / 4);
    expectClose(rms.apply({ weight: f64([1, 1, 2, 1]) }, x), [[1 / r, 2 / r, 6 / r, 6 / r]], 1e-9);
    expect(() => ln.init(k0, [-1, 5])).toThrow(/nn\.layerNorm\(4\): init: input shape \[-1, 5\] must end in the normalized shape \[4\]/);
    expect(() => ln.apply(params, T.zeros([2, 3]))).toThrow(/input \[2, 3\] must end in the normalized shape \[4\]/);
  });
});

describe('embedding', () => {
  it('has weight [num, dim] and looks up int32 indices', () => {
    const emb = nn.embedding(5, 3);
    const { params, outputShape } = emb.init(k0, [-1, 4]);
    expect(shapes(params)).toEqual({ weight: [5, 3] });
    expect(outputShape).toEqual([-1, 4, 3]);
    const idx = T.tensor([[4, 0]], { dtype: 'int32' });
    const rows = params.weight.toArray() as number[][];
    expectClose(emb.apply(params, idx), [[rows[4], rows[0]]]);
    expect(() => emb.apply(params, T.zeros([1, 2]))).toThrow(/nn\.embedding\(5, 3\): expects int32 indices, got float32 \[1, 2\]/);
  });
});

describe('attention', () => {
  it('has four [dim, in] projections and returns [batch, seq, dim]', () => {
    const mha = nn.multiHeadAttention({ numHeads: 2, dim: 6, contextFeatures: 3 });
    const { params, outputShape } = mha.init(k0, [-1, 5, 4]);
    expect(shapes(params)).toEqual({ query: { weight: [6, 4], bias: [6] }, key: { weight: [6, 3], bias: [6] }, value: { weight: [6, 3], bias: [6] }, out: { weight: [6, 6], bias: [6] } });
    expect(outputShape).toEqual([-1, 5, 6]);
    expect(mha.apply(params, R.normal(k0, [2, 5, 4]), { context: R.normal(k0, [2, 7, 3]) }).shape).toEqual([2, 5, 6]);
    expect(() => nn.multiHeadAttention({ numHeads: 4 }).init(k0, [-1, 5, 6])).toThrow(/dim 6 must divide into 4 heads/);
  });

  it('dotProductAttention equals softmax(q k^T / sqrt(d)) v', () => {
    const [q, k, v] = [1, 2, 3].map((s) => R.normal(R.key(s), [2, 3, 4], { dtype: 'float64' })) as [Tensor, Tensor, Tensor];
    const w = T.softmax(T.div(T.matmul(q, T.transpose(k, [0, 2, 1])), 2));
    expectClose(nn.dotProductAttention(q, k, v), T.matmul(w, v).toArray(), 1e-9);
  });

  it('padding keys are never attended, and all-masked rows give zeros rather than NaN', () => {
    const mha = nn.multiHeadAttention({ numHeads: 2 });
    const { params } = mha.init(k0, [-1, 4, 4]);
    const x = R.normal(k0, [1, 4, 4]);
    const changed = T.concatenate([T.slice(x, [null, { stop: 2 }]), R.normal(R.key(5), [1, 2, 4])], 1);
    const keyMask = T.tensor([[true, true, false, false]]);
    const a = mha.apply(params, x, { keyMask });
    const b = mha.apply(params, changed, { keyMask });
    expectClose(T.slice(a, [null, { stop: 2 }]), T.slice(b, [null, { stop: 2 }]).toArray());
    const none = nn.dotProductAttention(x, x, x, { mask: T.tensor([[false, false, false, false]]) });
    expectClose(none, T.zeros([1, 4, 4]).toArray());
    const g = grad((p: typeof params) => T.sum(mha.apply(p, x, { keyMask: T.tensor([[false, false, false, false]]) })))(params);
    expect(Array.from(g.query.weight.dataSync()).every(Number.isFinite)).toBe(true);
    expect(() => mha.apply(params, x, { keyMask: T.tensor([[true, false]]) })).toThrow(/keyMask must be bool \[\.\.\., keyLen\] with keyLen 4/);
  });

  it('transformerBlock keeps the shape, needs a key for dropout in train mode, and drops with one', () => {
    const block = nn.transformerBlock({ dim: 8, numHeads: 2, dropout: 0.5 });
    const { params, outputShape } = block.init(k0, [-1, 3, 8]);
    expect(Object.keys(params).sort()).toEqual(['attn', 'ln1', 'ln2', 'mlp']);
    expect(shapes(params.mlp)).toEqual({ fc1: { weight: [32, 8], bias: [32] }, fc2: { weight: [8, 32], bias: [8] } });
    expect(outputShape).toEqual([-1, 3, 8]);
    const x = R.normal(k0, [2, 3, 8]);
    expect(() => block.apply(params, x, { train: true })).toThrow(/train mode with dropout 0.5 needs options\.key/);
    const evalY = block.apply(params, x);
    const trainY = block.apply(params, x, { train: true, key: R.key(1) });
    expect(trainY.toArray()).not.toEqual(evalY.toArray());
    expect(() => block.init(k0, [-1, 3, 4])).toThrow(/must end in dim 8/);
  });
});

/** PyTorch's LSTMCell/GRUCell step in plain JS, from the weight layout. */
function referenceCell(kind: 'lstm' | 'gru', p: nn.RecurrentParams, x: number[], h: number[], c: number[]): [number[], number[]] {
  const [Wi, Wh, bi, bh] = [p.weightIh.toArray(), p.weightHh.toArray(), p.biasIh.toArray(), p.biasHh.toArray()] as [number[][], number[][], number[], number[]];
  const H = h.length;
  const gi = Wi.map((row, r) => row.reduce((s, w, j) => s + w * x[j]!, bi[r]!));
  const gh = Wh.map((row, r) => row.reduce((s, w, j) => s + w * h[j]!, bh[r]!));
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const at = (g: number[], gate: number, i: number): number => g[gate * H + i]!;
  if (kind === 'lstm') {
    const c2 = h.map((_, i) => sig(at(gi, 1, i) + at(gh, 1, i)) * c[i]! + sig(at(gi, 0, i) + at(gh, 0, i)) * Math.tanh(at(gi, 2, i) + at(gh, 2, i)));
    return [h.map((_, i) => sig(at(gi, 3, i) + at(gh, 3, i)) * Math.tanh(c2[i]!)), c2];
  }
  const h2 = h.map((hv, i) => {
    const r = sig(at(gi, 0, i) + at(gh, 0, i));
    const z = sig(at(gi, 1, i) + at(gh, 1, i));
    const n = Math.tanh(at(gi, 2, i) + r * at(gh, 2, i));
    return (1 - z) * n + z * hv;
  });
  return [h2, c];
}

describe('recurrent', () => {
  it('lstmCell and gruCell use PyTorch gate layouts', () => {
    const lstm = nn.lstmCell(3);
    const p = map((t: Tensor) => T.astype(t, 'float64'), lstm.init(k0, 2)) as nn.RecurrentParams;
    expect(shapes(p)).toEqual({ weightIh: [12, 2], weightHh: [12, 3], biasIh: [12], biasHh: [12] });
    const [x, h, c] = [[0.5, -1], [0.1, 0.2, -0.3], [1, -1, 0.5]];
    const [{ h: h2, c: c2 }] = lstm.step(p, { h: f64([h]), c: f64([c]) }, f64([x]));
    const [eh, ec] = referenceCell('lstm', p, x, h, c);
    expectClose(h2, [eh], 1e-12);
    expectClose(c2, [ec], 1e-12);
    const gru = nn.gruCell(3);
    const q = map((t: Tensor) => T.astype(t, 'float64'), gru.init(k0, 2)) as nn.RecurrentParams;
    expect(shapes(q)).toEqual({ weightIh: [9, 2], weightHh: [9, 3], biasIh: [9], biasHh: [9] });
    expectClose(gru.step(q, f64([h]), f64([x]))[0], [referenceCell('gru', q, x, h, c)[0]], 1e-12);
  });

  it('rnn runs along time; last output, reverse and per-example vmap agree', () => {
    const cell = nn.gruCell(4);
    const seqLayer = nn.rnn(cell);
    const { params, outputShape } = seqLayer.init(k0, [-1, 5, 3]);
    expect(outputShape).toEqual([-1, 5, 4]);
    expect(nn.rnn(cell, { returnSequences: false }).init(k0, [2, 5, 3]).outputShape).toEqual([2, 4]);
    const x = R.normal(k0, [2, 5, 3]);
    const ys = seqLayer.apply(params, x);
    expectClose(nn.rnn(cell, { returnSequences: false }).apply(params, x), T.squeeze(T.slice(ys, [null, { start: -1 }]), 1).toArray());
    const rev = nn.rnn(cell, { reverse: true }).apply(params, T.flip(x, 1));
    expectClose(T.flip(rev, 1), ys.toArray());
    expectClose(vmap((xi: Tensor) => seqLayer.apply(params, xi))(x), ys.toArray());
    expect(() => seqLayer.apply(params, T.zeros([2, 5, 2]))).toThrow(/nn\.gruCell\(4\): input \[2, 2\] has 2 features but weightIh \[12, 3\]/);
  });
});

describe('combinators', () => {
  it('sequential keeps params and state arrays in order, and splits keys across dropout layers', () => {
    const model = nn.sequential(nn.linear(8), nn.batchNorm(), nn.dropout(0.5), nn.dropout(0.5));
    const { params, state, outputShape } = model.init(k0, [-1, 4]);
    expect(params.length).toBe(4);
    expect(state.length).toBe(4);
    expect(state[0]).toBeUndefined();
    expect(Object.keys(state[1])).toEqual(['runningMean', 'runningVar']);
    expect(outputShape).toEqual([-1, 8]);
    expect(model.layers.length).toBe(4);
    expect(() => model.apply(params, T.ones([2, 4]))).toThrow(/apply needs options.state: an array with one entry per layer \(4\)/);
    // Two dropouts with split keys: kept elements are scaled twice (x4) or dropped.
    const drops = nn.sequential(nn.dropout(0.5), nn.dropout(0.5));
    const y = drops.apply([{}, {}], T.ones([400]), { train: true, key: k0 });
    const kept = Array.from(y.dataSync()).filter((v) => v !== 0);
    expect(kept.every((v) => v === 4)).toBe(true);
    expect(kept.length).toBeGreaterThan(60);
    expect(kept.length).toBeLessThan(140);
  });

  it('residual adds its input and rejects shape changes; parallel concatenates or sums', () => {
    const res = nn.residual(nn.linear(3));
    const { params } = res.init(k0, [-1, 3]);
    const x = R.normal(k0, [2, 3]);
    expectClose(res.apply(params, x), T.add(x, nn.linear(3).apply(params, x)).toArray());
    expect(() => nn.residual(nn.linear(4)).init(k0, [-1, 3])).toThrow(/nn\.residual\(linear\(4\)\): init: the inner layer maps \[-1, 3\] to \[-1, 4\]/);
    const par = nn.parallel(nn.linear(2), nn.linear(5));
    expect(par.init(k0, [-1, 3]).outputShape).toEqual([-1, 7]);
    const inception = nn.parallel(nn.conv2d(2, 1), nn.conv2d(3, 3, { padding: 1 }), { axis: 1 });
    const r = inception.init(k0, [1, 2, 4, 4]);
    expect(r.outputShape).toEqual([1, 5, 4, 4]);
    expect(inception.apply(r.params, R.normal(k0, [1, 2, 4, 4])).shape).toEqual([1, 5, 4, 4]);
    expect(() => nn.parallel(nn.linear(2), nn.linear(5), { merge: 'sum' }).init(k0, [-1, 3])).toThrow(/cannot sum outputs of shapes \[-1, 2\], \[-1, 5\]/);
  });

  it('a model can be an ordinary function over a params tree (grad and jit see through it)', () => {
    const fc1 = nn.linear(16), fc2 = nn.linear(3);
    const [k1, k2] = R.splitList(k0);
    const params = { fc1: fc1.init(k1!, [-1, 4]).params, fc2: fc2.init(k2!, [-1, 16]).params };
    const model = (p: typeof params, x: Tensor): Tensor => fc2.apply(p.fc2, nn.relu(fc1.apply(p.fc1, x)));
    const x = R.normal(k0, [8, 4]);
    const labels = R.randint(k0, [8], 0, 3);
    const loss = (p: typeof params): Tensor => nn.softmaxCrossEntropy(model(p, x), labels);
    let p = params;
    const before = loss(p).item() as number;
    const step = jit((q: typeof params) => map((w: Tensor, g: Tensor) => T.sub(w, T.mul(0.5, g)), q, grad(loss)(q)));
    for (let i = 0; i < 30; i++) p = step(p);
    expect(loss(p).item()).toBeLessThan(before / 2);
    expect(jitMatchesEager(model, [p, x])).toBe(true);
  });

  it('a stateful model trains under jit: state and keys are ordinary arguments and results', () => {
    const model = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.batchNorm(), nn.activation(nn.relu), nn.dropout(0.2), nn.globalAvgPool(), nn.linear(2));
    const { params, state } = model.init(k0, [-1, 1, 5, 5]);
    const x = R.normal(k0, [6, 1, 5, 5]);
    const forward = (p: typeof params, s: typeof state, k: Tensor) => model.apply(p, x, { train: true, state: s, key: k });
    expect(jitMatchesEager(forward, [params, state, R.key(3)])).toBe(true);
    expect(jit(forward)(params, state, R.key(3)).state[0]).toBeUndefined();
  });

  it('applyLayer gives every layer the { y, state } form', () => {
    const { params } = nn.linear(2).init(k0, [-1, 3]);
    const out = nn.applyLayer(nn.linear(2), params, T.ones([1, 3]));
    expect(out.state).toBeUndefined();
    expect(out.y.shape).toEqual([1, 2]);
  });
});

describe('activations', () => {
  it('are the tensor ops under uniform names', () => {
    expect(nn.swish).toBe(nn.silu);
    expectClose(nn.relu(T.tensor([-1, 2])), [0, 2]);
    expectClose(nn.leakyRelu(T.tensor([-1, 2])), [-0.01, 2]);
    expectClose(nn.softplus(T.tensor([1000, -1000])), [1000, 0]);
    const layer = nn.activation(nn.tanh);
    expect(layer.name).toBe('tanh');
    expect(layer.init(k0, [-1, 3]).outputShape).toEqual([-1, 3]);
  });
});
