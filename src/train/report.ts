/**
 * scikit-learn's classification report as data and as text: per class precision, recall, F1 and
 * support, accuracy, macro and weighted averages, and the confusion matrix (rows are true labels,
 * columns predictions). Computed on the host from the labels; a class never predicted has
 * precision 0, a class that never occurs recall 0 (scikit-learn's zero_division=0).
 */
import * as T from '../tensor';
import { Tensor } from '../tensor';

/** The scores of one class, or an average over classes. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Examples whose true label is this class (for an average: of all the classes). */
  readonly support: number;
}

/** One row of the report: a class's label, its display name and its scores. */
export interface ClassRow extends ClassScores {
  readonly label: number;
  readonly name: string;
}

/** A classification report: the numbers, and `text` to print. */
export interface ClassificationReport {
  /** The classes reported, in order (the rows and columns of `confusionMatrix`). */
  readonly labels: readonly number[];
  readonly classes: readonly ClassRow[];
  /** The fraction of all examples predicted correctly. */
  readonly accuracy: number;
  /** The unweighted mean of the per-class scores. */
  readonly macroAverage: ClassScores;
  /** The per-class scores' mean weighted by support. */
  readonly weightedAverage: ClassScores;
  /** counts[i][j]: examples of true class labels[i] predicted as labels[j]. */
  readonly confusionMatrix: readonly (readonly number[])[];
  /** The report and the confusion matrix as aligned plain text. */
  readonly text: string;
}

/** Options of `classificationReport`, e.g. `{ targetNames: ['cat', 'dog'], digits: 3 }`. */
export interface ClassificationReportOptions {
  /** The classes to report, in this order (default: every label in yTrue or yPred, sorted). */
  readonly labels?: readonly number[];
  /** Display names of the classes, one per label (default: the labels themselves). */
  readonly targetNames?: readonly string[];
  /** Decimal places in the text (default 2, as scikit-learn). */
  readonly digits?: number;
}

/** Class labels: an int32 tensor, logits [n, classes] (argmax is taken) or an array of integers. */
export type Labels = Tensor | readonly number[];

const op = 'classificationReport';

