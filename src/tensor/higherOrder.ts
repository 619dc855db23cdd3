/**
 * The higher-order primitives, declared once: their names and parameters. Each holds closed
 * jaxprs (a jit call's program, a cond's branches, a scan's body...), never a JS closure over
 * tracers, so it stays one equation when staged (makeJaxpr prints it, jit compiles it) and every
 * interpreter applies its own rule to it. Their rule tables are total maps over this set:
 * abstract evaluation, eager implementation, jvp, partial evaluation, transpose and batching in
 * src/grad/higher/, lowerings in each backend (cpu/jit/control.ts, webgpu/control.ts) and in
 * src/onnx/control.ts. They live here, below src/grad, because the backends lower them.
 */
import type { Aval } from './aval';
import type { Tensor } from './core';
import type { ClosedJaxpr } from './jaxpr';

/** Counters of a jitted function, shared by every program derived from it (its jvp, transpose...). */
export interface JitCounters {
  /** Compiled executions, including those reached through transformations. */
  executions: number;
}

/** A call of a compiled program. Operands: the program's arguments. */
export interface JitCallParams {
  readonly jaxpr: ClosedJaxpr;
  /** Per operand: may the compiled program reuse its buffer for an output (it becomes invalid)? */
  readonly donate: readonly boolean[];
  readonly name: string;
  /** The jitted function's counters (not printed). */
  readonly _counters?: JitCounters;
}

/**
 * `switch`: operands are an int32 scalar index (in range: the op layer clamps it), then the
 * branches' operands; runs `branches[index]`. `cond(pred, t, f)` is index `pred` over [f, t].
 */
export interface CondParams {
  readonly branches: readonly ClosedJaxpr[];
}

/**
 * A loop over the leading axis of the xs. Operands: consts (read by every iteration), the
 * initial carry, the xs. The body maps [consts, carry, x slices] to [carry, y slices]; outputs
 * are the final carry, then the ys stacked along a new leading axis of size `length`.
 */
export interface ScanParams {
  readonly body: ClosedJaxpr;
  readonly nConsts: number;
  readonly nCarry: number;
  readonly length: number;
  /** Iterate from the last index to the first (ys keep the input order). */
  readonly reverse: boolean;
}

/**
 * `while cond(condConsts, carry): carry = body(bodyConsts, carry)`. Operands: the cond's consts,
 * the body's consts, the initial carry; outputs: the final carry.
 */
export interface WhileParams {
  readonly cond: ClosedJaxpr;
  readonly body: ClosedJaxpr;
  readonly nCondConsts: number;
  readonly nBodyConsts: number;
}

/**
 * A function with a hand-written forward-mode rule. Operands: values the function closes over
 * (`nConsts`, hoisted out of its jaxpr; they have no tangent), then its arguments. `call` runs
 * the function; `jvp` is the user's rule over flat lists (primals, tangents), traced when the
 * equation is differentiated.
 */
export interface CustomJvpParams {
  readonly call: ClosedJaxpr;
  readonly jvp: (primals: Tensor[], tangents: Tensor[]) => [Tensor[], Tensor[]];
  readonly nConsts: number;
}

/**
 * A function with a hand-written reverse-mode rule. Operands as for customJvpCall. `fwd` returns
 * the outputs and the residuals; `bwd` maps residuals and output cotangents to the arguments'
 * cotangents. Both are the user's functions over flat lists, traced when the equation is
 * differentiated (bwd when its transpose is staged or run).
 */
export interface CustomVjpParams {
  readonly call: ClosedJaxpr;
  readonly fwd: (...xs: Tensor[]) => { outs: Tensor[]; res: Tensor[] };
  readonly bwd: (res: Tensor[], cts: Tensor[]) => Tensor[];
  readonly nConsts: number;
}

/** The tangent map of a customVjp call, known only through its transpose (bwd). Operands: the residuals, then the argument tangents. */
export interface CustomVjpLinearParams {
  readonly bwd: (res: Tensor[], cts: Tensor[]) => Tensor[];
  readonly nRes: number;
  readonly outAvals: readonly Aval[];
}

/**
 * What a checkpointed function may keep between the forward and the backward pass: its inputs
 * only (recompute everything else, JAX's default), also the outputs of matrix products, or
 * everything (an ordinary function).
 */
export type CheckpointPolicy = 'nothingSaveable' | 'dotsSaveable' | 'everythingSaveable';

/** Rematerialization (JAX's remat): the program's intermediates are recomputed in the backward pass instead of stored. */
export interface CheckpointParams {
  readonly jaxpr: ClosedJaxpr;
  readonly policy: CheckpointPolicy;
}

export interface HigherOrderParams {
  jitCall: JitCallParams;
  cond: CondParams;
  scan: ScanParams;
  whileLoop: WhileParams;
  customJvpCall: CustomJvpParams;
  customVjpCall: CustomVjpParams;
  customVjpLinear: CustomVjpLinearParams;
  checkpoint: CheckpointParams;
}

export type HigherOrderPrim = keyof HigherOrderParams;

/** What each higher-order primitive is, in a word (also the total list of them). */
const HIGHER_ORDER_DESCRIPTIONS = {
  jitCall: 'a call of a compiled program',
  cond: 'a choice of one branch by an index',
  scan: 'a loop over the leading axis',
  whileLoop: 'a loop while a predicate holds',
  customJvpCall: 'a function with a custom jvp rule',
  customVjpCall: 'a function with a custom vjp rule',
  customVjpLinear: 'the tangent map of a custom vjp',
  checkpoint: 'a rematerialized function',
} as const satisfies { [P in HigherOrderPrim]: string };

export const HIGHER_ORDER_PRIMS = Object.keys(HIGHER_ORDER_DESCRIPTIONS) as readonly HigherOrderPrim[];

const higherOrderSet = new Set<string>(HIGHER_ORDER_PRIMS);
export const isHigherOrder = (name: string): name is HigherOrderPrim => higherOrderSet.has(name);

/** Every backend's answer to a customVjp function reached by forward mode (it has no jvp rule). */
export const customVjpForwardError = 'customVjp: forward-mode differentiation (jvp, jacfwd, linearize applied forward) is not available for a function with a custom vjp rule; use customJvp for forward mode';

/**
 * A compiled backend's rows for the higher-order primitives it never lowers: calls of closed
 * programs, which jit splices in before lowering (reaching one is an internal error), and
 * customVjpLinear, the forward-mode tangent of a customVjp function (customVjpForwardError).
 * `lowering` names the backend's lowering in the internal error.
 */
export function neverLowered(lowering: string) {
  const spliced = (prim: string) => (): never => {
    throw new Error(`internal: ${prim} reached the ${lowering}; jit splices calls of closed programs in before lowering`);
  };
  return {
    jitCall: spliced('jitCall'),
    customJvpCall: spliced('customJvpCall'),
    customVjpCall: spliced('customVjpCall'),
    checkpoint: spliced('checkpoint'),
    customVjpLinear: (): never => {
      throw new Error(customVjpForwardError);
    },
  };
}
