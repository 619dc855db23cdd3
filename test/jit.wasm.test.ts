/**
 * Wasm SIMD kernels for float32 fused clusters (src/tensor/backend/cpu/jit/wasm.ts): on random
 * elementwise programs with NaN, +-0, +-Infinity and denormals in their inputs, jit must equal
 * eager bit for bit, supported clusters must take the Wasm path, others the JS one; sums over
 * leading axes (float64 partial sums in Wasm) must equal the JS kernel and eager bit for bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import { Lit, type Jaxpr } from '../src/tensor';
import { fuse } from '../src/grad/jit/fusion';
import type { Cluster } from '../src/tensor';
import { compileCluster } from '../src/tensor/backend/cpu/jit/js';
import { compileClusterWasm, kernelKind, planWasm, wasmFusedStats, wasmMemoryBytes, wasmSimdAvailable } from '../src/tensor/backend/cpu/jit/wasm';
import { rng } from './ops.helpers';
import { sameValue } from '../laws/approx';

const SEED = 20240611;
const RUNS = 200;

// --- values -----------------------------------------------------------------------------------

const SPECIALS = [NaN, 0, -0, Infinity, -Infinity, 1.4e-45, -1.4e-45, 3e-39, -2.5e-39, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1, -1, 0.5, 2];


/** float32 values: a quarter special, some small integers (ties), the rest of any magnitude. */
function values(n: number, r: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.25) out[i] = SPECIALS[Math.floor(r() * SPECIALS.length)]!;
    else if (u < 0.4) out[i] = Math.floor(r() * 5) - 2;
    else out[i] = (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.floor(r() * 80 - 40);
  }
  return out;
}

/** Equal element by element as Object.is sees them (any NaN equals any NaN, +0 differs from -0). */
function expectSame(got: T.Tensor, want: T.Tensor): void {
  expect(sameValue.equals(got, want)).toBe(true);
}

// --- programs ---------------------------------------------------------------------------------

const UNARY = ['neg', 'abs', 'sqrt', 'stopGradient', 'astype'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
const COMPARE = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as const;
const LITERALS = [0, -0, 1, -1, 0.1, 2.5, NaN, Infinity, -Infinity, 1e-40];

type Node =
  | { kind: 'unary'; op: (typeof UNARY)[number]; a: number }
  | { kind: 'binary'; op: (typeof BINARY)[number]; a: number; b: number; lit?: number; litFirst: boolean }
  | { kind: 'where'; cmp: (typeof COMPARE)[number]; a: number; b: number; x: number; y: number; lit?: number };

interface Program {
  readonly shape: readonly number[];
  /**
   * Full-shape inputs, then optionally a scalar ([] or all-ones shape), then optionally a row
   * (first axis 1: read periodically, in Wasm) or a column (last axis 1: only JS reads it).
   */
  readonly full: number;
  readonly scalar: 'none' | 'rank0' | 'ones';
  readonly bcast: 'none' | 'row' | 'col';
  /** Comparisons (bool) returned as outputs besides the float32 nodes. */
  readonly masks: readonly { cmp: (typeof COMPARE)[number]; a: number; b: number }[];
  readonly nodes: readonly Node[];
  /** Node indices returned (besides the last node). */
  readonly extraOuts: readonly number[];
  /** The sign of every zero literal in the program (see literalFor). */
  readonly negZero: boolean;
}

/**
 * A literal as the program uses it: zeros take the program's sign, so some programs mix 0 and -0
 * literals with -0 inputs (which once exposed a CSE bug merging the two) and negative literals
 * are subtracted too (which once printed as `x--1`).
 */
function literalFor(p: Program, value: number): number {
  return value === 0 && p.negZero ? -0 : value;
}

const dim = fc.integer({ min: 1, max: 70 });
const shapeArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.integer({ min: 1, max: 5000 }).map((n) => [n]),
  fc.tuple(dim, dim).map(([a, b]) => [a, b]),
  fc.integer({ min: 1, max: 5000 }).map((n) => [n, 1]),
  fc.integer({ min: 1, max: 5000 }).map((n) => [1, n]),
  fc.tuple(dim, dim).map(([a, b]) => [a, 1, b]),
  fc.constantFrom(63, 64, 65, 67, 4096, 4097, 5000).map((n) => [n]),
);
const idx = fc.nat(1000);
const lit = fc.option(fc.constantFrom(...LITERALS), { nil: undefined, freq: 2 });
const nodeArb: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom(...UNARY), a: idx }),
  fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...BINARY), a: idx, b: idx, lit, litFirst: fc.boolean() }),
  fc.record({ kind: fc.constant('where' as const), cmp: fc.constantFrom(...COMPARE), a: idx, b: idx, x: idx, y: idx, lit }),
);
const programArb: fc.Arbitrary<Program> = fc.record({
  shape: shapeArb,
  full: fc.integer({ min: 1, max: 3 }),
  scalar: fc.constantFrom('none' as const, 'rank0' as const, 'ones' as const),
  bcast: fc.constantFrom('none' as const, 'row' as const, 'col' as const),
  masks: fc.array(fc.record({ cmp: fc.constantFrom(...COMPARE), a: idx, b: idx }), { maxLength: 2 }),
  nodes: fc.array(nodeArb, { minLength: 1, maxLength: 12 }),
  extraOuts: fc.array(idx, { maxLength: 2 }),
  negZero: fc.boolean(),
}).map((p) => ({ ...p, bcast: p.shape.length >= 2 && p.shape[0]! > 1 && p.shape[p.shape.length - 1]! > 1 ? p.bcast : 'none' }));

