/**
 * Laws of the random module as pure predicates returning `true` or the reason (the runner is
 * test/random.laws.test.ts). Users can check their own samplers with the structural laws: any
 * `(key) => Tensor` built from these primitives should be deterministic and batch over keys
 * like a loop. Samples are compared with `sameValue` (the same numbers, bit for bit).
 *
 *   sameKeySameNumbers((k) => normal(k, [3]), key(0));   // true
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { vmap } from '../src/grad';
import { bernoulli, beta, categorical, choice, dirichlet, exponential, foldIn, gamma, multivariateNormal, normal, permutation, poisson, randint, splitList, truncatedNormal, uniform } from '../src/random';
import { sameValue } from './approx';
import { check, labelled, type LawResult } from './result';

/** A sampler from a key, with a name for counterexample reports. */
export type Sampler = ((key: Tensor) => Tensor) & { readonly label?: string };

function keyWords(k: Tensor): string {
  return Array.from(k.dataSync()).join(',');
}

/** Same key, same numbers: sampling twice gives bitwise equal tensors. */
export function sameKeySameNumbers(sample: Sampler, k: Tensor): LawResult {
  return labelled('two samples from one key', sameValue.equals(sample(k), sample(k)));
}

/** split(k, n) gives n keys that differ pairwise and from their parent. */
export function splitKeysDistinct(k: Tensor, n: number): LawResult {
  const words = splitList(k, n).map(keyWords);
  return check(new Set([keyWords(k), ...words]).size === n + 1, () => `split(${keyWords(k)}, ${n}) gave repeated keys: ${words.join(' | ')}`);
}

/**
 * foldIn of distinct data gives distinct keys, and none of them equals the parent or one of
 * its split children (the counters are disjoint).
 */
export function foldInDistinct(k: Tensor, a: number, b: number, nSplit = 4): LawResult {
  const fa = keyWords(foldIn(k, a));
  const fb = keyWords(foldIn(k, b));
  const others = new Set([keyWords(k), ...splitList(k, nSplit).map(keyWords)]);
  return check((a === b) === (fa === fb) && !others.has(fa) && !others.has(fb), () => `foldIn(${keyWords(k)}, ${a}) = ${fa} and foldIn(…, ${b}) = ${fb}; parent and split children: ${[...others].join(' | ')}`);
}

/** vmap over a batch of keys equals sampling each key and stacking the results. */
export function vmapMatchesLoop(sample: Sampler, keys: Tensor): LawResult {
  const batched = vmap(sample)(keys) as Tensor;
  const looped = T.stack(splitRows(keys).map((ki) => sample(ki)));
  return labelled('vmap over keys vs loop', sameValue.equals(batched, looped));
}

/** A batched key [n, 2] given directly to a sampler equals the loop too (rank-polymorphic keys). */
export function batchedKeyMatchesLoop(sample: Sampler, keys: Tensor): LawResult {
  return labelled('a batch of keys vs loop', sameValue.equals(sample(keys), T.stack(splitRows(keys).map((ki) => sample(ki)))));
}

function splitRows(keys: Tensor): Tensor[] {
  return T.split(keys, keys.shape[0]!, 0).map((k) => T.squeeze(k, 0));
}

function moments(x: Tensor): { mean: number; variance: number } {
  const d = Array.from(x.dataSync(), Number);
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length;
  return { mean, variance };
}

/** Uniform samples lie in [0, 1) with mean ~1/2 and variance ~1/12 (tolerances ~7 sigma at n = 10k). */
export function uniformMoments(k: Tensor, n = 10_000, dtype: 'float32' | 'float64' = 'float32'): LawResult {
  const x = uniform(k, [n], { dtype });
  const { mean, variance } = moments(x);
  const outside = x.dataSync().find((v) => !(v >= 0 && v < 1));
  if (outside !== undefined) return `uniform sample ${outside} outside [0, 1)`;
  return check(Math.abs(mean - 0.5) < 0.02 && Math.abs(variance - 1 / 12) < 0.006, () => `mean ${mean} (expected 0.5 ± 0.02), variance ${variance} (expected 1/12 ± 0.006) over ${n} ${dtype} samples`);
}

/** Normal samples have mean ~0 and standard deviation ~1. */
export function normalMoments(k: Tensor, n = 10_000, dtype: 'float32' | 'float64' = 'float32'): LawResult {
  const { mean, variance } = moments(normal(k, [n], { dtype }));
  return check(Math.abs(mean) < 0.05 && Math.abs(Math.sqrt(variance) - 1) < 0.05, () => `mean ${mean} (expected 0 ± 0.05), standard deviation ${Math.sqrt(variance)} (expected 1 ± 0.05) over ${n} ${dtype} samples`);
}

