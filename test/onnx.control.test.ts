/**
 * ONNX export of control flow, run in ONNX Runtime against eager tensorlaw: cond and switch as
 * (nested) If, scan (forward and reverse, closing over a parameter) and fori as Loop, whileLoop
 * as Loop with a data-dependent trip count, an RNN over a sequence, a jitted function called
 * inside the exported one and custom-rule functions (spliced in), and random programs with
 * control flow (laws/programs.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import * as nn from '../src/nn';
import * as R from '../src/random';
import { toOnnx } from '../src/onnx';
import { exportMatchesEager } from '../laws/onnx';
import { approx } from '../laws/approx';
import { asyncLawProperty } from '../laws/arbitraries/property';
import { programArb } from '../laws/arbitraries/programs';
import { controlOps, forwardOnlyOps, programOps, runProgram } from '../laws/programs';
import { opTypes, runOnnx } from './onnx.helpers';

const normal = (seed: number, shape: number[]) => R.normal(R.key(seed), shape);
const tol = approx({ float32: { rtol: 1e-5, atol: 1e-5 } });

describe('control flow exports as If and Loop', () => {
  it('cond is an If; both branches are exercised', async () => {
    const f = (x: Tensor) => T.cond(T.greater(T.sum(x), 0), (v: Tensor) => T.mul(T.sin(v), 2), (v: Tensor) => T.sub(T.square(v), 1), x);
    const x = normal(1, [3]);
    expect(opTypes(toOnnx(f, [x]))).toContain('If');
    expect(await exportMatchesEager(runOnnx, f, [x], {}, tol)).toBe(true);
    expect(await exportMatchesEager(runOnnx, f, [T.neg(T.abs(x))], {}, tol)).toBe(true);
    expect(await exportMatchesEager(runOnnx, f, [T.abs(x)], {}, tol)).toBe(true);
  });

  it('switch over three branches is a chain of If', async () => {
    const f = (k: Tensor, x: Tensor) => T.switchCase(k, [(v: Tensor) => T.sin(v), (v: Tensor) => T.cos(v), (v: Tensor) => T.neg(v)], x);
    const x = normal(2, [4]);
    expect(opTypes(toOnnx(f, [T.scalar(0, 'int32'), x])).filter((op) => op === 'If').length).toBeGreaterThanOrEqual(1);
    for (const k of [0, 1, 2, 5]) expect(await exportMatchesEager(runOnnx, f, [T.scalar(k, 'int32'), x], {}, tol)).toBe(true);
  });

  it('scan is a Loop, forward and reverse, closing over a parameter', async () => {
    const w = normal(3, [4, 4]);
    for (const reverse of [false, true]) {
      const f = (xs: Tensor) => T.scan((h: Tensor, x: Tensor) => {
        const n = T.tanh(T.add(T.matmul(h, w), x));
        return [n, T.sum(n)] as const;
      }, T.zeros([4]), xs, { reverse });
      const xs = normal(4, [6, 4]);
      expect(opTypes(toOnnx(f, [xs]))).toContain('Loop');
      expect(await exportMatchesEager(runOnnx, f, [xs], {}, tol)).toBe(true);
    }
  });

  it('whileLoop and fori with traced bounds are Loops with a data-dependent trip count', async () => {
    const f = (x: Tensor) => T.whileLoop((c: Tensor) => T.greater(T.sum(T.square(c)), 1), (c: Tensor) => T.mul(c, 0.5), x);
    for (const seed of [5, 6]) expect(await exportMatchesEager(runOnnx, f, [T.mul(normal(seed, [3]), 3)], {}, tol)).toBe(true);
    const g = (x: Tensor, n: Tensor) => T.fori(0, n, (i: Tensor, c: Tensor) => T.add(T.mul(c, 0.9), T.astype(i, 'float32')), x);
    expect(await exportMatchesEager(runOnnx, g, [normal(7, [2]), T.scalar(4, 'int32')], {}, tol)).toBe(true);
  });

  it('an nn.rnn LSTM over a sequence, a nested jit and a customJvp function export too', async () => {
    const lstm = nn.rnn(nn.lstmCell(5));
    const { params } = lstm.init(R.key(8), [-1, 7, 3]);
    const f = (p: typeof params, x: Tensor) => lstm.apply(p, x);
    expect(await exportMatchesEager(runOnnx, f, [params, normal(9, [2, 7, 3])], { parameterArgnums: 0 }, tol)).toBe(true);
    const inner = T.jit((v: Tensor) => T.tanh(v));
    const softplus = T.customJvp((v: Tensor) => T.log(T.add(1, T.exp(v))), ([v], [t]) => [T.log(T.add(1, T.exp(v))), T.mul(t, T.sigmoid(v))]);
    const h = (v: Tensor) => softplus(inner(T.mul(v, 2)));
    const model = toOnnx(h, [normal(10, [3])]);
    expect(opTypes(model)).not.toContain('jitCall');
    expect(await exportMatchesEager(runOnnx, h, [normal(10, [3])], {}, tol)).toBe(true);
  });
});

describe('random programs with control flow (seed 77)', () => {
  it('export and run in ONNX Runtime as they run eagerly', async () => {
    const ops = [...programOps, ...controlOps, ...controlOps, ...forwardOnlyOps];
    await fc.assert(asyncLawProperty(programArb({ ops, maxSteps: 5 }), fc.nat(1 << 20), async (p, s) => {
      const args = p.sample(s).map((x) => T.astype(x, 'float32'));
      return exportMatchesEager(runOnnx, runProgram(p), args, {}, approx({ float32: { rtol: 1e-4, atol: 1e-5 } }));
    }), { seed: 77, numRuns: 25 });
  });
});