function inputShapes(p: Program): number[][] {
  const shapes: number[][] = Array.from({ length: p.full }, () => [...p.shape]);
  if (p.scalar === 'rank0') shapes.push([]);
  if (p.scalar === 'ones') shapes.push(p.shape.map(() => 1));
  if (p.bcast === 'row') shapes.push([1, ...p.shape.slice(1)]);
  if (p.bcast === 'col') shapes.push([...p.shape.slice(0, -1), 1]);
  return shapes;
}

function programFn(p: Program): (...xs: T.Tensor[]) => T.Tensor[] {
  return (...xs) => {
    const pool: T.Tensor[] = [...xs];
    const pick = (i: number) => pool[i % pool.length]!;
    for (const nd of p.nodes) {
      if (nd.kind === 'unary') {
        const a = pick(nd.a);
        pool.push(nd.op === 'astype' ? T.astype(a, 'float32') : T[nd.op](a));
      } else if (nd.kind === 'binary') {
        const a = pick(nd.a);
        const first = nd.litFirst && nd.lit !== undefined;
        const b = nd.lit === undefined ? pick(nd.b) : literalFor(p, nd.lit);
        pool.push(first ? T[nd.op](b, a) : T[nd.op](a, b));
      } else {
        const cond = T[nd.cmp](pick(nd.a), nd.lit === undefined ? pick(nd.b) : literalFor(p, nd.lit));
        pool.push(T.where(cond, pick(nd.x), pick(nd.y)));
      }
    }
    const last = pool.length - 1;
    const outs = [last, ...p.extraOuts.map((i) => xs.length + (i % p.nodes.length))];
    const masks = p.masks.map((m) => T[m.cmp](pick(m.a), pick(m.b)));
    return [...[...new Set(outs)].map((i) => pool[i]!), ...masks];
  };
}

