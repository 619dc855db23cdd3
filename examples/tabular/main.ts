/**
 * Tabular classification from a CSV file, the scikit-learn way: read the CSV (papaparse), report
 * and drop rows with missing cells, derive the month from the date, one-hot encode the city and
 * the month, label-encode the target, split train/test stratified by class, fit the imputer and
 * the standardization on the training split only, then train a small MLP (Adam, an L2 penalty on
 * the weights chosen by path, the step size reduced on a plateau of the loss) and print the
 * test accuracy and the classification report.
 *
 * The data: daily weather of Seattle and New York 2012-2015 (2,922 days; precipitation,
 * temperatures, wind) and the day's weather (drizzle, fog, rain, snow, sun), `weather.csv` of the
 * `vega-datasets` npm package (a dev dependency).
 *
 *   npx tsx examples/tabular/main.ts
 *   npx tsx examples/tabular/main.ts --epochs 5 --out out/
 */
import { either as E } from 'fp-ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import { key, splitList } from '../../src/random';
import { applyImputer, applyStandardize, fitImputer, fitStandardize, fromTensors, labelEncode, oneHotEncode, trainTestSplit } from '../../src/data';
import { readCsv } from '../../src/data/node';
import { classificationReport, evaluate, fit, historyToSvg, predict, type Metrics } from '../../src/train';
import { numberArg, stringArg } from '../common/args';

const epochs = numberArg('epochs', 60);
const batchSize = numberArg('batch', 64);
const outDir = stringArg('out', 'out');
// The package exports only its code (build/index.js); its data files sit next to that folder.
const csvPath = join(createRequire(import.meta.url).resolve('vega-datasets'), '..', '..', 'data', 'weather.csv');

async function main(): Promise<void> {
  const read = await readCsv(csvPath);
  if (E.isLeft(read)) throw new Error(read.left.message);
  const raw = read.right;
  console.log(`read ${raw.numRows} rows x ${raw.names.length} columns (${raw.names.join(', ')}) from ${csvPath}`);
  const missing = Object.entries(raw.missingCounts()).filter(([, n]) => n > 0);
  console.log(`missing cells: ${missing.length === 0 ? 'none' : missing.map(([c, n]) => `${c} ${n}`).join(', ')}; rows without a label are dropped, missing features imputed`);
  const rows = raw.dropMissing(['weather']);

  // The season matters more than the year: keep the month of each date as a category.
  const dates = rows.column('date');
  if (dates.kind !== 'string') throw new Error('expected the date column to hold strings');
  const withMonth = rows.withColumn('month', dates.values.map((d) => (d === null ? null : Number(d.slice(5, 7)))));
  const { table: encoded } = oneHotEncode(withMonth.drop(['date']), ['location', 'month']);
  const { labels, classes } = labelEncode(encoded, 'weather');
  const features = encoded.drop(['weather']);
  console.log(`${features.names.length} features (${features.names.slice(0, 6).join(', ')}, ...), classes ${classes.join(', ')}`);

  const data = fromTensors({ x: features.toTensor(), y: labels });
  const [splitKey, initKey, runKey] = splitList(key(0), 3);
  const [trainRaw, testRaw] = trainTestSplit(splitKey, data, { testSize: 0.2, stratify: (t) => t.y });
  // Imputation and standardization statistics come from the training split only.
  const imputer = fitImputer(trainRaw.tree.x, { strategy: 'median' });
  const stats = fitStandardize(applyImputer(imputer, trainRaw.tree.x));
  const prepare = (d: typeof data) => d.map((t) => ({ x: applyStandardize(stats, applyImputer(imputer, t.x)), y: t.y }));
  const [train, test] = [prepare(trainRaw), prepare(testRaw)];
  console.log(`stratified split: ${train.size} training rows (10% of them validate) and ${test.size} test rows`);

  const model = nn.sequential(nn.linear(32), nn.activation(nn.relu), nn.linear(32), nn.activation(nn.relu), nn.linear(classes.length));
  type Params = ReturnType<typeof model.init>['params'];
  const { params } = model.init(initKey, [-1, features.names.length]);
  const trainSteps = Math.ceil((train.size - Math.round(train.size * 0.1)) / batchSize);
  // L2 on the weights only (paths like '[0].weight'), the gradient added before Adam; the step
  // size is halved when the epoch's mean training loss stops improving for 5 epochs.
  const optimizer = optim.chain(
    optim.addPenaltyGradients({ l2: 1e-4, paths: '*.weight' }),
    optim.adam(3e-3),
    optim.reduceLROnPlateau({ factor: 0.5, patience: 5, accumulationSize: trainSteps, minScale: 0.01 }),
  );
  type State = { params: Params; opt: optim.OptStateOf<typeof optimizer> };
  type Batch = { x: T.Tensor; y: T.Tensor };
  const step = T.jit((state: State, batch: Batch): [State, Metrics] => {
    const [l, grads] = T.valueAndGrad((p: Params) => nn.softmaxCrossEntropy(model.apply(p, batch.x), batch.y))(state.params);
    const [updates, opt] = optimizer.update(grads, state.opt, state.params, { value: l });
    return [{ params: optim.applyUpdates(state.params, updates), opt }, { loss: l }];
  });
  const scores = T.jit((p: Params, batch: Batch) => {
    const logits = model.apply(p, batch.x);
    return { loss: nn.softmaxCrossEntropy(logits, batch.y), accuracy: nn.accuracy(logits, batch.y) };
  });

  const initial: State = { params, opt: optimizer.init(params) };
  const { state, history } = await fit(initial, train, {
    epochs,
    batchSize,
    key: runKey,
    step: (s, b) => step(s, b),
    evalStep: (s, b) => scores(s.params, b),
    validationSplit: 0.1,
    progress: false,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        if ((epoch + 1) % 10 === 0 || epoch + 1 === epochs) console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}, validation accuracy ${(logs.valAccuracy * 100).toFixed(1)}%`);
      },
    },
  });
  const plateau = state.opt[2];
  console.log(`step-size scale after training: ${Number(plateau.scale.item())} (reduceLROnPlateau)`);
  console.log(`L2 penalty of the weights: ${Number(optim.parameterPenalty(state.params, { l2: 1e-4, paths: '*.weight' }).item()).toFixed(5)}`);

  const result = await evaluate(model, state.params, test, { metrics: { accuracy: nn.accuracy }, batchSize: 256 });
  console.log(`test accuracy ${(result.accuracy * 100).toFixed(2)}% on ${test.size} held-out days (always guessing the most frequent class: ${((Math.max(...classCounts(test.tree.y, classes.length)) / test.size) * 100).toFixed(2)}%)`);
  const logits = await predict(model, state.params, test, { batchSize: 256 });
  console.log(classificationReport(test.tree.y, logits, { labels: classes.map((_, i) => i), targetNames: classes.map(String) }).text);

  mkdirSync(outDir, { recursive: true });
  const plot = join(outDir, 'tabular-history.svg');
  writeFileSync(plot, historyToSvg(history, { title: 'weather MLP' }));
  console.log(`saved plot ${plot}`);
}

function classCounts(y: T.Tensor, k: number): number[] {
  return Array.from(y.dataSync()).reduce((c, v) => (c[v]++, c), new Array<number>(k).fill(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
