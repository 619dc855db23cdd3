/**
 * ONNX export of whole models and programs, run in ONNX Runtime: the example models (MLP, a CNN
 * with batch norm in eval mode, a transformer block, GPT-2), a jitted Adam training step run for
 * several steps, dynamic batch sizes, random draws as inputs, opset 17, and the errors users meet.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import * as R from '../src/random';
import { leaves, map } from '../src/tree';
import { toOnnx } from '../src/onnx';
import { gpt2Init, gpt2Logits, gpt2ParameterShapes, type GPT2Config, type GPT2Params } from '../src/models';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, valueInfo } from '../src/onnx/graph';
import { jaxprToSubgraph } from '../src/onnx/lower';
import { ruleFor } from '../src/onnx/rules';
import { ModelProtoSchema } from '../src/onnx/proto/onnx_pb';
import { dynamicBatchMatchesEager, exportApprox, exportMatchesEager, type OnnxRunner } from '../laws/onnx';
import { approx } from '../laws/approx';
import { opTypes, runOnnx } from './onnx.helpers';

const normal = (seed: number, shape: number[]) => R.normal(R.key(seed), shape);

describe('example models', () => {
  it('an MLP exports with its parameters as named initializers, Gemm layers and a dynamic batch', async () => {
    const mlp = nn.sequential(nn.linear(16), nn.activation(nn.relu), nn.linear(16), nn.activation(nn.gelu), nn.linear(4));
    const { params } = mlp.init(R.key(1), [-1, 8]);
    const f = (p: typeof params, x: Tensor) => mlp.apply(p, x);
    const options = { parameterArgnums: 0, argNames: [undefined, 'x'] };
    const model = toOnnx(f, [params, normal(2, [5, 8])], { ...options, dynamicBatch: true });
    expect(model.parameters).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    expect(model.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 8] }]);
    expect(model.outputs).toEqual([{ name: 'output', dtype: 'float32', shape: ['batch', 4] }]);
    expect(opTypes(model).filter((op) => op === 'Gemm')).toHaveLength(3);
    expect(opTypes(model)).not.toContain('Expand');
    expect(opTypes(model)).not.toContain('Reshape'); // biases feed Gemm as they are
    expect(await exportMatchesEager(runOnnx, f, [params, normal(3, [5, 8])], options)).toBe(true);
    expect(await dynamicBatchMatchesEager(runOnnx, f, [params, normal(2, [5, 8])], [params, normal(4, [3, 8])], options)).toBe(true);
  });

  it('a CNN with batch norm in eval mode exports with Conv, MaxPool and AveragePool and runs at another batch size', async () => {
    const cnn = nn.sequential(
      nn.conv2d(6, 3, { padding: 1 }), nn.batchNorm(), nn.activation(nn.relu), nn.maxPool2d(2),
      nn.conv2d(8, 3, { stride: 2, padding: 1 }), nn.batchNorm(), nn.activation(nn.relu), nn.avgPool2d(2),
      nn.flatten(), nn.linear(10),
    );
    const init = cnn.init(R.key(5), [-1, 3, 16, 16]);
    // Running statistics away from their initial zeros and ones, from a few training-mode batches.
    let state = init.state;
    for (let i = 0; i < 3; i++) state = cnn.apply(init.params, normal(10 + i, [4, 3, 16, 16]), { train: true, state }).state;
    const f = (p: typeof init.params, s: typeof state, x: Tensor) => cnn.apply(p, x, { train: false, state: s }).y;
    const options = { parameterArgnums: [0, 1], argNames: ['params', 'state', 'images'] };
    const model = toOnnx(f, [init.params, state, normal(6, [2, 3, 16, 16])], { ...options, dynamicBatch: true });
    expect(model.parameters).toContain('state.1.runningMean');
    expect(model.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: ['batch', 3, 16, 16] }]);
    const ops = opTypes(model);
    expect(ops.filter((op) => op === 'Conv')).toHaveLength(2);
    expect(ops).toContain('MaxPool');
    expect(ops).toContain('AveragePool');
    expect(ops).not.toContain('Unsqueeze'); // no general patches lowering was needed
    expect(await exportMatchesEager(runOnnx, f, [init.params, state, normal(7, [2, 3, 16, 16])], options)).toBe(true);
    expect(await dynamicBatchMatchesEager(runOnnx, f, [init.params, state, normal(6, [2, 3, 16, 16])], [init.params, state, normal(8, [5, 3, 16, 16])], options)).toBe(true);
  });

  it('a causal transformer block exports and runs at another batch size', async () => {
    const block = nn.transformerBlock({ dim: 16, numHeads: 4, causal: true });
    const { params } = block.init(R.key(9), [-1, 6, 16]);
    const f = (p: typeof params, x: Tensor) => block.apply(p, x);
    const options = { parameterArgnums: 0, argNames: ['block', 'tokens'] };
    expect(toOnnx(f, [params, normal(1, [2, 6, 16])], options).parameters).toContain('block.attn.query.weight');
    const tol = exportApprox.with({ float32: { atol: 2e-5 } });
    expect(await exportMatchesEager(runOnnx, f, [params, normal(1, [2, 6, 16])], options, tol)).toBe(true);
    expect(await dynamicBatchMatchesEager(runOnnx, f, [params, normal(1, [2, 6, 16])], [params, normal(2, [3, 6, 16])], options, tol)).toBe(true);
  });
});

describe('GPT-2', () => {
  const config: GPT2Config = { nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 8, vocabSize: 40 };
  // Away from the zero biases and unit LayerNorms of a fresh init, so every parameter shows in the logits.
  let k = 100;
  const params: GPT2Params = map((w: Tensor) => T.add(w, T.mul(normal(k++, [...w.shape]), 0.05)), gpt2Init(R.key(21), config));
  const logits = (p: GPT2Params, tokens: Tensor) => gpt2Logits(p, tokens, config);
  const tokens = (seed: number, batch: number) => R.randint(R.key(seed), [batch, 7], 0, config.vocabSize);
  const options = { parameterArgnums: 0, argNames: [undefined, 'tokens'], outputNames: ['logits'] };

  it('exports with its parameters as initializers named and shaped as in Hugging Face, token ids as the input', () => {
    const model = toOnnx(logits, [params, tokens(1, 2)], { ...options, dynamicBatch: true });
    const initializers = fromBinary(ModelProtoSchema, model.bytes).graph!.initializer;
    const shapes = Object.fromEntries(initializers.map((t) => [t.name, t.dims.map(Number)]));
    expect(Object.fromEntries(gpt2ParameterShapes(config).map(([name, shape]) => [name, shape]))).toEqual(Object.fromEntries(model.parameters.map((name) => [name, shapes[name]])));
    expect(model.inputs).toEqual([{ name: 'tokens', dtype: 'int32', shape: ['batch', 7] }]);
    expect(model.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['batch', 7, config.vocabSize] }]);
  });

  it('logits in ONNX Runtime match eager ones, at the batch size of the export and at others', async () => {
    expect(await exportMatchesEager(runOnnx, logits, [params, tokens(2, 2)], options)).toBe(true);
    expect(await dynamicBatchMatchesEager(runOnnx, logits, [params, tokens(1, 2)], [params, tokens(3, 3)], options)).toBe(true);
    expect(await dynamicBatchMatchesEager(runOnnx, logits, [params, tokens(1, 2)], [params, tokens(4, 1)], options)).toBe(true);
  });
});

describe('the export laws explain a failure', () => {
  /** An engine that gets one element of every output wrong by 1e-3. */
  const offByOneElement: OnnxRunner = async (model, args) =>
    map((y: Tensor) => {
      const data = Float32Array.from(y.dataSync());
      data[1]! += 1e-3;
      return T.tensor(data, { shape: y.shape });
    }, await runOnnx(model, args));
  const f = (x: Tensor) => T.tanh(T.mul(x, 2));

  it('exportMatchesEager names the element, both values and the tolerance it broke', async () => {
    const r = await exportMatchesEager(offByOneElement, f, [normal(1, [2, 3])]);
    expect(r).toMatch(/^the exported model run by the engine vs f run eagerly: index \[0, 1\]: \S+ vs \S+ differ by 0\.00\d+, more than \S+ \(atol 0\.00001 \+ float32 rtol 0\.0001 × /);
  });

  it('dynamicBatchMatchesEager names the shapes the model was exported for and run at', async () => {
    const r = await dynamicBatchMatchesEager(offByOneElement, f, [normal(1, [2, 3])], [normal(2, [5, 3])], {});
    expect(r).toMatch(/^the model exported for inputs \[2, 3\], run by the engine on inputs \[5, 3\], vs f run eagerly: index \[0, 1\]: /);
  });
});

