/**
 * PyTorch state_dicts both ways. A state_dict is one flat record of parameters and buffers
 * (`0.weight`, `1.running_mean`, `1.num_batches_tracked`); our models keep parameters and
 * layer state (batchNorm's running statistics) in two trees with the same dotted names, in
 * camelCase (`1.runningMean`). `fromStateDict` fills both trees in one call, given templates
 * (a freshly initialized model), and `toStateDict` writes the record `load_state_dict(strict=True)`
 * accepts: the same keys, shapes and dtypes, PyTorch's I64 `num_batches_tracked` included.
 *
 * Names match after converting our camelCase segments to snake_case (`runningMean` ->
 * `running_mean`). Everything else is a small declarative `KeyMapping`:
 *
 * - `rename: [[torch, ours], ...]`: key patterns, where `*` is one segment and a leading `**.`
 *   any prefix; the wildcards carry over in order (`['**.out_proj.*', '**.out.*']`).
 * - `split: [[torch, [ours...]], ...]`: a packed tensor cut into equal chunks along axis 0, as
 *   PyTorch's MultiheadAttention packs q, k and v into `in_proj_weight`; concatenated on export.
 * - `transpose: [ours...]`: 2-D tensors whose layout is the transpose of ours.
 * - `ignore: [torch...]`: keys with no counterpart, dropped on load (causal-mask buffers).
 * - `extras: [torch...]`: buffers we do not keep but give back on load and write on export
 *   (default `**.num_batches_tracked`; a missing one is written as 0).
 *
 * Errors list every unmatched key on both sides and every shape or dtype disagreement.
 */
import { either as E } from 'fp-ts';
import * as T from '../tensor';
import { Tensor } from '../tensor';
import { flatten, unflatten } from '../tree';
import { serialize, type Checkpoint, type SerializeOptions } from './bytes';
import { badKey, tensorName, toFileDType, type FileDType } from './format';

/**
 * How PyTorch keys relate to our names (see the file comment). All fields optional.
 *
 *   const mapping: KeyMapping = { rename: [['encoder.layers.*', 'blocks.*']], ignore: ['**.attn.bias'] };
 *   fromStateDict(sd, templates, combineMappings(mapping, multiheadAttention));
 */
export interface KeyMapping {
  readonly rename?: ReadonlyArray<readonly [torch: string, ours: string]>;
  readonly split?: ReadonlyArray<readonly [torch: string, ours: readonly string[]]>;
  readonly transpose?: readonly string[];
  readonly ignore?: readonly string[];
  readonly extras?: readonly string[];
}

/**
 * PyTorch's `nn.MultiheadAttention` (and so `nn.TransformerEncoderLayer`) against our
 * `multiHeadAttention` params: `in_proj_weight`/`in_proj_bias` split into `query`, `key` and
 * `value`, and `out_proj` is our `out`.
 *
 *   fromStateDict(sd, { params: block.init(k, [-1, 8, 16]).params }, multiheadAttention);
 */
export const multiheadAttention: KeyMapping = {
  split: [
    ['**.in_proj_weight', ['**.query.weight', '**.key.weight', '**.value.weight']],
    ['**.in_proj_bias', ['**.query.bias', '**.key.bias', '**.value.bias']],
  ],
  rename: [['**.out_proj.*', '**.out.*']],
};

const defaultExtras = ['**.num_batches_tracked'];

/**
 * Several mappings as one: their rules in order (earlier renames win).
 *
 *   combineMappings(multiheadAttention, { ignore: ['**.attn.masked_bias'] });
 */
export function combineMappings(...mappings: readonly KeyMapping[]): KeyMapping {
  const all = <K extends keyof KeyMapping>(k: K) => mappings.flatMap((m) => (m[k] ?? []) as NonNullable<KeyMapping[K]>[number][]);
  const extras = mappings.some((m) => m.extras !== undefined) ? all('extras') : undefined;
  return { rename: all('rename'), split: all('split'), transpose: all('transpose'), ignore: all('ignore'), ...(extras ? { extras } : {}) };
}

