/**
 * checkGrads: test a function's derivatives (including hand-written customJvp/customVjp rules)
 * against central finite differences, like jax.test_util.check_grads.
 *
 *   checkGrads((x) => sum(sin(x)), [x]);                               // true, or throws
 *   checkGrads(myLayer, [params, x], { order: 2, modes: ['rev'] });
 */
import * as T from '../src/tensor';
import { jvp, vjp } from '../src/grad';
import { flatten } from '../src/tree';
import { axpby, randomLike, Rng, tensorLeaves, vdot } from './gradUtil';

type Fn = (...args: any[]) => any;

export interface CheckGradsOptions {
  /** 1: first derivatives; 2: also the derivatives of the derivative maps (default 1). */
  readonly order?: 1 | 2;
  /** 'fwd' checks jvp, 'rev' checks vjp (default both). */
  readonly modes?: readonly ('fwd' | 'rev')[];
  /** Finite-difference step (default 1e-6 for float64 inputs, 1e-3 for float32). */
  readonly eps?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
}

const isF32 = (args: unknown): boolean => tensorLeaves(args).some((t) => t.dtype === 'float32');

function fail(what: string, order: number, detail: string): never {
  throw new Error(`checkGrads: ${what} (order ${order}) does not match finite differences: ${detail}`);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(8);
}

/** Central differences of f at args in direction v: (f(x + eps v) - f(x - eps v)) / 2 eps. */
function finiteDifference(f: Fn, args: readonly unknown[], v: unknown, eps: number): unknown {
  return axpby(0.5 / eps, f(...axpby(1, args, eps, v)), -0.5 / eps, f(...axpby(1, args, -eps, v)));
}

/** Compare two trees elementwise: |got - expected| <= atol + rtol * |expected|. */
function compareTrees(what: string, order: number, expected: unknown, got: unknown, atol: number, rtol: number): void {
  const es = tensorLeaves(expected), gs = tensorLeaves(got);
  if (es.length !== gs.length) fail(what, order, `expected ${es.length} output leaves, got ${gs.length}`);
  es.forEach((e, i) => {
    const g = gs[i]!;
    if (!T.shapeEqual(e.shape, g.shape)) fail(what, order, `output leaf ${i} has shape [${g.shape}], expected [${e.shape}]`);
    const ev = e.dataSync(), gv = g.dataSync();
    for (let k = 0; k < ev.length; k++) {
      const tol = atol + rtol * Math.abs(ev[k]!);
      if (!(Math.abs(ev[k]! - gv[k]!) <= tol)) {
        fail(what, order, `output leaf ${i} element ${k}: expected ${fmt(ev[k]!)} (finite differences), got ${fmt(gv[k]!)} (difference ${fmt(Math.abs(ev[k]! - gv[k]!))}, tolerance ${fmt(tol)})`);
      }
    }
  });
}

/** jvp(f, x, v) against central differences in a random direction v. */
function checkJvp(f: Fn, args: readonly unknown[], rng: Rng, order: number, eps: number, atol: number, rtol: number): void {
  const v = randomLike(args, rng);
  const dy = jvp(f, args, v)[1];
  compareTrees('fwd-mode derivative (jvp)', order, finiteDifference(f, args, v, eps), dy, atol, rtol);
}

/** <u, J v> from the vjp against <u, finite difference in v> for random u, v. */
function checkVjp(f: Fn, args: readonly unknown[], rng: Rng, order: number, eps: number, atol: number, rtol: number): void {
  const v = randomLike(args, rng);
  const [y, back] = vjp(f, ...args);
  const u = randomLike(y, rng);
  const expected = vdot(u, finiteDifference(f, args, v, eps));
  const got = vdot(back(u), v);
  const tol = atol + rtol * Math.abs(expected);
  if (!(Math.abs(expected - got) <= tol)) {
    fail('rev-mode derivative (vjp)', order, `<u, J v> for random u, v: expected ${fmt(expected)} (finite differences), got ${fmt(got)} (difference ${fmt(Math.abs(expected - got))}, tolerance ${fmt(tol)})`);
  }
}

/**
 * Check f's derivatives at `args` (an array of positional pytree arguments of float tensors)
 * against central finite differences in random directions. With order 2 the derivative maps
 * themselves are checked too: for 'fwd' x ↦ jvp(f, x, v), for 'rev' x ↦ vjp(f, x)(u).
 * Throws an Error naming the mode, the order and the expected and computed numbers on a
 * mismatch; returns true otherwise.
 */
export function checkGrads(f: Fn, args: readonly unknown[], options: CheckGradsOptions = {}): true {
  const f32 = isF32(args);
  const eps = options.eps ?? (f32 ? 1e-3 : 1e-6);
  const atol = options.atol ?? (f32 ? 1e-2 : 1e-5);
  const rtol = options.rtol ?? (f32 ? 1e-2 : 1e-5);
  const modes = options.modes ?? ['fwd', 'rev'];
  const order = options.order ?? 1;
  if (!Array.isArray(args)) throw new Error('checkGrads: args must be an array of the positional arguments');
  if (order !== 1 && order !== 2) throw new Error(`checkGrads: order must be 1 or 2, got ${String(order)}`);
  const rng = new Rng(options.seed ?? 0);
  const check = (g: Fn, xs: readonly unknown[], k: number): void => {
    if (modes.includes('fwd')) {
      checkJvp(g, xs, rng, k, eps, atol, rtol);
      if (k < order) {
        const v = randomLike(xs, rng);
        check((...ys: unknown[]) => jvp(g, ys, v)[1], xs, k + 1);
      }
    }
    if (modes.includes('rev')) {
      checkVjp(g, xs, rng, k, eps, atol, rtol);
      if (k < order) {
        const u = randomLike(g(...xs), rng);
        check((...ys: unknown[]) => vjp(g, ...ys)[1](u), xs, k + 1);
      }
    }
  };
  if (flatten(args)[0].length === 0) throw new Error('checkGrads: no arguments to differentiate');
  check(f, args, 1);
  return true;
}
