/**
 * Recurrent cells in PyTorch's gate layout and `rnn`, which runs a cell along the time axis.
 *
 * `rnn` runs the cell with `scan` over the time axis, so grad, vmap and jit see one control-flow
 * primitive: inside jit the cell is compiled once and looped over (never unrolled), and grad is a
 * scan backwards over the time steps.
 */
import * as T from '../../tensor';
import { scan } from '../../grad';
import type { Tensor } from '../../tensor';
import * as R from '../../random';
import type { Initializer, ParamDType } from '../init';
import { applyKeys, checkApplyArgs, checkInitArgs, checkInitializers, checkInputShape, checkParams, concreteAxis, fmt, layerError, layerOptions, positiveInteger, type ApplyOptions, type Layer } from '../layer';

/**
 * One step of a recurrence: `step(params, carry, x) -> [carry, y]` over x [..., features].
 * @example const cell = lstmCell(32); const params = cell.init(key(0), 8);
 * @example const [carry, h] = cell.step(params, cell.initialCarry([4]), x);
 */
export interface Cell<P, C> {
  readonly name: string;
  readonly hiddenSize: number;
  init(key: Tensor, inputFeatures: number): P;
  /** The zero carry for a batch shape (x.shape without the feature axis). */
  initialCarry(batchShape: readonly number[], dtype?: ParamDType): C;
  step(params: P, carry: C, x: Tensor): [C, Tensor];
}

/**
 * Recurrent weights with PyTorch's names in camelCase: weightIh [G * H, in] is `weight_ih`,
 * weightHh [G * H, H] is `weight_hh`, biasIh/biasHh [G * H] are `bias_ih`/`bias_hh`
 * (`..._l0` in nn.LSTM/nn.GRU), with G = 4 gates for LSTM and 3 for GRU.
 */
export interface RecurrentParams {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor;
  readonly biasHh: Tensor;
}

/** The LSTM carry: hidden state h and cell state c, each [..., hidden]. */
export interface LstmCarry {
  readonly h: Tensor;
  readonly c: Tensor;
}

export interface CellOptions {
  /** Initializer of weightIh (default U(+-1/sqrt(hidden)), PyTorch's). */
  readonly init?: Initializer;
  /** Initializer of weightHh (default U(+-1/sqrt(hidden)); `orthogonal()` is a common choice). */
  readonly recurrentInit?: Initializer;
}

function recurrentInit(name: string, hidden: number, gates: number, options: CellOptions) {
  positiveInteger(name, 'hidden', hidden);
  layerOptions(name, options, ['init', 'recurrentInit']);
  checkInitializers(name, options, ['init', 'recurrentInit']);
  const bound = 1 / Math.sqrt(hidden);
  const u: Initializer = (key, shape, dtype = 'float32') => R.uniform(key, shape, { minval: -bound, maxval: bound, dtype });
  return (key: Tensor, inputFeatures: number): RecurrentParams => {
    const [k1, k2, k3, k4] = R.splitList(key, 4);
    return {
      weightIh: (options.init ?? u)(k1!, [gates * hidden, inputFeatures]),
      weightHh: (options.recurrentInit ?? u)(k2!, [gates * hidden, hidden]),
      biasIh: u(k3!, [gates * hidden]),
      biasHh: u(k4!, [gates * hidden]),
    };
  };
}

const affine = (x: Tensor, w: Tensor, b: Tensor): Tensor => T.add(T.matmul(x, T.transpose(w)), b);