describe('convolution gradients', () => {
  it('the input gradient of conv2d exports as ConvTranspose (stride, padding, dilation, groups)', async () => {
    const cases: T.Conv2dOptions[] = [{ stride: 2, padding: 1, groups: 2 }, { stride: [1, 2], dilation: 2, padding: [[2, 0], [1, 1]] }];
    for (const options of cases) {
      const g = T.grad((x: Tensor, w: Tensor) => T.sum(T.sin(T.conv2d(x, w, options))), { argnums: [0, 1] });
      const args: [Tensor, Tensor] = [normal(1, [2, 4, 9, 8]), normal(2, [6, 4 / (options.groups ?? 1), 3, 3])];
      const model = toOnnx(g, args);
      expect(opTypes(model)).toContain('ConvTranspose');
      // One Pad for the weight gradient's patches; the general patchesTranspose would pad every tap.
      expect(opTypes(model).filter((op) => op === 'Pad').length).toBeLessThanOrEqual(1);
      expect(exportApprox.equals(await runOnnx(model, args), g(...args))).toBe(true);
    }
  });
});

describe('a whole training step', () => {
  it('a jitted Adam step (forward, backward, update) runs for several steps in ONNX Runtime, matching losses and parameters', async () => {
    const net = nn.sequential(nn.conv2d(4, 3, { padding: 1 }), nn.activation(nn.relu), nn.maxPool2d(2), nn.flatten(), nn.linear(3));
    const { params } = net.init(R.key(3), [-1, 1, 8, 8]);
    const optimizer = optim.adam(1e-2);
    type P = typeof params;
    const step = (p: P, opt: unknown, x: Tensor, y: Tensor) => {
      const [loss, grads] = T.valueAndGrad((q: P) => nn.softmaxCrossEntropy(net.apply(q, x), y))(p);
      const [updates, nextOpt] = optimizer.update(grads, opt as never, p);
      return { params: optim.applyUpdates(p, updates), opt: nextOpt, loss };
    };
    const x = normal(4, [6, 1, 8, 8]);
    const y = T.astype(T.floor(R.uniform(R.key(5), [6], { minval: 0, maxval: 3 })), 'int32');
    const model = toOnnx(step, [params, optimizer.init(params), x, y], { argNames: ['params', 'opt', 'x', 'y'] });
    // Outputs named like inputs get an 'output.' prefix (ONNX values have one name each).
    expect(model.outputs.map((o) => o.name)).toContain('loss');
    expect(model.outputs.map((o) => o.name)).toContain('output.params.0.weight');
    expect(opTypes(model)).toContain('Conv');

    const jitted = T.jit(step);
    let ours: ReturnType<typeof step> = { params, opt: optimizer.init(params), loss: T.scalar(0) };
    let theirs = ours;
    const losses: [number, number][] = [];
    for (let i = 0; i < 5; i++) {
      ours = jitted(ours.params, ours.opt, x, y);
      theirs = (await runOnnx(model, [theirs.params, theirs.opt, x, y])) as typeof theirs;
      losses.push([Number(ours.loss.item()), Number(theirs.loss.item())]);
    }
    expect(approx({ rtol: 1e-5, atol: 1e-5 }).equals(losses.map(([, onnx]) => onnx), losses.map(([jitted]) => jitted))).toBe(true);
    expect(losses[4]![0]).toBeLessThan(losses[0]![0]);
    expect(exportApprox.equals(theirs.params, ours.params)).toBe(true);
    expect(exportApprox.with({ float32: { atol: 1e-6 } }).equals(theirs.opt, ours.opt)).toBe(true);
  });
});

