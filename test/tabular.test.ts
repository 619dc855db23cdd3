import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { either as E } from 'fp-ts';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { key } from '../src/random';
import { applyImputer, fitImputer, fromTensors, labelEncode, oneHotEncode, parseCsv, Table, trainTestSplit, type CsvError } from '../src/data';
import { readCsv } from '../src/data/node';

const dir = mkdtempSync(join(tmpdir(), 'tensorlaw-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function table(text: string | Uint8Array, options = {}): Table {
  const r = parseCsv(text, options);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
}

function csvError(text: string | Uint8Array, options = {}): CsvError {
  const r = parseCsv(text, options);
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
}

const penguins = `species,island,bill_mm,mass_g,sex
Adelie,Torgersen,39.1,3750,MALE
Adelie,"Torgersen",NA,,
Gentoo,Biscoe,46.1,4500,FEMALE
Chinstrap,Dream,46.5,3500,FEMALE
Gentoo,Biscoe,50,5700,MALE
`;

describe('parseCsv', () => {
  it('reads numbers and strings by column, missing cells as NaN or null', () => {
    const t = table(penguins);
    expect(t.names).toEqual(['species', 'island', 'bill_mm', 'mass_g', 'sex']);
    expect(t.numRows).toBe(5);
    expect(t.column('species')).toEqual({ kind: 'string', values: ['Adelie', 'Adelie', 'Gentoo', 'Chinstrap', 'Gentoo'] });
    expect(Array.from(t.column('bill_mm').values as Float64Array)).toEqual([39.1, NaN, 46.1, 46.5, 50]);
    expect(t.column('sex').values).toEqual(['MALE', null, 'FEMALE', 'FEMALE', 'MALE']);
    expect(t.missingCounts()).toEqual({ species: 0, island: 0, bill_mm: 1, mass_g: 1, sex: 1 });
  });

  it('handles quotes, embedded delimiters and line breaks, CRLF, a BOM, bytes, other delimiters, no header', () => {
    const t = table('\ufeffname,note\r\n"Smith, J.","said ""hi""\nthen left"\r\nLee,plain\r\n');
    expect(t.column('name').values).toEqual(['Smith, J.', 'Lee']);
    expect(t.column('note').values).toEqual(['said "hi"\nthen left', 'plain']);
    expect(table(new TextEncoder().encode('a;b\n1;2\n'), { delimiter: ';' }).column('b').values).toEqual(new Float64Array([2]));
    const bare = table('1,x\n2,y\n', { header: false });
    expect(bare.names).toEqual(['column1', 'column2']);
    expect(bare.column('column1').kind).toBe('number');
    expect(table('a\n-1.5e3\n+.5\ninf\n').column('a').values).toEqual(new Float64Array([-1500, 0.5, Infinity]));
  });

  it('infers, or is told, each column kind; custom missing markers', () => {
    expect(table('zip\n02134\n90210\n', { types: { zip: 'string' } }).column('zip').values).toEqual(['02134', '90210']);
    expect(table('v\n1\n?\n', { missing: ['?'] }).column('v').values).toEqual(new Float64Array([1, NaN]));
    expect(table('v\n1\nNA\n', { missing: ['?'] }).column('v').values).toEqual(['1', 'NA']);
  });

  it('errors name the row, the line and the column', () => {
    expect(csvError('a,b\n1,2\n3\n').message).toBe('CSV: row 1 (line 3): has 1 fields, expected 2 as in the header');
    expect(csvError('a,b\n1,2\n3,4,5\n')).toMatchObject({ row: 1, line: 3 });
    expect(csvError('a,b\n1,x\n', { types: { b: 'number' } }).message).toBe('CSV: column \'b\' row 0 (line 2): "x" is not a number');
    expect(csvError('a,a\n1,2\n').message).toMatch(/column name 'a' appears twice/);
    expect(csvError('a,\n1,2\n').message).toMatch(/header field 2 is empty/);
    expect(csvError('a,b\n1,"open\n').message).toMatch(/row 0 \(line 2\).*Quoted field unterminated/);
    expect(csvError('a\n1\n', { types: { b: 'number' } }).message).toMatch(/types names column 'b', which is not in the file/);
    expect(csvError('').message).toMatch(/no records/);
    expect(csvError(new Uint8Array([0x61, 0xff, 0x0a])).message).toMatch(/not valid UTF-8/);
    expect(csvError('a\n1\n', { delimter: ';' }).message).toMatch(/unknown option "delimter" \(valid options: delimiter, header, missing, types\)/);
  });

  it('readCsv reads a file (or its gzip) on Node; a missing file is a ReadError', async () => {
    writeFileSync(join(dir, 'p.csv'), penguins);
    writeFileSync(join(dir, 'p.csv.gz'), gzipSync(penguins));
    const plain = await readCsv(join(dir, 'p.csv'));
    const zipped = await readCsv(join(dir, 'p.csv.gz'));
    expect(E.isRight(plain) && plain.right.numRows).toBe(5);
    expect(E.isRight(zipped) && zipped.right.column('mass_g')).toEqual(E.isRight(plain) && plain.right.column('mass_g'));
    const missing = await readCsv(join(dir, 'nope.csv'));
    expect(E.isLeft(missing) && missing.left._tag).toBe('ReadError');
  });
});

describe('Table', () => {
  const t = table(penguins);

  it('drops rows with missing cells (in any or the named columns) and fills constants', () => {
    expect(t.dropMissing().column('species').values).toEqual(['Adelie', 'Gentoo', 'Chinstrap', 'Gentoo']);
    expect(t.dropMissing(['species']).numRows).toBe(5);
    const filled = t.fillMissing({ sex: 'unknown', mass_g: 0 });
    expect(filled.column('sex').values[1]).toBe('unknown');
    expect(filled.column('mass_g').values[1]).toBe(0);
    expect(() => t.fillMissing({ sex: 1 })).toThrow(/column 'sex' holds strings; its fill value must be a string/);
  });

  it('selects, drops, adds columns and rows; never changes itself', () => {
    expect(t.select(['mass_g', 'species']).names).toEqual(['mass_g', 'species']);
    expect(t.drop(['island', 'sex']).names).toEqual(['species', 'bill_mm', 'mass_g']);
    expect(t.withColumn('one', [1, 1, 1, 1, 1]).column('one').kind).toBe('number');
    expect(t.rows([4, 0]).column('species').values).toEqual(['Gentoo', 'Adelie']);
    const column = t.column('bill_mm');
    (column.values as Float64Array)[0] = 999;
    expect(t.column('bill_mm').values[0]).toBe(39.1);
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('numbers to a float32 tensor with NaN for missing; strings must be encoded first', () => {
    const x = t.toTensor(['bill_mm', 'mass_g']);
    expect(x.shape).toEqual([5, 2]);
    expect(Array.from(x.dataSync()).slice(0, 4)).toEqual([Math.fround(39.1), 3750, NaN, NaN]);
    expect(() => t.toTensor(['island'])).toThrow(/column 'island' holds strings \(e\.g\. "Torgersen"\); encode it/);
  });

  it('names the unknown column and lists the known ones', () => {
    expect(() => t.column('mass')).toThrow(/Table.column: no column 'mass' \(columns: 'species', 'island', 'bill_mm', 'mass_g', 'sex'\)/);
    expect(() => Table.fromColumns({ a: [1, 2], b: ['x'] })).toThrow(/equal lengths, got a: 2, b: 1/);
    expect(() => Table.fromColumns({ a: [1, 'x'] as never })).toThrow(/column 'a' mixes strings and other values: row 0 is/);
    expect(() => t.rows([5])).toThrow(/row index 5 \(at position 0\) is out of range for 5 rows/);
  });
});

describe('encoding', () => {
  const t = table(penguins);

  it('label-encodes with sorted classes, or the classes given; missing and unknown values are errors', () => {
    const { labels, classes } = labelEncode(t, 'species');
    expect(classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(Array.from(labels.dataSync())).toEqual([0, 0, 2, 1, 2]);
    expect(labels.dtype).toBe('int32');
    expect(Array.from(labelEncode(t, 'species', { classes: ['Gentoo', 'Adelie', 'Chinstrap'] }).labels.dataSync())).toEqual([1, 1, 0, 2, 0]);
    expect(() => labelEncode(t, 'sex')).toThrow(/column 'sex' is missing at row 1: drop those rows/);
    expect(() => labelEncode(t, 'species', { classes: ['Adelie'] })).toThrow(/row 2 holds "Gentoo", which is not one of the classes \["Adelie"\]/);
  });

  it('one-hot encodes in place, missing as zeros, with reusable categories', () => {
    const { table: e, categories } = oneHotEncode(t, ['island', 'sex']);
    expect(e.names).toEqual(['species', 'island=Biscoe', 'island=Dream', 'island=Torgersen', 'bill_mm', 'mass_g', 'sex=FEMALE', 'sex=MALE']);
    expect(categories).toEqual({ island: ['Biscoe', 'Dream', 'Torgersen'], sex: ['FEMALE', 'MALE'] });
    expect(e.toTensor(['sex=FEMALE', 'sex=MALE']).toArray()).toEqual([[0, 1], [0, 0], [1, 0], [1, 0], [0, 1]]);
    const other = oneHotEncode(t.rows([3]), ['island', 'sex'], { categories });
    expect(other.table.toTensor(['island=Biscoe', 'island=Dream', 'island=Torgersen']).toArray()).toEqual([[0, 1, 0]]);
    expect(() => oneHotEncode(t, ['island'], { categories: { island: ['Biscoe'] } })).toThrow(/row 0 holds "Torgersen", which is not one of its categories/);
  });
});

describe('fitImputer / applyImputer', () => {
  const x = T.tensor([[1, NaN], [3, 5], [NaN, 5], [8, 1]], { dtype: 'float64' });
  const filled = (strategy: 'mean' | 'median' | 'mostFrequent') => applyImputer(fitImputer(x, { strategy }), x).toArray();

  it('fills each NaN with its column statistic and keeps the rest', () => {
    expect(filled('mean')).toEqual([[1, 11 / 3], [3, 5], [4, 5], [8, 1]]);
    expect(filled('median')).toEqual([[1, 5], [3, 5], [3, 5], [8, 1]]);
    expect(filled('mostFrequent')).toEqual([[1, 5], [3, 5], [1, 5], [8, 1]]);
    expect(applyImputer(fitImputer(x, { strategy: 'constant', fillValue: -1 }), x).toArray()).toEqual([[1, -1], [3, 5], [-1, 5], [8, 1]]);
  });

  it('uses statistics of the data it was fit on', () => {
    const stats = fitImputer(T.tensor([[2, 4]]));
    expect(applyImputer(stats, T.tensor([[NaN, NaN], [0, 0]])).toArray()).toEqual([[2, 4], [0, 0]]);
  });

  it('rejects what it cannot fit', () => {
    expect(() => fitImputer(T.tensor([[NaN, 1]]))).toThrow(/fitImputer: column 0 has no present values to compute a mean from/);
    expect(() => fitImputer(T.tensor([1, 2]))).toThrow(/x must be a float matrix \[rows, columns\], got float32\[2\]/);
    expect(() => fitImputer(x, { strategy: 'mode' as 'mean' })).toThrow(/strategy must be/);
    expect(() => applyImputer(fitImputer(x), T.zeros([2, 3]))).toThrow(/applyImputer: x must be a matrix \[rows, 2\]/);
  });
});

describe('stratified trainTestSplit', () => {
  it('keeps each class in proportion and partitions the examples', () => {
    const y = T.tensor(Int32Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : i < 95 ? 1 : 2)), { shape: [100], dtype: 'int32' });
    const ds = fromTensors({ id: T.arange(0, 100, 1, 'int32'), y });
    const [train, test] = trainTestSplit(key(0), ds, { testSize: 0.2, stratify: (t) => t.y });
    const counts = (t: T.Tensor) => [0, 1, 2].map((c) => Array.from(t.dataSync()).filter((v) => v === c).length);
    expect(counts(test.tree.y)).toEqual([16, 3, 1]);
    expect(counts(train.tree.y)).toEqual([64, 12, 4]);
    const again = trainTestSplit(key(0), ds, { testSize: 0.2, stratify: y });
    expect(Array.from(again[1].tree.id.dataSync())).toEqual(Array.from(test.tree.id.dataSync()));
    expect(() => trainTestSplit(key(0), ds, { testSize: 0.2, stratify: y, shuffle: false })).toThrow(/stratified split needs shuffle: true/);
    expect(() => trainTestSplit(key(0), ds, { testSize: 0.2, stratify: T.zeros([100]) })).toThrow(/stratify must give int32 class labels of shape \[100\], got float32\[100\]/);
  });
});
