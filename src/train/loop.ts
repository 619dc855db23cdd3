/**
 * A small functional training loop over a user-supplied pure `step` (usually jitted): epochs,
 * shuffled batches, metric averaging, validation, callbacks, early stopping, periodic
 * checkpoints and exact resumption. The loop owns no model logic: state in, state out.
 */
import { either as E } from 'fp-ts';
import { checkFunction, checkNumber, checkOneOf, checkOptions, describeValue, fmtAval, OpError, optionKeys, Tensor } from '../tensor';
import { nodeBuiltin } from '../tensor/nodeBuiltins';
import { foldIn } from '../random';
import { formatError, load, save } from '../io';
import { progressBar, formatMetrics, type ProgressStream } from './progress';
import { batchLength, toNumber } from './values';

/** What the loop needs from a dataset (src/data's Dataset has this shape). */
export interface BatchSource<B> {
  readonly size: number;
  shuffle(key: Tensor): BatchSource<B>;
  batch(size: number, options?: { readonly dropRemainder?: boolean }): Iterable<B>;
  /** Examples [start, stop): needed only by `validationSplit`. */
  slice?(start: number, stop?: number): BatchSource<B>;
}

export type Metrics = Readonly<Record<string, Tensor | number>>;
export type History = Record<string, number[]>;

export interface StepInfo {
  readonly epoch: number;
  /** Index of the batch within the epoch. */
  readonly batch: number;
  /** A key for this step (dropout and other randomness), derived from the run's key. */
  readonly key: Tensor;
}

export interface Callbacks<S> {
  /** Called after each epoch with its averaged metrics; return 'stop' to end training. */
  onEpochEnd?(epoch: number, logs: Readonly<Record<string, number>>, state: S): void | 'stop' | Promise<void | 'stop'>;
  onBatchEnd?(batch: number, logs: Readonly<Record<string, number>>): void;
}

export interface FitOptions<S, B> {
  readonly epochs: number;
  readonly batchSize: number;
  /** Randomness of the run: epoch e shuffles with foldIn(foldIn(key, e), 0). */
  readonly key: Tensor;
  /** One optimization step: (state, batch, info) => [newState, metrics]. */
  readonly step: (state: S, batch: B, info: StepInfo) => readonly [S, Metrics];
  /** Metrics of one validation batch (averaged over the validation set, weighted by batch size). */
  readonly evalStep?: (state: S, batch: B) => Metrics;
  readonly validation?: BatchSource<B>;
  /**
   * Hold out this fraction of the training examples for validation, as Keras's
   * `validation_split`: the last `round(size * validationSplit)` examples in the given order
   * (before any shuffling; rounded as `trainTestSplit` rounds a fractional testSize) are never
   * trained on and are scored with `evalStep` after each epoch.
   */
  readonly validationSplit?: number;
  readonly shuffle?: boolean;
  readonly dropRemainder?: boolean;
  readonly callbacks?: Callbacks<S>;
  /** Stop when `monitor` has not improved by minDelta for `patience` epochs. */
  readonly earlyStopping?: { readonly monitor: string; readonly patience: number; readonly mode?: 'min' | 'max'; readonly minDelta?: number };
  /** Save { state, epoch, history } to `path` every `every` epochs (atomically). */
  readonly checkpoint?: { readonly path: string; readonly every?: number };
  /** Continue a run from a checkpoint written by this loop (identical results to an uninterrupted run). */
  readonly resumeFrom?: string;
  /** Where to draw progress (default process.stdout); false for silence. */
  readonly progress?: ProgressStream | false;
}

export interface FitResult<S> {
  readonly state: S;
  readonly history: History;
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
}

/** Running weighted means of metrics. */
class Averager {
  private sums: Record<string, number> = {};
  private count = 0;
  async add(metrics: Metrics, weight: number): Promise<Record<string, number>> {
    this.count += weight;
    for (const [k, v] of Object.entries(metrics)) this.sums[k] = (this.sums[k] ?? 0) + (await toNumber(v)) * weight;
    return this.means();
  }
  means(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.sums).map(([k, s]) => [k, s / Math.max(this.count, 1)]));
  }
}