describe('random draws', () => {
  it('become int32 inputs that feeds() fills with the bits tensorlaw draws from the key', async () => {
    const noisy = (key: Tensor, x: Tensor) => nn.dropoutApply(T.add(x, R.normal(key, x.shape)), 0.5, R.foldIn(key, 1));
    const args: [Tensor, Tensor] = [R.key(11), normal(12, [4, 5])];
    const model = toOnnx(noisy, args, { argNames: ['key', 'x'] });
    expect(model.randomInputs.length).toBeGreaterThan(0);
    expect(model.inputs.filter((v) => model.randomInputs.includes(v.name)).every((v) => v.dtype === 'int32')).toBe(true);
    expect(await exportMatchesEager(runOnnx, noisy, args, { argNames: ['key', 'x'] }, approx())).toBe(true);
  });
});

describe('subgraphs', () => {
  it('jaxprToSubgraph lowers jaxprs into If branches (the path for staged cond/scan)', async () => {
    const x = normal(1, [3]);
    const thenJaxpr = T.makeJaxpr((v: Tensor) => T.sin(T.add(v, 1)))(x);
    const elseJaxpr = T.makeJaxpr((v: Tensor) => T.mul(v, T.sum(v)))(x);
    const graph = new GraphBuilder();
    graph.reserve('p', 'the predicate');
    graph.reserve('x', 'the operand');
    const branch = (j: typeof thenJaxpr, name: string) => jaxprToSubgraph(graph, j, { opset: 18, inputs: ['x'], consts: j.consts, rules: ruleFor, name });
    graph.node('If', ['p'], { then_branch: branch(thenJaxpr, 'then'), else_branch: branch(elseJaxpr, 'else') }, ['y']);
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 18n }],
      graph: graph.graph('cond', [valueInfo('p', 'bool', []), valueInfo('x', 'float32', [3])], [valueInfo('y', 'float32', [3])]),
    });
    const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, model));
    for (const p of [true, false]) {
      const { y } = await session.run({ p: new ort.Tensor('bool', Uint8Array.of(p ? 1 : 0), []), x: new ort.Tensor('float32', x.dataSync() as Float32Array, [3]) });
      const want = p ? T.sin(T.add(x, 1)) : T.mul(x, T.sum(x));
      expect(approx().equals(T.tensor(Array.from(y!.data as Float32Array)), want)).toBe(true);
    }
  });
});

