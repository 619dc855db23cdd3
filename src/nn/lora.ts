/**
 * LoRA (Hu et al. 2021): low-rank adapters on chosen 2-D weights, as a pytree transform. For a
 * weight W the adapted weight is W + (alpha / rank) * ΔW with ΔW of rank `rank`:
 *
 * - `layout: 'linear'` (PyTorch nn.Linear, W [out, in]): a [rank, in], b [out, rank], ΔW = b a;
 * - `layout: 'conv1d'` (Hugging Face Conv1D, W [in, out]): a [in, rank], b [rank, out], ΔW = a b.
 *
 * `a` starts uniform in ±1/sqrt(in) and `b` at zero, as in the paper, so a fresh adapter changes
 * nothing. The adapters are their own tree (the params' structure, `{ a, b }` at each target and
 * null elsewhere): differentiate and optimize that tree alone and close over the frozen base
 * weights, so gradients and optimizer state exist only for the adapters, under any optimizer and
 * inside jit; save and load it like any tree. `loraMerge` folds the adapters into the weights:
 * call it inside the loss during training, and once at the end for a plain model to deploy.
 *
 * Laws (laws/lora.ts): zero-initialized adapters leave outputs unchanged; the merged weight's
 * output equals the factored adapter forward `x W + s (x a) b`; frozen base weights come out of
 * training bit-identical.
 */
import * as T from '../tensor';
import { Tensor } from '../tensor';
import * as R from '../random';
import { flatten, unflatten, type KeyPath } from '../tree';

/**
 * Which weights get adapters and how. `targets` are dotted name patterns (`*` one segment, `**`
 * any number of them: `'h.*.attn.c_attn.weight'`, `'**.c_fc.weight'`) or a predicate.
 *
 *   const config: LoraConfig = { rank: 8, alpha: 16, targets: ['h.*.attn.c_attn.weight'], layout: 'conv1d' };
 */
export interface LoraConfig {
  readonly rank: number;
  /** The update is scaled by alpha / rank (default alpha = rank: scale 1). */
  readonly alpha?: number;
  readonly targets: readonly string[] | ((path: KeyPath, leaf: Tensor) => boolean);
  /** How the targeted weights are laid out (default 'linear', [out, in]). */
  readonly layout?: 'linear' | 'conv1d';
}

/** One weight's adapter (see the file comment for the shapes). */
export interface LoraAdapter {
  readonly a: Tensor;
  readonly b: Tensor;
}

const configKeys = T.optionKeys<LoraConfig>({ rank: true, alpha: true, targets: true, layout: true });

function check(fn: string, config: LoraConfig): { scale: number; layout: 'linear' | 'conv1d'; chosen: (path: KeyPath, leaf: unknown) => boolean } {
  if (config === undefined) throw new T.OpError(fn, `expects a config { ${configKeys.join(', ')} }`);
  T.checkOptions(fn, config, configKeys);
  if (!Number.isInteger(config.rank) || config.rank < 1) throw new Error(`${fn}: rank must be a positive integer, got ${String(config.rank)}`);
  const alpha = config.alpha ?? config.rank;
  if (!(typeof alpha === 'number' && Number.isFinite(alpha))) throw new Error(`${fn}: alpha must be a finite number, got ${String(alpha)}`);
  const layout = config.layout ?? 'linear';
  if (layout !== 'linear' && layout !== 'conv1d') throw new Error(`${fn}: layout must be 'linear' or 'conv1d', got ${JSON.stringify(layout)}`);
  const { targets } = config;
  let chosen: (path: KeyPath, leaf: unknown) => boolean;
  if (typeof targets === 'function') chosen = (p, x) => x instanceof Tensor && Boolean(targets(p, x));
  else if (Array.isArray(targets) && targets.length > 0 && targets.every((t) => typeof t === 'string' && t !== '')) {
    const regexes = targets.map(globToRegex);
    chosen = (p) => regexes.some((r) => r.test(p.join('.')));
  } else throw new Error(`${fn}: targets must be a non-empty array of name patterns or a predicate, got ${JSON.stringify(targets)}`);
  return { scale: alpha / config.rank, layout, chosen };
}

