/**
 * tensorlaw against TensorFlow.js (cpu and wasm backends) and jax-js (wasm), in one process,
 * back to back and interleaved: `npm run bench:compare` (or `npx tsx bench/compare.ts`).
 *
 *   1. float32 matmul GFLOP/s: [n, n] x [n, n]; the same with B a new tensor each call; the
 *      products of a 784-64-64-10 MLP training step at batch 32 and 128 (forward, and the
 *      backward pass's transposed operands)
 *   2. ms per training step of the MLP 784-64-64-10 (ReLU, softmax cross-entropy, Adam 1e-3),
 *      jitted and eager; µs per eager small op (an add of two 64-element vectors)
 *   3. one epoch over 8,000 real MNIST digits (batch 32, shuffled), end to end
 *   4. loss + gradients of a small CNN on a [32, 1, 28, 28] batch
 *   5. ours alone: the data pipeline's share of an epoch on 60,000 digits (bench/dataPipeline.ts)
 *
 * Each library runs at its best: ours jits whole steps; TF.js uses optimizer.minimize /
 * variableGrads; jax-js jits whole steps on its wasm device. Ratios are "ours vs theirs",
 * above 1 when ours is better (throughput ours/theirs, time theirs/ours). Medians of interleaved
 * runs; the machine is shared, so the load average is printed at the start and the end.
 *
 * Options: --quick (fewer rounds), --only matmul,mlp,eager,mnist,cnn,pipeline, --matmul square,fresh,step (row groups),
 * --examples N (digits per MNIST epoch, default 8000; from 10,000 TF.js cpu sits the epoch out: about
 * 10 s per 8,000 digits), --table (a markdown table of every figure at the end, for the README).
 */
import { cpus, loadavg } from 'node:os';
import { loadMnist } from '../src/data/node';
import { formatPipelineFigures, pipelineFigures } from './dataPipeline';
import { cnnInit, interleaved, labels, matmulLabel, median, mlpInit, uniformF32, type Contender, type Entry, type MatmulSpec, type Mnist, type Runner } from './compare/common';
import { initJaxjs, jaxjs } from './compare/jaxjs';
import { ours } from './compare/ours';
import { initTfjs, tfjsContender } from './compare/tfjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null;
const enabled = (s: string): boolean => !only || only.has(s);
const mmArg = args[args.indexOf('--matmul') + 1];
const mmGroups = new Set(args.includes('--matmul') && mmArg ? mmArg.split(',') : ['square', 'fresh', 'step']);
const ROUNDS = quick ? 3 : 5;
const examplesArg = args.includes('--examples') ? Number(args[args.indexOf('--examples') + 1]) : 8000;
if (!Number.isInteger(examplesArg) || examplesArg < 64 || examplesArg > 60000) throw new Error(`bench:compare: --examples must be a whole number from 64 to 60000, got ${args[args.indexOf('--examples') + 1]}`);

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const t0 = performance.now();

const tfInfo = await initTfjs();
const jaxInfo = await initJaxjs();
const contenders: Contender[] = [ours, tfjsContender('cpu'), tfjsContender('wasm'), jaxjs];
const others = contenders.slice(1);

console.log(`tensorlaw vs TF.js vs jax-js | node ${process.version} | ${cpus()[0]?.model ?? '?'} x${cpus().length} | load average ${load()}`);
console.log(`${tfInfo}; ${jaxInfo}`);
console.log('cells: median; ratio columns = ours vs that library, >1 means ours is better (faster / more GFLOP/s)\n');

const W = [36, 10, 10, 10, 10, 9, 9, 9];
const header = ['', ...contenders.map((c) => c.name), ...others.map((c) => `vs ${c.name.replace('tfjs-', 'tf-')}`)];
const fmtRow = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(W[i]!) : c.padStart(W[i]!))).join(' ');
const notes: string[] = [];
const summary: Record<string, Map<string, number>> = {};
/** How each summary row prints in the --table output. */
const rowMeta = new Map<string, { unit: string; higherBetter: boolean; digits: number }>();

/**
 * Time one task for every contender. `make` prepares a runner (errors become "n/a" cells);
 * `value` turns a median ms per run into the printed number; higher-is-better decides ratios.
 */