/** The frequency of true in bernoulli(p) is ~p. */
export function bernoulliFrequency(k: Tensor, p: number, n = 10_000): LawResult {
  const x = Array.from(bernoulli(k, p, [n]).dataSync());
  const freq = x.reduce((s, v) => s + v, 0) / n;
  return check(Math.abs(freq - p) < 0.03, () => `frequency of true ${freq} over ${n} samples, expected ${p} ± 0.03`);
}

/** Category frequencies of categorical(logits) are ~softmax(logits). */
export function categoricalFrequencies(k: Tensor, logits: readonly number[], n = 10_000): LawResult {
  const c = categorical(k, T.tensor(logits), { shape: [n] }).dataSync();
  const counts = new Array<number>(logits.length).fill(0);
  for (const v of c) counts[v]!++;
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((s, v) => s + v, 0);
  const i = counts.findIndex((cnt, j) => !(Math.abs(cnt / n - e[j]! / z) < 0.03));
  return check(i < 0, () => `category ${i} drawn with frequency ${counts[i]! / n} over ${n} samples, expected softmax ${e[i]! / z} ± 0.03`);
}

/** randint(lo, hi) stays in [lo, hi) and, for a small range, takes every value. */
export function randintCoversRange(k: Tensor, lo: number, hi: number, n = 2_000): LawResult {
  const x = randint(k, [n], lo, hi).dataSync();
  const seen = new Set<number>();
  for (const v of x) {
    if (v < lo || v >= hi) return `randint(${lo}, ${hi}) gave ${v}`;
    seen.add(v);
  }
  return check(seen.size === hi - lo, () => `randint(${lo}, ${hi}) took ${seen.size} of the ${hi - lo} values in ${n} samples`);
}

/** truncatedNormal(lower, upper) never leaves [lower, upper] and is finite. */
export function truncatedNormalWithinBounds(k: Tensor, lower: number, upper: number, n = 1_000, dtype: 'float32' | 'float64' = 'float32'): LawResult {
  const lo = dtype === 'float32' ? Math.fround(lower) : lower;
  const hi = dtype === 'float32' ? Math.fround(upper) : upper;
  const bad = truncatedNormal(k, lower, upper, [n], { dtype }).dataSync().find((v) => !(Number.isFinite(v) && v >= lo && v <= hi));
  return check(bad === undefined, () => `truncatedNormal(${lower}, ${upper}) gave ${bad}`);
}

/** permutation(k, n) holds each of 0..n-1 exactly once. */
export function isPermutation(k: Tensor, n: number): LawResult {
  const p = permutation(k, n);
  const sorted = Array.from(p.dataSync()).sort((a, b) => a - b);
  return check(p.dtype === 'int32' && sorted.length === n && sorted.every((v, i) => v === i), () => `permutation(${n}) gave ${p.dtype} [${Array.from(p.dataSync())}]`);
}

/** split keys sample differently: the first words of two children's streams differ. */
export function splitChildrenIndependent(k: Tensor): LawResult {
  const [a, b] = splitList(k, 2);
  return check(sameValue.equals(uniform(a!, [8]), uniform(b!, [8])) !== true, () => `the two children of ${keyWords(k)} sample the same numbers`);
}


/** Mean and variance within `sigmas` standard errors (the variance's from the fourth central moment). */
function momentsMatch(what: string, x: readonly number[], mean: number, variance: number, fourth: number, sigmas = 7): LawResult {
  const n = x.length;
  const m = x.reduce((a, v) => a + v, 0) / n;
  const v = x.reduce((a, u) => a + (u - m) ** 2, 0) / n;
  const tolMean = sigmas * Math.sqrt(variance / n);
  const tolVar = sigmas * Math.sqrt(Math.max(fourth - variance ** 2, 0) / n) + 1e-12;
  return check(Math.abs(m - mean) <= tolMean && Math.abs(v - variance) <= tolVar, () => `${what}: mean ${m} (expected ${mean} ± ${tolMean}), variance ${v} (expected ${variance} ± ${tolVar}) over ${n} samples`);
}

/** Gamma(a) samples are positive with mean a and variance a (fourth central moment 3a^2 + 6a). */
export function gammaMoments(k: Tensor, a: number, n = 10_000): LawResult {
  const x = Array.from(gamma(k, a, [n]).dataSync());
  const bad = x.find((v) => !(v >= 0 && Number.isFinite(v)));
  if (bad !== undefined) return `gamma(${a}) gave ${bad}`;
  return momentsMatch(`gamma(${a})`, x, a, a, 3 * a * a + 6 * a);
}

/** Beta(a, b) samples lie in [0, 1] with mean a / (a + b) (checked to 7 standard errors). */
export function betaMean(k: Tensor, a: number, b: number, n = 10_000): LawResult {
  const x = Array.from(beta(k, a, b, [n]).dataSync());
  const bad = x.find((v) => !(v >= 0 && v <= 1));
  if (bad !== undefined) return `beta(${a}, ${b}) gave ${bad}`;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  const m = x.reduce((s, v) => s + v, 0) / n;
  return check(Math.abs(m - mean) <= (7 * sd) / Math.sqrt(n), () => `beta(${a}, ${b}): mean ${m}, expected ${mean} ± ${(7 * sd) / Math.sqrt(n)}`);
}

