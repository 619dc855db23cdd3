/** A parameter count table for a params tree. */
import { checkOptions, describeValue, OpError, Tensor } from '../tensor';
import { flattenWithPath, keyPathToString } from '../tree';

export interface SummaryRow {
  /** The entry's name: a layer name, or the top-level key or index. */
  readonly name: string;
  /** Shapes of the entry's tensors, path-qualified, e.g. "weight [10, 784]". */
  readonly tensors: readonly string[];
  readonly count: number;
}

export interface Summary {
  readonly rows: readonly SummaryRow[];
  readonly total: number;
  /** The printable table. */
  readonly table: string;
}

export interface SummaryOptions {
  /** Names for the top-level entries in order (layers or their names, e.g. a sequential's parts). */
  readonly layers?: readonly (string | { readonly name: string })[];
}

/**
 * Count parameters per top-level entry of a params tree (array index or object key) and in total.
 * @example console.log(summary(params).table);
 * @example summary(params, { layers: [linear(128), activation(relu), linear(10)] }).total    // 101770
 */
export function summary(params: unknown, options: SummaryOptions = {}): Summary {
  checkOptions('nn.summary', options, ['layers']);
  if (options.layers !== undefined && !Array.isArray(options.layers)) throw new OpError('nn.summary', `layers must be an array of layers or names, got ${describeValue(options.layers)}`);
  const groups = new Map<string, { tensors: string[]; count: number }>();
  const names = (options.layers ?? []).map((l) => (typeof l === 'string' ? l : l.name));
  const labelOf = (top: string | number): string => (typeof top === 'number' && names[top] !== undefined ? `${top}: ${names[top]}` : String(top));
  // Entries without tensors (activations, pooling) still get a row, with 0 parameters.
  const tops: (string | number)[] = Array.isArray(params) ? params.map((_, i) => i) : params !== null && typeof params === 'object' && !(params instanceof Tensor) ? Object.keys(params) : [];
  for (const top of tops) groups.set(labelOf(top), { tensors: [], count: 0 });
  for (const [path, leaf] of flattenWithPath(params)) {
    if (!(leaf instanceof Tensor)) continue;
    const label = path.length === 0 ? '' : labelOf(path[0]!);
    const g = groups.get(label) ?? { tensors: [], count: 0 };
    g.tensors.push(`${keyPathToString(path.slice(1)).replace(/^\./, '') || '(value)'} [${leaf.shape.join(', ')}]`);
    g.count += leaf.size;
    groups.set(label, g);
  }
  const rows: SummaryRow[] = [...groups].map(([name, g]) => ({ name: name || '(params)', tensors: g.tensors, count: g.count }));
  const total = rows.reduce((n, r) => n + r.count, 0);
  return { rows, total, table: table(rows, total) };
}

function table(rows: readonly SummaryRow[], total: number): string {
  const lines: [string, string, string][] = [['entry', 'tensors', 'params'], ...rows.map((r): [string, string, string] => [r.name, r.tensors.join(', '), r.count.toLocaleString('en-US')]), ['total', '', total.toLocaleString('en-US')]];
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmtLine = (l: [string, string, string]): string => `${l[0].padEnd(widths[0]!)}  ${l[1].padEnd(widths[1]!)}  ${l[2].padStart(widths[2]!)}`.trimEnd();
  const rule = '-'.repeat(widths[0]! + widths[1]! + widths[2]! + 4);
  return [fmtLine(lines[0]!), rule, ...lines.slice(1, -1).map(fmtLine), rule, fmtLine(lines.at(-1)!)].join('\n');
}
