/**
 * The layer contract. A layer is a pair of pure functions:
 *
 * - `init(key, inputShape)` makes the parameters (and, for layers with batch statistics, the
 *   initial state) and says what shape `apply` will return. Input shapes include the batch axis
 *   first, like stax and Keras: `init(k, [-1, 784])` leaves the batch size open (-1) and
 *   `init(k, [32, 784])` fixes it; the -1 is carried into `outputShape`. Axes a layer needs to
 *   size its parameters (a linear layer's features, a conv's channels) must be concrete.
 * - `apply(params, x, { key, train, state })` computes the output. Stateless layers return a
 *   Tensor; stateful ones (`stateful: true`, e.g. batchNorm) return `{ y, state }` with the new
 *   state. `applyLayer` gives every layer the `{ y, state }` form.
 *
 * `train` defaults to false (inference): dropout is then the identity and batchNorm uses its
 * running statistics, so a bare `apply(params, x)` is always deterministic. Randomness only ever
 * comes from `options.key`.
 */
import { checkNumber, checkOptions, describeValue, fmtAval, OpError, Tensor } from '../tensor';

/** Options every layer's `apply` takes; layers may accept more (attention takes masks). */
export interface ApplyOptions<S = undefined> {
  /** The PRNG key for stochastic layers (dropout) in train mode. */
  readonly key?: Tensor;
  /** Train mode: dropout drops, batchNorm uses and updates batch statistics (default false). */
  readonly train?: boolean;
  /** The layer's current state (what `init` returned, or the last `apply`). */
  readonly state?: S;
}

/** What `init` returns. `state` is undefined for stateless layers. */
export interface InitResult<P, S = undefined> {
  readonly params: P;
  readonly state: S;
  /** The shape `apply` returns for an input of `inputShape` (-1 where the input had -1). */
  readonly outputShape: number[];
}

/** The output of a stateful layer. */
export interface Stateful<S> {
  readonly y: Tensor;
  readonly state: S;
}

/** What `apply` returns: a Tensor for stateless layers, `{ y, state }` otherwise. */
export type LayerOutput<S> = [S] extends [undefined] ? Tensor : Stateful<S>;

/**
 * A layer: pure `init`/`apply` functions and a name for messages and summaries.
 * @example const layer = linear(10); const { params, outputShape } = layer.init(key(0), [-1, 784]);
 * @example const y = layer.apply(params, x);
 */
export interface Layer<P = unknown, S = undefined, O extends ApplyOptions<S> = ApplyOptions<S>> {
  /** A short description, e.g. 'linear(10)'; errors and summaries name the layer by it. */
  readonly name: string;
  /** True when `apply` returns `{ y, state }`. */
  readonly stateful: boolean;
  init(key: Tensor, inputShape: readonly number[]): InitResult<P, S>;
  /** `O` is the options type; layers may extend ApplyOptions (attention adds masks). */
  apply(params: P, x: Tensor, options?: O): LayerOutput<S>;
}

/** Any layer, whatever its parameter and state types. */
export type AnyLayer = Layer<any, any, any>;
/** The parameter type of a layer. */
export type ParamsOf<L> = L extends Layer<infer P, any, any> ? P : never;
/** The state type of a layer. */
export type StateOf<L> = L extends Layer<any, infer S, any> ? S : never;

/** Parameters of a layer that has none (pooling, activations, dropout). */
export type NoParams = Record<string, never>;

/**
 * Apply any layer and get `{ y, state }` back (state is undefined for stateless layers).
 * @example const { y, state } = applyLayer(model, params, x, { train: true, state, key: k });
 * @example const y = applyLayer(linear(3), params, x).y;
 */
export function applyLayer<P, S, O extends ApplyOptions<S>>(layer: Layer<P, S, O>, params: P, x: Tensor, options?: O): Stateful<S> {
  const out = layer.apply(params, x, options) as Tensor | Stateful<S>;
  if (layer.stateful) return out as Stateful<S>;
  return { y: out as Tensor, state: undefined as S };
}

/**
 * Throw an error that names the layer: "nn.linear(10): ...".
 * @example layerError('linear(10)', `input ${fmt(x.shape)} has 5 features, weight expects 4`);
 * @example if (x.ndim < 2) layerError(name, 'expects [batch, ...]');
 */
export function layerError(name: string, message: string): never {
  throw new OpError(`nn.${name}`, message);
}

/**
 * A shape formatted for messages.
 * @example fmt([2, -1, 3])        // '[2, -1, 3]'
 * @example layerError(name, `got ${fmt(x.shape)}`)
 */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A shape's size, or -1 when any axis is unknown.
 * @example knownSize([2, 3])       // 6
 * @example knownSize([-1, 3])      // -1
 */
export function knownSize(shape: readonly number[]): number {
  return shape.some((d) => d < 0) ? -1 : shape.reduce((n, d) => n * d, 1);
}

/** The options every layer's apply knows. */
export const applyKeys = ['key', 'train', 'state'] as const;

/**
 * Check `init`'s arguments: a PRNG key (an int32 tensor of shape [2]) and an input shape array.
 * @example checkInitArgs('linear(3)', key, inputShape);
 */
export function checkInitArgs(name: string, key: unknown, inputShape: unknown): void {
  const isKey = key instanceof Tensor && key.dtype === 'int32' && key.ndim >= 1 && key.shape[key.ndim - 1] === 2;
  if (!isKey) layerError(name, `init: key must be a PRNG key (an int32 tensor of shape [2], from random.key(seed)), got ${key instanceof Tensor ? fmtAval(key) : describeValue(key)}`);
  if (!Array.isArray(inputShape)) layerError(name, `init: inputShape must be an array of integers (-1 for an unknown batch size), got ${describeValue(inputShape)}`);
}

