/**
 * Datasets as values: a pytree of tensors that share their first axis (one row per example),
 * and pure functions that make new datasets from old ones. Nothing is hidden or advanced by
 * iteration: shuffling takes a key, epochs derive their keys with `foldIn`, and iterating the
 * same value twice gives the same batches.
 */
import * as T from '../tensor';
import { Tensor, type DType, type NestedArray, type TypedArray } from '../tensor';
import { foldIn, permutation, splitList } from '../random';
import { flatten, unflatten, type TreeDef } from '../tree';
import { gatherRows, rowsOf, sliceRows, type Rows } from './rows';

/** Throw the library's OpError naming the operation. */
export function dataError(op: string, message: string): never {
  throw new T.OpError(op, message);
}

/** A non-negative integer, or a clear error naming the operation and the argument. */
export function checkCount(op: string, name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) dataError(op, `${name} must be a non-negative integer, got ${T.describeValue(n)}`);
  return n;
}

/** The leaves of a dataset tree and their common first-axis length, checked. */
function checkedLeaves(op: string, tree: unknown): [leaves: Tensor[], def: TreeDef, size: number] {
  const [leaves, def] = flatten(tree);
  if (leaves.length === 0) dataError(op, 'the tree holds no tensors; a dataset needs at least one');
  const bad = leaves.findIndex((x) => !(x instanceof Tensor) || x.ndim === 0);
  if (bad >= 0) {
    const x = leaves[bad];
    dataError(op, `every leaf must be a tensor with at least one axis (examples along axis 0), got ${x instanceof Tensor ? T.fmtAval(x) : T.describe(x)} at leaf ${bad}`);
  }
  const tensors = leaves as Tensor[];
  const size = tensors[0]!.shape[0]!;
  if (tensors.some((x) => x.shape[0] !== size)) {
    dataError(op, `all leaves must share the first axis, got shapes ${tensors.map((x) => `[${x.shape.join(', ')}]`).join(', ')}`);
  }
  return [tensors, def, size];
}

/** One epoch of `Dataset.epochs`: its index, its (shuffled) data, and a key for augmentation. */
export interface Epoch<T> {
  readonly index: number;
  /** The dataset in this epoch's order. */
  readonly dataset: Dataset<T>;
  /** A key for this epoch's own randomness (augmentation, dropout), independent of the shuffle. */
  readonly key: Tensor;
}

/** Options of `Dataset.batch`, e.g. `ds.batch(32, { dropRemainder: true })`. */
export interface BatchOptions {
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  readonly dropRemainder?: boolean;
}

/** Options of `Dataset.epochs`, e.g. `ds.epochs(5, key(0), { shuffle: false })`. */
export interface EpochOptions {
  /** Shuffle every epoch (default true); without it each epoch has the dataset's own order. */
  readonly shuffle?: boolean;
}

/**
 * The batches of a dataset: a re-iterable, indexable sequence of trees. A batch is gathered when
 * read, its rows copied straight into the batch's own buffers, so holding a `Batches` costs no
 * memory beyond the dataset.
 *
 *   const batches = ds.batch(32);
 *   for (const { x, y } of batches) step(x, y);   // batches.length batches, in order
 */
export class Batches<T> implements Iterable<T> {
  /** The number of batches. */
  readonly length: number;

  /** @internal Use `Dataset.batch`. */
  constructor(readonly dataset: Dataset<T>, readonly batchSize: number, readonly dropRemainder: boolean) {
    const n = dataset.size;
    this.length = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    Object.freeze(this);
  }

