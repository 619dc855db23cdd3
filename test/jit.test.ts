import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '../src';
import * as jitLaws from '../laws/jit';
import { sameValue } from '../laws/approx';
import { donationCases } from './donation.helpers';
import { cpuData } from '../src/tensor';
import { leaves } from '../src/tree';

const f64 = (v: number[] | number[][]) => T.tensor(v, { dtype: 'float64' });
const sameBits = (a: unknown, b: unknown) => expect(sameValue.equals(a, b)).toBe(true);

describe('jit: caching and retracing', () => {
  it('traces once per signature and answers repeats from the cache', () => {
    const jf = T.jit((x: T.Tensor) => T.exp(T.sin(x)));
    jf(T.ones([3]));
    jf(T.zeros([3]));
    jf(T.ones([3]));
    expect(jf.stats).toEqual({ traces: 1, cacheHits: 2, cacheSize: 1, executions: 3 });
    jf(T.ones([4]));
    jf(T.ones([3], 'float64'));
    expect(jf.stats.traces).toBe(3);
  });

  it('retraces when a static argument changes, and not when it repeats', () => {
    const jf = T.jit((x: T.Tensor, cfg: { scale: number }) => T.mul(x, cfg.scale), { staticArgnums: 1 });
    expect(jf(T.ones([2]), { scale: 2 }).toArray()).toEqual([2, 2]);
    expect(jf(T.ones([2]), { scale: 2 }).toArray()).toEqual([2, 2]);
    expect(jf.stats.traces).toBe(1);
    expect(jf(T.ones([2]), { scale: 3 }).toArray()).toEqual([3, 3]);
    expect(jf.stats.traces).toBe(2);
  });

  it('keys a static plain object by value in any key order, nested objects included', () => {
    type Config = { scale: number; shift: number; inner: { a: number; b: number[] } };
    const jf = T.jit((x: T.Tensor, cfg: Config) => T.add(T.mul(x, cfg.scale), cfg.shift + cfg.inner.a), { staticArgnums: 1 });
    expect(jf(T.ones([2]), { scale: 2, shift: 1, inner: { a: 0, b: [1, 2] } }).toArray()).toEqual([3, 3]);
    expect(jf(T.ones([2]), { inner: { b: [1, 2], a: 0 }, shift: 1, scale: 2 }).toArray()).toEqual([3, 3]);
    expect(jf.stats.traces).toBe(1);
    // Array order is meaning, not layout: [2, 1] is another configuration.
    jf(T.ones([2]), { scale: 2, shift: 1, inner: { a: 0, b: [2, 1] } });
    expect(jf.stats.traces).toBe(2);
  });

  it('treats JS numbers as traced scalars (no retrace when the value changes)', () => {
    const jf = T.jit((x: T.Tensor, lr: T.Tensor | number) => T.mul(x, lr));
    expect(jf(T.ones([2]), 0.5).toArray()).toEqual([0.5, 0.5]);
    expect(jf(T.ones([2]), 0.25).toArray()).toEqual([0.25, 0.25]);
    expect(jf.stats.traces).toBe(1);
  });

  it('retraces for a different tree structure', () => {
    const jf = T.jit((p: Record<string, T.Tensor>) => T.sum(T.add(p.a!, 1)));
    jf({ a: T.ones([2]) });
    jf({ a: T.ones([2]), b: T.ones([1]) });
    expect(jf.stats.traces).toBe(2);
  });

  it('rejects non-tensor arguments that are not static, with a hint', () => {
    const jf = T.jit(function step(x: T.Tensor, name: string) {
      return T.add(x, name.length);
    });
    expect(() => jf(T.ones([1]), 'abc')).toThrow(/jit\(step\): argument 1 leaf 0 is string.*staticArgnums/);
  });
});

const CACHE_SEED = 1212;

