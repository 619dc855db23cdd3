import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../src';
import { bind1 } from '../src/tensor';
import { key } from '../src/random';
import { fit, historyToSvg, progressBar, type BatchSource } from '../src/train';

/** A minimal in-memory dataset over rows of x and y. */
function rows(x: T.Tensor, y: T.Tensor): BatchSource<{ x: T.Tensor; y: T.Tensor }> {
  const n = x.shape[0]!;
  const make = (order: number[]): BatchSource<{ x: T.Tensor; y: T.Tensor }> => ({
    size: n,
    shuffle: (k) => {
      const bits = Array.from(bind1('randomBits', [k], { shape: [n], offset: 0 }).dataSync());
      return make(order.map((i, j) => [bits[j]!, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i));
    },
    *batch(size, opts = {}) {
      for (let s = 0; s < n; s += size) {
        if (opts.dropRemainder && s + size > n) return;
        const idx = T.tensor(order.slice(s, s + size), { dtype: 'int32' });
        yield { x: T.take(x, idx, { axis: 0 }), y: T.take(y, idx, { axis: 0 }) };
      }
    },
  });
  return make(Array.from({ length: n }, (_, i) => i));
}

const x = T.reshape(T.linspace(-1, 1, 40), [20, 2]);
const y = T.add(T.matmul(x, T.tensor([[2], [-1]])), 0.5);
const data = rows(x, y);
type State = { w: T.Tensor; b: T.Tensor };
const loss = (s: State, bx: T.Tensor, by: T.Tensor) => T.mean(T.square(T.sub(T.add(T.matmul(bx, s.w), s.b), by)));
const step = T.jit((s: State, batch: { x: T.Tensor; y: T.Tensor }) => {
  const [l, g] = T.valueAndGrad(loss)(s, batch.x, batch.y);
  return [{ w: T.sub(s.w, T.mul(0.2, g.w)), b: T.sub(s.b, T.mul(0.2, g.b)) }, { loss: l }] as const;
});
const init: State = { w: T.zeros([2, 1]), b: T.zeros([1]) };
const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fit', () => {
  it('trains, records history per epoch and prints plain lines when not a TTY', async () => {
    const out: string[] = [];
    const { history, epochsRun } = await fit(init, data, { epochs: 5, batchSize: 4, key: key(0), step, progress: { write: (s) => out.push(s) } });
    expect(epochsRun).toBe(5);
    expect(history.loss!.length).toBe(5);
    expect(history.loss![4]!).toBeLessThan(history.loss![0]!);
    expect(out.length).toBe(5);
    expect(out[0]).toMatch(/^epoch 1\/5 \[=+\] 20\/20 +\d+ samples\/s +loss \d\.\d{4}/);
  });

  it('redraws in place on a TTY', () => {
    const out: string[] = [];
    let t = 0;
    const bar = progressBar({ write: (s) => out.push(s), isTTY: true, columns: 200 }, { epoch: 1, epochs: 2, total: 10, now: () => (t += 1000) });
    bar.update(5, { loss: 1 });
    bar.update(5, { loss: 0.5 });
    bar.end({ loss: 0.5 });
    expect(out[0]).toMatch(/^\r.*5\/10.*ETA/);
    expect(out[out.length - 1]).toMatch(/^\r.*10\/10.*loss 0\.5000.*\n$/);
  });

  it('stops early when the monitored metric stops improving', async () => {
    const flat = T.jit((s: State) => [s, { loss: T.scalar(1) }] as const);
    const r = await fit(init, data, { epochs: 50, batchSize: 10, key: key(1), step: (s) => flat(s), progress: false, earlyStopping: { monitor: 'loss', patience: 3 } });
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochsRun).toBe(4);
  });

  it('validates and reports val metrics', async () => {
    const evalStep = (s: State, b: { x: T.Tensor; y: T.Tensor }) => ({ loss: loss(s, b.x, b.y) });
    const r = await fit(init, data, { epochs: 2, batchSize: 8, key: key(2), step, evalStep, validation: data, progress: false });
    expect(Object.keys(r.history).sort()).toEqual(['loss', 'valLoss']);
  });

  it('resumes from a checkpoint with results identical to an uninterrupted run', async () => {
    const path = join(dir, 'run.safetensors');
    const full = await fit(init, data, { epochs: 6, batchSize: 4, key: key(3), step, progress: false });
    await fit(init, data, { epochs: 3, batchSize: 4, key: key(3), step, progress: false, checkpoint: { path } });
    const resumed = await fit(init, data, { epochs: 6, batchSize: 4, key: key(3), step, progress: false, resumeFrom: path });
    expect(resumed.epochsRun).toBe(3);
    expect(Array.from(resumed.state.w.dataSync())).toEqual(Array.from(full.state.w.dataSync()));
    expect(resumed.history.loss).toEqual(full.history.loss);
  });
});

describe('historyToSvg', () => {
  it('draws one panel per metric family with train and validation series', () => {
    const svg = historyToSvg({ loss: [1, 0.5, 0.25], valLoss: [1.2, 0.7, 0.4], accuracy: [0.5, 0.8, 0.9] }, { title: 'run <1>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('run &lt;1&gt;');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(3);
    expect(svg).toContain('>valLoss<');
  });
});