  /**
   * Batch `i` (0-based): examples [i * batchSize, min((i + 1) * batchSize, size)).
   *
   *   const first = ds.batch(32).at(0);    // { x: [32, ...], y: [32] }
   *   ds.batch(32).at(-1);                  // the last batch
   */
  at(i: number): T {
    const j = i < 0 ? i + this.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.length) dataError('Batches.at', `batch index ${i} is out of range for ${this.length} batches`);
    return this.dataset.rows(j * this.batchSize, Math.min((j + 1) * this.batchSize, this.dataset.size));
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/** Each dataset's tree, built on first read (a dataset is frozen, so the cache lives outside it). */
const trees = new WeakMap<Dataset<any>, unknown>();

/**
 * An immutable dataset: a pytree of tensors (`{ x, y }`, `[x, y]`, nested trees) whose leaves
 * share their first axis. Every method returns a new dataset; none changes this one.
 *
 * A dataset is a view: its leaves' rows (copied once from the tensors it was made from) and an
 * optional index array saying which rows, in which order. `shuffle`, `select`, `slice`, `take`
 * and `skip` only compose index arrays; a batch copies its rows into fresh buffers; `tree`
 * gathers the whole view once, on first read.
 *
 *   const ds = Dataset.fromTensors({ x, y }).shuffle(key(0));
 *   for (const { x, y } of ds.batch(64)) loss(params, x, y);
 */
export class Dataset<T = unknown> {
  /** The number of examples (the leaves' common first axis). */
  readonly size: number;

  private constructor(private readonly def: TreeDef, private readonly leaves: readonly Rows[], private readonly order: Int32Array | undefined) {
    this.size = order?.length ?? (leaves[0] instanceof Tensor ? leaves[0].shape[0]! : leaves[0]!.shape[0]!);
    Object.freeze(this);
  }

  /**
   * A dataset from a pytree of tensors sharing their first axis.
   *
   *   const ds = Dataset.fromTensors({ x: T.zeros([100, 784]), y: T.zeros([100], 'int32') });
   *   ds.size;   // 100
   */
  static fromTensors<T>(tree: T): Dataset<T> {
    const [leaves, def] = checkedLeaves('Dataset.fromTensors', tree);
    return new Dataset<T>(def, leaves.map(rowsOf), undefined);
  }

  /** @internal A dataset over host rows built by this package (taken over, not copied). */
  static fromRows<T>(def: TreeDef, leaves: readonly Rows[]): Dataset<T> {
    return new Dataset<T>(def, leaves, undefined);
  }

  /**
   * The examples as a pytree of tensors, in this dataset's order (gathered on first read; the
   * tensors own their buffers).
   *
   *   ds.tree.x.shape;               // [size, ...]
   *   fitStandardize(train.tree.x);
   */
  get tree(): T {
    const cached = trees.get(this);
    // Rebuilt when a leaf was donated to a jitted function (its buffer now belongs to an output).
    if (cached !== undefined && !flatten(cached)[0].some((x) => x instanceof Tensor && T.isDonated(x))) return cached as T;
    const tree = this.rows(0, this.size);
    trees.set(this, tree);
    return tree;
  }

  /** @internal Examples [start, stop) of this view as a new tree (a batch). */
  rows(start: number, stop: number): T {
    const order = this.order;
    const out = this.leaves.map((r) => (order === undefined ? sliceRows(r, start, stop) : gatherRows(r, order.subarray(start, stop))));
    return unflatten(this.def, out) as T;
  }

  /**
   * Shuffle the examples with a key (`random.permutation`): a new dataset, the same for the same key.
   *
   *   const a = ds.shuffle(key(1)), b = ds.shuffle(key(1));   // same order
   *   ds.shuffle(key(2));                                      // another order
   */
  shuffle(key: Tensor): Dataset<T> {
    const ok = key instanceof Tensor && key.dtype === 'int32' && key.shape.length === 1 && key.shape[0] === 2;
    if (!ok) dataError('Dataset.shuffle', `key must be a PRNG key (int32 [2], from random.key(seed)), got ${key instanceof Tensor ? T.fmtAval(key) : T.describeValue(key)}`);
    return this.view(permutation(key, this.size).dataSync() as Int32Array);
  }

