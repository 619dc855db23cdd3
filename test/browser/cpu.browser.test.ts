/**
 * The Wasm float32 GEMM in headless Chromium: there relaxed SIMD validates, so the fused
 * multiply-add kernels run natively, and Web Worker threads share the product when the page is
 * cross-origin isolated (COOP/COEP headers). Without isolation the page has no shared memory and
 * the kernel must fall back to one thread. Results are checked against the float64 reference
 * inside the page; threaded ones must equal single-threaded ones bit for bit.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) console.warn(`cpu browser test: skipped, no Chromium at ${executablePath} (set CHROMIUM_PATH)`);

describe.skipIf(!haveChromium)('CPU float32 GEMM in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base = '';
  const profile = mkdtempSync(join(tmpdir(), 'tensorlaw-chromium-'));

  beforeAll(async () => {
    const bundle = await build({ entryPoints: [join(__dirname, 'cpuEntry.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    const js = bundle.outputFiles[0]!.text;
    const html = '<!doctype html><meta charset="utf-8"><title>tensorlaw cpu</title><script type="module" src="/bundle.js"></script>';
    server = createServer((req, res) => {
      // /isolated/... pages are cross-origin isolated; the others are not.
      const isolated = req.url?.startsWith('/isolated/') ?? false;
      const isJs = req.url?.endsWith('/bundle.js') ?? false;
      res.writeHead(200, {
        'content-type': isJs ? 'text/javascript' : 'text/html',
        ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
      });
      res.end(isJs ? js : html.replace('/bundle.js', isolated ? '/isolated/bundle.js' : '/plain/bundle.js'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--disk-cache-dir=${profile}`],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    rmSync(profile, { recursive: true, force: true });
  });

  async function check(path: string): Promise<Record<string, unknown>> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + path);
    await page.waitForFunction(() => typeof (globalThis as { checkSgemm?: unknown }).checkSgemm === 'function');
    const result = await page.evaluate(() => (globalThis as any).checkSgemm());
    await page.close();
    expect(errors).toEqual([]);
    return result;
  }

  it('uses relaxed-SIMD kernels and Web Worker threads in a cross-origin isolated page', async () => {
    const r = await check('/isolated/');
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.relaxed).toBe(true);
    expect(r.fused).toBe(true);
    expect(r.plainFused).toBe(false);
    expect(r.threadsAvailable).toBe(true);
    expect(r.threadsReady).toBe(true);
    expect(r.failures).toEqual([]);
  });

  it('falls back to one thread in a page without cross-origin isolation', async () => {
    const r = await check('/plain/');
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.threadsAvailable).toBe(false);
    expect(r.threadsReady).toBe(false);
    expect(r.fused).toBe(true);
    expect(r.failures).toEqual([]);
  });
});
