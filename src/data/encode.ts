/**
 * Categorical columns to numbers: label encoding (each category an integer, for targets) and
 * one-hot encoding (one 0/1 column per category, for features). Categories are the sorted
 * distinct values by default; pass the ones found on the training data to encode other data the
 * same way. A value outside the categories is an error naming the column, the row and the value.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { dataError } from './dataset';
import { Table, type TableColumn } from './table';

/** A category: a string, or a number for number columns. */
export type Category = string | number;

function cells(c: TableColumn): (Category | null)[] {
  return c.kind === 'number' ? Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) : [...c.values];
}

function sortedDistinct(values: readonly (Category | null)[]): Category[] {
  const present = [...new Set(values.filter((v): v is Category => v !== null))];
  return present.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function checkCategories(op: string, column: string, categories: readonly Category[]): void {
  if (!Array.isArray(categories) || categories.length === 0) dataError(op, `the categories of column '${column}' must be a non-empty array, got ${T.describe(categories)}`);
  if (new Set(categories).size !== categories.length) dataError(op, `the categories of column '${column}' repeat a value: ${JSON.stringify(categories)}`);
}

/** Options of `labelEncode`, e.g. `{ classes: ['Adelie', 'Chinstrap', 'Gentoo'] }`. */
export interface LabelEncodeOptions {
  /** The classes in label order (default: the column's sorted distinct values). */
  readonly classes?: readonly Category[];
}

/**
 * A column's values as int32 class indices into `classes` (scikit-learn's LabelEncoder). A
 * missing cell is an error naming its row: drop or fill those rows first.
 *
 *   const { labels, classes } = labelEncode(table, 'species');   // classes: ['Adelie', 'Chinstrap', 'Gentoo']
 *   labelEncode(testTable, 'species', { classes });              // the same mapping
 */
export function labelEncode(table: Table, column: string, options: LabelEncodeOptions = {}): { labels: Tensor; classes: Category[] } {
  const op = 'labelEncode';
  T.checkOptions(op, options, T.optionKeys<LabelEncodeOptions>({ classes: true }));
  const values = cells(table.get(op, column));
  const classes = options.classes ? [...options.classes] : sortedDistinct(values);
  checkCategories(op, column, classes);
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels = Int32Array.from(values, (v, row) => {
    if (v === null) dataError(op, `column '${column}' is missing at row ${row}: drop those rows (table.dropMissing(['${column}'])) or fill them first`);
    const i = index.get(v);
    if (i === undefined) dataError(op, `column '${column}' row ${row} holds ${JSON.stringify(v)}, which is not one of the classes ${JSON.stringify(classes)}`);
    return i;
  });
  return { labels: T.tensor(labels, { shape: [labels.length], dtype: 'int32' }), classes };
}

/** Options of `oneHotEncode`, e.g. `{ categories: { island: ['Biscoe', 'Dream', 'Torgersen'] } }`. */
export interface OneHotEncodeOptions {
  /** The categories of each encoded column, in column order (default: its sorted distinct values). */
  readonly categories?: Readonly<Record<string, readonly Category[]>>;
}

/**
 * Replace each named column by one number column per category, `name=category`, holding 1 where
 * the cell is that category and 0 elsewhere; a missing cell is all zeros (pandas' get_dummies).
 * Returns the categories used, to encode other data the same way.
 *
 *   const { table: encoded, categories } = oneHotEncode(train, ['island', 'sex']);
 *   oneHotEncode(test, ['island', 'sex'], { categories }).table;
 */
export function oneHotEncode(table: Table, columns: readonly string[], options: OneHotEncodeOptions = {}): { table: Table; categories: Record<string, Category[]> } {
  const op = 'oneHotEncode';
  T.checkOptions(op, options, T.optionKeys<OneHotEncodeOptions>({ categories: true }));
  if (!Array.isArray(columns)) dataError(op, `columns must be an array of column names, got ${T.describeValue(columns)}`);
  const categories: Record<string, Category[]> = {};
  const encoded = new Map<string, Float64Array[]>();
  for (const column of columns) {
    const values = cells(table.get(op, column));
    const cats = options.categories?.[column] ? [...options.categories[column]!] : sortedDistinct(values);
    checkCategories(op, column, cats);
    const index = new Map(cats.map((c, i) => [c, i]));
    const outs = cats.map(() => new Float64Array(table.numRows));
    values.forEach((v, row) => {
      if (v === null) return;
      const i = index.get(v);
      if (i === undefined) dataError(op, `column '${column}' row ${row} holds ${JSON.stringify(v)}, which is not one of its categories ${JSON.stringify(cats)}`);
      outs[i]![row] = 1;
    });
    categories[column] = cats;
    encoded.set(column, outs);
  }
  // Keep the columns' order, each encoded column expanded in place.
  const next = new Map<string, TableColumn>();
  for (const name of table.names) {
    const outs = encoded.get(name);
    if (outs === undefined) next.set(name, table.get(op, name));
    else {
      outs.forEach((values, i) => {
        const label = `${name}=${categories[name]![i]}`;
        if (next.has(label) || (table.names.includes(label) && !encoded.has(label))) dataError(op, `the one-hot column '${label}' would clash with an existing column of that name`);
        next.set(label, { kind: 'number', values });
      });
    }
  }
  return { table: Table.fromBuiltColumns(next, table.numRows), categories };
}