/**
 * Train for `epochs` epochs. Returns the final state and the per-epoch history of every metric
 * (validation metrics prefixed with `val`, e.g. valLoss, valAccuracy), from `validation` or
 * from the part of the data that `validationSplit` holds out.
 * @example const { state, history } = await fit(init, train, { epochs: 10, batchSize: 32, key: key(0), step });
 * @example await fit(init, train, { epochs: 10, batchSize: 32, key: key(0), step, evalStep, validationSplit: 0.1 });
 */
export async function fit<S, B>(initial: S, data: BatchSource<B>, options: FitOptions<S, B>): Promise<FitResult<S>> {
  checkFitArgs(data, options);
  const [train, validation] = splitValidation(data, options);
  let state = initial;
  let history: History = {};
  let startEpoch = 0;
  if (options.resumeFrom) {
    const loaded = await load(options.resumeFrom, { state: initial, epoch: 0 });
    if (E.isLeft(loaded)) throw new Error(`fit: cannot resume from ${options.resumeFrom}: ${formatLoadError(loaded.left)}`);
    const ck = loaded.right as { state: S; epoch: number };
    state = ck.state;
    startEpoch = ck.epoch;
    history = await loadHistory(options.resumeFrom);
  }
  const stream = options.progress === false ? undefined : options.progress ?? (typeof process !== 'undefined' ? process.stdout : undefined);
  const es = options.earlyStopping;
  let best = Infinity;
  let sinceBest = 0;
  let stoppedEarly = false;
  let epoch = startEpoch;
  for (; epoch < options.epochs; epoch++) {
    const epochKey = foldIn(options.key, epoch);
    const epochData = options.shuffle === false ? train : train.shuffle(foldIn(epochKey, 0));
    const total = options.dropRemainder ? Math.floor(train.size / options.batchSize) * options.batchSize : train.size;
    const bar = stream ? progressBar(stream, { epoch: epoch + 1, epochs: options.epochs, total }) : undefined;
    const avg = new Averager();
    let b = 0;
    for (const batch of epochData.batch(options.batchSize, { dropRemainder: options.dropRemainder })) {
      const [next, metrics] = options.step(state, batch, { epoch, batch: b, key: foldIn(epochKey, b + 1) });
      state = next;
      const n = batchLength(batch);
      const running = await avg.add(metrics, n);
      bar?.update(n, running);
      options.callbacks?.onBatchEnd?.(b, running);
      b++;
    }
    const logs: Record<string, number> = { ...avg.means() };
    if (validation && options.evalStep) {
      const vavg = new Averager();
      for (const batch of validation.batch(options.batchSize)) await vavg.add(options.evalStep(state, batch), batchLength(batch));
      for (const [k, v] of Object.entries(vavg.means())) logs[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
    }
    bar?.end(logs);
    for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
    const every = options.checkpoint?.every ?? 1;
    if (options.checkpoint && ((epoch + 1) % every === 0 || epoch + 1 === options.epochs)) {
      await save(options.checkpoint.path, { state, epoch: epoch + 1 }, { metadata: { 'tensorlaw.history': JSON.stringify(history) } });
    }
    const verdict = await options.callbacks?.onEpochEnd?.(epoch, logs, state);
    if (verdict === 'stop') {
      epoch++;
      stoppedEarly = true;
      break;
    }
    if (es) {
      const v = logs[es.monitor];
      if (v === undefined) throw new Error(`fit: earlyStopping monitors '${es.monitor}', but the epoch logs have only ${Object.keys(logs).join(', ')}`);
      const score = es.mode === 'max' ? -v : v;
      if (score < best - (es.minDelta ?? 0)) {
        best = score;
        sinceBest = 0;
      } else if (++sinceBest >= es.patience) {
        if (stream) stream.write(`early stopping: ${es.monitor} did not improve for ${es.patience} epochs (best ${formatMetrics({ [es.monitor]: es.mode === 'max' ? -best : best })})\n`);
        epoch++;
        stoppedEarly = true;
        break;
      }
    }
  }
  return { state, history, epochsRun: epoch - startEpoch, stoppedEarly };
}

/** The training and validation sources: `validation` as given, or the tail held out by `validationSplit`. */
const fitKeys = optionKeys<FitOptions<any, any>>({
  epochs: true, batchSize: true, key: true, step: true, evalStep: true, validation: true, validationSplit: true, shuffle: true,
  dropRemainder: true, callbacks: true, earlyStopping: true, checkpoint: true, resumeFrom: true, progress: true,
});

/** fit's arguments, checked before anything runs: a mistake is reported now, not epochs later. */
function checkFitArgs(data: unknown, options: FitOptions<any, any>): void {
  const fn = 'fit';
  const ok = typeof data === 'object' && data !== null && typeof (data as BatchSource<unknown>).batch === 'function' && typeof (data as BatchSource<unknown>).size === 'number';
  if (!ok) throw new OpError(fn, `data must be a dataset (with size and batch(size)), got ${describeValue(data)}`);
  if (options === undefined) throw new OpError(fn, `expects options { ${fitKeys.slice(0, 4).join(', ')}, ... }`);
  checkOptions(fn, options, fitKeys);
  checkNumber(fn, 'epochs', options.epochs, { integer: true, min: 0 });
  checkNumber(fn, 'batchSize', options.batchSize, { integer: true, min: 1 });
  const key = options.key as unknown;
  if (!(key instanceof Tensor && key.dtype === 'int32' && key.shape.length === 1 && key.shape[0] === 2)) {
    throw new OpError(fn, `key must be a PRNG key (int32 [2], from random.key(seed)), got ${key instanceof Tensor ? fmtAval(key) : describeValue(key)}`);
  }
  checkFunction(fn, options.step, 'step');
  if (options.evalStep !== undefined) checkFunction(fn, options.evalStep, 'evalStep');
  const es = options.earlyStopping;
  if (es !== undefined) {
    checkOptions('fit (earlyStopping)', es, ['monitor', 'patience', 'mode', 'minDelta']);
    if (typeof es.monitor !== 'string') throw new OpError(fn, `earlyStopping.monitor must be a metric name such as 'valLoss', got ${describeValue(es.monitor)}`);
    checkNumber(fn, 'earlyStopping.patience', es.patience, { integer: true, min: 1 });
    if (es.mode !== undefined) checkOneOf(fn, 'earlyStopping.mode', es.mode, ['min', 'max']);
    if (es.minDelta !== undefined) checkNumber(fn, 'earlyStopping.minDelta', es.minDelta, { min: 0 });
  }
  const ck = options.checkpoint;
  if (ck !== undefined) {
    checkOptions('fit (checkpoint)', ck, ['path', 'every']);
    if (typeof ck.path !== 'string' || ck.path === '') throw new OpError(fn, `checkpoint.path must be a file path, got ${describeValue(ck.path)}`);
    if (ck.every !== undefined) checkNumber(fn, 'checkpoint.every', ck.every, { integer: true, min: 1 });
  }
}

function splitValidation<S, B>(data: BatchSource<B>, options: FitOptions<S, B>): [train: BatchSource<B>, validation: BatchSource<B> | undefined] {
  const fraction = options.validationSplit;
  if (fraction === undefined) return [data, options.validation];
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw new Error(`fit: validationSplit must be a fraction strictly between 0 and 1, got ${String(fraction)}`);
  if (options.validation !== undefined) throw new Error('fit: pass either validation or validationSplit, not both');
  if (options.evalStep === undefined) throw new Error('fit: validationSplit needs an evalStep to score the held-out examples');
  if (typeof data.slice !== 'function') throw new Error('fit: validationSplit needs a dataset with slice(start, stop) (a tensorlaw/data Dataset has it)');
  const at = data.size - Math.round(data.size * fraction);
  if (at === 0 || at === data.size) throw new Error(`fit: validationSplit ${fraction} of ${data.size} examples leaves ${at === 0 ? 'no training' : 'no validation'} examples`);
  return [data.slice(0, at), data.slice(at)];
}

function formatLoadError(e: unknown): string {
  const err = e as { _tag?: string; message?: string };
  if (err._tag === 'ReadError') return err.message ?? 'read error';
  return formatError(e as never);
}

async function loadHistory(path: string): Promise<History> {
  const { deserialize } = await import('../io');
  const fs = nodeBuiltin('fit', 'node:fs');
  const decoded = deserialize(fs.readFileSync(path));
  if (E.isLeft(decoded)) return {};
  const raw = decoded.right.metadata['tensorlaw.history'];
  return raw ? (JSON.parse(raw) as History) : {};
}