/** Why a state_dict did not fit the templates. */
export interface StateDictError {
  readonly _tag: 'StateDictError';
  readonly message: string;
  /** PyTorch keys (after renaming, with the original in parentheses) that match no template leaf. */
  readonly unmatchedTorch: readonly string[];
  /** Template names that no PyTorch key provides. */
  readonly unmatchedOurs: readonly string[];
  /** Shape and dtype disagreements, one line each. */
  readonly mismatches: readonly string[];
}

/** What `fromStateDict` gives back: filled parameter and state trees, and the extra buffers. */
export interface FromStateDict<P, S> {
  readonly params: P;
  readonly state: S;
  readonly extras: Readonly<Record<string, Tensor>>;
}

/** A state_dict ready to write: tensors by PyTorch key and the stored dtype of each. */
export interface StateDict {
  readonly tensors: Readonly<Record<string, Tensor>>;
  readonly dtypes: Readonly<Record<string, FileDType>>;
}

// ---------------------------------------------------------------------------------------------
// Patterns

interface Pattern {
  readonly source: string;
  readonly regex: RegExp;
  readonly wildcards: number;
  readonly prefix: boolean;
}

function compile(where: string, source: string): Pattern {
  if (typeof source !== 'string' || source === '') throw new Error(`io.torch: ${where}: a key pattern must be a non-empty string, got ${JSON.stringify(source)}`);
  const prefix = source.startsWith('**.');
  const segments = (prefix ? source.slice(3) : source).split('.');
  if (segments.some((s) => s === '' || (s.includes('*') && s !== '*'))) throw new Error(`io.torch: ${where}: bad key pattern ${JSON.stringify(source)} ('*' stands alone for one segment, '**.' only at the start)`);
  const body = segments.map((s) => (s === '*' ? '([^.]+)' : s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))).join('\\.');
  return { source, regex: new RegExp(`^${prefix ? '((?:[^.]+\\.)*)' : ''}${body}$`), wildcards: segments.filter((s) => s === '*').length, prefix };
}

/** The wildcard values of `key` under `p` (prefix first), or undefined when it does not match. */
function match(p: Pattern, key: string): string[] | undefined {
  const m = p.regex.exec(key);
  return m ? m.slice(1) : undefined;
}

function substitute(p: Pattern, groups: readonly string[]): string {
  let i = p.prefix ? 1 : 0;
  const body = (p.prefix ? p.source.slice(3) : p.source)
    .split('.')
    .map((s) => (s === '*' ? groups[i++]! : s))
    .join('.');
  return (p.prefix ? groups[0]! : '') + body;
}

function pair(where: string, a: string, b: string): [Pattern, Pattern] {
  const [pa, pb] = [compile(where, a), compile(where, b)];
  if (pa.wildcards !== pb.wildcards || pa.prefix !== pb.prefix) throw new Error(`io.torch: ${where}: patterns ${JSON.stringify(a)} and ${JSON.stringify(b)} must have the same wildcards ('*' count and a leading '**.')`);
  return [pa, pb];
}

interface Compiled {
  readonly rename: ReadonlyArray<readonly [Pattern, Pattern]>;
  readonly split: ReadonlyArray<readonly [Pattern, readonly Pattern[]]>;
  readonly transpose: readonly Pattern[];
  readonly ignore: readonly Pattern[];
  readonly extras: readonly Pattern[];
}

const mappingKeys = T.optionKeys<KeyMapping>({ rename: true, split: true, transpose: true, ignore: true, extras: true });

function compileMapping(m: KeyMapping): Compiled {
  T.checkOptions('io.torch (the key mapping)', m, mappingKeys);
  return {
    rename: (m.rename ?? []).map(([a, b], i) => pair(`rename[${i}]`, a, b)),
    split: (m.split ?? []).map(([a, bs], i) => {
      if (!Array.isArray(bs) || bs.length < 2) throw new Error(`io.torch: split[${i}]: needs two or more target patterns, got ${JSON.stringify(bs)}`);
      return [compile(`split[${i}]`, a), bs.map((b) => pair(`split[${i}]`, a, b)[1])] as const;
    }),
    transpose: (m.transpose ?? []).map((p, i) => compile(`transpose[${i}]`, p)),
    ignore: (m.ignore ?? []).map((p, i) => compile(`ignore[${i}]`, p)),
    extras: (m.extras ?? defaultExtras).map((p, i) => compile(`extras[${i}]`, p)),
  };
}

