/**
 * What a law predicate returns: `true` when the law holds, otherwise a sentence saying why it
 * does not (which values, where, against what tolerance). A failing law explains itself, so a
 * runner only has to pass the reason on.
 *
 *   const r = pushforwardPullbackDuality(f, [x], 7);
 *   if (r !== true) console.log(r); // '<u, J v> vs <Jᵀ u, v>: 0.41 vs 0.43 differ by ...'
 */
export type LawResult = true | string;

/**
 * `true` when `ok`, otherwise the reason (a function is only called on failure, so building the
 * message costs nothing when the law holds).
 *
 *   check(y.shape.length === 2, () => `expected a matrix, got [${y.shape}]`);
 */
export function check(ok: boolean, reason: string | (() => string)): LawResult {
  if (ok) return true;
  return typeof reason === 'string' ? reason : reason();
}

/**
 * A failure prefixed with what was being compared; `true` stays `true`.
 *
 *   labelled('jit(f) vs f', bitwise.equals(jit(f)(x), f(x)));   // 'jit(f) vs f: index [2]: ...'
 */
export function labelled(label: string, result: LawResult): LawResult {
  return result === true ? true : `${label}: ${result}`;
}

/**
 * Run checks in order and stop at the first failure, labelled with the check's name; `true` when
 * every check holds. Checks are thunks so that later ones are not computed after a failure.
 *
 *   allOf(['values', () => tol.equals(y1, y2)], ['structure', () => sameAvals(g, args)]);
 */
export function allOf(...checks: readonly (readonly [label: string, run: () => LawResult])[]): LawResult {
  for (const [label, run] of checks) {
    const r = run();
    if (r !== true) return labelled(label, r);
  }
  return true;
}

/** The error a failed law throws from `assertLaw`; its message is the reason. */
export class LawViolation extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LawViolation';
  }
}

/**
 * Throw a `LawViolation` carrying the reason when a law fails; return `true` when it holds. For
 * test assertions and for APIs that throw (`checkGrads`).
 *
 *   assertLaw(jitMatchesEager(f, [x]));          // true, or throws with the first differing element
 *   expect(assertLaw(vmapMatchesLoop(f, ex, { inAxes: [0] }))).toBe(true);
 */
export function assertLaw(result: LawResult, context?: string): true {
  if (result === true) return true;
  throw new LawViolation(context ? `${context}: ${result}` : result);
}
