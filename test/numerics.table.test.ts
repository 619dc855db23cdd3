/**
 * The numerics table (issue 12, item 6): every float elementwise op, reduction and composite, and
 * its gradient, at ±1000, ±1e-30 and ±0, in float32 and float64, against float64 references
 * written here from the math (plain JS doubles, never the library's own output).
 *
 * Which points must be finite follows from the math: a value or derivative is expected finite
 * exactly where its reference is finite and within the dtype's range (exp(1000) overflows both
 * dtypes, 1 / 1e-30^2 only float32; log(-1), sqrt'(0) and std' at equal inputs have no finite
 * value). There the library's result must be finite and agree with the reference to the
 * tolerance below (laws/approx.ts); elsewhere the table asserts nothing. Non-differentiable points
 * use JAX's conventions (relu'(0) = 0, |x|'(0) = 0, ties of max/min split the derivative).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { grad } from '../src/grad';
import * as nn from '../src/nn';
import { globalNorm } from '../src/optim';
import { approx } from '../laws/approx';

type DT = 'float32' | 'float64';
const DTYPES: readonly DT[] = ['float32', 'float64'];
const POINTS = [1000, -1000, 1e-30, -1e-30, 0, -0];
const MAX = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };
/** float32: a few roundings of composed ops; float64 to 1e-10. atol sits below every normal number the table expects. */
const TOL = approx({ float32: { rtol: 2e-5, atol: 1e-40 }, float64: { rtol: 1e-10, atol: 1e-300 } });

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** erf by its Taylor series (|x| < 3) or the continued fraction of erfc, both to double precision. */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x, sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  return sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}

/** An elementwise row: the op, its reference value and derivative as functions of the stored input. */
interface Unary {
  readonly f: (x: T.Tensor) => T.Tensor;
  readonly value: (x: number) => number;
  readonly deriv: (x: number) => number;
}
const K = Math.sqrt(2 / Math.PI);
/** binaryCrossEntropy clamps probabilities to [eps, 1 - eps] in the input's dtype. */
const clampP = (x: number, dt: DT) => {
  const r = dt === 'float32' ? Math.fround : (v: number) => v;
  return Math.min(Math.max(x, r(1e-7)), r(1 - 1e-7));
};
const UNARY = (dt: DT): Record<string, Unary> => ({
  neg: { f: T.neg, value: (x) => -x, deriv: () => -1 },
  exp: { f: T.exp, value: Math.exp, deriv: Math.exp },
  log: { f: T.log, value: Math.log, deriv: (x) => (x > 0 ? 1 / x : NaN) },
  log1p: { f: T.log1p, value: Math.log1p, deriv: (x) => (x > -1 ? 1 / (1 + x) : NaN) },
  expm1: { f: T.expm1, value: Math.expm1, deriv: Math.exp },
  sqrt: { f: T.sqrt, value: Math.sqrt, deriv: (x) => (x > 0 ? 0.5 / Math.sqrt(x) : NaN) },
  rsqrt: { f: T.rsqrt, value: (x) => 1 / Math.sqrt(x), deriv: (x) => (x > 0 ? -0.5 / (x * Math.sqrt(x)) : NaN) },
  sin: { f: T.sin, value: Math.sin, deriv: Math.cos },
  cos: { f: T.cos, value: Math.cos, deriv: (x) => -Math.sin(x) },
  tanh: { f: T.tanh, value: Math.tanh, deriv: (x) => 1 - Math.tanh(x) ** 2 },
  erf: { f: T.erf, value: erf, deriv: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) },
  abs: { f: T.abs, value: Math.abs, deriv: sign },
  sign: { f: T.sign, value: sign, deriv: () => 0 },
  floor: { f: T.floor, value: Math.floor, deriv: () => 0 },
  ceil: { f: T.ceil, value: Math.ceil, deriv: () => 0 },
  square: { f: T.square, value: (x) => x * x, deriv: (x) => 2 * x },
  reciprocal: { f: T.reciprocal, value: (x) => 1 / x, deriv: (x) => (x !== 0 ? -1 / (x * x) : NaN) },
  sigmoid: { f: T.sigmoid, value: sigmoid, deriv: (x) => sigmoid(x) * sigmoid(-x) },
  relu: { f: T.relu, value: (x) => (x > 0 ? x : 0), deriv: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x) => T.leakyRelu(x), value: (x) => (x >= 0 ? x : 0.01 * x), deriv: (x) => (x >= 0 ? 1 : 0.01) },
  elu: { f: (x) => T.elu(x), value: (x) => (x > 0 ? x : Math.expm1(x)), deriv: (x) => (x > 0 ? 1 : Math.exp(x)) },
  gelu: {
    f: (x) => T.gelu(x),
    value: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    deriv: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
  },
  geluTanh: {
    f: (x) => T.gelu(x, { approximate: 'tanh' }),
    value: (x) => 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x ** 3))),
    deriv: (x) => {
      const t = Math.tanh(K * (x + 0.044715 * x ** 3));
      const dt = 1 - t * t;
      return 0.5 * (1 + t) + (dt === 0 ? 0 : 0.5 * x * dt * K * (1 + 3 * 0.044715 * x * x));
    },
  },
  silu: { f: T.silu, value: (x) => x * sigmoid(x), deriv: (x) => sigmoid(x) + x * sigmoid(x) * sigmoid(-x) },
  softplus: { f: T.softplus, value: softplus, deriv: sigmoid },
  logSigmoid: { f: T.logSigmoid, value: (x) => -softplus(-x), deriv: (x) => sigmoid(-x) },
  binaryCrossEntropyWithLogits: {
    f: (x) => nn.binaryCrossEntropyWithLogits(x, T.fullLike(x, 0.25), { reduction: 'none' }),
    value: (x) => softplus(x) - 0.25 * x,
    deriv: (x) => sigmoid(x) - 0.25,
  },
  binaryCrossEntropy: {
    f: (x) => nn.binaryCrossEntropy(x, T.fullLike(x, 0.25), { reduction: 'none' }),
    value: (x) => {
      const p = clampP(x, dt);
      return -(0.25 * Math.log(p) + 0.75 * Math.log1p(-p));
    },
    deriv: (x) => {
      const p = clampP(x, dt);
      return p !== x ? 0 : -(0.25 / p - 0.75 / (1 - p));
    },
  },
  huber: {
    f: (x) => nn.huber(x, T.zerosLike(x), { reduction: 'none' }),
    value: (x) => (Math.abs(x) <= 1 ? 0.5 * x * x : Math.abs(x) - 0.5),
    deriv: (x) => (Math.abs(x) <= 1 ? x : sign(x)),
  },
});