const anyMatch = (ps: readonly Pattern[], key: string) => ps.some((p) => p.regex.test(key));

/** camelCase segments to snake_case: `runningMean` -> `running_mean`; `c_attn` stays. */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Load

interface OurLeaf {
  readonly tree: 0 | 1;
  readonly index: number;
  readonly name: string;
  readonly leaf: Tensor;
}

/** Our leaves by their PyTorch-form name (snake_case), from the params and state templates. */
function ourLeaves(fn: string, trees: readonly unknown[]): { byKey: Map<string, OurLeaf>; defs: ReturnType<typeof flatten>[] } {
  const byKey = new Map<string, OurLeaf>();
  const defs = trees.map((t) => flatten(t));
  defs.forEach(([leaves, def], tree) => {
    def.leafPaths().forEach((path, index) => {
      const name = tensorName(path);
      const bad = path.find((k) => badKey(k) !== undefined);
      if (bad !== undefined) throw new Error(`${fn}: the ${tree === 0 ? 'params' : 'state'} key ${JSON.stringify(bad)} at ${name} ${badKey(bad)}; names join keys with '.'`);
      const leaf = leaves[index];
      if (!(leaf instanceof Tensor)) throw new Error(`${fn}: the ${tree === 0 ? 'params' : 'state'} leaf ${name} is ${typeof leaf}, expected a tensor`);
      const key = snake(name);
      const other = byKey.get(key);
      if (other) throw new Error(`${fn}: ${other.tree === 0 ? 'params' : 'state'} ${other.name} and ${tree === 0 ? 'params' : 'state'} ${name} both map to the PyTorch key ${key}`);
      byKey.set(key, { tree: tree as 0 | 1, index, name, leaf });
    });
  });
  return { byKey, defs };
}

/**
 * Fill parameter and state trees (templates: a freshly initialized model) from a flat PyTorch
 * state_dict: a record of tensors by key, or a `Checkpoint` read from a `.safetensors` file.
 * Returns a Left listing every unmatched key on both sides and every shape/dtype mismatch.
 *
 *   const ck = await readCheckpoint('resnet.safetensors');
 *   const r = fromStateDict(E.getOrElseW(...)(ck), { params, state });   // Right({ params, state, extras })
 *   const r2 = fromStateDict(sd, { params: block.init(k, s).params }, multiheadAttention);
 */
