/**
 * Control flow, custom rules, checkpoint and jit as staged higher-order primitives: the cases of
 * issue 11 (custom rules under grad(jit), no NaN leaking from an untaken branch), structural facts
 * (one branch runs, loops are not unrolled: jaxpr size and compiled steps independent of length,
 * grad of a scan is a scan, loop-invariant residuals are not stacked), errors at trace time in
 * every mode, the jit cache (LRU, clearCache, executions counted through transformations) and the
 * residual memory saved by checkpoint. The laws on random programs are in control.programs.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import { definePrimitive } from '../src/extend';
import { linearizeFlat } from '../src/grad/flat';
import { approx } from '../laws/approx';

const f64 = (v: number | number[] | number[][]) => T.tensor(v as number[], { dtype: 'float64' });
const close = approx({ float64: { rtol: 1e-12, atol: 1e-12 }, float32: { rtol: 1e-6, atol: 1e-6 } });
const expectClose = (a: unknown, b: unknown) => expect(close.equals(a, b)).toBe(true);

/** A primitive that counts how often its CPU kernel runs (also inside compiled programs). */
let kernelRuns = 0;
const counted = definePrimitive<Record<string, never>>({
  name: 'controlTestCounted',
  abstractEval: ([x]) => x!,
  cpu: ([x], _p, out) => {
    kernelRuns++;
    out.data.set(x!.data);
  },
  jvp: (_xs, [t]) => t!,
  transpose: (ct) => [ct],
});
const countedCopy = (x: Tensor) => counted([x], {});

describe('cond and switch', () => {
  it('run only the selected branch, eagerly and compiled', () => {
    const heavy = (v: Tensor) => T.mul(countedCopy(v), 3);
    const f = (p: Tensor, v: Tensor) => T.cond(p, heavy, (u: Tensor) => T.neg(u), v);
    const jf = T.jit(f);
    for (const g of [f, jf]) {
      kernelRuns = 0;
      expect((g(T.scalar(false), f64([1, 2])) as Tensor).toArray()).toEqual([-1, -2]);
      expect(kernelRuns).toBe(0);
      expect((g(T.scalar(true), f64([1, 2])) as Tensor).toArray()).toEqual([3, 6]);
      expect(kernelRuns).toBe(1);
    }
    expect(jf.stats.traces).toBe(1);
  });

  it('grad through jit(cond) differentiates only the taken branch: no NaN from sqrt at -1', () => {
    const g = T.grad((x: Tensor) => T.sum(T.jit((u: Tensor) => T.cond(T.greater(u, 0), T.sqrt, (v: Tensor) => T.mul(v, 0), u))(x)));
    expect((g(T.scalar(-1)) as Tensor).item()).toBe(0);
    expect((g(T.scalar(4)) as Tensor).item()).toBe(0.25);
    expect((T.jit(g)(T.scalar(-1)) as Tensor).item()).toBe(0);
  });

  it('switch clamps its index, batches a per-example index as a select, and stays one equation', () => {
    const branches = [(v: Tensor) => T.sin(v), (v: Tensor) => T.cos(v), (v: Tensor) => T.neg(v)];
    const f = (k: Tensor, v: Tensor) => T.switchCase(k, branches, v);
    const x = f64([0.5]);
    expectClose(f(T.scalar(-4, 'int32'), x), T.sin(x));
    expectClose(f(T.scalar(9, 'int32'), x), T.neg(x));
    expectClose(T.jit(f)(T.scalar(1, 'int32'), x), T.cos(x));
    const ks = T.tensor([2, 0, 1], { dtype: 'int32' });
    const xs = f64([[1], [2], [3]]);
    const want = f64([[-1], [Math.sin(2)], [Math.cos(3)]]);
    expectClose(T.vmap(f)(ks, xs), want);
    expectClose(T.jit(T.vmap(f))(ks, xs), want);
    const jaxpr = T.makeJaxpr(f)(T.scalar(1, 'int32'), x);
    expect(jaxpr.eqns.filter((e) => e.prim === 'cond')).toHaveLength(1);
    expect(T.switch).toBe(T.switchCase);
  });

  it('refuses branches of different shapes or structure at trace time, eagerly too, naming them', () => {
    const x = f64([1, 2]);
    const mismatch = (v: Tensor) => T.cond(true, (u: Tensor) => u, (u: Tensor) => T.sum(u), v);
    expect(() => mismatch(x)).toThrow(/cond: every branch must return the same shapes and dtypes; falseFn returns \[float64\[\]\], trueFn returns \[float64\[2\]\]/);
    expect(() => T.jit(mismatch)(x)).toThrow(/falseFn returns \[float64\[\]\]/);
    expect(() => T.switchCase(0, [(u: Tensor) => u, ((u: Tensor) => [u, u]) as never], x)).toThrow(/switch: every branch must return the same structure/);
    expect(() => T.cond(T.ones([2]), (u: Tensor) => u, (u: Tensor) => u, x)).toThrow(/cond: the predicate must be a boolean or a tensor with one element, got float32\[2\]/);
    expect(() => T.switchCase(T.scalar(1.5), [(u: Tensor) => u], x)).toThrow(/switch: the index must be an integer/);
  });
});

