/**
 * The per-call cost of a jitted MLP step (784-64-64-10, Adam, donated params and state), and of
 * a jitted function taking the same arguments whose program does almost nothing (what a call
 * costs outside the compiled kernels: flattening, the cache lookup, the run's setup, unflattening).
 *
 *   npx tsx bench/jitOverhead.ts [--rounds 5]
 */
import * as T from '../src';
import { labels, mlpInit, uniformF32 } from './compare/common';
import { mlpParams, mlpStep, opt } from './compare/ours';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const rounds = arg('rounds', 5);

function perCall(run: () => void, calls: number): number {
  for (let i = 0; i < 50; i++) run();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    best = Math.min(best, ((performance.now() - t) / calls) * 1000);
  }
  return best;
}

for (const batch of [32, 128]) {
  let ps = mlpParams(mlpInit([784, 64, 64, 10]));
  let state: unknown = opt.init(ps);
  const x = T.tensor(uniformF32(batch * 784, 3, 0, 1), { shape: [batch, 784] });
  const y = T.tensor(labels(batch, 4), { shape: [batch], dtype: 'int32' });
  const jstep = T.jit(mlpStep, { donateArgnums: [0, 1] });
  const us = perCall(() => void ([ps, state] = jstep(ps, state, x, y)), 400);
  console.log(`step batch ${batch}: ${us.toFixed(1)} us/call`);
}
{
  const ps = mlpParams(mlpInit([784, 64, 64, 10]));
  const state: unknown = opt.init(ps);
  const x = T.tensor(uniformF32(32 * 784, 3, 0, 1), { shape: [32, 784] });
  const y = T.tensor(labels(32, 4), { shape: [32], dtype: 'int32' });
  const trivial = T.jit((p: typeof ps, s: unknown, _x: T.Tensor, _y: T.Tensor) => [p, s, T.add(p[0]!.b, 1)] as const);
  const us = perCall(() => void trivial(ps, state, x, y), 4000);
  console.log(`trivial (same args): ${us.toFixed(1)} us/call`);
}