/** 'h.*.attn.c_attn.weight' -> a regex over dotted names; '**' spans any number of segments. */
function globToRegex(glob: string): RegExp {
  const segments = glob.split('.');
  let re = '';
  segments.forEach((s, i) => {
    const afterLeadingGlob = i === 1 && segments[0] === '**';
    if (s === '**') re += i > 0 ? '(?:\\.[^.]+)*' : segments.length === 1 ? '.*' : '(?:[^.]+\\.)*';
    else re += (i === 0 || afterLeadingGlob ? '' : '\\.') + (s === '*' ? '[^.]+' : s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  });
  return new RegExp(`^${re}$`);
}

/**
 * Fresh adapters for `params`: a tree of the same structure with `{ a, b }` at every targeted
 * 2-D weight and null elsewhere. Throws when no weight matches, or a match is not 2-D.
 *
 *   const adapters = loraInit(key(1), params, { rank: 4, targets: ['h.*.attn.c_attn.weight'], layout: 'conv1d' });
 *   loraParameterCount(adapters); // 2 layers * 4 * (64 + 192)
 */
export function loraInit(key: Tensor, params: unknown, config: LoraConfig): any {
  const fn = 'nn.loraInit';
  const { layout, chosen } = check(fn, config);
  const [leaves, def] = flatten(params);
  const paths = def.leafPaths();
  const picked = leaves.map((x, i) => chosen(paths[i]!, x));
  const count = picked.filter(Boolean).length;
  if (count === 0) throw new Error(`${fn}: no weight matches the targets ${JSON.stringify(config.targets instanceof Function ? '(predicate)' : config.targets)}; names look like ${paths.slice(0, 3).map((p) => p.join('.')).join(', ')}`);
  const keys = R.splitList(key, count);
  let k = 0;
  const r = config.rank;
  const adapters = leaves.map((x, i) => {
    if (!picked[i]) return null;
    const w = x as Tensor;
    if (w.ndim !== 2) throw new Error(`${fn}: the target ${paths[i]!.join('.')} is ${w.ndim}-d [${w.shape.join(', ')}]; LoRA adapts 2-D weights`);
    const [inputs, outputs] = layout === 'linear' ? [w.shape[1]!, w.shape[0]!] : [w.shape[0]!, w.shape[1]!];
    const bound = 1 / Math.sqrt(inputs);
    const a = R.uniform(keys[k++]!, layout === 'linear' ? [r, inputs] : [inputs, r], { minval: -bound, maxval: bound, dtype: w.dtype as 'float32' | 'float64' });
    const b = T.zeros(layout === 'linear' ? [outputs, r] : [r, outputs], w.dtype);
    return { a, b } satisfies LoraAdapter;
  });
  return unflatten(def, adapters);
}

/**
 * The weights with their adapters folded in: W + (alpha / rank) * ΔW wherever `adapters` has
 * one, every other leaf as is. Differentiable in both arguments; use it inside the loss to train
 * adapters, and once after training for a plain model.
 *
 *   const loss = (ad) => gpt2Loss(loraMerge(base, ad, config), tokens, gptConfig);
 *   const deployed = loraMerge(base, trainedAdapters, config);
 */
export function loraMerge<P>(params: P, adapters: unknown, config: LoraConfig): P {
  const fn = 'nn.loraMerge';
  const { scale, layout } = check(fn, config);
  const [leaves, def] = flatten(params);
  const paths = def.leafPaths();
  const byName = new Map<string, LoraAdapter>();
  for (const [path, adapter] of adapterEntries(adapters)) byName.set(path.join('.'), adapter);
  const used = new Set<string>();
  const merged = leaves.map((x, i) => {
    const name = paths[i]!.join('.');
    const adapter = byName.get(name);
    if (adapter === undefined) return x;
    used.add(name);
    const w = x as Tensor;
    const { a, b } = adapter;
    const [inputs, outputs] = layout === 'linear' ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
    const fits = w.ndim === 2 && a.ndim === 2 && b.ndim === 2 && (layout === 'linear'
      ? a.shape[1] === inputs && b.shape[0] === outputs && a.shape[0] === b.shape[1]
      : a.shape[0] === inputs && b.shape[1] === outputs && a.shape[1] === b.shape[0]);
    if (!fits) {
      const want = layout === 'linear' ? `a [rank, ${inputs}], b [${outputs}, rank]` : `a [${inputs}, rank], b [rank, ${outputs}]`;
      throw new Error(`${fn}: the adapter of ${name} has a [${a.shape.join(', ')}], b [${b.shape.join(', ')}]; the '${layout}' weight [${w.shape.join(', ')}] needs ${want}`);
    }
    const delta = layout === 'linear' ? T.matmul(b, a) : T.matmul(a, b);
    return T.add(w, scale === 1 ? delta : T.mul(delta, scale));
  });
  const stray = [...byName.keys()].filter((n) => !used.has(n));
  if (stray.length > 0) throw new Error(`${fn}: adapters for weights the params do not have: ${stray.join(', ')}`);
  return unflatten(def, merged) as P;
}

/** The `{ a, b }` adapters of an adapter tree with their paths (null positions hold none). */
function adapterEntries(adapters: unknown): [KeyPath, LoraAdapter][] {
  const [leaves, def] = flatten(adapters);
  const paths = def.leafPaths();
  const out = new Map<string, { path: KeyPath; a?: Tensor; b?: Tensor }>();
  leaves.forEach((x, i) => {
    const path = paths[i]!;
    const last = path[path.length - 1];
    if ((last !== 'a' && last !== 'b') || !(x instanceof Tensor)) throw new Error(`nn.lora: adapter trees hold { a, b } tensors, found ${x instanceof Tensor ? 'a tensor' : typeof x} at ${path.join('.')}`);
    const owner = path.slice(0, -1);
    const entry = out.get(owner.join('.')) ?? { path: owner };
    entry[last] = x;
    out.set(owner.join('.'), entry);
  });
  return [...out.values()].map((e) => {
    if (!e.a || !e.b) throw new Error(`nn.lora: the adapter at ${e.path.join('.')} needs both a and b`);
    return [e.path, { a: e.a, b: e.b }];
  });
}

/**
 * How many numbers the adapters train.
 *
 *   loraParameterCount(loraInit(k, params, { rank: 4, targets: ['**.weight'] }));
 */
export function loraParameterCount(adapters: unknown): number {
  return adapterEntries(adapters).reduce((n, [, { a, b }]) => n + a.size + b.size, 0);
}
