/**
 * Curve fitting: a small tanh MLP (1-32-32-1) learns y = sin(3x) + 0.3x from 200 noisy samples
 * (noise sd 0.1) with full-batch Adam and a jitted step. Prints the training MSE as it falls and
 * the final error against the noise floor and against the true curve, then draws the data, the
 * true curve and the fit as a self-contained SVG (plus the loss curve via `historyToSvg`).
 *
 *   npx tsx examples/regression/main.ts
 *   npx tsx examples/regression/main.ts --steps 300 --points 100 --out out/
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import * as random from '../../src/random';
import { historyToSvg } from '../../src/train';
import { numberArg, stringArg } from '../common/args';

const steps = numberArg('steps', 2000);
const numPoints = numberArg('points', 200);
const noise = numberArg('noise', 0.1);
const outDir = stringArg('out', 'out');
const [lo, hi] = [-2, 2];

const truth = (x: T.Tensor) => T.add(T.sin(T.mul(x, 3)), T.mul(x, 0.3));

const model = nn.sequential(nn.linear(32), nn.activation(nn.tanh), nn.linear(32), nn.activation(nn.tanh), nn.linear(1));
type Params = ReturnType<typeof model.init>['params'];

const loss = (params: Params, x: T.Tensor, y: T.Tensor) => nn.mse(model.apply(params, x), y);

const optimizer = optim.adam(optim.exponentialDecay({ initValue: 1e-2, transitionSteps: steps, decayRate: 0.1 }));
type State = { params: Params; opt: optim.AdamState };

const step = T.jit((state: State, x: T.Tensor, y: T.Tensor): [State, T.Tensor] => {
  const [l, grads] = T.valueAndGrad(loss)(state.params, x, y);
  const [updates, opt] = optimizer.update(grads, state.opt, state.params);
  return [{ params: optim.applyUpdates(state.params, updates), opt }, l];
});
const predict = T.jit((params: Params, x: T.Tensor) => model.apply(params, x));

/** A scatter of the data with the true curve and the fit, as a standalone SVG document. */
function plotSvg(points: { x: ArrayLike<number>; y: ArrayLike<number> }, curves: { name: string; color: string; x: ArrayLike<number>; y: ArrayLike<number> }[]): string {
  const [w, h, m] = [720, 420, 40];
  const ys = [...Array.from(points.y), ...curves.flatMap((c) => Array.from(c.y))];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => m + ((x - lo) / (hi - lo)) * (w - 2 * m);
  const sy = (y: number) => h - m - ((y - yMin) / (yMax - yMin)) * (h - 2 * m);
  const dots = Array.from(points.x, (x, i) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(points.y[i]).toFixed(1)}" r="2.5" fill="#999" fill-opacity="0.7"/>`);
  const lines = curves.map((c) => `<polyline fill="none" stroke="${c.color}" stroke-width="2" points="${Array.from(c.x, (x, i) => `${sx(x).toFixed(1)},${sy(c.y[i]).toFixed(1)}`).join(' ')}"/>`);
  const legend = [{ name: 'data', color: '#999' }, ...curves].map((c, i) => `<rect x="${m + 10}" y="${m + 6 + 18 * i}" width="12" height="3" fill="${c.color}"/><text x="${m + 28}" y="${m + 11 + 18 * i}" font-size="12">${c.name}</text>`);
  const xTicks = [lo, lo / 2, 0, hi / 2, hi].map((x) => `<text x="${sx(x)}" y="${h - m + 16}" font-size="11" text-anchor="middle">${x}</text>`);
  const yTicks = [-2, -1, 0, 1, 2].filter((v) => v >= yMin && v <= yMax).map((v) => `<text x="${m - 6}" y="${sy(v) + 4}" font-size="11" text-anchor="end">${v}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" font-size="14" text-anchor="middle">y = sin(3x) + 0.3x + noise, fitted by a 1-32-32-1 tanh MLP</text>`,
    `<line x1="${m}" y1="${h - m}" x2="${w - m}" y2="${h - m}" stroke="#333"/><line x1="${m}" y1="${m}" x2="${m}" y2="${h - m}" stroke="#333"/>`,
    ...xTicks, ...yTicks, ...dots, ...lines, ...legend, '</svg>',
  ].join('\n');
}

async function main(): Promise<void> {
  const [dataKey, noiseKey, initKey] = random.splitList(random.key(0), 3);
  const x = random.uniform(dataKey, [numPoints, 1], { minval: lo, maxval: hi });
  const y = T.add(truth(x), T.mul(random.normal(noiseKey, [numPoints, 1]), noise));
  const { params } = model.init(initKey, [-1, 1]);
  console.log(`${numPoints} noisy samples of y = sin(3x) + 0.3x on [${lo}, ${hi}], noise sd ${noise} (MSE floor ${(noise * noise).toFixed(4)})`);

  const start = performance.now();
  let state: State = { params, opt: optimizer.init(params) };
  const history: { loss: number[] } = { loss: [] };
  const every = Math.max(1, Math.round(steps / 100));
  const report = new Set([1, 10, 50, 100, ...Array.from({ length: 4 }, (_, i) => Math.round(((i + 1) * steps) / 4))]);
  for (let s = 0; s < steps; s++) {
    const [next, l] = step(state, x, y);
    state = next;
    if (s % every === 0) history.loss.push(Number(l.item()));
    if (report.has(s + 1) && s < steps) console.log(`step ${String(s + 1).padStart(5)}  mse ${Number(l.item()).toFixed(5)}`);
  }
  const seconds = (performance.now() - start) / 1000;

  const grid = T.reshape(T.linspace(lo, hi, 200), [-1, 1]);
  const fitted = predict(state.params, grid);
  const trainMse = Number(loss(state.params, x, y).item());
  const curveMse = Number(nn.mse(fitted, truth(grid)).item());
  console.log(`final mse ${trainMse.toFixed(5)} on the data (noise floor ${(noise * noise).toFixed(4)}), ${curveMse.toFixed(5)} against the true curve; ${steps} steps in ${seconds.toFixed(1)}s`);

  mkdirSync(outDir, { recursive: true });
  const plot = join(outDir, 'regression-fit.svg');
  const gx = grid.dataSync();
  writeFileSync(plot, plotSvg({ x: x.dataSync(), y: y.dataSync() }, [
    { name: 'true curve', color: '#2ca02c', x: gx, y: truth(grid).dataSync() },
    { name: 'MLP fit', color: '#d62728', x: gx, y: fitted.dataSync() },
  ]));
  const lossPlot = join(outDir, 'regression-loss.svg');
  writeFileSync(lossPlot, historyToSvg(history, { title: 'training MSE', xLabel: `checkpoint (every ${every} steps)` }));
  console.log(`saved plots ${plot} and ${lossPlot}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
