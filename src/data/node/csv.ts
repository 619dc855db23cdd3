/** CSV files on Node: the bytes of a file (gzip or not) through the browser-safe `parseCsv`. */
import { either as E } from 'fp-ts';
import { parseCsv, type CsvError, type CsvOptions } from '../csv';
import type { Table } from '../table';
import { readFileBytes, type ReadError } from './files';

/**
 * Read and parse a CSV file into a Table; a missing file is a ReadError, malformed content a
 * CsvError naming the row and column.
 *
 *   const r = await readCsv('node_modules/vega-datasets/data/weather.csv');
 *   if (E.isRight(r)) r.right.numRows;   // 2922
 */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<E.Either<ReadError | CsvError, Table>> {
  return E.chainW((bytes: Uint8Array) => parseCsv(bytes, options))(await readFileBytes(path));
}
