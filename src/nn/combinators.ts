/**
 * Combinators build layers from layers. Params and states of the parts sit in arrays in the
 * order the parts were given; a stateful part makes the whole stateful, and stateless parts hold
 * `undefined` in the state array. Keys are split once per part, so stochastic parts never share
 * randomness.
 *
 * A model can equally be an ordinary function over a params tree; layers are just a convenient
 * way to make and apply the leaves:
 *
 *   const fc1 = linear(128), fc2 = linear(10);
 *   const [k1, k2] = splitList(key(0));
 *   const params = { fc1: fc1.init(k1, [-1, 784]).params, fc2: fc2.init(k2, [-1, 128]).params };
 *   const model = (p: typeof params, x: Tensor) => fc2.apply(p.fc2, relu(fc1.apply(p.fc1, x)));
 *   const grads = grad((p) => softmaxCrossEntropy(model(p, x), labels))(params);
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import * as R from '../random';
import { applyKeys, applyLayer, checkApplyArgs, checkInitArgs, fmt, layerError, layerOptions, type AnyLayer, type ApplyOptions, type Layer, type ParamsOf, type StateOf } from './layer';

/** The params array of a list of layers. */
export type ParamsList<Ls extends readonly AnyLayer[]> = { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> };
/** The state array of a list of layers, or undefined when none is stateful. */
export type StateList<Ls extends readonly AnyLayer[]> = [StateOf<Ls[number]>] extends [undefined] ? undefined : { -readonly [K in keyof Ls]: StateOf<Ls[K]> };

/** Keys for n parts: split when there is a key, none otherwise. */
function partKeys(key: Tensor | undefined, n: number): (Tensor | undefined)[] {
  if (key === undefined || n === 0) return new Array<undefined>(n).fill(undefined);
  return R.splitList(key, n);
}

/** Per-part states from a combined state (or undefined), with a clear error when it is missing. */
function partStates(name: string, layers: readonly AnyLayer[], state: unknown): unknown[] {
  const stateful = layers.some((l) => l.stateful);
  if (!stateful) return layers.map(() => undefined);
  if (!Array.isArray(state) || state.length !== layers.length) {
    layerError(name, `apply needs options.state: an array with one entry per layer (${layers.length}), as returned by init; got ${state === undefined ? 'undefined' : JSON.stringify(Array.isArray(state) ? `array of ${state.length}` : typeof state)}`);
  }
  return state;
}

/** Every part must be a layer: a common slip is passing a constructor uncalled (`relu` for `activation(relu)`). */
function checkLayers(combinator: string, layers: readonly unknown[]): void {
  layers.forEach((l, i) => {
    if (!isLayer(l)) layerError(combinator, `argument ${i} must be a layer (with init and apply), got ${T.describeValue(l)}${typeof l === 'function' ? '; wrap a function with activation(f), or call the layer constructor' : ''}`);
  });
}

/** Initialize parts side by side on one input shape (parallel) or threaded (sequential). */
function initParts(name: string, layers: readonly AnyLayer[], key: Tensor, inputShape: readonly number[], thread: boolean) {
  checkInitArgs(name, key, inputShape);
  const keys = partKeys(key, layers.length);
  const params: unknown[] = [], states: unknown[] = [], shapes: number[][] = [];
  let shape = inputShape.slice();
  layers.forEach((l, i) => {
    const r = l.init(keys[i]!, thread ? shape : inputShape);
    params.push(r.params);
    states.push(r.state);
    shapes.push(r.outputShape);
    shape = r.outputShape;
  });
  return { params, states, shapes, stateful: layers.some((l) => l.stateful) };
}

/**
 * Compose layers in order; params (and state) are arrays with one entry per layer.
 * @example const mlp = sequential(linear(128), activation(relu), dropout(0.1), linear(10));
 * @example const { params } = mlp.init(key(0), [-1, 784]); const logits = mlp.apply(params, x);
 * The parts are kept as `.layers` (for `summary(params, { layers: mlp.layers })`).
 */
export function sequential<Ls extends AnyLayer[]>(...layers: Ls): Layer<ParamsList<Ls>, StateList<Ls>> & { readonly layers: Ls } {
  checkLayers('sequential', layers);
  const name = `sequential(${layers.map((l) => l.name).join(', ')})`;
  const stateful = layers.some((l) => l.stateful);
  return {
    name,
    stateful,
    layers,
    init(key, inputShape) {
      const r = initParts(name, layers, key, inputShape, true);
      return { params: r.params as ParamsList<Ls>, state: (stateful ? r.states : undefined) as StateList<Ls>, outputShape: r.shapes.at(-1) ?? inputShape.slice() };
    },
    apply(params, x, options_?: ApplyOptions<any>) {
      const options = checkApplyArgs(name, x, options_, applyKeys);
      const ps = params as unknown[];
      if (!Array.isArray(ps) || ps.length !== layers.length) layerError(name, `params must be an array with one entry per layer (${layers.length}), got ${Array.isArray(ps) ? `${ps.length} entries` : typeof ps}`);
      const states = partStates(name, layers, options.state);
      const keys = partKeys(options.key, layers.length);
      const next: unknown[] = [];
      let y = x;
      layers.forEach((l, i) => {
        const out = applyLayer(l, ps[i], y, { ...options, key: keys[i], state: states[i] });
        y = out.y;
        next.push(out.state);
      });
      return (stateful ? { y, state: next } : y) as never;
    },
  };
}

