/**
 * The WebGPU backend in a real browser: esbuild bundles test/browser/entry.ts, node:http serves
 * it on 127.0.0.1, headless Chromium (SwiftShader's WebGPU adapter) computes softmax(x @ w)
 * eagerly and under jit, and the numbers must match the float64 CPU result computed in Node.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import * as T from '../../src/tensor';
import { rng, sample } from '../webgpu.helpers';
import { approx } from '../../laws/approx';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) console.warn(`webgpu browser test: skipped, no Chromium at ${executablePath} (set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)('WebGPU in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let url = '';
  const profile = mkdtempSync(join(tmpdir(), 'tensorlaw-chromium-'));

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [join(__dirname, 'entry.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>tensorlaw webgpu</title><script type="module" src="/bundle.js"></script>';
    server = createServer((req, res) => {
      const isJs = req.url === '/bundle.js';
      res.writeHead(200, { 'content-type': isJs ? 'text/javascript' : 'text/html' });
      res.end(isJs ? js : html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath,
      args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--disk-cache-dir=${profile}`],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(profile, { recursive: true, force: true });
  });

  it('computes softmax(x @ w) on WebGPU in the page, eagerly and under jit, matching Node', async () => {
    const r = rng(42);
    const x = sample([7, 19], 'float', r), w = sample([19, 11], 'float', r);
    const expected = T.softmax(T.matmul(T.astype(x, 'float64'), T.astype(w, 'float64'))).dataSync();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => typeof (globalThis as { computeOnWebGPU?: unknown }).computeOnWebGPU === 'function');
    const result = await page.evaluate(
      ([a, b]) => (globalThis as any).computeOnWebGPU(a, b),
      [{ data: Array.from(x.dataSync()), shape: [7, 19] }, { data: Array.from(w.dataSync()), shape: [19, 11] }] as const,
    );
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.device).toBe('webgpu');
    expect(result.shape).toEqual([7, 11]);
    // Plain numbers from the page (float32 values) against the float64 reference, at float32 tolerance.
    const want = Array.from(expected);
    expect(approx({ rtol: 1e-5, atol: 1e-6 }).equals({ eager: result.eager, jit: result.jitted }, { eager: want, jit: want })).toBe(true);
    await page.close();
  });
});