async function task(label: string, make: (c: Contender) => Promise<Runner>, value: (ms: number) => number, higherBetter: boolean, opts: { rounds?: number; blockMs?: number; digits?: number; unit?: string } = {}): Promise<Map<string, number>> {
  const entries: Entry[] = [];
  for (const c of contenders) {
    try {
      await c.activate();
      const run = await make(c);
      await run(); // first run: compiles / traces / warms; an unsupported op fails here
      entries.push({ name: c.name, activate: () => c.activate(), run });
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 120);
      notes.push(`${label} / ${c.name}: n/a (${msg})`);
    }
  }
  const times = await interleaved(entries, { rounds: opts.rounds ?? ROUNDS, warmup: 1, blockMs: opts.blockMs ?? 150 });
  const vals = new Map<string, number>();
  for (const [name, ts] of times) if (ts.length) vals.set(name, value(median(ts)));
  const d = opts.digits ?? 2;
  const mine = vals.get(ours.name);
  const cells = [label, ...contenders.map((c) => (vals.has(c.name) ? vals.get(c.name)!.toFixed(d) : 'n/a'))];
  for (const c of others) {
    const v = vals.get(c.name);
    cells.push(mine === undefined || v === undefined ? '-' : `${(higherBetter ? mine / v : v / mine).toFixed(2)}x`);
  }
  console.log(fmtRow(cells));
  summary[label] = vals;
  rowMeta.set(label, { unit: opts.unit ?? (higherBetter ? 'GFLOP/s' : 'ms'), higherBetter, digits: d });
  return vals;
}

/** The matmul rows: square, square with a fresh B, and a training step's products. */
function matmulSpecs(): MatmulSpec[] {
  const specs: MatmulSpec[] = [];
  const sizes = [64, 128, 256, 512, 1024];
  if (mmGroups.has('square')) for (const n of sizes) specs.push({ m: n, k: n, n });
  if (mmGroups.has('fresh')) for (const n of sizes) specs.push({ m: n, k: n, n, freshB: true });
  if (mmGroups.has('step')) {
    for (const batch of [32, 128]) {
      specs.push({ m: batch, k: 784, n: 64 }); // layer 1 forward: x W1
      specs.push({ m: 784, k: batch, n: 64, transA: true }); // dW1 = x^T dh, [in, out] layout
      specs.push({ m: 64, k: batch, n: 784, transA: true }); // dW1 = dh^T x, [out, in] layout
      specs.push({ m: batch, k: 64, n: 64, transB: true }); // dh1 = dh2 W2^T
    }
  }
  return specs;
}

/** Targets vs TF.js wasm, by row: 1.2x up to n = 128 (and the smaller step products), 1.5x from 256. */
const matmulTarget = (s: MatmulSpec): number => (s.m * s.k * s.n >= 256 ** 3 ? 1.5 : 1.2);
const matmulRows: { label: string; target: number }[] = [];

if (enabled('matmul')) {
  console.log('1. float32 matmul, GFLOP/s (higher is better)');
  console.log(fmtRow(header));
  for (const spec of matmulSpecs()) {
    const a = uniformF32(spec.m * spec.k, 1), b = uniformF32(spec.k * spec.n, 2);
    const label = matmulLabel(spec);
    const flops = 2 * spec.m * spec.k * spec.n;
    await task(label, (c) => c.matmul(spec, a, b), (ms) => flops / ms / 1e6, true, { blockMs: flops >= 2 * 512 ** 3 ? 300 : 150 });
    matmulRows.push({ label, target: matmulTarget(spec) });
  }
  console.log();
}

const init = mlpInit([784, 64, 64, 10]);
if (enabled('mlp')) {
  const STEPS = 10;
  console.log(`2. MLP 784-64-64-10 training step (value+grad, Adam 1e-3), ms per step (lower is better; ${STEPS} steps per timed run)`);
  console.log(fmtRow(header));
  for (const batch of [32, 128]) {
    const x = uniformF32(batch * 784, 3, 0, 1), y = labels(batch, 4);
    await task(`train step batch=${batch}`, (c) => c.mlpSteps(init, x, y, batch, STEPS), (ms) => ms / STEPS, false, { digits: 3 });
  }
  console.log();
}

