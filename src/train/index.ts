/**
 * Training utilities over the functional core: a fit loop (progress bar, validation or a
 * validation split, early stopping, checkpoints), Keras-style `evaluate` and `predict` over a
 * dataset in jitted batches, scikit-learn's classification report, and history plots.
 */
export { fit } from './loop';
export type { BatchSource, Callbacks, FitOptions, FitResult, History, Metrics, StepInfo } from './loop';
export { evaluate, predict, type Batchable, type BatchFields, type EvaluateOptions, type Metric, type Model, type PredictOptions } from './evaluate';
export { classificationReport, type ClassificationReport, type ClassificationReportOptions, type ClassRow, type ClassScores, type Labels } from './report';
export { progressBar, formatDuration, formatMetrics } from './progress';
export type { ProgressStream, ProgressBar } from './progress';
export { historyToSvg } from './plot';