function checkStep(name: string, params: RecurrentParams, x: Tensor): void {
  checkParams(name, params, ['weightIh', 'weightHh', 'biasIh', 'biasHh']);
  if (!(x instanceof T.Tensor)) layerError(name, `step: the input must be a tensor, got ${T.describeValue(x)}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== params.weightIh.shape[1]) {
    layerError(name, `input ${fmt(x.shape)} has ${x.shape[x.ndim - 1]} features but weightIh ${fmt(params.weightIh.shape)} expects ${params.weightIh.shape[1]}`);
  }
}

/**
 * LSTM cell (PyTorch's nn.LSTMCell): gates i, f, g, o stacked in that order in weightIh [4H, in]
 * and weightHh [4H, H]; c' = sig(f) c + sig(i) tanh(g), h' = sig(o) tanh(c'). Outputs h'.
 * @example const cell = lstmCell(64); const params = cell.init(key(0), 32);
 * @example const [{ h, c }, y] = cell.step(params, cell.initialCarry([8]), x);
 */
export function lstmCell(hidden: number, options: CellOptions = {}): Cell<RecurrentParams, LstmCarry> {
  const name = `lstmCell(${hidden})`;
  return {
    name,
    hiddenSize: hidden,
    init: recurrentInit(name, hidden, 4, options),
    initialCarry: (batchShape, dtype = 'float32') => ({ h: T.zeros([...batchShape, hidden], dtype), c: T.zeros([...batchShape, hidden], dtype) }),
    step(params, carry, x) {
      checkStep(name, params, x);
      const gates = T.add(affine(x, params.weightIh, params.biasIh), affine(carry.h, params.weightHh, params.biasHh));
      const [i, f, g, o] = T.split(gates, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
      const c = T.add(T.mul(T.sigmoid(f), carry.c), T.mul(T.sigmoid(i), T.tanh(g)));
      const h = T.mul(T.sigmoid(o), T.tanh(c));
      return [{ h, c }, h];
    },
  };
}

/**
 * GRU cell (PyTorch's nn.GRUCell): gates r, z, n in that order;
 * n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. The carry is h.
 * @example const cell = gruCell(64); const params = cell.init(key(0), 32);
 * @example const [h, y] = cell.step(params, cell.initialCarry([8]), x);
 */
export function gruCell(hidden: number, options: CellOptions = {}): Cell<RecurrentParams, Tensor> {
  const name = `gruCell(${hidden})`;
  return {
    name,
    hiddenSize: hidden,
    init: recurrentInit(name, hidden, 3, options),
    initialCarry: (batchShape, dtype = 'float32') => T.zeros([...batchShape, hidden], dtype),
    step(params, h, x) {
      checkStep(name, params, x);
      const [xr, xz, xn] = T.split(affine(x, params.weightIh, params.biasIh), 3, -1) as [Tensor, Tensor, Tensor];
      const [hr, hz, hn] = T.split(affine(h, params.weightHh, params.biasHh), 3, -1) as [Tensor, Tensor, Tensor];
      const r = T.sigmoid(T.add(xr, hr));
      const z = T.sigmoid(T.add(xz, hz));
      const n = T.tanh(T.add(xn, T.mul(r, hn)));
      const next = T.add(T.mul(T.sub(1, z), n), T.mul(z, h));
      return [next, next];
    },
  };
}

export interface RnnOptions {
  /** Run from the last time step to the first (outputs stay in input order; default false). */
  readonly reverse?: boolean;
  /** Return every step's output [..., time, hidden] (default) or only the final one [..., hidden]. */
  readonly returnSequences?: boolean;
}

export interface RnnApplyOptions<C> extends ApplyOptions {
  /** The starting carry (default: the cell's zero carry). */
  readonly initialCarry?: C;
}

/**
 * Run a cell along the time axis of [batch, time, features] input (any leading batch axes;
 * [time, features] works too, e.g. under vmap). Params are the cell's params.
 * @example const lstm = rnn(lstmCell(64)); const { params } = lstm.init(key(0), [-1, 20, 32]);
 * @example const hs = lstm.apply(params, x);        // [batch, 20, 64]
 */
export function rnn<P, C>(cell: Cell<P, C>, options: RnnOptions = {}): Layer<P, undefined, RnnApplyOptions<C>> {
  const ok = typeof cell === 'object' && cell !== null && typeof cell.step === 'function' && typeof cell.init === 'function';
  if (!ok) layerError('rnn', `expects a cell such as lstmCell(64) or gruCell(64), got ${T.describeValue(cell)}`);
  const name = `rnn(${cell.name})`;
  layerOptions(name, options, ['reverse', 'returnSequences']);
  const returnSequences = options.returnSequences ?? true;
  return {
    name,
    stateful: false,
    init(key, inputShape) {
      checkInitArgs(name, key, inputShape);
      checkInputShape(name, inputShape, 2, '[batch, time, features]');
      const features = concreteAxis(name, inputShape, -1, 'input features');
      const lead = inputShape.slice(0, -1);
      return { params: cell.init(key, features), state: undefined, outputShape: returnSequences ? [...lead, cell.hiddenSize] : [...lead.slice(0, -1), cell.hiddenSize] };
    },
    apply(params, x, options_?: RnnApplyOptions<C>) {
      const opts = checkApplyArgs<RnnApplyOptions<C>>(name, x, options_, [...applyKeys, 'initialCarry']);
      if (x.ndim < 2) layerError(name, `expects [batch, time, features] (or [time, features]), got ${fmt(x.shape)}`);
      const steps = x.shape[x.ndim - 2]!;
      if (steps === 0) layerError(name, `input ${fmt(x.shape)} has no time steps`);
      const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
      const carry = opts.initialCarry ?? cell.initialCarry(x.shape.slice(0, -2), dtype);
      // scan runs over the leading axis: bring time to the front and put it back afterwards.
      const xs = T.moveaxis(x, -2, 0);
      const [, ys] = scan((c, xt: Tensor) => cell.step(params, c as C, xt), carry, xs, { reverse: options.reverse ?? false });
      const seq = T.moveaxis(ys as Tensor, 0, -2);
      if (returnSequences) return seq;
      const last = options.reverse ? 0 : steps - 1;
      return T.squeeze(T.slice(seq, [...seq.shape.slice(0, -2).map(() => null), { start: last, stop: last + 1 }]), -2);
    },
  };
}