if (enabled('eager')) {
  const STEPS = 5, CALLS = 2000;
  console.log(`2b. eager mode (no jit): MLP training step, ms (${STEPS} steps per timed run); small-op dispatch, µs per add of two 64-element vectors (lower is better)`);
  console.log(fmtRow(header));
  for (const batch of [32, 128]) {
    const x = uniformF32(batch * 784, 3, 0, 1), y = labels(batch, 4);
    await task(`eager train step batch=${batch}`, (c) => c.mlpStepsEager(init, x, y, batch, STEPS), (ms) => ms / STEPS, false, { digits: 3 });
  }
  await task('eager dispatch (add, 64 el.)', (c) => c.smallAdds(CALLS), (ms) => (ms / CALLS) * 1000, false, { digits: 2, unit: 'µs' });
  console.log();
}

if (enabled('mnist')) {
  const train = await loadMnist({ split: 'train', size: examplesArg });
  const data: Mnist = { x: train.tree.x.dataSync() as Float32Array, y: train.tree.y.dataSync() as Int32Array, n: train.size };
  console.log(`3. MNIST MLP epoch: ${data.n} real digits, batch 32, shuffled, end to end, seconds (lower is better)`);
  console.log(fmtRow(header));
  const epochContenders = data.n >= 10000 ? contenders.filter((c) => c.name !== 'tfjs-cpu') : contenders;
  if (epochContenders.length < contenders.length) notes.push(`mnist epoch / tfjs-cpu: skipped at ${data.n} digits (about 10 s per 8,000)`);
  const epochs = new Map<string, { run: Runner; lastLoss(): Promise<number> }>();
  const firsts = new Map<string, number>();
  const wrapped: Contender[] = [];
  // The first epoch (with tracing and compilation) is timed on its own; steady epochs interleave.
  const rowFirst: string[] = ['first epoch (incl. compile)'];
  for (const c of epochContenders) {
    await c.activate();
    const e = await c.mnistEpoch(init, data, 32);
    const t = performance.now();
    await e.run();
    firsts.set(c.name, (performance.now() - t) / 1000);
    epochs.set(c.name, e);
    rowFirst.push(firsts.get(c.name)!.toFixed(2));
    wrapped.push(c);
  }
  for (const c of contenders) if (c !== ours && !firsts.has(c.name)) rowFirst.splice(1 + contenders.indexOf(c), 0, 'n/a');
  for (const c of others) rowFirst.push(firsts.has(c.name) ? `${(firsts.get(c.name)! / firsts.get(ours.name)!).toFixed(2)}x` : '-');
  console.log(fmtRow(rowFirst));
  summary['mnist first epoch'] = firsts;
  rowMeta.set('mnist first epoch', { unit: 's', higherBetter: false, digits: 2 });
  const steady = await interleaved(
    epochContenders.map((c) => ({ name: c.name, activate: () => c.activate(), run: epochs.get(c.name)!.run })),
    { rounds: quick ? 1 : 2, warmup: 0, blockMs: 0 },
  );
  const vals = new Map<string, number>();
  const row = ['epoch (steady, median)'];
  for (const c of contenders) {
    const ts = steady.get(c.name);
    if (ts?.length) vals.set(c.name, median(ts) / 1000);
    row.push(vals.has(c.name) ? vals.get(c.name)!.toFixed(2) : 'n/a');
  }
  for (const c of others) row.push(vals.has(c.name) ? `${(vals.get(c.name)! / vals.get(ours.name)!).toFixed(2)}x` : '-');
  console.log(fmtRow(row));
  summary['mnist epoch'] = vals;
  rowMeta.set('mnist epoch', { unit: 's', higherBetter: false, digits: 2 });
  const losses: string[] = [];
  for (const c of epochContenders) losses.push(`${c.name} ${(await epochs.get(c.name)!.lastLoss()).toFixed(3)}`);
  console.log(`   (last batch loss after ${1 + steady.get(ours.name)!.length} epochs: ${losses.join(', ')})\n`);
}

if (enabled('cnn')) {
  const batch = 32;
  const x = uniformF32(batch * 784, 5, 0, 1), y = labels(batch, 6);
  console.log('4. CNN loss + grads w.r.t. all weights, batch [32,1,28,28]: conv3x3x8-relu-maxpool2-conv3x3x16-relu-mean-linear10-CE, ms (lower is better)');
  console.log(fmtRow(header));
  await task('conv fwd+bwd batch=32', (c) => c.cnnGrad(cnnInit(), x, y, batch), (ms) => ms, false);
  console.log();
}

