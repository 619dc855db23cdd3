/**
 * A terminal progress bar for training: samples/s, the running loss and an ETA, redrawn in place
 * on a TTY and degraded to one plain line per epoch when output is a pipe or a file (CI logs).
 */

/** Where progress is written: process.stdout in Node, or anything with write (and maybe isTTY). */
export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressBar {
  /** Report that `samples` more examples were processed; `metrics` are running values to show. */
  update(samples: number, metrics: Readonly<Record<string, number>>): void;
  /** Finish the epoch's line with its final metrics. */
  end(metrics: Readonly<Record<string, number>>): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatMetrics(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)}`)
    .join('  ');
}

/**
 * A bar for one epoch of `total` samples.
 * @example const bar = progressBar(process.stdout, { epoch: 1, epochs: 10, total: 8000 });
 */
export function progressBar(stream: ProgressStream, options: { epoch: number; epochs: number; total: number; now?: () => number }): ProgressBar {
  const now = options.now ?? (() => performance.now());
  const start = now();
  let done = 0;
  let lastDraw = -Infinity;
  const label = `epoch ${String(options.epoch).padStart(String(options.epochs).length)}/${options.epochs}`;
  const line = (metrics: Readonly<Record<string, number>>, final: boolean) => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (options.total - done) / rate : Infinity;
    const width = 24;
    const filled = options.total > 0 ? Math.min(width, Math.round((done / options.total) * width)) : width;
    const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (final ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
    const timing = final ? `${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${label} ${bar} ${done}/${options.total}  ${Math.round(rate)} samples/s  ${formatMetrics(metrics)}  ${timing}`;
  };
  return {
    update(samples, metrics) {
      done += samples;
      if (!stream.isTTY) return;
      const t = now();
      if (t - lastDraw < 100 && done < options.total) return; // ~10 redraws a second is plenty
      lastDraw = t;
      const text = line(metrics, false);
      const cols = stream.columns ?? 120;
      stream.write(`\r${text.length > cols - 1 ? text.slice(0, cols - 1) : text}\x1b[K`);
    },
    end(metrics) {
      stream.write(`${stream.isTTY ? '\r' : ''}${line(metrics, true)}${stream.isTTY ? '\x1b[K' : ''}\n`);
    },
  };
}