describe(`jit: a bounded LRU cache of signatures (fast-check seed ${CACHE_SEED})`, () => {
  it('traces exactly on the misses of an LRU of cacheSize signatures, and agrees with eager', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 30 }), (cacheSize, lengths) => {
      const g = (x: T.Tensor) => T.sum(T.mul(T.exp(x), 2));
      const jf = T.jit(g, { cacheSize });
      let model: number[] = []; // signatures, least recently used first
      let misses = 0;
      for (const n of lengths) {
        if (!model.includes(n)) misses++;
        model = [...model.filter((m) => m !== n), n].slice(-cacheSize);
        const x = T.div(T.astype(T.arange(n), 'float32'), 7);
        expect(jf(x).dataSync()).toEqual(g(x).dataSync());
        expect(jf.stats.cacheSize).toBe(model.length);
      }
      expect(jf.stats.traces).toBe(misses);
      expect(jf.stats.cacheHits).toBe(lengths.length - misses);
      return true;
    }), { seed: CACHE_SEED, numRuns: 40 });
  });

  it('keeps 64 signatures by default; clearCache drops them all', () => {
    const jf = T.jit((x: T.Tensor) => T.add(x, 1));
    for (let n = 1; n <= 70; n++) jf(T.zeros([n]));
    expect(jf.stats).toMatchObject({ traces: 70, cacheHits: 0, cacheSize: 64 });
    jf(T.zeros([70]));
    jf(T.zeros([1])); // evicted: traced again
    expect(jf.stats).toMatchObject({ traces: 71, cacheHits: 1, cacheSize: 64 });
    jf.clearCache();
    expect(jf.stats.cacheSize).toBe(0);
    expect(jf(T.zeros([2])).toArray()).toEqual([1, 1]);
    expect(jf.stats).toMatchObject({ traces: 72, cacheSize: 1 });
  });

  it('a staged call of an evicted signature still runs (it compiles again)', () => {
    const inner = T.jit((x: T.Tensor) => T.mul(x, 3), { cacheSize: 1 });
    const outer = T.jit((x: T.Tensor) => T.add(inner(x), 1));
    expect(outer(T.ones([2])).toArray()).toEqual([4, 4]);
    inner(T.ones([5])); // evicts the signature outer staged
    expect(outer(T.ones([2])).toArray()).toEqual([4, 4]);
  });

  it('a call like the previous one but for its structure, a dtype or a static value traces again; equal ones hit', () => {
    const f = (tree: unknown, config: { scale: number }) => T.mul(leaves(tree).reduce((acc: T.Tensor, l) => T.add(acc, T.sum(T.astype(l as T.Tensor, 'float32'))), T.scalar(0)), config.scale);
    const jf = T.jit(f, { staticArgnums: 1 });
    const x = T.tensor([1, 2]);
    const variants: [unknown, { scale: number; other?: number }, string][] = [
      [{ a: x, b: x }, { scale: 2 }, 'ab'],
      [{ a: x, c: x }, { scale: 2 }, 'ac (other key, same count)'],
      [{ a: x, b: x, c: null }, { scale: 2 }, 'abc:null'],
      [{ a: x, b: x, c: undefined }, { scale: 2 }, 'abc:undefined'],
      [[x, x], { scale: 2 }, 'array'],
      [{ a: x, b: T.astype(x, 'int32') }, { scale: 2 }, 'ab int32'],
      [{ a: x, b: T.tensor([[1, 2]]) }, { scale: 2 }, 'ab [1,2]'],
      [{ a: x, b: x }, { scale: 3 }, 'ab scale 3'],
      [{ a: x, b: x }, { other: 0, scale: 3 }, 'ab scale 3 other 0'],
      [{ b: x, a: x }, { scale: 3 }, 'ab scale 3 (tree key order: same signature)'],
      [{ a: x, b: x }, { scale: 3, other: 0 }, 'ab scale 3 other 0 (static key order: same signature)'],
    ];
    const distinct = new Set(['ab', 'ac (other key, same count)', 'abc:null', 'abc:undefined', 'array', 'ab int32', 'ab [1,2]', 'ab scale 3', 'ab scale 3 other 0']);
    const order = [0, 0, 1, 1, 0, 2, 3, 2, 4, 5, 5, 6, 7, 8, 9, 8, 10, 7, 9, 0];
    for (const i of order) {
      const [tree, config, label] = variants[i]!;
      expect(jf(tree, config).toArray(), label).toEqual(f(tree, config).toArray());
    }
    expect(jf.stats).toMatchObject({ traces: distinct.size, cacheHits: order.length - distinct.size });
  });

  it('rejects a cacheSize that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, NaN, '8']) expect(() => T.jit((x: T.Tensor) => x, { cacheSize: bad as number })).toThrow(/^jit: options.cacheSize must be/);
  });
});