export function fromStateDict<P, S = undefined>(
  stateDict: Readonly<Record<string, Tensor>> | Checkpoint,
  templates: { readonly params: P; readonly state?: S },
  mapping: KeyMapping = {},
): E.Either<StateDictError, FromStateDict<P, S>> {
  const fn = 'io.fromStateDict';
  const m = compileMapping(mapping);
  const source = isCheckpoint(stateDict) ? stateDict.tensors : stateDict;
  if (typeof source !== 'object' || source === null) throw new Error(`${fn}: expected a record of tensors or a Checkpoint, got ${String(source)}`);
  const { byKey, defs } = ourLeaves(fn, [templates.params, templates.state]);
  const values = defs.map(([leaves]) => leaves.slice() as unknown[]);
  const found = new Set<string>();
  const unmatchedTorch: string[] = [];
  const mismatches: string[] = [];
  const extras: Record<string, Tensor> = Object.create(null);

  const assign = (key: string, t: Tensor, from: string) => {
    const ours = byKey.get(key);
    if (!ours) return void unmatchedTorch.push(key === from ? key : `${key} (from ${from})`);
    if (found.has(key)) return void mismatches.push(`${from}: gives ${ours.name} a second time`);
    found.add(key);
    let x = t;
    if (anyMatch(m.transpose, ours.name)) {
      if (x.ndim !== 2) return void mismatches.push(`${from}: ${ours.name} is marked for transposing but is ${x.ndim}-d`);
      x = T.transpose(x);
    }
    const want = ours.leaf;
    if (x.dtype !== want.dtype) mismatches.push(`${from} -> ${ours.name}: dtype ${x.dtype} but the template has ${want.dtype}`);
    else if (x.ndim !== want.ndim || x.shape.some((d, i) => d !== want.shape[i])) mismatches.push(`${from} -> ${ours.name}: shape [${x.shape.join(', ')}] but the template has [${want.shape.join(', ')}]`);
    else values[ours.tree]![ours.index] = x;
  };

  for (const [key, t] of Object.entries(source)) {
    if (!(t instanceof Tensor)) throw new Error(`${fn}: the state_dict entry ${key} is ${typeof t}, expected a tensor`);
    if (anyMatch(m.ignore, key)) continue;
    if (anyMatch(m.extras, key) && !byKey.has(key)) {
      extras[key] = t;
      continue;
    }
    const split = m.split.map(([p, outs]) => [match(p, key), outs] as const).find(([g]) => g !== undefined);
    if (split) {
      const [groups, outs] = split;
      if (t.ndim === 0 || t.shape[0]! % outs.length !== 0) {
        mismatches.push(`${key}: axis 0 of [${t.shape.join(', ')}] does not split into ${outs.length} equal parts`);
        continue;
      }
      T.split(t, outs.length).forEach((chunk, i) => assign(snake(substitute(outs[i]!, groups!)), chunk, key));
      continue;
    }
    const rule = m.rename.map(([p, q]) => [match(p, key), q] as const).find(([g]) => g !== undefined);
    assign(rule ? snake(substitute(rule[1], rule[0]!)) : key, t, key);
  }
  const unmatchedOurs = [...byKey.values()].filter((o) => !found.has(snake(o.name))).map((o) => `${o.tree === 0 ? 'params' : 'state'} ${o.name}`);
  if (unmatchedTorch.length + unmatchedOurs.length + mismatches.length > 0) {
    const lines = [
      ...(unmatchedTorch.length ? [`PyTorch keys with no template leaf: ${unmatchedTorch.join(', ')}`] : []),
      ...(unmatchedOurs.length ? [`template leaves no PyTorch key provides: ${unmatchedOurs.join(', ')}`] : []),
      ...mismatches,
    ];
    return E.left({ _tag: 'StateDictError', message: `${fn}: the state_dict does not fit the templates:\n  ${lines.join('\n  ')}`, unmatchedTorch, unmatchedOurs, mismatches });
  }
  return E.right({
    params: unflatten(defs[0]![1], values[0]!) as P,
    state: (templates.state === undefined ? undefined : unflatten(defs[1]![1], values[1]!)) as S,
    extras,
  });
}

function isCheckpoint(x: unknown): x is Checkpoint {
  return typeof x === 'object' && x !== null && 'tensors' in x && 'entries' in x && 'metadata' in x && !((x as { tensors: unknown }).tensors instanceof Tensor);
}

// ---------------------------------------------------------------------------------------------
// Export

/**
 * The PyTorch state_dict of parameter and state trees (and the `extras` `fromStateDict` gave
 * back): keys as PyTorch names them, packed and transposed as the mapping says, and every
 * BatchNorm's `num_batches_tracked` as I64 (0 when not given).
 *
 *   const sd = toStateDict({ params, state });
 *   await save('model.safetensors', stateDictTree(sd), { dtypes: sd.dtypes });   // or serializeStateDict(sd)
 */