interface Binary {
  readonly f: (a: T.Tensor, b: T.Tensor) => T.Tensor;
  readonly value: (a: number, b: number) => number;
  readonly da: (a: number, b: number) => number;
  readonly db: (a: number, b: number) => number;
}
const tie = (gt: boolean, eq: boolean) => (gt ? 1 : eq ? 0.5 : 0);
/** u / (a^2 + b^2) without underflow: scaled by max(|a|, |b|). */
const overSquares = (u: number, a: number, b: number) => {
  const s = Math.max(Math.abs(a), Math.abs(b));
  return u / s / ((a / s) ** 2 + (b / s) ** 2) / s;
};
const BINARY: Record<string, Binary> = {
  add: { f: T.add, value: (a, b) => a + b, da: () => 1, db: () => 1 },
  sub: { f: T.sub, value: (a, b) => a - b, da: () => 1, db: () => -1 },
  mul: { f: T.mul, value: (a, b) => a * b, da: (_a, b) => b, db: (a) => a },
  div: { f: T.div, value: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => (b !== 0 ? -a / b / b : NaN) },
  pow: {
    f: T.pow,
    value: Math.pow,
    // b a^(b-1) (0 for b = 0, where a^b is constant); a^b ln a, which is 0 on a = 0 < b and undefined for a < 0.
    da: (a, b) => (b === 0 ? 0 : b * Math.pow(a, b - 1)),
    db: (a, b) => (a === 0 && b > 0 ? 0 : a < 0 ? NaN : Math.pow(a, b) * Math.log(a)),
  },
  maximum: { f: T.maximum, value: Math.max, da: (a, b) => tie(a > b, a === b), db: (a, b) => tie(b > a, a === b) },
  minimum: { f: T.minimum, value: Math.min, da: (a, b) => tie(a < b, a === b), db: (a, b) => tie(b < a, a === b) },
  atan2: { f: T.atan2, value: Math.atan2, da: (a, b) => overSquares(b, a, b), db: (a, b) => -overSquares(a, a, b) },
};