const lower = (f: (...xs: T.Tensor[]) => T.Tensor[], xs: T.Tensor[]): Jaxpr => (T.jit(f) as unknown as { lower: (...a: unknown[]) => Jaxpr }).lower(...xs);
const clustersOf = (jaxpr: Jaxpr): Cluster[] => fuse(jaxpr).flatMap((s) => (s.kind === 'fused' ? [s.cluster] : []));
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe(`jit Wasm SIMD kernels for float32 clusters (fast-check seed ${SEED}, ${RUNS} programs)`, () => {
  it('Wasm SIMD is available on this runtime (Node 20)', () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  it('random elementwise programs: jit equals eager bitwise; supported clusters run in Wasm', () => {
    let wasmCases = 0;
    let jsCases = 0;
    fc.assert(
      fc.property(programArb, fc.nat(), (p, seed) => {
        const r = rng(seed);
        const xs = inputShapes(p).map((s) => T.tensor(values(size(s), r), { shape: s }));
        const f = programFn(p);
        const want = f(...xs);
        const jf = T.jit(f);
        const kinds = clustersOf(lower(f, xs)).map((c) => {
          const kind = kernelKind(c);
          // Clusters run in Wasm exactly when they are big enough and every input is read in full,
          // as one scalar or as a row repeated over the leading axes; a column broadcast (each
          // element repeated along the last axis) stays in JS.
          const last = (sh: readonly number[]) => sh[sh.length - 1] ?? 1;
          const readsColumn = c.inputs.some((i) => size(i.atom.aval.shape) > 1 && size(i.atom.aval.shape) < size(c.shape) && last(i.atom.aval.shape) === 1 && last(c.shape) > 1);
          if (size(c.shape) >= 64 && !c.reduce && !readsColumn) expect(kind).toBe('wasm');
          if (size(c.shape) < 64 || readsColumn) expect(kind).toBe('js');
          return kind;
        });
        const wasm = kinds.filter((k) => k === 'wasm').length;
        wasm > 0 ? wasmCases++ : jsCases++;
        const before = wasmFusedStats.calls;
        const got = jf(...xs);
        expect(wasmFusedStats.calls - before).toBe(wasm);
        got.forEach((g, i) => expectSame(g, want[i]!));
        // A second call reuses buffers and memory: same answer.
        jf(...xs).forEach((g, i) => expectSame(g, want[i]!));
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`jit.wasm: ${wasmCases} programs ran Wasm kernels, ${jsCases} only JS ones (seed ${SEED})`);
    // Both paths were exercised.
    expect(wasmCases).toBeGreaterThan(RUNS / 3);
    expect(jsCases).toBeGreaterThan(0);
  });

  it('kernels with small chunks (many chunks, a partial last one) equal the JS kernel', () => {
    fc.assert(
      fc.property(programArb, fc.nat(), fc.constantFrom(4, 8, 12, 64, 100), (p, seed, chunk) => {
        const r = rng(seed);
        const xs = inputShapes(p).map((s) => T.tensor(values(size(s), r), { shape: s }));
        const jaxpr = lower(programFn(p), xs);
        for (const c of clustersOf(jaxpr)) {
          const w = compileClusterWasm(c, { chunk });
          expect(w === undefined).toBe(kernelKind(c) === 'js');
          if (!w) continue;
          // Inputs: arguments, or random data for anything computed outside the cluster.
          const ins = c.inputs.map((i) => {
            if (i.atom instanceof Lit) return undefined;
            const k = jaxpr.invars.indexOf(i.atom);
            if (k >= 0) return xs[k]!.dataSync() as Float32Array;
            const m = size(i.atom.aval.shape);
            return i.atom.aval.dtype === 'bool' ? Uint8Array.from({ length: m }, () => (r() < 0.5 ? 1 : 0)) : values(m, r);
          });
          const n = size(c.shape);
          const outOf = (v: (typeof c.outputs)[number]) => (v.aval.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n));
          const outJs = c.outputs.map(outOf);
          const outW = c.outputs.map(outOf);
          compileCluster(c)(ins, outJs);
          w(ins, outW);
          expect(sameValue.equals(outW.map((o) => Array.from(o)), outJs.map((o) => Array.from(o)))).toBe(true);
        }
      }),
      { seed: SEED + 1, numRuns: 80 },
    );
  });

  it('max, min and comparisons on every pair of special values match eager (ties, signed zeros, NaN)', () => {
    const s = [...SPECIALS, 1.5, -2.25];
    const a = Float32Array.from(s.flatMap((x) => s.map(() => x)));
    const b = Float32Array.from(s.flatMap(() => s));
    const f = (x: T.Tensor, y: T.Tensor) => [
      T.maximum(x, y), T.minimum(x, y), T.maximum(y, x), T.minimum(y, x),
      ...COMPARE.map((cmp) => T.where(T[cmp](x, y), x, y)),
      T.neg(x), T.abs(y), T.sqrt(x), T.div(x, y), T.sub(x, y), T.mul(x, y), T.add(x, y),
    ];
    const x = T.tensor(a), y = T.tensor(b);
    expect(a.length).toBeGreaterThanOrEqual(64);
    const clusters = clustersOf(lower(f, [x, y]));
    expect(clusters.map(kernelKind)).toEqual(['wasm']);
    const want = f(x, y);
    T.jit(f)(x, y).forEach((g, i) => expectSame(g, want[i]!));
  });

  it('an Adam update over [784, 64] with scalar bias corrections runs in Wasm and matches eager', () => {
    const adam = (m: T.Tensor, v: T.Tensor, g: T.Tensor, p: T.Tensor, bc1: T.Tensor, bc2: T.Tensor) => {
      const m2 = T.add(T.mul(m, 0.9), T.mul(g, 0.1));
      const v2 = T.add(T.mul(v, 0.999), T.mul(T.mul(g, g), 0.001));
      const u = T.div(T.div(m2, bc1), T.add(T.sqrt(T.add(T.div(v2, bc2), 0)), 1e-8));
      return [m2, v2, T.add(p, T.mul(u, -1e-3))];
    };
    const r = rng(7);
    const big = () => T.tensor(values(784 * 64, r), { shape: [784, 64] });
    const args = [big(), big(), big(), big(), T.tensor([[0.1]]), T.tensor([[0.001]])];
    const clusters = clustersOf(lower(adam as never, args));
    expect(clusters.map(kernelKind)).toEqual(['wasm']);
    const want = (adam as (...x: T.Tensor[]) => T.Tensor[])(...args);
    const before = wasmFusedStats.calls;
    (T.jit(adam) as (...x: T.Tensor[]) => T.Tensor[])(...args).forEach((g, i) => expectSame(g, want[i]!));
    expect(wasmFusedStats.calls - before).toBe(1);
  });

  it('sums over leading axes (bias gradients) run in Wasm with float64 partial sums, bit-identical to eager and to the JS kernel', () => {
    // [rows..., cols] summed over the rows, with a bool mask read in full (ReLU's backward pass),
    // special values in the data, and chunks that split the rows (small chunk sizes).
    const shapeOf = fc.tuple(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 2 }), fc.integer({ min: 1, max: 40 }));
    fc.assert(
      fc.property(shapeOf, fc.nat(), fc.constantFrom(undefined, 4, 8, 100), ([rows, cols4], seed, chunk) => {
        const r = rng(seed);
        const shape = [...rows, cols4 * 4];
        const n = size(shape);
        const x = T.tensor(values(n, r), { shape }), g = T.tensor(values(n, r), { shape });
        const mask = T.greater(x, 0);
        const axis = rows.map((_, i) => i);
        const f = (m: T.Tensor, a: T.Tensor, b: T.Tensor) => {
          const d = T.where(m, T.mul(a, b), 0);
          return [T.sum(d, { axis }), T.sum(T.sub(a, 1.5), { axis }), d];
        };
        const want = f(mask, x, g);
        const jaxpr = lower(f, [mask, x, g]);
        const sums = clustersOf(jaxpr).filter((c) => c.reduce);
        expect(sums.length).toBeGreaterThan(0);
        for (const c of sums) {
          expect(kernelKind(c)).toBe(n >= 64 ? 'wasm' : 'js');
          // A plan that does not compile (a module Wasm rejects) would fall back to JS unseen.
          const w = compileClusterWasm(c, { chunk });
          expect(w === undefined).toBe(n < 64);
          if (!w) continue;
          const ins = c.inputs.map((i) => (i.atom instanceof Lit ? undefined : [mask, x, g][jaxpr.invars.indexOf(i.atom)]!.dataSync()));
          const outs = (js: boolean) => {
            const o = [...c.outputs.map((v) => (v.aval.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n))), new Float32Array(n / size(rows))];
            (js ? compileCluster(c) : w)(ins, o);
            return o.map((a) => Array.from(a));
          };
          expect(sameValue.equals(outs(false), outs(true))).toBe(true);
        }
        T.jit(f)(mask, x, g).forEach((got, i) => expectSame(got, want[i]!));
      }),
      { seed: SEED + 2, numRuns: 120 },
    );
  });

  it('other reductions and sums into rows of a length not a multiple of 4 stay in JS, with the same results', () => {
    const r = rng(13);
    const x = T.tensor(values(30 * 64, r), { shape: [30, 64] });
    const odd = T.tensor(values(30 * 10, r), { shape: [30, 10] });
    const cases: [string, (a: T.Tensor) => T.Tensor[], T.Tensor][] = [
      ['a max over the rows', (a) => [T.max(T.mul(a, 2), { axis: 0 })], x],
      ['a sum over the last axis', (a) => [T.sum(T.mul(a, 2), { axis: 1 })], x],
      ['a sum into rows of 10', (a) => [T.sum(T.mul(a, 2), { axis: 0 })], odd],
    ];
    for (const [name, f, a] of cases) {
      for (const c of clustersOf(lower(f, [a]))) expect(kernelKind(c), name).toBe('js');
      T.jit(f)(a).forEach((got, i) => expectSame(got, f(a)[i]!));
    }
  });

  it('falls back to JS for unsupported clusters, with the same results', () => {
    const r = rng(11);
    const x = T.tensor(values(300, r), { shape: [3, 100] });
    const y = T.tensor(values(300, r), { shape: [3, 100] });
    const column = T.tensor(values(3, r), { shape: [3, 1] });
    const cases: [string, (...a: T.Tensor[]) => T.Tensor[], T.Tensor[]][] = [
      ['a cast to bool', (a, b) => [T.astype(a, 'bool'), T.add(a, b)], [x, y]],
      ['an unsupported primitive', (a) => [T.exp(a)], [x]],
      ['a reduction', (a, b) => [T.sum(T.mul(a, b), { axis: 1 })], [x, y]],
      ['float64', (a, b) => [T.add(a, b)], [T.astype(x, 'float64'), T.astype(y, 'float64')]],
      ['int32', (a, b) => [T.mul(a, b)], [T.astype(T.clip(x, -1e6, 1e6), 'int32'), T.astype(T.clip(y, -1e6, 1e6), 'int32')]],
      ['a cast to int32', (a) => [T.astype(T.astype(T.clip(a, -10, 10), 'int32'), 'float32')], [x]],
      ['a column broadcast', (a, b) => [T.mul(a, b)], [x, column]],
      ['fewer than 64 elements', (a, b) => [T.sub(a, b)], [T.tensor(values(63, r)), T.tensor(values(63, r))]],
    ];
    for (const [name, f, args] of cases) {
      const clusters = clustersOf(lower(f, args));
      expect(clusters.length, name).toBeGreaterThan(0);
      for (const c of clusters) {
        expect(kernelKind(c), name).toBe('js');
        expect(typeof planWasm(c), name).toBe('string');
        expect(compileClusterWasm(c), name).toBeUndefined();
      }
      const want = f(...args);
      const before = wasmFusedStats.calls;
      T.jit(f)(...args).forEach((g, i) => expectSame(g, want[i]!));
      expect(wasmFusedStats.calls - before, name).toBe(0);
    }
  });

  it('the shared memory grows to the largest need and stays there across calls', () => {
    const f = (a: T.Tensor, b: T.Tensor) => [T.add(T.mul(a, b), 1), T.sub(a, b)];
    const r = rng(3);
    const jf = T.jit(f);
    const big = [T.tensor(values(20000, r)), T.tensor(values(20000, r))] as const;
    const small = [T.tensor(values(500, r)), T.tensor(values(500, r))] as const;
    jf(...big);
    const bytes = wasmMemoryBytes();
    expect(bytes).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) {
      jf(...big);
      jf(...small);
    }
    expect(wasmMemoryBytes()).toBe(bytes);
    const want = f(...big);
    jf(...big).forEach((g, i) => expectSame(g, want[i]!));
  });

  it('in-place updates of donated arguments stay correct across chunks', () => {
    const step = (p: T.Tensor, g: T.Tensor) => T.sub(p, T.mul(g, 0.5));
    const jf = T.jit(step, { donateArgnums: 0 });
    const r = rng(5);
    const p0 = values(10000, r).map((v) => (Number.isFinite(v) ? v : 1));
    const g = T.tensor(values(10000, r));
    const want = step(T.tensor(p0), g);
    expectSame(jf(T.tensor(p0), g), want);
  });
});
