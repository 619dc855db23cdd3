/**
 * The published package as a user gets it. `npm pack` (without scripts: dist/ is built by
 * `npm ci` through the prepare script, or by `npm run build`) is extracted into the node_modules of
 * a fresh TypeScript project under .tmp/ (git-ignored); the package's own dependencies resolve
 * from this repository's node_modules by walking up, so nothing is downloaded. Then:
 *
 * - the README's TypeScript snippets (extracted from README.md, so they cannot drift) and a small
 *   training program (MLP, Adam, jitted steps) typecheck with `strict` and no `skipLibCheck`,
 *   under `bundler` resolution with the DOM library and no @types (a browser project) and under
 *   `node16` resolution with @types/node, as ES modules (.ts) and as CommonJS (.cts);
 * - they run, from the compiled JavaScript;
 * - every entry point of the exports map bundles for the browser with esbuild.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The ```ts blocks of the README, in order. */
const snippets = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** A user's training program: an MLP fitted by Adam for a few jitted steps. */
const trainProgram = `import { jit, valueAndGrad, type Tensor } from 'tensorlaw';
import * as nn from 'tensorlaw/nn';
import * as optim from 'tensorlaw/optim';
import * as random from 'tensorlaw/random';
import { leaves } from 'tensorlaw/tree';

const model = nn.sequential(nn.linear(16), nn.activation(nn.tanh), nn.linear(3));
const [initKey, dataKey] = random.splitList(random.key(0), 2);
const { params } = model.init(initKey, [-1, 4]);
type Params = typeof params;
const opt = optim.adam(1e-2);
type State = { params: Params; opt: optim.AdamState };

// Three classes: the sign of the row sum, and whether the row's maximum exceeds 1.
const x = random.normal(dataKey, [64, 4]);
const y = x.sum({ axis: 1 }).greater(0).astype('int32').add(x.max({ axis: 1 }).greater(1).astype('int32'));

const step = jit((s: State): [State, Tensor] => {
  const [loss, grads] = valueAndGrad((p: Params) => nn.softmaxCrossEntropy(model.apply(p, x), y))(s.params);
  const [updates, next] = opt.update(grads, s.opt, s.params);
  return [{ params: optim.applyUpdates(s.params, updates), opt: next }, loss];
});

let state: State = { params, opt: opt.init(params) };
const losses: number[] = [];
for (let i = 0; i < 20; i++) {
  const [next, loss] = step(state);
  state = next;
  losses.push(Number(loss.item()));
}
const parameters = leaves(state.params).reduce((n, t) => n + t.size, 0);
console.log(JSON.stringify({ losses, parameters, traces: step.stats.traces }));
`;

const compilerOptions = { target: 'ES2022', strict: true, noEmitOnError: true };
/** A browser project: bundler resolution, the DOM library, no @types at all. */
const bundlerConfig = { compilerOptions: { ...compilerOptions, module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [], noEmit: true }, include: ['src/*.ts'] };
/** A Node project: node16 resolution (ESM for .ts in a "type": "module" package, CommonJS for .cts). */
const node16Config = { compilerOptions: { ...compilerOptions, module: 'Node16', moduleResolution: 'Node16', lib: ['ES2022'], types: ['node'], outDir: 'out' }, include: ['src/*.ts', 'src/*.cts'] };

const built = existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'index.d.ts'));
let project = '';

/** Newest modification time under a folder (to warn about a dist/ older than src/). */
const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

describe('the packed package in a fresh strict TypeScript project', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    if (!built) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it through the prepare script)');
    if (newest(join(root, 'src')) > statSync(join(root, 'dist', 'index.js')).mtimeMs) console.warn('consumer.test: dist/ is older than src/; run `npm run build` to test the current code');
    mkdirSync(join(root, '.tmp'), { recursive: true });
    project = mkdtempSync(join(root, '.tmp', 'consumer-'));
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: root });
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const installed = join(project, 'node_modules', 'tensorlaw');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(project, filename), '-C', installed, '--strip-components=1']);
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    snippets.forEach((code, i) => writeFileSync(join(project, 'src', `readme-${i + 1}.ts`), code));
    writeFileSync(join(project, 'src', 'train.ts'), trainProgram);
    writeFileSync(join(project, 'src', 'train.cts'), trainProgram);
    writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify(bundlerConfig));
    writeFileSync(join(project, 'tsconfig.node16.json'), JSON.stringify(node16Config));
  }, 240_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('extracts the README snippets', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    expect(snippets.every((s) => /from 'tensorlaw(\/[a-z/]+)?'/.test(s))).toBe(true);
  });

  it('typechecks under bundler and node16 resolution (strict, no skipLibCheck), ESM and CommonJS', async () => {
    const check = (config: string) => run(process.execPath, [tsc, '-p', config], { cwd: project }).then(() => 'ok', (e: { stdout?: string }) => e.stdout ?? String(e));
    // In parallel: the two programs are independent.
    expect(await Promise.all([check('tsconfig.bundler.json'), check('tsconfig.node16.json')])).toEqual(['ok', 'ok']);
  });

  it('runs every README snippet', async () => {
    for (let i = 1; i <= snippets.length; i++) {
      const result = await run(process.execPath, [join(project, 'out', `readme-${i}.js`)], { cwd: project }).then(() => 'ok', (e: { stderr?: string }) => `readme-${i}: ${e.stderr ?? String(e)}`);
      expect(result).toBe('ok');
    }
  });

  it('trains an MLP with Adam in jitted steps, as an ES module and as CommonJS', async () => {
    for (const file of ['train.js', 'train.cjs']) {
      const { stdout } = await run(process.execPath, [join(project, 'out', file)], { cwd: project });
      const { losses, parameters, traces } = JSON.parse(stdout) as { losses: number[]; parameters: number; traces: number };
      expect(parameters).toBe(4 * 16 + 16 + 16 * 3 + 3);
      expect(traces).toBe(1);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
    }
  });

  it('bundles every entry point for the browser (esbuild, platform browser): no Node builtin is reached', async () => {
    const exportsMap = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
    const entries = Object.keys(exportsMap).map((k) => `tensorlaw${k.slice(1)}`);
    expect(entries).toContain('tensorlaw/io');
    for (const entry of entries) {
      const result = await build({
        stdin: { contents: `export * from '${entry}';`, resolveDir: project, loader: 'js' },
        bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
      }).then((r) => r, (e: Error) => e);
      if (result instanceof Error) throw new Error(`${entry} does not bundle for the browser: ${result.message}`);
      const external = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
      expect([entry, external]).toEqual([entry, []]);
    }
  });
});