/** A reduction or composite over a vector: the op to a scalar, its reference value and gradient. */
interface Vector {
  readonly f: (v: T.Tensor) => T.Tensor;
  readonly value: (v: readonly number[]) => number;
  readonly grad: (v: readonly number[]) => number[];
  /**
   * The magnitude of the terms the gradient is a sum of, where they cancel (the normalizations'
   * gradients are differences of terms of size r |w|): rounding is relative to it.
   */
  readonly gradScale?: (v: readonly number[]) => number;
}
const W = [1, 3];
const U = [0.6, 0.8];
const TARGET = [0.25, 0.75];
const sumOf = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
const lse = (v: readonly number[]) => {
  const m = Math.max(...v);
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
};
const softmaxRef = (v: readonly number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  return e.map((x) => x / sumOf(e));
};
const dot = (a: readonly number[], b: readonly number[]) => sumOf(a.map((x, i) => x * b[i]!));
const meanOf = (v: readonly number[]) => sumOf(v) / v.length;
const varOf = (v: readonly number[]) => meanOf(v.map((x) => (x - meanOf(v)) ** 2));
const norm2 = (v: readonly number[]) => {
  const m = Math.max(...v.map(Math.abs));
  return m === 0 ? 0 : m * Math.sqrt(sumOf(v.map((x) => (x / m) ** 2)));
};
const extremum = (v: readonly number[], pick: number) => v.map((x) => (x === pick ? 1 / v.filter((y) => y === pick).length : 0));
const wt = (dt: DT) => T.tensor(W, { dtype: dt });
const cosEps = 1e-8;
const guarded = (v: readonly number[]) => Math.max(norm2(v), cosEps);

const VECTOR = (dt: DT): Record<string, Vector> => ({
  sum: { f: (v) => T.sum(v), value: sumOf, grad: (v) => v.map(() => 1) },
  mean: { f: (v) => T.mean(v), value: meanOf, grad: (v) => v.map(() => 1 / v.length) },
  max: { f: (v) => T.max(v), value: (v) => Math.max(...v), grad: (v) => extremum(v, Math.max(...v)) },
  min: { f: (v) => T.min(v), value: (v) => Math.min(...v), grad: (v) => extremum(v, Math.min(...v)) },
  prod: { f: (v) => T.prod(v), value: (v) => v[0]! * v[1]!, grad: (v) => [v[1]!, v[0]!] },
  cumsum: { f: (v) => T.sum(T.mul(T.cumsum(v), wt(dt))), value: (v) => W[0]! * v[0]! + W[1]! * (v[0]! + v[1]!), grad: () => [W[0]! + W[1]!, W[1]!] },
  logsumexp: { f: (v) => T.logsumexp(v), value: lse, grad: softmaxRef },
  softmax: {
    f: (v) => T.sum(T.mul(T.softmax(v), wt(dt))),
    value: (v) => dot(softmaxRef(v), W),
    grad: (v) => softmaxRef(v).map((s, j) => s * (W[j]! - dot(softmaxRef(v), W))),
  },
  logSoftmax: {
    f: (v) => T.sum(T.mul(T.logSoftmax(v), wt(dt))),
    value: (v) => dot(v.map((x) => x - lse(v)), W),
    grad: (v) => softmaxRef(v).map((s, j) => W[j]! - s * sumOf(W)),
  },
  variance: { f: (v) => T.variance(v), value: varOf, grad: (v) => v.map((x) => (2 * (x - meanOf(v))) / v.length) },
  std: { f: (v) => T.std(v), value: (v) => Math.sqrt(varOf(v)), grad: (v) => v.map((x) => (x - meanOf(v)) / v.length / Math.sqrt(varOf(v))) },
  softmaxCrossEntropy: {
    f: (v) => nn.softmaxCrossEntropy(T.reshape(v, [1, 2]), T.tensor([0], { dtype: 'int32' })),
    value: (v) => lse(v) - v[0]!,
    grad: (v) => softmaxRef(v).map((s, j) => s - (j === 0 ? 1 : 0)),
  },
  softmaxCrossEntropySoft: {
    f: (v) => nn.softmaxCrossEntropy(T.reshape(v, [1, 2]), T.tensor([TARGET], { dtype: dt })),
    value: (v) => lse(v) - dot(TARGET, v),
    grad: (v) => softmaxRef(v).map((s, j) => s - TARGET[j]!),
  },
  nll: {
    f: (v) => nn.nll(T.logSoftmax(T.reshape(v, [1, 2])), T.tensor([1], { dtype: 'int32' })),
    value: (v) => lse(v) - v[1]!,
    grad: (v) => softmaxRef(v).map((s, j) => s - (j === 1 ? 1 : 0)),
  },
  mse: {
    f: (v) => nn.mse(v, T.tensor(TARGET, { dtype: dt })),
    value: (v) => meanOf(v.map((x, i) => (x - TARGET[i]!) ** 2)),
    grad: (v) => v.map((x, i) => x - TARGET[i]!),
  },
  globalNorm: { f: (v) => globalNorm({ v }), value: norm2, grad: (v) => v.map((x) => x / norm2(v)) },
  cosineSimilarity: {
    f: (v) => nn.cosineSimilarity(v, T.tensor(U, { dtype: dt })),
    value: (v) => dot(v, U) / guarded(v) / guarded(U),
    // Above eps the quotient rule; below it the norm is the constant eps (documented in losses.ts).
    grad: (v) => {
      const f = dot(v, U) / guarded(v) / guarded(U);
      return norm2(v) > cosEps ? U.map((u, j) => u / guarded(v) / guarded(U) - (f * v[j]!) / norm2(v) ** 2) : U.map((u) => u / cosEps / guarded(U));
    },
  },
  layerNorm: {
    f: (v) => T.sum(T.mul(nn.layerNorm(2).apply({ weight: T.ones([2], dt), bias: T.zeros([2], dt) }, v) as T.Tensor, wt(dt))),
    value: (v) => dot(v.map((x) => (x - meanOf(v)) / Math.sqrt(varOf(v) + 1e-5)), W),
    grad: (v) => {
      const r = 1 / Math.sqrt(varOf(v) + 1e-5), mu = meanOf(v);
      const c = dot(W, v.map((x) => x - mu)) / v.length;
      return v.map((x, k) => r * (W[k]! - meanOf(W)) - r ** 3 * (x - mu) * c);
    },
    gradScale: (v) => sumOf(W) / Math.sqrt(varOf(v) + 1e-5),
  },
  rmsNorm: {
    f: (v) => T.sum(T.mul(nn.rmsNorm(2).apply({ weight: T.ones([2], dt) }, v) as T.Tensor, wt(dt))),
    value: (v) => dot(v, W) / Math.sqrt(meanOf(v.map((x) => x * x)) + 1e-6),
    grad: (v) => {
      const r = 1 / Math.sqrt(meanOf(v.map((x) => x * x)) + 1e-6);
      return v.map((x, k) => W[k]! * r - (r ** 3 * x * dot(W, v)) / v.length);
    },
    gradScale: (v) => sumOf(W) / Math.sqrt(meanOf(v.map((x) => x * x)) + 1e-6),
  },
});

