/**
 * A self-contained SVG of training curves: one panel per metric family (loss, accuracy, ...),
 * train and validation series overlaid. No scripts, no external assets: open it in any browser.
 */

export type History = Readonly<Record<string, readonly number[]>>;

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Group series by metric name: 'loss' and 'valLoss' share a panel, as do 'accuracy' and 'valAccuracy'. */
function panelsOf(history: History): Map<string, string[]> {
  const panels = new Map<string, string[]>();
  for (const name of Object.keys(history)) {
    const base = name.replace(/^(val|test|train)[_]?/i, '').replace(/^./, (c) => c.toLowerCase());
    panels.set(base, [...(panels.get(base) ?? []), name]);
  }
  return panels;
}

function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
  const err = ((hi - lo) / count) / step;
  const s = step * (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / s) * s; t <= hi + s * 1e-9; t += s) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * Render `history` (metric name -> one value per epoch) as an SVG document.
 * @example writeFileSync('history.svg', historyToSvg({ loss: [0.9, 0.5], valLoss: [1, 0.6] }));
 */
export function historyToSvg(history: History, options: { title?: string; width?: number; panelHeight?: number; xLabel?: string } = {}): string {
  const width = options.width ?? 720;
  const ph = options.panelHeight ?? 240;
  const margin = { left: 64, right: 150, top: 36, bottom: 36 };
  const panels = [...panelsOf(history)];
  const height = panels.length * ph + (options.title ? 30 : 0) + 10;
  const parts: string[] = [];
  const y0 = options.title ? 30 : 0;
  if (options.title) parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`);
  panels.forEach(([panel, names], p) => {
    const top = y0 + p * ph;
    const plotW = width - margin.left - margin.right;
    const plotH = ph - margin.top - margin.bottom;
    const values = names.flatMap((n) => history[n]!.filter(Number.isFinite));
    const epochs = Math.max(1, ...names.map((n) => history[n]!.length));
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
    const x = (i: number) => margin.left + (epochs === 1 ? plotW / 2 : (i / (epochs - 1)) * plotW);
    const y = (v: number) => top + margin.top + (1 - (v - lo) / (hi - lo)) * plotH;
    parts.push(`<text x="${margin.left}" y="${top + 22}" font-size="13" font-weight="bold">${escapeXml(panel)}</text>`);
    parts.push(`<rect x="${margin.left}" y="${top + margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    for (const t of niceTicks(lo, hi)) {
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
      parts.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${t}</text>`);
    }
    for (let e = 0; e < epochs; e += Math.max(1, Math.ceil(epochs / 10))) {
      parts.push(`<text x="${x(e)}" y="${top + margin.top + plotH + 16}" text-anchor="middle" font-size="11">${e + 1}</text>`);
    }
    parts.push(`<text x="${margin.left + plotW / 2}" y="${top + ph - 4}" text-anchor="middle" font-size="11">${escapeXml(options.xLabel ?? 'epoch')}</text>`);
    names.forEach((n, k) => {
      const color = COLORS[k % COLORS.length]!;
      const pts = history[n]!.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
      for (const pt of pts) {
        const [cx, cy] = pt.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
      }
      const ly = top + margin.top + 14 + k * 18;
      parts.push(`<line x1="${width - margin.right + 12}" x2="${width - margin.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<text x="${width - margin.right + 38}" y="${ly}" font-size="12">${escapeXml(n)}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