let pipelineShare: number | undefined;
if (enabled('pipeline')) {
  console.log('5. data pipeline (tensorlaw only): shuffle + batch 32 of 60,000 MNIST digits vs one jitted MLP epoch, ms, fastest of the runs');
  const figures = await pipelineFigures({ rounds: quick ? 2 : 4 });
  pipelineShare = figures.pipelineInEpochMs / figures.epochMs;
  for (const line of formatPipelineFigures(figures)) console.log(`   ${line}`);
  console.log();
}

for (const n of notes) console.log(`note: ${n}`);

// Targets (reported, not asserted).
const ratio = (key: string, other: string, higherBetter: boolean): number | undefined => {
  const m = summary[key]?.get(ours.name), o = summary[key]?.get(other);
  return m === undefined || o === undefined ? undefined : higherBetter ? m / o : o / m;
};
const check = (what: string, r: number | undefined, need: number): string => `${what}: ${r === undefined ? 'not measured' : `${r.toFixed(2)}x (target ${need}x: ${r >= need ? 'met' : 'missed'})`}`;
console.log('\ntargets');
for (const { label, target } of matmulRows) console.log('  ' + check(`${label} vs tfjs-wasm`, ratio(label, 'tfjs-wasm', true), target));
if (summary['matmul n=1024']) console.log('  ' + check('matmul n=1024 vs jax-js', ratio('matmul n=1024', 'jax-js', true), 1.5));
for (const batch of [32, 128]) {
  const label = `train step batch=${batch}`;
  if (summary[label]) console.log('  ' + check(`jitted MLP step batch=${batch} vs jax-js (time ratio)`, ratio(label, 'jax-js', false), 2.5));
}
for (const batch of [32, 128]) {
  const label = `eager train step batch=${batch}`;
  if (summary[label]) console.log('  ' + check(`eager MLP step batch=${batch} vs jax-js eager (time ratio)`, ratio(label, 'jax-js', false), 2.0));
}
const dispatch = summary['eager dispatch (add, 64 el.)']?.get(ours.name);
if (dispatch !== undefined) console.log(`  eager small-op dispatch: ${dispatch.toFixed(2)} µs (target <= 2 µs: ${dispatch <= 2 ? 'met' : 'missed'})`);
if (summary['mnist epoch']) {
  console.log(`  (MNIST epoch rows: ${examplesArg} digits)`);
  console.log('  ' + check('MNIST epoch vs jax-js', ratio('mnist epoch', 'jax-js', false), 2.0));
  console.log('  ' + check('MNIST epoch vs tfjs-wasm', ratio('mnist epoch', 'tfjs-wasm', false), 3.0));
  console.log('  ' + check('first epoch incl. compile vs jax-js (no worse)', ratio('mnist first epoch', 'jax-js', false), 1.0));
}
if (pipelineShare !== undefined) console.log(`  shuffle + batching share of a 60,000-digit epoch: ${(pipelineShare * 100).toFixed(1)}% (target <= 10%: ${pipelineShare <= 0.1 ? 'met' : 'missed'})`);
if (args.includes('--table')) {
  // Every figure as a markdown row, ratios vs TF.js wasm and jax-js (> 1 favours tensorlaw).
  console.log('\n| work | unit | tensorlaw | TF.js cpu | TF.js wasm | jax-js (wasm) | vs TF.js wasm | vs jax-js |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [label, vals] of Object.entries(summary)) {
    const meta = rowMeta.get(label)!;
    const cell = (name: string) => (vals.has(name) ? vals.get(name)!.toFixed(meta.digits) : 'n/a');
    const vs = (name: string) => {
      const r = ratio(label, name, meta.higherBetter);
      return r === undefined ? '-' : `${r.toFixed(2)}x`;
    };
    console.log(`| ${label} | ${meta.unit} | ${contenders.map((c) => cell(c.name)).join(' | ')} | ${vs('tfjs-wasm')} | ${vs('jax-js')} |`);
  }
  if (pipelineShare !== undefined) console.log(`| shuffle + batching, share of a 60,000-digit epoch | % | ${(pipelineShare * 100).toFixed(1)} | | | | | |`);
}
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s, load average ${load()}`);
process.exit(0);