/** Whether the math's value is finite and representable in the dtype. */
const expectedFinite = (ref: number, dt: DT) => Number.isFinite(ref) && Math.abs(ref) <= MAX[dt];

/** Check one value against its reference: a failure message, or null (not expected finite counts as checked-nothing). */
function checkOne(what: string, got: number, ref: number, dt: DT, stats: { checked: number }): string | null {
  if (!expectedFinite(ref, dt)) return null;
  stats.checked++;
  if (!Number.isFinite(got)) return `${what}: got ${got}, expected the finite ${ref}`;
  const r = TOL.equals(got, ref, { precision: dt });
  return r === true ? null : `${what}: ${r}`;
}

describe('numerics table: values and gradients at ±1000, ±1e-30, ±0 in float32 and float64', () => {
  for (const dt of DTYPES) {
    it(`elementwise ops and activations (${dt})`, () => {
      const stats = { checked: 0 };
      const failures: string[] = [];
      const x = T.tensor(POINTS, { dtype: dt });
      const xs = Array.from(x.dataSync());
      for (const [name, row] of Object.entries(UNARY(dt))) {
        const y = row.f(x).dataSync();
        const g = (grad((t: T.Tensor) => T.sum(row.f(t)))(x) as T.Tensor).dataSync();
        xs.forEach((p, i) => {
          failures.push(checkOne(`${name}(${p})`, y[i]!, row.value(p), dt, stats) ?? '');
          failures.push(checkOne(`${name}'(${p})`, g[i]!, row.deriv(p), dt, stats) ?? '');
        });
      }
      expect(failures.filter(Boolean)).toEqual([]);
      expect(stats.checked).toBeGreaterThan(250);
    });

    it(`binary ops over every pair of points (${dt})`, () => {
      const stats = { checked: 0 };
      const failures: string[] = [];
      const pairs = POINTS.flatMap((a) => POINTS.map((b) => [a, b] as const));
      const a = T.tensor(pairs.map((p) => p[0]), { dtype: dt }), b = T.tensor(pairs.map((p) => p[1]), { dtype: dt });
      const as = Array.from(a.dataSync()), bs = Array.from(b.dataSync());
      for (const [name, row] of Object.entries(BINARY)) {
        const y = row.f(a, b).dataSync();
        const [ga, gb] = grad((u: T.Tensor, v: T.Tensor) => T.sum(row.f(u, v)), { argnums: [0, 1] })(a, b) as T.Tensor[];
        as.forEach((p, i) => {
          const q = bs[i]!;
          failures.push(checkOne(`${name}(${p}, ${q})`, y[i]!, row.value(p, q), dt, stats) ?? '');
          failures.push(checkOne(`d${name}/da(${p}, ${q})`, ga!.dataSync()[i]!, row.da(p, q), dt, stats) ?? '');
          failures.push(checkOne(`d${name}/db(${p}, ${q})`, gb!.dataSync()[i]!, row.db(p, q), dt, stats) ?? '');
        });
      }
      expect(failures.filter(Boolean)).toEqual([]);
      expect(stats.checked).toBeGreaterThan(600);
    });

    it(`reductions and composites on [p, p] and [p, -p/2] (${dt})`, () => {
      const stats = { checked: 0 };
      const failures: string[] = [];
      for (const p of POINTS) {
        for (const raw of [[p, p], [p, -p / 2]]) {
          const v = T.tensor(raw, { dtype: dt });
          const vs = Array.from(v.dataSync());
          for (const [name, row] of Object.entries(VECTOR(dt))) {
            const y = row.f(v).item() as number;
            const g = Array.from((grad(row.f)(v) as T.Tensor).dataSync());
            const ref = row.grad(vs);
            failures.push(checkOne(`${name}([${vs}])`, y, row.value(vs), dt, stats) ?? '');
            // A gradient is checked as a vector: relative to its largest component (cancellation in one is no error).
            if (ref.every((r) => expectedFinite(r, dt))) {
              stats.checked++;
              const relative = row.gradScale?.(vs) ?? 0;
              const r = g.every(Number.isFinite) ? TOL.with({ scale: 'tree' }).equals(g, ref, { precision: dt, relative }) : `not finite: [${g}]`;
              if (r !== true) failures.push(`grad ${name}([${vs}]) = [${g}] vs [${ref}]: ${r}`);
            }
          }
        }
      }
      expect(failures.filter(Boolean)).toEqual([]);
      expect(stats.checked).toBeGreaterThan(400);
    });
  }

  it('the issue cases', () => {
    expect(grad((x: T.Tensor) => T.prod(x))(T.tensor([0, 3])).toArray()).toEqual([3, 0]);
    expect(grad((x: T.Tensor) => T.prod(x))(T.tensor([0, 0, 3])).toArray()).toEqual([0, 0, 0]);
    const z = grad((x: T.Tensor) => nn.cosineSimilarity(x, T.tensor([0.6, 0.8])))(T.tensor([0, 0])).toArray() as number[];
    expect(z.every(Number.isFinite)).toBe(true);
    const tiny = T.tensor([1e-30, 1e-30]);
    expect(globalNorm(tiny).item()).toBeCloseTo(Math.SQRT2 * 1e-30, 36);
    expect(((grad(globalNorm)(tiny) as T.Tensor).toArray() as number[]).every((g) => Math.abs(g - Math.SQRT1_2) < 1e-6)).toBe(true);
    expect(T.softmax(T.tensor([1000, 1000])).toArray()).toEqual([0.5, 0.5]);
    expect(nn.softmaxCrossEntropy(T.tensor([[1000, 1000]]), T.tensor([0], { dtype: 'int32' })).item()).toBe(Math.fround(Math.LN2));
    expect(T.relu(T.tensor([NaN, -1, 2])).toArray()).toEqual([NaN, 0, 2]);
    // NaN propagates through every activation (JAX), max/min- and where-based ones included.
    for (const [name, row] of Object.entries(UNARY('float32'))) {
      if (['sign', 'floor', 'ceil', 'binaryCrossEntropy'].includes(name)) continue;
      expect([name, row.f(T.tensor([NaN])).toArray()]).toEqual([name, [NaN]]);
    }
    expect([T.leakyRelu(T.tensor([NaN])).item(), T.clip(T.tensor([NaN]), 0, 1).item(), T.maximum(T.tensor([NaN]), 0).item()]).toEqual([NaN, NaN, NaN]);
  });
});
