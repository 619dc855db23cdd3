/**
 * The data pipeline's share of a training epoch on full MNIST: `npx tsx bench/dataPipeline.ts`
 * (also section 5 of `npm run bench:compare`).
 *
 * One epoch = shuffle the 60,000 training digits with a key, cut batches of 32, run the jitted
 * MLP step (784-64-64-10, Adam, old state donated) on each. Timed three ways, interleaved:
 *   epoch      end to end, as `fit` runs it (each batch donated to its step: read once, its
 *              storage goes to the next batch), with the time spent producing batches (the
 *              shuffle and every `next()` of the batch iterator) clocked inside it;
 *   pipeline   shuffle + batching alone (every batch built, no step, so no storage comes back:
 *              each batch is a fresh array for the garbage collector);
 *   steps      the steps alone, over batches built beforehand;
 * and, for reference, the pipeline as it was before datasets became index views: a `take` of
 * the whole [60000, 784] tensor per epoch, then a `slice` per batch. The share reported is the
 * pipeline's time inside the epoch / the epoch (target: at most 10%). The standalone pipeline
 * depends on the process's heap (its fresh arrays cost more collection in a larger heap), so it
 * is printed for reference only. Each figure is the fastest of its interleaved runs (as Python's
 * timeit advises: on a shared machine the slower runs time other people's work); the load
 * average is printed too.
 */
import { loadavg } from 'node:os';
import * as T from '../src';
import { Dataset, type MnistExamples } from '../src/data';
import { loadMnist } from '../src/data/node';
import { foldIn, key, permutation } from '../src/random';
import { mlpInit } from './compare/common';
import { mlpParams, mlpStep, opt } from './compare/ours';

export interface PipelineFigures {
  readonly examples: number;
  /** Ms spent shuffling and producing batches inside the fastest end-to-end epoch. */
  readonly pipelineInEpochMs: number;
  /** Fastest ms of shuffle + batching alone, per epoch. */
  readonly pipelineMs: number;
  /** Fastest ms of the same with a whole-tensor `take` per epoch and a `slice` per batch. */
  readonly takePipelineMs: number;
  /** Fastest ms of the jitted steps alone, per epoch. */
  readonly stepsMs: number;
  /** Fastest ms of an epoch end to end. */
  readonly epochMs: number;
}

function pipelineEpoch(ds: Dataset<MnistExamples>, epoch: number, batch: number): number {
  let n = 0;
  for (const b of ds.shuffle(foldIn(key(0), epoch)).batch(batch)) n += b.x.shape[0]!;
  return n;
}

/** `batches` as an iterable that adds the time spent producing each one (and starting) to `clock.ms`. */
function* clocked<B>(batches: () => Iterable<B>, clock: { ms: number }): Generator<B> {
  let t = performance.now();
  const it = batches()[Symbol.iterator]();
  for (;;) {
    const r = it.next();
    clock.ms += performance.now() - t;
    if (r.done) return;
    yield r.value;
    t = performance.now();
  }
}

/** The old way: gather the whole dataset in the new order, then slice batches out of it. */
function takePipelineEpoch(x: T.Tensor, y: T.Tensor, epoch: number, batch: number): number {
  const perm = permutation(foldIn(key(0), epoch), x.shape[0]!);
  const [xs, ys] = [T.take(x, perm, { axis: 0 }), T.take(y, perm, { axis: 0 })];
  let n = 0;
  for (let s = 0; s < x.shape[0]!; s += batch) {
    const stop = Math.min(s + batch, x.shape[0]!);
    T.slice(ys, [{ start: s, stop }]);
    n += T.slice(xs, [{ start: s, stop }]).shape[0]!;
  }
  return n;
}

