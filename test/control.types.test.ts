/**
 * The public types of control flow, custom rules and checkpoint are inferred from the user's
 * functions (no `any`): branch and body arguments are the operands as traced tensors, results
 * keep the functions' structure.
 */
import { describe, expectTypeOf, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';

describe('control-flow types', () => {
  const x = T.ones([3]);
  it('cond, switch, scan, whileLoop, fori', () => {
    expectTypeOf(T.cond(true, (v) => ({ a: T.sin(v), b: [v] as const }), (v) => ({ a: v, b: [v] as const }), x)).toExtend<{ a: Tensor; b: readonly [Tensor] }>();
    T.cond(true, (v, n) => {
      expectTypeOf(v).toEqualTypeOf<Tensor>();
      expectTypeOf(n).toExtend<{ w: Tensor }>();
      return v;
    }, (v) => v, x, { w: x });
    expectTypeOf(T.switchCase(1, [(v: Tensor) => T.sin(v), (v: Tensor) => v], x)).toEqualTypeOf<Tensor>();
    const [carry, ys] = T.scan((c, xi) => {
      expectTypeOf(c).toExtend<{ h: Tensor; n: Tensor }>();
      expectTypeOf(xi).toEqualTypeOf<Tensor>();
      return [c, { y: xi }] as const;
    }, { h: x, n: 0 }, T.ones([4, 3]));
    expectTypeOf(carry).toExtend<{ h: Tensor; n: Tensor }>();
    expectTypeOf(ys).toExtend<{ y: Tensor }>();
    expectTypeOf(T.whileLoop((c) => T.less(T.sum(c), 9), (c) => T.mul(c, 2), x)).toEqualTypeOf<Tensor>();
    expectTypeOf(T.fori(0, 3, (i, c) => T.add(c, T.astype(i, 'float32')), x)).toEqualTypeOf<Tensor>();
    // @ts-expect-error: the body must return a carry of the structure it receives
    expectTypeOf(() => T.scan((c) => [{ h: c.h }, null] as const, { h: x, n: x }, null, { length: 2 })).toBeFunction();
    // @ts-expect-error: the branches take the operands
    expectTypeOf(() => T.cond(true, (v: Tensor, w: Tensor) => T.add(v, w), (v: Tensor) => v, x)).toBeFunction();
  });

  it('customJvp, customVjp, checkpoint keep the function type', () => {
    const f = (a: Tensor, b: Tensor) => T.mul(a, b);
    const g = T.customJvp(f, ([a, b], [ta, tb]) => [f(a, b), T.add(T.mul(ta, b), T.mul(a, tb))]);
    expectTypeOf(g).toEqualTypeOf<(a: Tensor, b: Tensor) => Tensor>();
    const h = T.customVjp(f, (a, b) => [f(a, b), { a, b }], (res, ct) => [T.mul(ct, res.b), T.mul(ct, res.a)]);
    expectTypeOf(h).toEqualTypeOf<(a: Tensor, b: Tensor) => Tensor>();
    expectTypeOf(T.checkpoint(f)).toEqualTypeOf<(a: Tensor, b: Tensor) => Tensor>();
  });
});
