/**
 * Tabular data as an immutable table of named columns: numbers (a Float64Array with NaN for a
 * missing cell) or strings (null for a missing cell). Methods return new tables; the arrays a
 * table hands out are copies. Row numbers in messages are 0-based data rows (the header is not
 * a row).
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { dataError } from './dataset';

/** A column of numbers; NaN marks a missing cell. */
export interface NumberColumn {
  readonly kind: 'number';
  readonly values: Float64Array;
}

/** A column of strings; null marks a missing cell. */
export interface StringColumn {
  readonly kind: 'string';
  readonly values: readonly (string | null)[];
}

/** A table column. */
export type TableColumn = NumberColumn | StringColumn;

/** A column's cells as given to `Table.fromColumns`: numbers (NaN or null for missing) or strings (null for missing). */
export type ColumnValues = Float64Array | readonly (number | null)[] | readonly (string | null)[];

const isMissing = (v: number | string | null): boolean => v === null || (typeof v === 'number' && Number.isNaN(v));

function copyColumn(c: TableColumn): TableColumn {
  return c.kind === 'number' ? { kind: 'number', values: c.values.slice() } : { kind: 'string', values: Object.freeze([...c.values]) };
}

function toColumn(name: string, values: ColumnValues): TableColumn {
  if (values instanceof Float64Array) return { kind: 'number', values: values.slice() };
  if (!Array.isArray(values)) dataError('Table.fromColumns', `column '${name}' must be an array of numbers or of strings, got ${T.describe(values)}`);
  const present = values.filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
  if (present.every((v) => typeof v === 'number')) return { kind: 'number', values: Float64Array.from(values, (v) => (v === null ? NaN : (v as number))) };
  const bad = values.findIndex((v) => v !== null && typeof v !== 'string');
  if (bad >= 0) dataError('Table.fromColumns', `column '${name}' mixes strings and other values: row ${bad} is ${T.describe(values[bad])}`);
  return { kind: 'string', values: Object.freeze([...(values as (string | null)[])]) };
}

/**
 * An immutable table of named, equally long columns of numbers or strings.
 *
 *   const t = Table.fromColumns({ species: ['Adelie', 'Gentoo'], mass: [3750, null] });
 *   t.dropMissing().numRows;   // 1
 */
export class Table {
  /** The column names, in order. */
  readonly names: readonly string[];
  /** The number of rows. */
  readonly numRows: number;
  private readonly columns: ReadonlyMap<string, TableColumn>;

  private constructor(columns: ReadonlyMap<string, TableColumn>, numRows: number) {
    this.names = Object.freeze([...columns.keys()]);
    this.columns = columns;
    this.numRows = numRows;
    Object.freeze(this);
  }

  /**
   * A table from columns of cells: all numbers (null or NaN missing) make a number column,
   * anything with strings a string column (null missing).
   *
   *   Table.fromColumns({ x: [1, 2, null], label: ['a', 'b', 'a'] });
   *   Table.fromColumns({ x: new Float64Array([0.5, NaN]) });
   */
  static fromColumns(columns: Readonly<Record<string, ColumnValues>>): Table {
    const entries = Object.entries(columns ?? {});
    if (entries.length === 0) dataError('Table.fromColumns', 'a table needs at least one column');
    const built = new Map(entries.map(([name, values]) => [name, toColumn(name, values)]));
    const lengths = [...built].map(([name, c]) => [name, c.values.length] as const);
    if (lengths.some(([, n]) => n !== lengths[0]![1])) dataError('Table.fromColumns', `columns must have equal lengths, got ${lengths.map(([n, l]) => `${n}: ${l}`).join(', ')}`);
    return new Table(built, lengths[0]![1]);
  }

  /** @internal A table over columns built by this package (taken over, not copied). */
  static fromBuiltColumns(columns: ReadonlyMap<string, TableColumn>, numRows: number): Table {
    return new Table(columns, numRows);
  }

  /**
   * A column by name (a copy: number or string cells). An unknown name is an error listing the columns.
   *
   *   t.column('mass').values;    // Float64Array [3750, NaN]
   *   t.column('species').kind;   // 'string'
   */
  column(name: string): TableColumn {
    return copyColumn(this.get('Table.column', name));
  }

  /**
   * Only the named columns, in that order.
   *
   *   t.select(['bill', 'flipper']).names;   // ['bill', 'flipper']
   */
  select(names: readonly string[]): Table {
    return new Table(new Map(names.map((n) => [n, this.get('Table.select', n)])), this.numRows);
  }

  /**
   * All columns but the named ones.
   *
   *   t.drop(['id']).names;
   */
  drop(names: readonly string[]): Table {
    names.forEach((n) => this.get('Table.drop', n));
    return new Table(new Map([...this.columns].filter(([n]) => !names.includes(n))), this.numRows);
  }