/** Measure the pipeline and the epoch over `examples` training digits (rounds: interleaved repetitions). */
export async function pipelineFigures(options: { examples?: number; batch?: number; rounds?: number } = {}): Promise<PipelineFigures> {
  const batch = options.batch ?? 32;
  const rounds = options.rounds ?? 3;
  const ds = await loadMnist({ split: 'train', size: options.examples ?? 60000 });
  const steps = Math.ceil(ds.size / batch);
  const step = T.jit(mlpStep, { donateArgnums: [0, 1] });
  // An epoch's batches are read once: donated, each one's storage goes to the next (the CPU pool).
  const epochStep = T.jit(mlpStep, { donateArgnums: [0, 1, 2, 3] });
  let ps = mlpParams(mlpInit([784, 64, 64, 10]));
  let state: unknown = opt.init(ps);
  let loss: T.Tensor | undefined;
  const runSteps = (batches: Iterable<MnistExamples>, f = step) => {
    for (const b of batches) [ps, state, loss] = f(ps, state, b.x, b.y);
    loss!.item();
  };
  // Steps alone cycle over a few prebuilt batches: holding a whole epoch of them (188 MB) would
  // make every collection in the other timings slower.
  const prebuilt = [...ds.shuffle(key(1)).take(64 * batch).batch(batch)];
  const cycled = function* () {
    for (let i = 0; i < steps; i++) yield prebuilt[i % prebuilt.length]!;
  };
  runSteps(prebuilt.slice(0, 4)); // trace and compile outside the timings
  runSteps(ds.take(4 * batch).batch(batch), epochStep);
  const times = { pipeline: [] as number[], take: [] as number[], steps: [] as number[], epoch: [] as number[], inEpoch: [] as number[] };
  const time = (into: number[], f: () => unknown) => {
    const t = performance.now();
    f();
    into.push(performance.now() - t);
  };
  for (let r = 0; r < rounds; r++) {
    time(times.pipeline, () => pipelineEpoch(ds, r, batch));
    time(times.steps, () => runSteps(cycled()));
    const clock = { ms: 0 };
    time(times.epoch, () => runSteps(clocked(() => ds.shuffle(foldIn(key(0), r)).batch(batch), clock), epochStep));
    times.inEpoch.push(clock.ms);
  }
  // Last and apart: its two 188 MB gathers per epoch leave garbage that would bill the others.
  const { x, y } = ds.tree;
  for (let r = 0; r < rounds; r++) time(times.take, () => takePipelineEpoch(x, y, r, batch));
  const best = (xs: number[]) => Math.min(...xs);
  const fastestEpoch = times.epoch.indexOf(best(times.epoch));
  return { examples: ds.size, pipelineInEpochMs: times.inEpoch[fastestEpoch]!, pipelineMs: best(times.pipeline), takePipelineMs: best(times.take), stepsMs: best(times.steps), epochMs: best(times.epoch) };
}

/** The figures as printable lines. */
export function formatPipelineFigures(f: PipelineFigures): string[] {
  const pct = (a: number) => `${((a / f.epochMs) * 100).toFixed(1)}%`;
  return [
    `shuffle + batch inside the epoch  ${f.pipelineInEpochMs.toFixed(0).padStart(6)} ms   ${pct(f.pipelineInEpochMs).padStart(6)} of it (target <= 10%: ${f.pipelineInEpochMs <= 0.1 * f.epochMs ? 'met' : 'missed'})`,
    `shuffle + batch alone (no reuse)  ${f.pipelineMs.toFixed(0).padStart(6)} ms   ${pct(f.pipelineMs).padStart(6)} (every batch a fresh array: depends on the heap)`,
    `shuffle + batch (take + slices)   ${f.takePipelineMs.toFixed(0).padStart(6)} ms   ${pct(f.takePipelineMs).padStart(6)} (the old way, for reference: ${(f.takePipelineMs / f.pipelineMs).toFixed(1)}x slower)`,
    `jitted steps alone                ${f.stepsMs.toFixed(0).padStart(6)} ms`,
    `epoch end to end                  ${f.epochMs.toFixed(0).padStart(6)} ms`,
  ];
}

if (process.argv[1]?.endsWith('dataPipeline.ts')) {
  const quick = process.argv.includes('--quick');
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`data pipeline vs training epoch | node ${process.version} | load average ${load()}`);
  const f = await pipelineFigures({ rounds: quick ? 2 : 5 });
  console.log(`${f.examples.toLocaleString('en-US')} MNIST digits, batch 32, MLP 784-64-64-10 + Adam jitted; ms per epoch, fastest of the runs`);
  for (const line of formatPipelineFigures(f)) console.log(`  ${line}`);
  console.log(`load average ${load()}`);
}
