/**
 * checkGrads: test a function's derivatives (including hand-written customJvp/customVjp rules)
 * against central finite differences, like jax.test_util.check_grads. `gradsMatchFiniteDifferences`
 * is the same check as a law (true or the reason); `checkGrads` throws the reason instead.
 *
 *   checkGrads((x) => sum(sin(x)), [x]);                               // true, or throws
 *   checkGrads(myLayer, [params, x], { order: 2, modes: ['rev'] });
 *   gradsMatchFiniteDifferences(f, [x], { approx: approx({ rtol: 1e-4 }) }); // true or why not
 */
import { jvp, vjp } from '../src/grad';
import { flatten } from '../src/tree';
import { approx as makeApprox, precisionOf, type Approx } from './approx';
import { absDot, axpby, randomLike, Rng, vdot } from './gradUtil';
import { assertLaw, labelled, type LawResult } from './result';

type Fn = (...args: any[]) => any;

export interface CheckGradsOptions {
  /** 1: first derivatives; 2: also the derivatives of the derivative maps (default 1). */
  readonly order?: 1 | 2;
  /** 'fwd' checks jvp, 'rev' checks vjp (default both). */
  readonly modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step (default 1e-6 when every input is float64, 1e-3 with float32 inputs). */
  readonly eps?: number;
  /** The tolerance (default `checkGradsApprox`). */
  readonly approx?: Approx;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
}

/** Central differences keep about half the digits: float64 to 1e-5, float32 to 1e-2. */
export const checkGradsApprox: Approx = makeApprox({ float64: { rtol: 1e-5, atol: 1e-5 }, float32: { rtol: 1e-2, atol: 1e-2 } });

const OPTIONS = ['order', 'modes', 'eps', 'approx', 'seed'];

/** Central differences of f at args in direction v: (f(x + eps v) - f(x - eps v)) / 2 eps. */
function finiteDifference(f: Fn, args: readonly unknown[], v: unknown, eps: number): unknown {
  return axpby(0.5 / eps, f(...axpby(1, args, eps, v)), -0.5 / eps, f(...axpby(1, args, -eps, v)));
}

/** jvp(f, x, v) against central differences in a random direction v. */
function jvpAgrees(f: Fn, args: readonly unknown[], rng: Rng, eps: number, tol: Approx): LawResult {
  const v = randomLike(args, rng);
  return tol.equals(jvp(f, args, v)[1], finiteDifference(f, args, v, eps));
}

/** <u, J v> from the vjp against <u, finite difference in v> for random u, v. */
function vjpAgrees(f: Fn, args: readonly unknown[], rng: Rng, eps: number, tol: Approx): LawResult {
  const v = randomLike(args, rng);
  const [y, back] = vjp(f, ...args);
  const u = randomLike(y, rng);
  const fd = finiteDifference(f, args, v, eps);
  return labelled('<u, J v> for random u, v', tol.equals(vdot(back(u), v), vdot(u, fd), { relative: absDot(u, fd), precision: precisionOf(args, y) }));
}

function validate(args: readonly unknown[], options: CheckGradsOptions): void {
  for (const k of Object.keys(options)) if (!OPTIONS.includes(k)) throw new Error(`checkGrads: unknown option '${k}'; expected one of ${OPTIONS.join(', ')} (tolerances are given as approx: approx({ rtol, atol }))`);
  if (!Array.isArray(args)) throw new Error('checkGrads: args must be an array of the positional arguments');
  if (options.order !== undefined && options.order !== 1 && options.order !== 2) throw new Error(`checkGrads: order must be 1 or 2, got ${String(options.order)}`);
  for (const m of options.modes ?? []) if (m !== 'fwd' && m !== 'rev') throw new Error(`checkGrads: modes must hold 'fwd' and/or 'rev', got ${JSON.stringify(m)}`);
  if (options.eps !== undefined && !(options.eps > 0)) throw new Error(`checkGrads: eps must be a positive number, got ${String(options.eps)}`);
  if (flatten(args)[0].length === 0) throw new Error('checkGrads: no arguments to differentiate');
}

/**
 * The law behind checkGrads: f's derivatives at `args` (an array of positional pytree arguments
 * of float tensors) match central finite differences in random directions. With order 2 the
 * derivative maps themselves are checked too: for 'fwd' x ↦ jvp(f, x, v), for 'rev'
 * x ↦ vjp(f, x)(u). Returns true, or the mode, the order and where the numbers differ.
 */
export function gradsMatchFiniteDifferences(f: Fn, args: readonly unknown[], options: CheckGradsOptions = {}): LawResult {
  validate(args, options);
  const eps = options.eps ?? (precisionOf(args) === 'float32' ? 1e-3 : 1e-6);
  const tol = options.approx ?? checkGradsApprox;
  const modes = options.modes ?? ['fwd', 'rev'];
  const order = options.order ?? 1;
  const rng = new Rng(options.seed ?? 0);
  const check = (g: Fn, xs: readonly unknown[], k: number): LawResult => {
    if (modes.includes('fwd')) {
      const r = labelled(`fwd-mode derivative (jvp) (order ${k}) vs central finite differences (eps ${eps})`, jvpAgrees(g, xs, rng, eps, tol));
      if (r !== true) return r;
      if (k < order) {
        const v = randomLike(xs, rng);
        const r2 = check((...ys: unknown[]) => jvp(g, ys, v)[1], xs, k + 1);
        if (r2 !== true) return r2;
      }
    }
    if (modes.includes('rev')) {
      const r = labelled(`rev-mode derivative (vjp) (order ${k}) vs central finite differences (eps ${eps})`, vjpAgrees(g, xs, rng, eps, tol));
      if (r !== true) return r;
      if (k < order) {
        const u = randomLike(g(...xs), rng);
        return check((...ys: unknown[]) => vjp(g, ...ys)[1](u), xs, k + 1);
      }
    }
    return true;
  };
  return check(f, args, 1);
}

/**
 * Check f's derivatives against central finite differences (see gradsMatchFiniteDifferences);
 * returns true, or throws an Error naming the mode, the order, where the derivative differs,
 * both numbers and the tolerance.
 */
export function checkGrads(f: Fn, args: readonly unknown[], options: CheckGradsOptions = {}): true {
  return assertLaw(gradsMatchFiniteDifferences(f, args, options), 'checkGrads');
}
