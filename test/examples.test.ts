/**
 * Smoke test of the examples: each runs as its own process with tiny settings and must exit 0
 * and print its key lines. This guards the examples against API drift, not their accuracy.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const out = mkdtempSync(join(tmpdir(), 'tensorlaw-examples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Run examples/<name>/main.ts with tsx and return its stdout (stderr goes into the error on failure). */
async function run(name: string, args: string[]): Promise<string> {
  const file = join('examples', name, 'main.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file, ...args, '--out', out], {
    cwd: join(__dirname, '..'),
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return stdout;
}

const percent = (text: string, label: RegExp): number => Number(new RegExp(`${label.source}\\D*([\\d.]+)%`).exec(text)?.[1] ?? NaN);

describe('examples', { timeout: 60_000 }, () => {
  it('mnist-mlp', async () => {
    const text = await run('mnist-mlp', ['--epochs', '1', '--train', '6000', '--test', '1000']);
    expect(text).toMatch(/loaded 6,000 training digits \(5,500 to train on, the last 500 held out for validation\) and 1,000 test digits/);
    expect(text).toMatch(/valAccuracy \d\.\d{4}/);
    expect(percent(text, /test accuracy/)).toBeGreaterThan(80);
    expect(text).toMatch(/precision +recall +f1-score +support/);
    expect(text).toMatch(/confusion matrix \(rows: true class, columns: predicted class\)/);
    expect(existsSync(join(out, 'mnist-mlp.safetensors'))).toBe(true);
    expect(readFileSync(join(out, 'mnist-mlp-history.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('tabular', async () => {
    const text = await run('tabular', ['--epochs', '3']);
    expect(text).toMatch(/read 2922 rows x 7 columns/);
    expect(text).toMatch(/stratified split: 2338 training rows/);
    expect(percent(text, /test accuracy/)).toBeGreaterThan(60);
    expect(text).toMatch(/\n +drizzle +\d\.\d\d/);
    expect(text).toMatch(/step-size scale after training: [\d.]+ \(reduceLROnPlateau\)/);
  });

  it('mnist-cnn', async () => {
    const text = await run('mnist-cnn', ['--epochs', '1', '--train', '600', '--test', '200']);
    expect(text).toMatch(/output shape \[-1,10\]/);
    expect(percent(text, /test accuracy/)).toBeGreaterThan(25);
    expect(existsSync(join(out, 'mnist-cnn.safetensors'))).toBe(true);
  });

  it('fine-tune', async () => {
    const text = await run('fine-tune', ['--pretrain-epochs', '1', '--epochs', '1', '--train', '1000', '--test', '300']);
    expect(text).toMatch(/round trip bit-identical: true/);
    expect(text).toMatch(/frozen body bit-identical to the loaded one: true/);
    expect(text).toMatch(/head changed: true/);
    expect(percent(text, /fine-tuned head accuracy on held-out 5-9/)).toBeGreaterThan(20);
  });

  it('per-example-grads', async () => {
    const text = await run('per-example-grads', ['--steps', '10', '--batch', '16', '--train', '500', '--test', '200']);
    const diff = Number(/max abs difference (\S+)/.exec(text)?.[1]);
    expect(diff).toBeLessThan(1e-5);
    expect(text).toMatch(/per-example gradient norms of the first batch/);
    expect(percent(text, /test accuracy/)).toBeGreaterThanOrEqual(0);
  });

  it('char-transformer', async () => {
    const text = await run('char-transformer', ['--steps', '20', '--words', '300', '--samples', '3', '--dim', '16', '--blocks', '1']);
    const losses = [...text.matchAll(/validation loss (?:before training )?([\d.]+)/g)].map((m) => Number(m[1]));
    expect(losses.length).toBeGreaterThan(1);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(text).toMatch(/sampled words \(temperature/);
  });

  it('export-onnx', async () => {
    const text = await run('export-onnx', ['--steps', '20', '--train', '400', '--test', '150']);
    expect(Number(/max abs difference (\S+) in the logits/.exec(text)?.[1])).toBeLessThan(1e-4);
    expect(text).toMatch(/predictions agree on 150 of 150/);
    expect(Number(/max abs parameter difference (\S+)/.exec(text)?.[1])).toBeLessThan(1e-4);
    expect(existsSync(join(out, 'export-onnx.onnx'))).toBe(true);
  });

  it('custom-primitive', async () => {
    const text = await run('custom-primitive', ['--steps', '60']);
    const [before, after] = /mse before training ([\d.]+), after \d+ jitted Adam steps ([\d.]+)/.exec(text)!.slice(1).map(Number);
    expect(after!).toBeLessThan(before! / 2);
    expect(text).toMatch(/= sigmoid\(x\): Tensor\(\[\[0\.119203, 0\.5, 0\.952574\]\]/);
  });

  it('regression', async () => {
    const text = await run('regression', ['--steps', '200', '--points', '50']);
    const mse = Number(/final mse ([\d.]+)/.exec(text)?.[1]);
    expect(mse).toBeLessThan(0.2);
    expect(readFileSync(join(out, 'regression-fit.svg'), 'utf8')).toMatch(/<polyline/);
    expect(existsSync(join(out, 'regression-loss.svg'))).toBe(true);
  });

  it('gpt2-finetune', async () => {
    const text = await run('gpt2-finetune', ['--quick']);
    expect(text).toMatch(/reloaded by key, bit-identical: true/);
    expect(text).toMatch(/1 trace of the single-token step/);
    for (const way of ['frozen body \\+ new head', 'LoRA \\(rank 2\\) \\+ new head', 'full fine-tune \\+ new head']) {
      const line = new RegExp(`${way}\\s+held-out accuracy ([\\d.]+)%\\s+trainable parameters\\s+([\\d,]+)`).exec(text);
      expect(line, way).not.toBeNull();
      expect(Number(line![1])).toBeGreaterThanOrEqual(0);
      expect(Number(line![2]!.replace(/,/g, ''))).toBeGreaterThan(0);
    }
    expect(existsSync(join(out, 'gpt2-finetune', 'model.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'gpt2-finetune', 'config.json'), 'utf8'))).toMatchObject({ model_type: 'gpt2', n_layer: 1 });
  });
});
