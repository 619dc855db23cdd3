/**
 * The browser example (examples/browser) in headless Chromium: its bundle holds no Node
 * builtins, the page loads MNIST from the server, trains (on WebGPU through SwiftShader when
 * the adapter is there, and on the CPU backend), the test accuracy rises, and a digit drawn on
 * the canvas with the mouse gets a prediction.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundlePage, servePage } from '../../examples/browser/serve';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(executablePath);
if (!haveChromium) console.warn(`browser example test: skipped, no Chromium at ${executablePath} (set CHROMIUM_PATH)`);

/** The imports esbuild had to leave outside a browser bundle of `entry` (a Node builtin would be one). */
async function externalImports(entry: string | { contents: string }): Promise<string[]> {
  const source = typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { contents: entry.contents, resolveDir: __dirname } };
  const out = await build({ ...source, bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'silent' });
  return Object.values(out.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
}

describe('browser bundles hold no Node builtins', () => {
  it('the page, and the tensorlaw/data, optim and nn entries, bundle for browsers with nothing left outside', async () => {
    const page = await bundlePage();
    expect(page.js.length).toBeGreaterThan(10_000);
    expect(page.externalImports).toEqual([]);
    for (const entry of ['src/data/index.ts', 'src/optim/index.ts', 'src/nn/index.ts', 'src/train/evaluate.ts', 'src/train/report.ts']) {
      expect(await externalImports(join(__dirname, '../..', entry)), entry).toEqual([]);
    }
    // Even the Node-only entry bundles: it reaches Node's builtins through process.getBuiltinModule
    // at call time, never through an import statement.
    expect(await externalImports(join(__dirname, '../../src/data/node/index.ts'))).toEqual([]);
    // The check does see a builtin when there is one: esbuild leaves an import inside try outside the bundle.
    const tolerated = "export async function read() { try { return await import('node:fs'); } catch { return undefined; } }";
    expect(await externalImports({ contents: tolerated })).toEqual(['node:fs']);
  });
});

describe.skipIf(!haveChromium)('the MNIST page in headless Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let context: BrowserContext;
  const profile = mkdtempSync(join(tmpdir(), 'tensorlaw-page-'));

  beforeAll(async () => {
    server = await servePage({ port: 0 });
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function open(query: string): Promise<{ page: Page; errors: string[]; info: { backend: string; trainSize: number } }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?autostart=0&${query}`);
    const info = await page.evaluate(() => (globalThis as any).mnistPage.ready);
    return { page, errors, info };
  }

  async function drawSeven(page: Page): Promise<void> {
    const box = (await page.locator('#draw').boundingBox())!;
    const at = (x: number, y: number) => [box.x + x, box.y + y] as const;
    await page.mouse.move(...at(70, 60));
    await page.mouse.down();
    for (const [x, y] of [[140, 60], [210, 60], [180, 130], [150, 200], [130, 240]] as const) await page.mouse.move(...at(x, y), { steps: 8 });
    await page.mouse.up();
  }

  // SwiftShader runs WebGPU on the CPU, slowly: a few steps show the accuracy rising there; the
  // CPU backend trains longer.
  const cases = [
    { backend: 'webgpu', steps: 10, atLeast: (before: number) => before + 0.1 },
    { backend: 'cpu', steps: 60, atLeast: (before: number) => Math.max(0.6, before + 0.3) },
  ] as const;
  for (const { backend, steps, atLeast } of cases) {
    it(`trains on ${backend} (accuracy rises) and predicts a drawn digit`, { timeout: 120_000 }, async () => {
      const { page, errors, info } = await open(`backend=${backend}&train=2000`);
      expect(info.trainSize).toBe(2000);
      if (backend === 'webgpu' && info.backend !== 'webgpu') console.warn('browser example test: no WebGPU adapter in Chromium, the page fell back to the CPU backend');
      const before: number = await page.evaluate(() => (globalThis as any).mnistPage.testAccuracy());
      const trained: { loss: number; accuracy: number } = await page.evaluate((n) => (globalThis as any).mnistPage.trainSteps(n), steps);
      expect(before).toBeLessThan(0.35);
      expect(trained.accuracy).toBeGreaterThan(atLeast(before));
      expect(await page.locator('#status').textContent()).toMatch(new RegExp(`step ${steps} \\| loss [\\d.]+ \\| test accuracy [\\d.]+%`));
      await drawSeven(page);
      await expect.poll(() => page.locator('#prediction').textContent(), { timeout: 10_000 }).toMatch(/^[0-9]$/);
      const prediction: { digit: number; probabilities: number[] } = await page.evaluate(() => (globalThis as any).mnistPage.predictDrawing());
      expect(prediction.probabilities.length).toBe(10);
      expect(prediction.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(String(prediction.digit)).toBe(await page.locator('#prediction').textContent());
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