  /**
   * The examples at the given indices (int32 tensor or integers; negative ones count from the
   * end), in that order; repeats allowed.
   *
   *   ds.select([3, 1, 4]).size;              // 3
   *   ds.select(T.arange(0, 10, 2, 'int32'));  // every other of the first ten
   */
  select(indices: Tensor | readonly number[]): Dataset<T> {
    const op = 'Dataset.select';
    if (indices instanceof Tensor && (indices.ndim !== 1 || T.isFloat(indices.dtype) || indices.dtype === 'bool')) {
      dataError(op, `indices must be a one-dimensional int32 tensor, got ${T.fmtAval(indices)}`);
    }
    const values = indices instanceof Tensor ? indices.dataSync() : indices;
    if (!(indices instanceof Tensor) && !Array.isArray(indices)) dataError(op, `indices must be an int32 tensor or an array of integers, got ${T.describe(indices)}`);
    const n = this.size;
    const index = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -n || v >= n) dataError(op, `index ${String(v)} (at position ${i}) is out of range for ${n} examples`);
      index[i] = v < 0 ? v + n : v;
    }
    return this.view(index);
  }

  /**
   * The examples where `predicate(tree)` is true; it gets the whole tree and returns a bool mask
   * of shape [size] (evaluated eagerly), keeping the examples' order.
   *
   *   ds.filter(({ y }) => T.less(y, 5));     // digits 0-4
   */
  filter(predicate: (tree: T) => Tensor): Dataset<T> {
    const mask = predicate(this.tree);
    if (!(mask instanceof Tensor) || mask.dtype !== 'bool' || mask.ndim !== 1 || mask.shape[0] !== this.size) {
      dataError('Dataset.filter', `the predicate must return a bool mask of shape [${this.size}], got ${mask instanceof Tensor ? T.fmtAval(mask) : T.describe(mask)}`);
    }
    const keep: number[] = [];
    mask.dataSync().forEach((v, i) => {
      if (v) keep.push(i);
    });
    return this.select(keep);
  }

  /**
   * Examples [start, stop) (clamped to the dataset, like Array.prototype.slice with non-negative bounds).
   *
   *   ds.slice(10, 20).size;   // 10
   *   ds.slice(0, 0).size;     // 0
   */
  slice(start: number, stop: number = this.size): Dataset<T> {
    checkCount('Dataset.slice', 'start', start);
    checkCount('Dataset.slice', 'stop', stop);
    const lo = Math.min(start, this.size);
    const hi = Math.max(lo, Math.min(stop, this.size));
    if (lo === 0 && hi === this.size) return this;
    const index = this.order?.subarray(lo, hi) ?? Int32Array.from({ length: hi - lo }, (_, i) => lo + i);
    return new Dataset<T>(this.def, this.leaves, index);
  }

  /**
   * The first `n` examples (all of them when `n >= size`).
   *
   *   ds.take(100).size;             // min(100, ds.size)
   *   ds.shuffle(k).take(10);        // ten random examples
   */
  take(n: number): Dataset<T> {
    return this.slice(0, checkCount('Dataset.take', 'n', n));
  }

  /**
   * All but the first `n` examples (empty when `n >= size`).
   *
   *   ds.skip(100).size;                     // max(0, ds.size - 100)
   *   ds.take(10).size + ds.skip(10).size;   // ds.size
   */
  skip(n: number): Dataset<T> {
    return this.slice(checkCount('Dataset.skip', 'n', n));
  }

  /**
   * Consecutive batches of `batchSize` examples; the last may be smaller unless `dropRemainder`.
   * Every example appears in exactly one batch (or in none of the full ones, when dropped).
   *
   *   for (const { x, y } of ds.batch(32)) step(x, y);
   *   ds.batch(32, { dropRemainder: true }).length;   // floor(size / 32)
   */
  batch(batchSize: number, options: BatchOptions = {}): Batches<T> {
    T.checkNumber('Dataset.batch', 'batchSize', batchSize, { integer: true, min: 1 });
    T.checkOptions('Dataset.batch', options, T.optionKeys<BatchOptions>({ dropRemainder: true }));
    return new Batches(this, batchSize, options.dropRemainder ?? false);
  }

  /**
   * `n` epochs. Epoch i's key is `foldIn(key, i)`, split in two: one half shuffles the data,
   * the other is handed out for augmentation. Lazy and re-iterable: the same key, the same epochs.
   *
   *   for (const { dataset, key } of ds.epochs(10, key(0)))
   *     for (const b of dataset.batch(64)) step(augment(key, b));
   */
  epochs(n: number, key: Tensor, options: EpochOptions = {}): Iterable<Epoch<T>> {
    checkCount('Dataset.epochs', 'n', n);
    T.checkOptions('Dataset.epochs', options, T.optionKeys<EpochOptions>({ shuffle: true }));
    const shuffle = options.shuffle ?? true;
    const self = this;
    return {
      *[Symbol.iterator]() {
        for (let index = 0; index < n; index++) {
          const [shuffleKey, augmentKey] = splitList(foldIn(key, index), 2);
          yield { index, dataset: shuffle ? self.shuffle(shuffleKey!) : self, key: augmentKey! };
        }
      },
    };
  }

  /**
   * Apply `fn` to the whole tree at once (vectorized over examples; use `vmap` inside for a
   * per-example function). The result must again be a tree of tensors sharing the first axis.
   *
   *   const flat = ds.map(({ x, y }) => ({ x: T.reshape(x, [-1, 784]), y }));
   *   const scaled = ds.map((t) => ({ ...t, x: T.div(t.x, 255) }));
   */
  map<U>(fn: (tree: T) => U): Dataset<U> {
    const out = fn(this.tree);
    const [leaves, def, size] = checkedLeaves('Dataset.map', out);
    if (size !== this.size) dataError('Dataset.map', `fn changed the number of examples from ${this.size} to ${size}`);
    return new Dataset<U>(def, leaves.map(rowsOf), undefined);
  }

  /** This dataset's rows at `index` (positions in this view). */
  private view(index: Int32Array): Dataset<T> {
    const order = this.order;
    return new Dataset<T>(this.def, this.leaves, order === undefined ? index : index.map((i) => order[i]!));
  }
}