/**
 * x + f(x); f must keep the shape. Params and state are f's.
 * @example const block = residual(sequential(layerNorm(64), linear(64), activation(gelu)));
 * @example const y = block.apply(params, x);
 */
export function residual<P, S, O extends ApplyOptions<S>>(layer: Layer<P, S, O>): Layer<P, S, O> {
  checkLayers('residual', [layer]);
  const name = `residual(${layer.name})`;
  return {
    name,
    stateful: layer.stateful,
    init(key, inputShape) {
      const r = layer.init(key, inputShape);
      if (r.outputShape.length !== inputShape.length || r.outputShape.some((d, i) => d !== inputShape[i])) {
        layerError(name, `init: the inner layer maps ${fmt(inputShape)} to ${fmt(r.outputShape)}; a residual needs the same shape`);
      }
      return r;
    },
    apply(params, x, options) {
      const out = applyLayer(layer, params, x, options);
      const y = T.add(x, out.y);
      return (layer.stateful ? { y, state: out.state } : y) as never;
    },
  };
}

export interface ParallelOptions {
  /** 'concat' the outputs along `axis` (default) or 'sum' them (they must share a shape). */
  readonly merge?: 'concat' | 'sum';
  /** The concatenation axis (default -1; use 1 for NCHW channels). */
  readonly axis?: number;
}

const isLayer = (x: unknown): x is AnyLayer => typeof x === 'object' && x !== null && typeof (x as AnyLayer).init === 'function';

/**
 * Apply layers to the same input and merge their outputs: concatenated along the last axis by
 * default, or summed. (To use the outputs separately, write the model as a function.)
 * @example const inception = parallel(conv2d(8, 1), conv2d(8, 3, { padding: 1 }), { axis: 1 });
 * @example const both = parallel(linear(4), linear(6));      // [..., 10]
 */
export function parallel<Ls extends AnyLayer[]>(...layers: Ls): Layer<ParamsList<Ls>, StateList<Ls>>;
export function parallel<Ls extends AnyLayer[]>(...args: [...Ls, ParallelOptions]): Layer<ParamsList<Ls>, StateList<Ls>>;
export function parallel(...args: unknown[]): Layer<unknown[], unknown> {
  const last = args.at(-1);
  const options: ParallelOptions = last !== undefined && !isLayer(last) ? (last as ParallelOptions) : {};
  const layers = (isLayer(last) ? args : args.slice(0, -1)) as AnyLayer[];
  checkLayers('parallel', layers);
  layerOptions('parallel', options, ['merge', 'axis']);
  const merge = T.checkOneOf('nn.parallel', 'merge', options.merge ?? 'concat', ['concat', 'sum']);
  const axis = T.checkNumber('nn.parallel', 'axis', options.axis ?? -1, { integer: true });
  const name = `parallel(${layers.map((l) => l.name).join(', ')})`;
  if (layers.length === 0) layerError(name, 'needs at least one layer');
  const stateful = layers.some((l) => l.stateful);
  return {
    name,
    stateful,
    init(key, inputShape) {
      const r = initParts(name, layers, key, inputShape, false);
      return { params: r.params, state: stateful ? r.states : undefined, outputShape: mergedShape(name, r.shapes, merge, axis) };
    },
    apply(params, x, options_?: ApplyOptions<any>) {
      const options = checkApplyArgs(name, x, options_, applyKeys);
      if (!Array.isArray(params) || params.length !== layers.length) layerError(name, `params must be an array with one entry per layer (${layers.length}), got ${T.describeValue(params)}`);
      const states = partStates(name, layers, options.state);
      const keys = partKeys(options.key, layers.length);
      const outs = layers.map((l, i) => applyLayer(l, params[i], x, { ...options, key: keys[i], state: states[i] }));
      const ys = outs.map((o) => o.y);
      const y = merge === 'sum' ? ys.reduce((a, b) => T.add(a, b)) : T.concatenate(ys, axis);
      return (stateful ? { y, state: outs.map((o) => o.state) } : y) as never;
    },
  };
}

function mergedShape(name: string, shapes: number[][], merge: 'concat' | 'sum', axis: number): number[] {
  const first = shapes[0]!;
  const a = axis < 0 ? first.length + axis : axis;
  const agree = shapes.every((s) => s.length === first.length && s.every((d, i) => (merge === 'concat' && i === a) || d === first[i]));
  if (!agree || a < 0 || a >= first.length) layerError(name, `init: cannot ${merge} outputs of shapes ${shapes.map(fmt).join(', ')}${merge === 'concat' ? ` along axis ${axis}` : ''}`);
  if (merge === 'sum') return first.slice();
  const total = shapes.some((s) => s[a]! < 0) ? -1 : shapes.reduce((n, s) => n + s[a]!, 0);
  return first.map((d, i) => (i === a ? total : d));
}
