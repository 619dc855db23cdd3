/**
 * The higher-order primitives, declared once: their names and parameters (a function or a jaxpr
 * among them). Today each registers an eager meaning written with ops (core's registerImpl),
 * which interpreters without a dedicated rule inline, plus the rules it has in the registries
 * of rules/ (extraJvpRules, extraBatchRules, extraMultiTransposeRules). Turning them into staged
 * primitives with total tables of their own starts from this interface.
 */
import type { CondParams, ScanParams } from './control';
import type { CustomJvpParams, CustomVjpLinearParams, CustomVjpParams } from './custom';
import type { JitCallParams } from './jit/jit';

export interface HigherOrderParams {
  jitCall: JitCallParams;
  cond: CondParams;
  scan: ScanParams;
  customJvpCall: CustomJvpParams;
  customVjpCall: CustomVjpParams;
  customVjpLinear: CustomVjpLinearParams;
}

export type HigherOrderPrim = keyof HigherOrderParams;