describe('jit agrees with eager execution', () => {
  it('fuses an elementwise chain into one kernel and matches eager bit for bit', () => {
    const f = (x: T.Tensor, y: T.Tensor) => T.tanh(T.add(T.mul(T.exp(x), y), T.sigmoid(y)));
    const jf = T.jit(f);
    const x = T.tensor([[0.1, -0.2, 0.3], [1.5, -2, 0]]);
    const y = T.tensor([0.5, -1, 2]);
    expect(jitLaws.jitMatchesEager(f, [x, y])).toBe(true);
    const steps = (jf as unknown as { lower: (...a: unknown[]) => T.Jaxpr }).lower(x, y);
    expect(steps.eqns.map((e) => e.prim)).toContain('tanh');
  });

  it('matches eager for reductions with prologues over any axes', () => {
    const f = (x: T.Tensor) => [T.sum(T.square(x), { axis: 0 }), T.max(T.exp(x), { axis: [0, 2] }), T.logsumexp(x, { axis: -1 }), T.mean(x)];
    const x = T.reshape(T.linspace(-3, 3, 24), [2, 3, 4]);
    expect(jitLaws.jitMatchesEager(f, [x])).toBe(true);
  });

  it('matches eager for leading-axis reductions (accumulated row by row), NaN included', () => {
    const f = (x: T.Tensor) => [T.sum(T.exp(x), { axis: [0, 1] }), T.max(x, { axis: 0 }), T.min(T.neg(x), { axis: 0 }), T.prod(x, { axis: 0 })];
    const x = T.tensor([[[0.5, NaN], [1, 2]], [[3, -1], [0.25, 4]], [[-2, 1], [8, 0.5]]]);
    expect(jitLaws.jitMatchesEager(f, [x])).toBe(true);
  });

  it('runs a training step (forward, backward, update) with the same numbers as eager', () => {
    const loss = (p: { w: T.Tensor; b: T.Tensor }, x: T.Tensor, y: T.Tensor) => T.mean(T.square(T.sub(T.relu(T.add(T.matmul(x, p.w), p.b)), y)));
    const step = (p: { w: T.Tensor; b: T.Tensor }, x: T.Tensor, y: T.Tensor) => {
      const [l, g] = T.valueAndGrad(loss)(p, x, y);
      return [{ w: T.sub(p.w, T.mul(0.1, g.w)), b: T.sub(p.b, T.mul(0.1, g.b)) }, l] as const;
    };
    const jstep = T.jit(step);
    const x = T.tensor([[1, -2, 3], [0.5, 0.1, -1], [2, 2, 2], [-1, 0, 1]]);
    const y = T.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]);
    let p = { w: T.tensor([[0.1, -0.2], [0.3, 0.1], [-0.1, 0.2]]), b: T.zeros([2]) };
    let q = p;
    for (let i = 0; i < 10; i++) {
      const [p2, l1] = jstep(p, x, y);
      const [q2, l2] = step(q, x, y);
      sameBits(l1, l2);
      p = p2;
      q = q2;
    }
    sameBits(p.w, q.w);
    sameBits(p.b, q.b);
    expect(jstep.stats.traces).toBe(1);
  });

  it('handles outputs that are inputs, reshapes of inputs and constants', () => {
    const jf = T.jit((x: T.Tensor) => [x, T.reshape(x, [3, 2]), T.ones([2]), T.add(T.reshape(x, [6]), 1)]);
    const x = T.reshape(T.arange(6), [2, 3]);
    const [a, b, c, d] = jf(x);
    expect(a.toArray()).toEqual(x.toArray());
    expect(b.shape).toEqual([3, 2]);
    expect(c.toArray()).toEqual([1, 1]);
    expect(d.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    // Outputs are fresh each call: a second call does not change the first call's results.
    const again = jf(T.reshape(T.arange(6, 12), [2, 3]))[3];
    expect(d.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(again.toArray()).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it('supports scan, fori and cond inside jit', () => {
    const f = (xs: T.Tensor) => T.scan((c: T.Tensor, x: T.Tensor) => [T.add(c, x), T.mul(c, x)], T.scalar(0), xs);
    const xs = T.tensor([1, 2, 3, 4]);
    const [c, ys] = T.jit(f)(xs);
    expect(c.item()).toBe(10);
    expect(ys.toArray()).toEqual([0, 2, 9, 24]);
    expect(T.jit((x: T.Tensor) => T.fori(0, 3, (_i: T.Tensor, v: T.Tensor) => T.mul(v, 2), x))(T.ones([2])).toArray()).toEqual([8, 8]);
    const g = T.jit((x: T.Tensor) => T.cond(T.greater(T.sum(x), 0), (v: T.Tensor) => T.mul(v, 2), (v: T.Tensor) => T.neg(v), x));
    expect(g(xs).toArray()).toEqual([2, 4, 6, 8]);
    expect(g(T.neg(xs)).toArray()).toEqual([1, 2, 3, 4]);
  });
});

describe('jit composes with the other transformations', () => {
  const f = (x: T.Tensor) => T.sum(T.mul(T.sin(x), T.exp(T.mul(x, 0.5))));
  const x = f64([0.3, -1.2, 2]);
  const close = (a: T.Tensor, b: T.Tensor) => expect(jitLaws.jitTransformApprox.equals(a, b)).toBe(true);

  it('grad(jit(f)) == jit(grad(f)) == grad(f)', () => {
    expect(jitLaws.jitCommutesWithGrad(f, [x])).toBe(true);
  });

  it('vmap(jit(f)) == jit(vmap(f)) == vmap(f), and jit(vmap(grad(f))) gives per-example gradients', () => {
    const xs = f64([[0.1, 0.2, 0.3], [1, -1, 0.5]]);
    expect(jitLaws.jitCommutesWithVmap(f, [xs])).toBe(true);
    const pe = T.jit(T.vmap(T.grad(f)))(xs);
    close(T.reshape(T.slice(pe, [{ start: 1, stop: 2 }]), [3]), T.grad(f)(f64([1, -1, 0.5])));
  });

  // Autodidax's stress test: first and second derivatives through every mix of jit, grad and jvp.
  it('first and second derivatives agree through every mix of jit, grad and jvp', () => {
    const h = (v: T.Tensor) => T.add(T.neg(T.mul(T.sin(v), 2)), v);
    const d1 = (v: number) => -2 * Math.cos(v) + 1;
    const d2 = (v: number) => 2 * Math.sin(v);
    const viaGrad = (fn: (t: T.Tensor) => T.Tensor) => T.grad(fn);
    const viaJvp = (fn: (t: T.Tensor) => T.Tensor) => (t: T.Tensor) => T.jvp(fn, [t], [T.onesLike(t)])[1] as T.Tensor;
    const wraps = [(fn: (t: T.Tensor) => T.Tensor) => fn, (fn: (t: T.Tensor) => T.Tensor) => T.jit(fn)];
    const ds = [viaGrad, viaJvp];
    const x0 = T.scalar(0.7, 'float64');
    let checked = 0;
    for (const w0 of wraps) for (const da of ds) for (const w1 of wraps) {
      const first = w1(da(w0(h)));
      expect(first(x0).item() as number).toBeCloseTo(d1(0.7), 12);
      for (const db of ds) for (const w2 of wraps) {
        const second = w2(db(first));
        expect(second(x0).item() as number).toBeCloseTo(d2(0.7), 12);
        checked++;
      }
    }
    expect(checked).toBe(32);
  });
});

describe('jit: donation', () => {
  const update = (p: { w: T.Tensor; b: T.Tensor }, g: T.Tensor) => ({ w: T.sub(p.w, T.mul(0.5, g)), b: T.add(p.b, T.sum(g)) });

  it('invalidates donated arguments with a clear error, and computes the same values', () => {
    const plain = T.jit(update);
    const donating = T.jit(update, { donateArgnums: 0 });
    let p = { w: T.tensor([1, 2, 3]), b: T.scalar(0) };
    let q = p;
    const g = T.tensor([0.1, 0.2, 0.3]);
    q = plain(q, g);
    const old = p;
    p = donating(p, g);
    sameBits(p.w, q.w);
    expect(() => old.w.toArray()).toThrow(/donated to jit\(update\).*can no longer be used/);
    expect(() => T.add(old.w, 1)).toThrow(/add: this float32\[3\] tensor was donated/);
    expect(g.toArray()).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    for (let i = 0; i < 5; i++) {
      p = donating(p, g);
      q = plain(q, g);
    }
    sameBits(p.w, q.w);
    sameBits(p.b, q.b);
  });

  it('reuses a donated buffer for an output updated in place', () => {
    const donating = T.jit(update, { donateArgnums: 0 });
    const p = { w: T.tensor([1, 2, 3]), b: T.scalar(0) };
    const storage = cpuData(p.w);
    const next = donating(p, T.ones([3]));
    expect(cpuData(next.w)).toBe(storage);
    expect(next.w.toArray()).toEqual([0.5, 1.5, 2.5]);
  });

  it.each(donationCases.map((c) => [c.name, c] as const))('ties: %s', (_, c) => {
    const [got, want] = c.run((x) => x);
    got.forEach((g, i) => sameBits(g, want[i]!));
  });

  it('keeps an argument returned unchanged valid', () => {
    const f = T.jit((x: T.Tensor, y: T.Tensor) => [x, T.add(x, y)], { donateArgnums: [0] });
    const x = T.tensor([1, 2]);
    const [same, sum] = f(x, T.ones([2]));
    expect(same.toArray()).toEqual([1, 2]);
    expect(sum.toArray()).toEqual([2, 3]);
  });
});

describe('jit: literals', () => {
  it('subtracts negative literals and keeps -0 apart from 0', () => {
    const f = (x: T.Tensor) => [T.sub(x, -1), T.add(x, 0), T.add(x, -0), T.sub(x, -Infinity)];
    const x = T.tensor([-0, 1.5], { dtype: 'float64' });
    expect(jitLaws.jitMatchesEager(f, [x])).toBe(true);
  });
});

describe('jit: profile', () => {
  it('times every compiled step, slowest first, without changing the cache', () => {
    const f = T.jit((x: T.Tensor, w: T.Tensor) => T.sum(T.relu(T.matmul(x, w))));
    const x = T.ones([4, 3]);
    const w = T.ones([3, 2]);
    const rows = f.profile(x, w);
    expect(rows.some((r) => r.step.startsWith('dot'))).toBe(true);
    expect(rows.some((r) => r.step.startsWith('fused'))).toBe(true);
    expect(rows.every((r, i) => r.ms >= 0 && (i === 0 || rows[i - 1]!.ms >= r.ms))).toBe(true);
    f(x, w);
    expect(f.stats.traces).toBe(1);
  });
});