describe('scan', () => {
  const hidden = 6;
  const w = T.mul(T.reshape(T.sin(T.arange(0, hidden * hidden, 1, 'float64')), [hidden, hidden]), 0.3);
  const rnn = (wt: Tensor, xs: Tensor) => {
    const [h, hs] = T.scan((c: Tensor, x: Tensor) => {
      const n = T.tanh(T.add(T.matmul(c, wt), x));
      return [n, n] as const;
    }, T.zeros([hidden], 'float64'), xs);
    return T.add(T.sum(h), T.mean(hs as Tensor));
  };
  const xsOf = (n: number) => T.reshape(T.cos(T.arange(0, n * hidden, 1, 'float64')), [n, hidden]);

  it('is not unrolled: the jaxpr and the compiled program do not grow with the length', () => {
    const size = (n: number) => T.makeJaxpr(rnn)(w, xsOf(n)).toString().length;
    expect(size(2048)).toBeLessThan(size(16) * 1.1);
    const gradSize = (n: number) => T.makeJaxpr(T.grad(rnn))(w, xsOf(n)).toString().length;
    expect(gradSize(2048)).toBeLessThan(gradSize(16) * 1.1);
    const steps = (n: number) => T.jit(T.grad(rnn)).profile(w, xsOf(n)).length;
    expect(steps(512)).toBe(steps(4));
  });

  it('differentiates as a scan (reverse mode is a reverse scan), equal to the unrolled loop', () => {
    const unrolled = (wt: Tensor, xs: Tensor) => {
      let h = T.zeros([hidden], 'float64');
      const hs: Tensor[] = [];
      for (let i = 0; i < xs.shape[0]!; i++) {
        h = T.tanh(T.add(T.matmul(h, wt), T.reshape(T.slice(xs, [{ start: i, stop: i + 1 }]), [hidden])));
        hs.push(h);
      }
      return T.add(T.sum(h), T.mean(T.stack(hs)));
    };
    const xs = xsOf(5);
    const want = T.grad(unrolled, { argnums: [0, 1] })(w, xs);
    expectClose(T.grad(rnn, { argnums: [0, 1] })(w, xs), want);
    expectClose(T.grad(T.jit(rnn), { argnums: [0, 1] })(w, xs), want);
    expectClose(T.jit(T.grad(rnn, { argnums: [0, 1] }))(w, xs), want);
    const grads = T.makeJaxpr(T.grad(rnn))(w, xs);
    expect(grads.eqns.filter((e) => e.prim === 'scan').length).toBeGreaterThanOrEqual(2);
    expect(grads.eqns.some((e) => e.prim === 'scan' && e.params.reverse === true)).toBe(true);
  });

  it('stacks per-iteration residuals and hoists loop-invariant ones (the weight is not stacked)', () => {
    const n = 7;
    const { consts } = linearizeFlat((wt) => [rnn(wt, xsOf(n))], [w]);
    const shapes = consts.map((c) => c.shape.join('x'));
    expect(shapes.some((s) => s.startsWith(`${n}x`))).toBe(true);
    expect(shapes).not.toContain(`${n}x${hidden}x${hidden}`);
  });

  it('takes pytrees, null xs with a length, reverse; refuses a changed carry naming the leaf and shapes', () => {
    const [c, ys] = T.scan((acc: { a: Tensor; b: Tensor }, x: { u: Tensor }) => [{ a: T.add(acc.a, x.u), b: acc.b }, T.mul(acc.a, 2)] as const, { a: f64(0), b: f64(1) }, { u: f64([1, 2, 3]) });
    expect(c.a.item()).toBe(6);
    expect((ys as Tensor).toArray()).toEqual([0, 2, 6]);
    const [, rev] = T.scan((acc: Tensor, x: Tensor) => [T.add(acc, x), acc] as const, f64(0), f64([1, 2, 3]), { reverse: true });
    expect((rev as Tensor).toArray()).toEqual([5, 3, 0]);
    const [count] = T.scan((k: Tensor) => [T.add(k, 1), null] as const, T.scalar(0, 'int32'), null, { length: 4 });
    expect(count.item()).toBe(4);
    expect(() => T.scan((k: Tensor) => [T.stack([k, k]), null] as const, f64(0), null, { length: 2 })).toThrow(/scan: the body changes carry leaf 0 from float64\[\] to float64\[2\]/);
    expect(() => T.scan((k: Tensor) => [k, null] as const, f64(0), null)).toThrow(/scan: pass options.length when xs is null/);
    expect(() => T.scan((k: Tensor) => [k, null] as const, f64(0), null, { lenght: 2 } as never)).toThrow(/unknown option "lenght"/);
  });
});