/**
 * Check `apply`'s input and options: x a tensor, no unknown option (`keys` are the valid ones).
 * @example const opts = checkApplyArgs(name, x, options, applyKeys);
 */
export function checkApplyArgs<O extends object>(name: string, x: unknown, options: O | undefined, keys: readonly (keyof O & string)[]): Partial<O> {
  if (!(x instanceof Tensor)) layerError(name, `apply: the input must be a tensor, got ${Array.isArray(x) ? 'a JS array (wrap it with tensor(...))' : describeValue(x)}`);
  const opts = checkOptions(`nn.${name}.apply`, options, keys);
  const train = (opts as { train?: unknown }).train;
  if (train !== undefined && typeof train !== 'boolean') layerError(name, `apply: train must be true or false, got ${describeValue(train)}`);
  return opts;
}

/**
 * Check that `params` holds a tensor under each of `keys` (what init returned), so a wrong or
 * missing params tree is an error naming the layer and the key, not a TypeError inside.
 * @example checkParams(name, params, ['weight'], ['bias']);
 */
export function checkParams(name: string, params: unknown, keys: readonly string[], optional: readonly string[] = []): void {
  if (typeof params !== 'object' || params === null) layerError(name, `apply: params must be the object init returned (keys ${[...keys, ...optional].join(', ')}), got ${describeValue(params)}`);
  for (const k of [...keys, ...optional]) {
    const v = (params as Record<string, unknown>)[k];
    if (v === undefined && optional.includes(k)) continue;
    if (!(v instanceof Tensor)) layerError(name, `apply: params.${k} must be a tensor, got ${describeValue(v)}`);
  }
}

/**
 * A layer constructor's count argument (units, channels, heads): an integer >= `min`.
 * @example positiveInteger(name, 'outFeatures', outFeatures);
 */
export function positiveInteger(name: string, what: string, x: unknown, min = 1): number {
  return checkNumber(`nn.${name}`, what, x, { integer: true, min });
}

/**
 * Initializer options (`init`, `biasInit`, ...) must be functions `(key, shape, dtype?) => Tensor`;
 * a common slip is passing a factory uncalled or called twice, caught here at construction.
 * @example checkInitializers(name, options, ['init', 'biasInit']);
 */
export function checkInitializers(name: string, options: object | undefined, keys: readonly string[]): void {
  for (const k of keys) {
    const f = (options as Record<string, unknown> | undefined)?.[k];
    if (f !== undefined && typeof f !== 'function') layerError(name, `${k} must be an initializer (key, shape, dtype?) => Tensor, such as nn.initializers.zeros, got ${describeValue(f)}`);
  }
}

/**
 * A layer constructor's options: unknown keys are an error naming the layer and the valid keys.
 * @example const { bias, init } = layerOptions(name, options, ['bias', 'init', 'biasInit']);
 */
export function layerOptions<O extends object>(name: string, options: O | undefined, keys: readonly (keyof O & string)[]): Partial<O> {
  return checkOptions(`nn.${name}`, options, keys);
}

/**
 * Check an input shape passed to `init`: integers, each >= 0 or -1 (unknown), of a minimum rank.
 * @example checkInputShape('linear(3)', inputShape, 1, '[..., inFeatures]');
 * @example checkInputShape(name, inputShape, 4, '[batch, channels, height, width]');
 */
export function checkInputShape(name: string, shape: readonly number[], minRank: number, expected: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    layerError(name, `init: inputShape must be an array of integers (-1 for an unknown batch size), got ${describeValue(shape)}`);
  }
  if (shape.length < minRank) layerError(name, `init: expects an input shape ${expected}, got ${fmt(shape)}`);
}

/**
 * A concrete axis of an input shape, or an error naming the layer when it is -1.
 * @example const inFeatures = concreteAxis(name, inputShape, -1, 'input features');
 * @example const channels = concreteAxis(name, inputShape, 1, 'channels');
 */
export function concreteAxis(name: string, shape: readonly number[], axis: number, what: string): number {
  const a = axis < 0 ? shape.length + axis : axis;
  const d = shape[a]!;
  if (d < 0) layerError(name, `init: the ${what} (axis ${a} of input shape ${fmt(shape)}) must be known to size the parameters, got -1`);
  return d;
}

/**
 * Make a stateless layer from an init that returns params and outputShape and an apply that
 * returns a Tensor (fills in `stateful: false` and the undefined state). For custom layers.
 * @example const scale = statelessLayer('scale', (k, s) => ({ params: { g: ones([s.at(-1)!]) }, outputShape: s.slice() }), (p, x) => mul(x, p.g));
 * @example const y = scale.apply(scale.init(key(0), [-1, 4]).params, x);
 */
export function statelessLayer<P>(
  name: string,
  init: (key: Tensor, inputShape: readonly number[]) => { params: P; outputShape: number[] },
  apply: (params: P, x: Tensor, options: ApplyOptions) => Tensor,
): Layer<P> {
  return {
    name,
    stateful: false,
    init: (key, inputShape) => {
      checkInitArgs(name, key, inputShape);
      return { ...init(key, inputShape), state: undefined };
    },
    apply: (params, x, options) => apply(params, x, checkApplyArgs(name, x, options, applyKeys) as ApplyOptions),
  };
}