/** Dirichlet(alpha) rows are on the simplex with means alpha / sum(alpha). */
export function dirichletMeans(k: Tensor, alpha: readonly number[], n = 5_000): LawResult {
  const x = Array.from(dirichlet(k, T.tensor(alpha), [n]).dataSync());
  const K = alpha.length;
  const total = alpha.reduce((s, v) => s + v, 0);
  for (let r = 0; r < n; r++) {
    const row = x.slice(r * K, (r + 1) * K);
    const s = row.reduce((a, v) => a + v, 0);
    if (!(Math.abs(s - 1) < 1e-5) || row.some((v) => !(v >= 0))) return `dirichlet([${alpha}]) row ${r} is [${row}], not on the simplex`;
  }
  const i = alpha.findIndex((a, j) => {
    const mean = x.filter((_, t) => t % K === j).reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(((a / total) * (1 - a / total)) / (total + 1));
    return !(Math.abs(mean - a / total) <= (7 * sd) / Math.sqrt(n));
  });
  return check(i < 0, () => `dirichlet([${alpha}]): component ${i}'s mean is off its expected ${alpha[i]! / total}`);
}

/** Standard exponential samples are non-negative with mean 1 and variance 1 (fourth moment 9). */
export function exponentialMoments(k: Tensor, n = 10_000): LawResult {
  const x = Array.from(exponential(k, [n]).dataSync());
  const bad = x.find((v) => !(v >= 0 && Number.isFinite(v)));
  return bad !== undefined ? `exponential gave ${bad}` : momentsMatch('exponential', x, 1, 1, 9);
}

/** Poisson(lam) counts are non-negative integers with mean and variance lam (fourth moment lam + 3 lam^2). */
export function poissonMoments(k: Tensor, lam: number, n = 10_000): LawResult {
  const x = Array.from(poisson(k, lam, [n]).dataSync());
  const bad = x.find((v) => !(Number.isInteger(v) && v >= 0));
  return bad !== undefined ? `poisson(${lam}) gave ${bad}` : momentsMatch(`poisson(${lam})`, x, lam, lam, lam + 3 * lam * lam);
}

/** multivariateNormal(mean, cov) samples have the mean and covariance asked for (to 0.1 at n = 10k). */
export function multivariateNormalMoments(k: Tensor, mean: readonly number[], cov: readonly (readonly number[])[], n = 10_000): LawResult {
  const x = multivariateNormal(k, T.tensor(mean, { dtype: 'float64' }), T.tensor(cov as number[][], { dtype: 'float64' }), [n]);
  const d = mean.length;
  const data = x.dataSync();
  const m = mean.map((_, i) => Array.from({ length: n }, (_, r) => data[r * d + i]!).reduce((s, v) => s + v, 0) / n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let r = 0; r < n; r++) c += (data[r * d + i]! - m[i]!) * (data[r * d + j]! - m[j]!);
      c /= n;
      const tol = 7 * Math.sqrt((cov[i]![i]! * cov[j]![j]! + cov[i]![j]! ** 2) / n);
      if (!(Math.abs(c - cov[i]![j]!) <= tol)) return `multivariateNormal: covariance [${i}][${j}] is ${c}, expected ${cov[i]![j]} ± ${tol}`;
    }
    const tol = 7 * Math.sqrt(cov[i]![i]! / n);
    if (!(Math.abs(m[i]! - mean[i]!) <= tol)) return `multivariateNormal: mean [${i}] is ${m[i]}, expected ${mean[i]} ± ${tol}`;
  }
  return true;
}

/** choice(n, p) with replacement draws each candidate with frequency ~p; without, every draw is distinct. */
export function choiceFrequencies(k: Tensor, p: readonly number[], n = 10_000): LawResult {
  const total = p.reduce((s, v) => s + v, 0);
  const c = choice(k, p.length, [n], { p: T.tensor(p) }).dataSync();
  const counts = new Array<number>(p.length).fill(0);
  for (const v of c) counts[v]!++;
  const i = counts.findIndex((cnt, j) => !(Math.abs(cnt / n - p[j]! / total) < 0.03));
  if (i >= 0) return `choice: candidate ${i} drawn with frequency ${counts[i]! / n}, expected ${p[i]! / total} ± 0.03`;
  const m = Math.max(1, Math.floor(p.filter((v) => v > 0).length / 2));
  const distinct = Array.from(choice(k, p.length, [m], { replace: false, p: T.tensor(p) }).dataSync());
  return check(new Set(distinct).size === m && distinct.every((v) => p[v]! > 0), () => `choice without replacement gave [${distinct}] for p [${p}]`);
}
