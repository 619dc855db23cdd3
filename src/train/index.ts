/** Training utilities: a functional fit loop, a terminal progress bar and history plots. */
export { fit } from './loop';
export type { BatchSource, Callbacks, FitOptions, FitResult, History, Metrics, StepInfo } from './loop';
export { progressBar, formatDuration, formatMetrics } from './progress';
export type { ProgressBar, ProgressStream } from './progress';
export { historyToSvg } from './plot';