/**
 * A dataset from a pytree of tensors sharing their first axis (same as `Dataset.fromTensors`).
 *
 *   const ds = fromTensors({ x, y });
 *   const pairs = fromTensors([x, y]);
 */
export function fromTensors<T>(tree: T): Dataset<T> {
  return Dataset.fromTensors(tree);
}

/** A column for `fromArrays`: nested JS arrays, a typed array (rows along the first axis), or a tensor. */
export type Column = NestedArray | TypedArray | Tensor;

/** Options of `fromArrays`, e.g. `{ dtypes: { y: 'int32' } }`. */
export interface FromArraysOptions<K extends string> {
  /** The dtype of each column (default: float32 for numbers, bool for booleans, a typed array's own type). */
  readonly dtypes?: Partial<Record<K, DType>>;
}

/**
 * A dataset from named columns of plain arrays (each column is one leaf, arrays are not walked
 * as trees). A flat typed array is one value per example; pass nested arrays for rows.
 *
 *   const ds = fromArrays({ x: [[0, 1], [1, 0]], y: [1, 0] }, { dtypes: { y: 'int32' } });
 *   ds.tree.x.shape;   // [2, 2]
 */
export function fromArrays<K extends string>(columns: Record<K, Column>, options: FromArraysOptions<K> = {}): Dataset<Record<K, Tensor>> {
  if (!T.isPlainObject(columns)) dataError('fromArrays', `expects an object of named columns, got ${T.describeValue(columns)}`);
  T.checkOptions('fromArrays', options, ['dtypes']);
  for (const [name, dtype] of Object.entries(options.dtypes ?? {})) {
    if (!(name in columns)) dataError('fromArrays', `dtypes names a column "${name}" that is not among the columns (${Object.keys(columns).join(', ')})`);
    T.checkDType('fromArrays', dtype, `the dtype of column "${name}"`);
  }
  const out = {} as Record<K, Tensor>;
  for (const name of Object.keys(columns) as K[]) {
    const col = columns[name];
    const dtype = options.dtypes?.[name];
    const t = col instanceof Tensor ? col : T.tensor(col as NestedArray, dtype === undefined ? {} : { dtype });
    out[name] = dtype === undefined || t.dtype === dtype ? t : T.astype(t, dtype);
  }
  return Dataset.fromTensors(out);
}