export function toStateDict(trees: { readonly params: unknown; readonly state?: unknown; readonly extras?: Readonly<Record<string, Tensor>> }, mapping: KeyMapping = {}): StateDict {
  const fn = 'io.toStateDict';
  const m = compileMapping(mapping);
  const { byKey } = ourLeaves(fn, [trees.params, trees.state]);
  const ours = new Map<string, Tensor>();
  for (const [key, o] of byKey) ours.set(key, anyMatch(m.transpose, o.name) ? T.transpose(o.leaf) : o.leaf);
  const tensors: Record<string, Tensor> = Object.create(null);
  const dtypes: Record<string, FileDType> = Object.create(null);
  const put = (key: string, t: Tensor, dtype: FileDType = toFileDType[t.dtype]) => {
    if (Object.prototype.hasOwnProperty.call(tensors, key)) throw new Error(`${fn}: two of our tensors give the PyTorch key ${key}`);
    tensors[key] = t;
    dtypes[key] = dtype;
  };
  for (const [torch, outs] of m.split) {
    for (const key of [...ours.keys()]) {
      const groups = match(outs[0]!, key);
      if (!groups) continue;
      const parts = outs.map((p) => snake(substitute(p, groups)));
      if (!parts.every((p) => ours.has(p))) continue;
      put(substitute(torch, groups), T.concatenate(parts.map((p) => ours.get(p)!)));
      for (const p of parts) ours.delete(p);
    }
  }
  for (const [key, t] of ours) {
    const rule = m.rename.map(([p, q]) => [match(q, key), p] as const).find(([g]) => g !== undefined);
    put(rule ? substitute(rule[1], rule[0]!) : key, t);
  }
  // PyTorch keeps its integer buffers as int64.
  for (const [key, t] of Object.entries(trees.extras ?? {})) put(key, t, t.dtype === 'int32' ? 'I64' : toFileDType[t.dtype]);
  for (const key of Object.keys(tensors)) {
    if (!key.endsWith('running_mean')) continue;
    const counter = `${key.slice(0, -'running_mean'.length)}num_batches_tracked`;
    if (anyMatch(m.extras, counter) && !Object.prototype.hasOwnProperty.call(tensors, counter)) put(counter, T.fromStorage([], 'int32', new Int32Array(1)), 'I64');
  }
  return { tensors, dtypes };
}

/**
 * A flat record of dotted names as a nested tree (what `serialize` stores under those names).
 * Throws when one name is a prefix of another (`a` and `a.b`) or a name has an empty segment.
 *
 *   nestNames({ '0.weight': w, '0.bias': b }); // { '0': { weight: w, bias: b } }
 */
export function nestNames<V>(flat: Readonly<Record<string, V>>): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  const leaves = new Set<object>();
  for (const [name, value] of Object.entries(flat)) {
    const keys = name.split('.');
    if (keys.some((k) => k === '')) throw new Error(`io.nestNames: the name ${JSON.stringify(name)} has an empty segment`);
    let node = root;
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const existing = node[k];
      if (last) {
        if (existing !== undefined) throw new Error(`io.nestNames: ${JSON.stringify(name)} is both a tensor and a prefix of other names`);
        node[k] = value;
        if (typeof value === 'object' && value !== null) leaves.add(value);
      } else {
        if (existing === undefined) node[k] = Object.create(null);
        else if (leaves.has(existing as object) || typeof existing !== 'object') throw new Error(`io.nestNames: ${JSON.stringify(keys.slice(0, i + 1).join('.'))} is both a tensor and a prefix of ${JSON.stringify(name)}`);
        node = node[k] as Record<string, unknown>;
      }
    });
  }
  return root;
}

/**
 * The bytes of a state_dict as a `.safetensors` file PyTorch's `safetensors.torch.load_file`
 * reads back into the same keys, shapes and dtypes.
 *
 *   writeFileSync('model.safetensors', serializeStateDict(toStateDict({ params, state })));
 */
export function serializeStateDict(sd: StateDict, options: Omit<SerializeOptions, 'dtypes'> = {}): Uint8Array {
  // Only the dtypes that differ from a tensor's own (I64 counters), so `options.dtype` still applies.
  const dtypes = Object.fromEntries(Object.entries(sd.dtypes).filter(([k, d]) => d !== toFileDType[sd.tensors[k]!.dtype]));
  return serialize(nestNames(sd.tensors), { ...options, metadata: { format: 'pt', ...options.metadata }, dtypes });
}