describe('whileLoop and fori', () => {
  const doubling = (x: Tensor) => T.whileLoop((c: Tensor) => T.less(T.sum(c), 10), (c: Tensor) => T.mul(c, 2), x);

  it('loops eagerly and compiled, is forward-mode differentiable, and batches per-example trip counts', () => {
    expect(doubling(f64([1, 1])).toArray()).toEqual([8, 8]);
    expect(T.jit(doubling)(f64([1, 1])).toArray()).toEqual([8, 8]);
    expect((T.jvp(doubling, [f64([1, 1])], [f64([1, 0])])[1] as Tensor).toArray()).toEqual([8, 0]);
    const batch = f64([[1, 1], [3, 4], [0.1, 0.1]]);
    const want = [[8, 8], [6, 8], [6.4, 6.4]];
    expectClose(T.vmap(doubling)(batch), f64(want));
    expectClose(T.jit(T.vmap(doubling))(batch), f64(want));
  });

  it('refuses reverse mode, pointing to scan and fori with static bounds', () => {
    expect(() => T.grad((x: Tensor) => T.sum(doubling(x)))(f64([1, 1]))).toThrow(/whileLoop: reverse-mode differentiation .* use scan, or fori with static bounds/);
    expect(() => T.whileLoop(() => T.scalar(1), (c: Tensor) => c, f64(1))).toThrow(/condFn must return a boolean or a bool tensor with one element, got float32\[\]/);
  });

  it('fori with static bounds is a scan (reverse mode works); with traced bounds a whileLoop', () => {
    const powered = (x: Tensor) => T.fori(0, 3, (_i: Tensor, c: Tensor) => T.mul(c, c), x);
    expect(T.makeJaxpr(powered)(f64(1.5)).eqns.map((e) => e.prim)).toContain('scan');
    expect((T.grad(powered)(f64(1.5)) as Tensor).item()).toBeCloseTo(8 * 1.5 ** 7, 10);
    const counted = T.jit((x: Tensor, n: Tensor) => T.fori(0, n, (i: Tensor, c: Tensor) => T.add(c, T.astype(i, 'float64')), x));
    expect(counted(f64(0), T.scalar(5, 'int32')).item()).toBe(10);
    expect(T.makeJaxpr((x: Tensor, n: Tensor) => T.fori(0, n, (_i: Tensor, c: Tensor) => c, x))(f64(0), T.scalar(5, 'int32')).eqns.map((e) => e.prim)).toContain('whileLoop');
  });
});