function labelsOf(name: string, y: Labels): number[] {
  if (y instanceof Tensor) {
    if (y.ndim === 2 && T.isFloat(y.dtype)) return Array.from(T.argmax(y, { axis: -1 }).dataSync());
    if (y.ndim !== 1 || T.isFloat(y.dtype) || y.dtype === 'bool') throw new T.OpError(op, `${name} must be int32 class labels [n] or float logits [n, classes], got ${T.fmtAval(y)}`);
    return Array.from(y.dataSync());
  }
  if (!Array.isArray(y)) throw new T.OpError(op, `${name} must be a tensor or an array of integer labels, got ${T.describe(y)}`);
  const bad = y.findIndex((v) => !Number.isInteger(v));
  if (bad >= 0) throw new T.OpError(op, `${name}[${bad}] must be an integer label, got ${String(y[bad])}`);
  return [...y];
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const harmonic = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function average(rows: readonly ClassScores[], weight: (r: ClassScores) => number): ClassScores {
  const total = rows.reduce((s, r) => s + weight(r), 0);
  const mean = (f: (r: ClassScores) => number) => ratio(rows.reduce((s, r) => s + weight(r) * f(r), 0), total);
  return { precision: mean((r) => r.precision), recall: mean((r) => r.recall), f1: mean((r) => r.f1), support: rows.reduce((s, r) => s + r.support, 0) };
}

/**
 * The classification report of predictions against true labels (scikit-learn's
 * `classification_report` plus `confusion_matrix`): data, and `text` to print.
 *
 *   const report = classificationReport(test.tree.y, await predict(model, params, test));
 *   console.log(report.text); report.classes[3].recall; report.confusionMatrix[3][5];
 */
export function classificationReport(yTrue: Labels, yPred: Labels, options: ClassificationReportOptions = {}): ClassificationReport {
  T.checkOptions(op, options, T.optionKeys<ClassificationReportOptions>({ labels: true, targetNames: true, digits: true }));
  const truth = labelsOf('yTrue', yTrue);
  const pred = labelsOf('yPred', yPred);
  if (truth.length !== pred.length) throw new T.OpError(op, `yTrue and yPred must hold one label per example, got ${truth.length} and ${pred.length}`);
  if (truth.length === 0) throw new T.OpError(op, 'no examples to report on');
  const labels = options.labels ? [...options.labels] : [...new Set([...truth, ...pred])].sort((a, b) => a - b);
  if (labels.length === 0 || labels.some((l) => !Number.isInteger(l)) || new Set(labels).size !== labels.length) {
    throw new T.OpError(op, `labels must be distinct integers, got [${labels.join(', ')}]`);
  }
  const names = options.targetNames ?? labels.map(String);
  if (names.length !== labels.length) throw new T.OpError(op, `targetNames has ${names.length} names for ${labels.length} labels`);
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new T.OpError(op, `digits must be an integer from 0 to 10, got ${String(digits)}`);

  const position = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  const supports = new Map<number, number>();
  const predicted = new Map<number, number>();
  let correct = 0;
  truth.forEach((t, k) => {
    const p = pred[k]!;
    if (t === p) correct++;
    supports.set(t, (supports.get(t) ?? 0) + 1);
    predicted.set(p, (predicted.get(p) ?? 0) + 1);
    const [i, j] = [position.get(t), position.get(p)];
    if (i !== undefined && j !== undefined) counts[i]![j]! += 1;
  });
  // Support and predicted totals count every example of a class, even when its prediction (or
  // truth) lies outside `labels`: they are the row's and column's class counts, as in scikit-learn.
  const classes: ClassRow[] = labels.map((label, i) => {
    const tp = counts[i]![i]!;
    const support = supports.get(label) ?? 0;
    const precision = ratio(tp, predicted.get(label) ?? 0);
    const recall = ratio(tp, support);
    return { label, name: names[i]!, precision, recall, f1: harmonic(precision, recall), support };
  });
  const report = {
    labels,
    classes,
    accuracy: correct / truth.length,
    macroAverage: average(classes, () => 1),
    weightedAverage: average(classes, (r) => r.support),
    confusionMatrix: counts,
  };
  return { ...report, text: formatReport(report, digits) };
}

function formatReport(r: Omit<ClassificationReport, 'text'>, digits: number): string {
  const head = ['precision', 'recall', 'f1-score', 'support'];
  const width = Math.max(12, ...r.classes.map((c) => c.name.length));
  const cell = (v: number) => v.toFixed(digits).padStart(10);
  const count = (v: number) => String(v).padStart(10);
  const row = (name: string, s: ClassScores) => `${name.padStart(width)} ${cell(s.precision)}${cell(s.recall)}${cell(s.f1)}${count(s.support)}`;
  const total = r.macroAverage.support;
  const lines = [
    `${''.padStart(width)} ${head.map((h) => h.padStart(10)).join('')}`,
    '',
    ...r.classes.map((c) => row(c.name, c)),
    '',
    `${'accuracy'.padStart(width)} ${''.padStart(20)}${cell(r.accuracy)}${count(total)}`,
    row('macro avg', r.macroAverage),
    row('weighted avg', r.weightedAverage),
    '',
    'confusion matrix (rows: true class, columns: predicted class)',
  ];
  const cw = Math.max(4, ...r.confusionMatrix.flat().map((v) => String(v).length + 1), ...r.classes.map((c) => c.name.length + 1));
  lines.push(`${''.padStart(width)} ${r.classes.map((c) => c.name.padStart(cw)).join('')}`);
  r.confusionMatrix.forEach((counts, i) => lines.push(`${r.classes[i]!.name.padStart(width)} ${counts.map((v) => String(v).padStart(cw)).join('')}`));
  return `${lines.join('\n')}\n`;
}