describe('options and errors', () => {
  const f = (x: Tensor) => T.max(T.pad(x, 1, { value: -1 }), { axis: 1 });
  it('opset 17 (reduction axes as attributes) runs too', async () => {
    const model = toOnnx(f, [normal(1, [3, 4])], { opset: 17 });
    expect(approx().equals(await runOnnx(model, [normal(1, [3, 4])]), f(normal(1, [3, 4])))).toBe(true);
  });

  it('names outputs by tree path, or by outputNames', () => {
    const g = (x: Tensor) => ({ mean: T.mean(x), parts: [T.sum(x), T.max(x)] });
    expect(toOnnx(g, [normal(1, [3])]).outputs.map((o) => o.name)).toEqual(['mean', 'parts.0', 'parts.1']);
    expect(toOnnx((x: Tensor) => [x, x], [normal(1, [3])], { outputNames: ['a', 'b'] }).outputs.map((o) => o.name)).toEqual(['a', 'b']);
  });

  it('rejects misspelled options, bad argnums, clashing names and unsupported opsets', () => {
    const x = normal(1, [3, 4]);
    expect(() => toOnnx(f, [x], { dynamicBatchh: true } as never)).toThrow(/toOnnx: unknown option "dynamicBatchh" \(valid options: parameterArgnums, argNames, outputNames, dynamicBatch, opset, name\)/);
    expect(() => toOnnx(f, [x], { parameterArgnums: 3 })).toThrow(/parameterArgnums 3 is out of range for 1 arguments/);
    expect(() => toOnnx(f, [x], { opset: 13 })).toThrow(/opset 13 is not supported/);
    expect(() => toOnnx((a: Tensor, b: Tensor) => T.add(a, b), [x, x], { argNames: ['v', 'v'] })).toThrow(/two values are named 'v'/);
    expect(() => toOnnx(f, [x], { outputNames: ['a', 'b'] })).toThrow(/outputNames has 2 names for 1 output leaves/);
    // @ts-expect-error a string leaf where f takes a tensor (a type error, and a clear error in plain JS)
    expect(() => toOnnx(f, [{ x, n: 'three' }])).toThrow(/argument 0 leaf 'n' is string, not a tensor/);
    expect(() => toOnnx(f, [x], { outputNames: [3] } as never)).toThrow(/outputNames must be an array of non-empty strings/);
    expect(() => toOnnx(f, [x], { opset: '18' } as never)).toThrow(/opset 18 is not supported/);
    expect(() => toOnnx(f, [x], { dynamicBatch: { name: '' } })).toThrow(/dynamicBatch name must be a non-empty string/);
    expect(() => toOnnx(f, [x], { dynamicBatch: { axs: 1 } as never })).toThrow(/toOnnx \(dynamicBatch\): unknown option "axs" \(valid options: argnums, axis, name\)/);
  });

  it('computes batch-sized shapes in the graph (an expand along the batch, reshapes through it)', async () => {
    const f = (row: Tensor, x: Tensor) => ({
      tiled: T.add(T.broadcastTo(row, x.shape), 0),
      pairs: T.reshape(T.concatenate([x, x], 0), [2, -1, 2]),
      flat: T.sum(T.reshape(x, [-1]), { keepdims: true }),
    });
    const row = normal(1, [1, 4]);
    expect(opTypes(toOnnx(f, [row, normal(2, [3, 4])], { parameterArgnums: 0, dynamicBatch: true }))).toEqual(expect.arrayContaining(['Shape', 'Expand']));
    expect(await dynamicBatchMatchesEager(runOnnx, f, [row, normal(2, [3, 4])], [row, normal(3, [6, 4])], { parameterArgnums: 0 })).toBe(true);
  });

  it('names a primitive that has no ONNX mapping', () => {
    const f = T.customVjp((x: Tensor) => T.sin(x), (x: Tensor) => [T.sin(x), x], (x: Tensor, ct: Tensor) => [T.mul(ct, T.cos(x))]);
    const tangent = (x: Tensor, t: Tensor) => T.jvp(f, [x], [t]);
    expect(() => toOnnx(tangent, [normal(1, [3]), normal(2, [3])])).toThrow(/no ONNX mapping for primitive 'customVjpLinear'/);
  });

  it('refuses a dynamic batch when the program uses the batch size as a value, naming where', () => {
    const meanOverBatch = (x: Tensor) => T.mean(x, { axis: 0 });
    expect(() => toOnnx(meanOverBatch, [normal(1, [4, 3])], { dynamicBatch: true })).toThrow(/a constant of shape \[1\] differs between batch sizes \(a mean over the batch axis/);
    expect(() => toOnnx((x: Tensor) => x, [normal(1, [4, 3])], { dynamicBatch: { axis: 2 } })).toThrow(/axis 2 is out of range for input 'input0' of shape \[4,3\]/);
  });

  it('every output leaf of a tree round-trips through outputTree', async () => {
    const g = (x: Tensor) => ({ y: T.mul(x, 2), n: T.argmax(x, { axis: 0 }), b: T.greater(x, 0) });
    const x = normal(2, [3, 2]);
    const got = await runOnnx(toOnnx(g, [x]), [x]);
    expect(leaves(got).map((t) => (t as Tensor).dtype)).toEqual(['bool', 'int32', 'float32']);
    expect(approx().equals(got, g(x))).toBe(true);
  });
});