  /**
   * This table with a column added, or replaced when the name exists (same number of rows).
   *
   *   t.withColumn('ratio', Float64Array.from(...));
   */
  withColumn(name: string, values: ColumnValues): Table {
    const column = toColumn(name, values);
    if (column.values.length !== this.numRows) dataError('Table.withColumn', `column '${name}' has ${column.values.length} values for ${this.numRows} rows`);
    return new Table(new Map([...this.columns, [name, column]]), this.numRows);
  }

  /**
   * The rows at `indices`, in that order (repeats allowed).
   *
   *   t.rows([0, 2]).numRows;   // 2
   */
  rows(indices: readonly number[] | Int32Array): Table {
    const bad = Array.from(indices).findIndex((i) => !Number.isInteger(i) || i < 0 || i >= this.numRows);
    if (bad >= 0) dataError('Table.rows', `row index ${indices[bad]} (at position ${bad}) is out of range for ${this.numRows} rows`);
    const pick = (c: TableColumn): TableColumn =>
      c.kind === 'number' ? { kind: 'number', values: Float64Array.from(indices, (i) => c.values[i]!) } : { kind: 'string', values: Object.freeze(Array.from(indices, (i) => c.values[i]!)) };
    return new Table(new Map([...this.columns].map(([n, c]) => [n, pick(c)])), indices.length);
  }

  /**
   * How many cells of each column are missing.
   *
   *   t.missingCounts();   // { species: 0, mass: 1 }
   */
  missingCounts(): Record<string, number> {
    return Object.fromEntries([...this.columns].map(([n, c]) => [n, Array.from(c.values as ArrayLike<number | string | null>).filter(isMissing).length]));
  }

  /**
   * The rows with no missing cell in the named columns (default: in any column), in order (pandas `dropna`).
   *
   *   t.dropMissing().numRows;
   *   t.dropMissing(['species']);   // keep rows with a species, whatever else is missing
   */
  dropMissing(names: readonly string[] = this.names): Table {
    const columns = names.map((n) => this.get('Table.dropMissing', n));
    const keep: number[] = [];
    for (let i = 0; i < this.numRows; i++) if (columns.every((c) => !isMissing(c.values[i]!))) keep.push(i);
    return this.rows(keep);
  }

  /**
   * Missing cells replaced by a constant per column (a number for number columns, a string for string columns).
   *
   *   t.fillMissing({ sex: 'unknown', mass: 0 });
   */
  fillMissing(values: Readonly<Record<string, number | string>>): Table {
    const next = new Map(this.columns);
    for (const [name, fill] of Object.entries(values)) {
      const c = this.get('Table.fillMissing', name);
      if (c.kind === 'number') {
        if (typeof fill !== 'number') dataError('Table.fillMissing', `column '${name}' holds numbers; its fill value must be a number, got ${JSON.stringify(fill)}`);
        next.set(name, { kind: 'number', values: c.values.map((v) => (Number.isNaN(v) ? fill : v)) });
      } else {
        if (typeof fill !== 'string') dataError('Table.fillMissing', `column '${name}' holds strings; its fill value must be a string, got ${JSON.stringify(fill)}`);
        next.set(name, { kind: 'string', values: Object.freeze(c.values.map((v) => v ?? fill)) });
      }
    }
    return new Table(next, this.numRows);
  }

  /**
   * Number columns as one float32 tensor [numRows, columns] (default: every column), missing
   * cells as NaN (impute them with `fitImputer`). A string column is an error: encode it first.
   *
   *   const x = table.toTensor(['bill', 'flipper', 'mass']);   // [n, 3]
   */
  toTensor(names: readonly string[] = this.names): Tensor {
    const columns = names.map((n) => {
      const c = this.get('Table.toTensor', n);
      if (c.kind !== 'number') dataError('Table.toTensor', `column '${n}' holds strings (e.g. ${JSON.stringify(c.values.find((v) => v !== null) ?? null)}); encode it with labelEncode or oneHotEncode first`);
      return c.values;
    });
    const k = columns.length;
    const out = new Float32Array(this.numRows * k);
    columns.forEach((values, j) => values.forEach((v, i) => (out[i * k + j] = v)));
    return T.tensor(out, { shape: [this.numRows, k], dtype: 'float32' });
  }

  /** @internal The column itself (not a copy), or an error naming the missing column and the operation. */
  get(op: string, name: string): TableColumn {
    const c = this.columns.get(name);
    if (c === undefined) dataError(op, `no column '${name}' (columns: ${this.names.map((n) => `'${n}'`).join(', ')})`);
    return c;
  }
}