describe('custom rules survive staging', () => {
  const naive = (v: Tensor) => T.log(T.add(1, T.exp(v)));
  const log1pexp = T.customJvp(naive, ([v], [t]) => [naive(v), T.mul(t, T.sub(1, T.div(1, T.add(1, T.exp(v)))))]);
  const clipGradient = T.customVjp((v: Tensor) => v, (v: Tensor) => [v, null], (_res: null, g: Tensor) => [T.clip(g, -1, 1)]);
  const loss = (w: Tensor) => T.sum(T.mul(clipGradient(w), T.tensor([0.5, -3, 2])));

  it('customJvp: grad(jit(f))(100) is 1, like grad(f) and jit(grad(f)); makeJaxpr shows the call', () => {
    const x = T.scalar(100);
    for (const g of [T.grad(log1pexp), T.grad(T.jit(log1pexp)), T.jit(T.grad(log1pexp))]) expect((g(x) as Tensor).item()).toBe(1);
    expect(T.makeJaxpr(log1pexp)(x).toString()).toMatch(/customJvpCall\[\s+call=/);
    expectClose(T.vmap(T.grad(T.jit(log1pexp)))(T.tensor([100, 200])), T.tensor([1, 1]));
  });

  it('customVjp: the clipped cotangent under grad(jit(loss)) and jit(grad(loss)); makeJaxpr shows the call', () => {
    const w = T.tensor([1, 2, 3]);
    for (const g of [T.grad(loss), T.grad(T.jit(loss)), T.jit(T.grad(loss))]) expect((g(w) as Tensor).toArray()).toEqual([0.5, -1, 1]);
    expect(T.makeJaxpr(loss)(w).toString()).toMatch(/customVjpCall\[\s+call=/);
    expectClose(T.vmap(T.grad(T.jit(loss)))(T.stack([w, w])), T.tensor([[0.5, -1, 1], [0.5, -1, 1]]));
  });

  it('refuses to differentiate through a value the function closes over (its rule cannot know it)', () => {
    const x = f64(2);
    const g = T.grad((a: Tensor) => T.customJvp((v: Tensor) => T.mul(v, a), ([v], [t]) => [T.mul(v, a), T.mul(t, a)])(x));
    expect(() => g(f64(3))).toThrow(/customJvp: the function is differentiated with respect to a value it closes over/);
  });
});

describe('checkpoint', () => {
  const n = 32;
  const w = T.mul(T.reshape(T.cos(T.arange(0, n * n, 1, 'float64')), [n, n]), 0.2);
  const block = (x: Tensor) => T.mul(T.tanh(T.matmul(T.sin(x), w)), T.cos(x));
  const stack = (b: (x: Tensor) => Tensor, depth = 12) => (x: Tensor) => {
    let h = x;
    for (let i = 0; i < depth; i++) h = b(h);
    return T.sum(h);
  };
  const x = T.reshape(T.sin(T.arange(0, 4 * n, 1, 'float64')), [4, n]);
  /** Bytes of the distinct values linearize keeps for the backward pass (the weight is f's own constant). */
  const residualBytes = (f: (x: Tensor) => Tensor) => [...new Set(linearizeFlat((v) => [f(v)], [x]).consts)].filter((c) => c !== w).reduce((s, c) => s + c.size * 8, 0);

  it('equals the function for values and gradients, eagerly and under jit', () => {
    const plain = stack(block, 3);
    for (const policy of ['nothingSaveable', 'dotsSaveable', 'everythingSaveable'] as const) {
      const remat = stack(T.checkpoint(block, { policy }), 3);
      expect(remat(x).item()).toBe(plain(x).item());
      expectClose(T.grad(remat)(x), T.grad(plain)(x));
      expectClose(T.grad(T.jit(remat))(x), T.grad(plain)(x));
      expectClose(T.jit(T.grad(remat))(x), T.grad(plain)(x));
    }
    expect(T.makeJaxpr(T.checkpoint(block))(x).eqns.map((e) => e.prim)).toEqual(['checkpoint']);
    expect(() => T.checkpoint(block, { policy: 'dots' as never })).toThrow(/checkpoint: options.policy must be one of "nothingSaveable", "dotsSaveable", "everythingSaveable"/);
  });

  it('keeps less between the forward and the backward pass of a deep stack', () => {
    const plain = residualBytes(stack(block));
    const remat = residualBytes(stack(T.checkpoint(block)));
    const dots = residualBytes(stack(T.checkpoint(block, { policy: 'dotsSaveable' })));
    // Per block: plain keeps sin, cos, tanh' and more; remat keeps the block's input only.
    expect(remat).toBe(12 * 4 * n * 8);
    expect(remat * 3).toBeLessThanOrEqual(plain);
    expect(dots).toBe(2 * remat);
    expect(residualBytes(T.checkpoint(stack(block)))).toBe(4 * n * 8);
  });
});

describe('jit is a primitive', () => {
  const mlp = (p: { w: Tensor; b: Tensor }, v: Tensor) => T.sum(T.tanh(T.add(T.matmul(v, p.w), p.b)));
  const params = { w: T.reshape(T.sin(T.arange(0, 12, 1, 'float64')), [3, 4]), b: f64([0.1, 0.2, 0.3, 0.4]) };
  const v = f64([[1, 2, 3], [4, 5, 6]]);

  it('grad, vmap and jvp of a jitted function run compiled programs, derived once', () => {
    const jf = T.jit(mlp);
    const g = T.grad(jf);
    expectClose(g(params, v), T.grad(mlp)(params, v));
    const memo = () => T.makeJaxpr(jf)(params, v).eqns[0]!.params.jaxpr.memo.size;
    const derived = memo();
    const before = jf.stats.executions;
    g(params, v);
    expect(jf.stats.executions - before).toBe(2); // the forward program with residuals, the transposed one
    expect(memo()).toBe(derived);
    expect(jf.stats.traces).toBe(1);
    const batch = T.stack([v, T.neg(v)]);
    const e0 = jf.stats.executions;
    expectClose(T.vmap(jf, { inAxes: [null, 0] })(params, batch), T.vmap(mlp, { inAxes: [null, 0] })(params, batch));
    expect(jf.stats.executions - e0).toBe(1);
    const [, tangent] = T.jvp(jf, [params, v], [params, v]);
    expectClose(tangent, T.jvp(mlp, [params, v], [params, v])[1]);
  });

  it('nests: an inner jit is one equation of the outer jaxpr, spliced in when compiled', () => {
    const inner = T.jit((u: Tensor) => T.sin(u));
    const outer = T.jit((u: Tensor) => T.mul(inner(u), 2));
    expect(T.makeJaxpr(outer)(v).toString()).toMatch(/jitCall\[\s+jaxpr=[\s\S]*jitCall\[\s+jaxpr=/);
    const prims = outer.lower(v).eqns.map((e) => e.prim);
    expect(prims).toContain('jitCall');
    expect(prims).not.toContain('sin');
    expect(outer.profile(v).map((s) => s.step).join(' ')).not.toMatch(/jitCall/);
    expect(outer(v).toArray()).toEqual(T.mul(T.sin(v), 2).toArray());
  });

  it('a program closing over a traced value is correct and not cached', () => {
    const jits: T.Jitted<(u: Tensor) => Tensor>[] = [];
    const g = T.grad((a: Tensor) => {
      const jf = T.jit((u: Tensor) => T.mul(u, a));
      jits.push(jf);
      return T.sum(jf(f64([1, 2])));
    });
    expect((g(f64([3, 4])) as Tensor).toArray()).toEqual([1, 2]);
    expect(jits[0]!.stats.cacheSize).toBe(0);
  });

  it('keeps a least-recently-used cache of cacheSize signatures, and clearCache empties it', () => {
    const jf = T.jit((u: Tensor) => T.mul(u, 2), { cacheSize: 2 });
    jf(T.ones([1]));
    jf(T.ones([2]));
    jf(T.ones([1])); // [1] is now the most recently used
    jf(T.ones([3])); // evicts [2]
    expect(jf.stats).toMatchObject({ traces: 3, cacheSize: 2 });
    jf(T.ones([1]));
    expect(jf.stats.traces).toBe(3);
    jf(T.ones([2]));
    expect(jf.stats.traces).toBe(4);
    jf.clearCache();
    expect(jf.stats.cacheSize).toBe(0);
    jf(T.ones([1]));
    expect(jf.stats.traces).toBe(5);
    expect(T.DEFAULT_JIT_CACHE_SIZE).toBe(64);
    expect(() => T.jit((u: Tensor) => u, { cacheSize: 0 })).toThrow(/jit: options.cacheSize must be an integer >= 1/);
    expect(() => T.jit((u: Tensor) => u, { cachesize: 2 } as never)).toThrow(/unknown option "cachesize"/);
  });
});
