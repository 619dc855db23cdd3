/**
 * CSV text or bytes to a `Table`, parsed by papaparse (RFC 4180 quoting, any delimiter). Browser
 * safe: reading a file path is `readCsv` in the Node-only entry. Each column is numbers when
 * every present cell is a number, strings otherwise; cells spelled like pandas' missing values
 * ('', 'NA', 'NaN', 'null', ...) are missing. Decoding never throws: malformed input is a
 * `CsvError` Left naming the row, the line and the column.
 */
import { either as E } from 'fp-ts';
import Papa from 'papaparse';
import { checkOptions, optionKeys } from '../tensor';
import { Table, type TableColumn } from './table';

/** Why a CSV could not become a table. `row` is the 0-based data row, `line` the record's 1-based line (header included). */
export interface CsvError {
  readonly _tag: 'CsvError';
  readonly message: string;
  readonly row?: number;
  readonly line?: number;
  readonly column?: string;
}

/** Options of `parseCsv`, e.g. `{ delimiter: ';', types: { zip: 'string' } }`. */
export interface CsvOptions {
  /** The field separator (default ','). */
  readonly delimiter?: string;
  /** The first record names the columns (default true); without it columns are 'column1', 'column2', .... */
  readonly header?: boolean;
  /** Cells read as missing (default: pandas' set: '', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', ...). Compared after trimming spaces. */
  readonly missing?: readonly string[];
  /** Force a column's kind; a cell that is not a number in a 'number' column is an error. Default: inferred. */
  readonly types?: Readonly<Record<string, 'number' | 'string'>>;
}

/** The cells pandas reads as missing by default. */
export const DEFAULT_MISSING: readonly string[] = ['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null'];

/**
 * Make a CsvError; the message gets a `CSV: ` prefix and the position.
 *
 *   csvError('not a number', { row: 3, line: 5, column: 'mass' });
 */
export function csvError(message: string, where: { row?: number; line?: number; column?: string } = {}): CsvError {
  const at = [where.column === undefined ? '' : `column '${where.column}'`, where.row === undefined ? '' : `row ${where.row}`, where.line === undefined ? '' : `(line ${where.line})`].filter(Boolean).join(' ');
  return { _tag: 'CsvError', message: `CSV: ${at ? `${at}: ` : ''}${message}`, ...where };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:Infinity|inf)$/i;

function parseNumber(cell: string): number {
  const s = cell.trim();
  if (!NUMBER.test(s)) return NaN;
  return /inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s);
}

const csvKeys = optionKeys<CsvOptions>({ delimiter: true, header: true, missing: true, types: true });

/**
 * Parse CSV text (or UTF-8 bytes) into a Table.
 *
 *   const r = parseCsv('species,mass\nAdelie,3750\nGentoo,NA\n');
 *   if (E.isRight(r)) r.right.column('mass').values;   // Float64Array [3750, NaN]
 */
export function parseCsv(input: string | Uint8Array, options: CsvOptions = {}): E.Either<CsvError, Table> {
  try {
    checkOptions('parseCsv', options, csvKeys);
  } catch (e) {
    return E.left(csvError((e as Error).message));
  }
  let text: string;
  if (typeof input === 'string') text = input.startsWith('\ufeff') ? input.slice(1) : input;
  else if (input instanceof Uint8Array) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return E.left(csvError('the bytes are not valid UTF-8'));
    }
  } else return E.left(csvError(`expected CSV text or bytes, got ${input === null ? 'null' : typeof input}`));
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /["\r\n]/.test(delimiter)) return E.left(csvError(`delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delimiter)}`));
  const header = options.header ?? true;
  const missing = new Set(options.missing ?? DEFAULT_MISSING);

  const parsed = Papa.parse<string[]>(text, { delimiter, header: false, skipEmptyLines: true, dynamicTyping: false });
  const lineOf = (record: number) => record + 1;
  const rowOf = (record: number) => (header ? record - 1 : record);
  const firstError = parsed.errors[0];
  if (firstError !== undefined) {
    const record = firstError.row ?? 0;
    return E.left(csvError(firstError.message, { row: rowOf(record), line: lineOf(record) }));
  }
  const records = parsed.data;
  if (records.length === 0) return E.left(csvError('the input holds no records'));
  const width = records[0]!.length;
  const names = header ? records[0]!.map((n) => n.trim()) : Array.from({ length: width }, (_, j) => `column${j + 1}`);
  const blank = names.findIndex((n) => n === '');
  if (blank >= 0) return E.left(csvError(`header field ${blank + 1} is empty: every column needs a name`, { line: 1 }));
  const dup = names.findIndex((n, j) => names.indexOf(n) !== j);
  if (dup >= 0) return E.left(csvError(`column name '${names[dup]}' appears twice in the header`, { line: 1, column: names[dup] }));
  const body = header ? records.slice(1) : records;
  const ragged = body.findIndex((r) => r.length !== width);
  if (ragged >= 0) {
    const record = header ? ragged + 1 : ragged;
    return E.left(csvError(`has ${body[ragged]!.length} fields, expected ${width} as in the ${header ? 'header' : 'first row'}`, { row: ragged, line: lineOf(record) }));
  }
  const forced = options.types ?? {};
  const unknownColumn = Object.keys(forced).find((n) => !names.includes(n));
  if (unknownColumn !== undefined) return E.left(csvError(`types names column '${unknownColumn}', which is not in the file (columns: ${names.join(', ')})`));

  const columns = new Map<string, TableColumn>();
  for (let j = 0; j < width; j++) {
    const name = names[j]!;
    const cells = body.map((r) => r[j]!);
    const absent = cells.map((c) => missing.has(c.trim()));
    const numbers = cells.map((c, i) => (absent[i] ? NaN : parseNumber(c)));
    const nonNumber = numbers.findIndex((v, i) => !absent[i] && Number.isNaN(v));
    const kind = forced[name] ?? (nonNumber < 0 ? 'number' : 'string');
    if (kind === 'number') {
      if (nonNumber >= 0) return E.left(csvError(`${JSON.stringify(cells[nonNumber])} is not a number`, { column: name, row: nonNumber, line: lineOf(header ? nonNumber + 1 : nonNumber) }));
      columns.set(name, { kind: 'number', values: Float64Array.from(numbers) });
    } else {
      columns.set(name, { kind: 'string', values: Object.freeze(cells.map((c, i) => (absent[i] ? null : c))) });
    }
  }
  return E.right(Table.fromBuiltColumns(columns, body.length));
}
