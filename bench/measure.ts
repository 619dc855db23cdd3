/** Timing helpers shared by the benchmarks: warm up, then the median of several runs. */

export interface Timing {
  /** Median milliseconds per run. */
  readonly ms: number;
  readonly runs: number;
}

/**
 * Run `fn` `warmup` times untimed, then repeatedly until `minRuns` runs and `budgetMs` have
 * passed (at most `maxRuns`); report the median.
 */
export function measure(fn: () => void, opts: { warmup?: number; minRuns?: number; maxRuns?: number; budgetMs?: number } = {}): Timing {
  const { warmup = 2, minRuns = 5, maxRuns = 50, budgetMs = 1000 } = opts;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < budgetMs)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1]!, runs: times.length };
}

export function randomF32(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

/** A fixed-width table row. */
export function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(' ');
}
