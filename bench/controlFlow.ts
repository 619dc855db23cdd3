/**
 * Control flow and transformations of jitted programs, as staged primitives (issue 11's figures):
 *
 * 1. compile time of jit(scan) and jit(grad(scan)) for an RNN cell at length 2,048 vs 16 (a staged
 *    loop compiles its body once: the ratio should stay near 1, target < 4x);
 * 2. printed jaxpr size at length 2,048 vs 16 (target < 3x);
 * 3. grad(jit(f)) vs jit(grad(f)) for a small MLP (target < 2x): grad of a jitted function runs
 *    two compiled programs (forward with residuals, then the transposed backward program);
 * 4. a jitted cond whose 12-matmul branch is not taken vs the cheap branch alone (target: about 1x).
 *
 *   npx tsx bench/controlFlow.ts
 */
import * as T from '../src';
import * as random from '../src/random';
import { lowerFor } from '../src/grad/jit/lower';
import { measure, row } from './measure';

const hidden = 32;
const key = random.key(0);
const [k1, k2, k3] = random.splitList(key, 3);
const wh = T.mul(random.normal(k1!, [hidden, hidden]), 0.1);
const wx = T.mul(random.normal(k2!, [8, hidden]), 0.1);

/** An RNN over xs [length, batch, 8]: h' = tanh(h wh + x wx); the loss sums the states. */
const rnnLoss = (w: { wh: T.Tensor; wx: T.Tensor }, xs: T.Tensor) => {
  const [h, hs] = T.scan((h: T.Tensor, x: T.Tensor) => {
    const n = T.tanh(T.add(T.matmul(h, w.wh), T.matmul(x, w.wx)));
    return [n, n] as const;
  }, T.zeros([4, hidden]), xs);
  return T.add(T.sum(h), T.mean(hs));
};

/** Trace f as jit does, then compile the program for the CPU (no run): milliseconds, median of 3. */
function compileMs(f: (...a: any[]) => unknown, args: unknown[]): number {
  const times = [0, 1, 2].map(() => {
    const t = performance.now();
    const closed = T.makeJaxpr(T.jit(f))(...args).eqns[0]!.params.jaxpr;
    lowerFor('cpu', closed.jaxpr, closed.consts);
    return performance.now() - t;
  });
  return times.sort((a, b) => a - b)[1]!;
}

const w = { wh, wx };
const xsOf = (n: number) => random.normal(k3!, [n, 4, 8]);
console.log('1. compile time (trace + optimize + lower for the CPU), ms');
const widths = [34, 10, 10, 8];
console.log(row(['program', 'len 16', 'len 2048', 'ratio'], widths));
for (const [name, f] of [['jit(scan)', rnnLoss], ['jit(grad(scan))', T.grad(rnnLoss)]] as const) {
  compileMs(f, [w, xsOf(8)]); // warm up: the generated kernels are cached by their code
  const a = compileMs(f, [w, xsOf(16)]);
  const b = compileMs(f, [w, xsOf(2048)]);
  console.log(row([name, a.toFixed(1), b.toFixed(1), (b / a).toFixed(2)], widths));
}

console.log('\n2. printed jaxpr size (characters)');
for (const [name, f] of [['makeJaxpr(scan)', rnnLoss], ['makeJaxpr(grad(scan))', T.grad(rnnLoss)]] as const) {
  const a = T.makeJaxpr(f)(w, xsOf(16)).toString().length;
  const b = T.makeJaxpr(f)(w, xsOf(2048)).toString().length;
  console.log(row([name, a, b, (b / a).toFixed(2)], widths));
}

console.log('\n3. grad(jit(f)) vs jit(grad(f)), MLP 64-128-128-10, batch 32 (ms per call)');
const [m1, m2, m3, mx] = random.splitList(random.key(1), 4);
const params = [
  { w: T.mul(random.normal(m1!, [64, 128]), 0.1), b: T.zeros([128]) },
  { w: T.mul(random.normal(m2!, [128, 128]), 0.1), b: T.zeros([128]) },
  { w: T.mul(random.normal(m3!, [128, 10]), 0.1), b: T.zeros([10]) },
];
const x = random.normal(mx!, [32, 64]);
const mlp = (ps: typeof params, input: T.Tensor) => {
  let h = input;
  ps.forEach((p, i) => {
    h = T.add(T.matmul(h, p.w), p.b);
    if (i < ps.length - 1) h = T.tanh(h);
  });
  return T.mean(T.square(h));
};
const gradOfJit = T.grad(T.jit(mlp));
const jitOfGrad = T.jit(T.grad(mlp));
const a = measure(() => gradOfJit(params, x), { budgetMs: 1500 }).ms;
const b = measure(() => jitOfGrad(params, x), { budgetMs: 1500 }).ms;
const c = measure(() => T.grad(mlp)(params, x), { budgetMs: 1500 }).ms;
console.log(row(['grad(jit(f))', a.toFixed(3)], [34, 10]));
console.log(row(['jit(grad(f))', b.toFixed(3)], [34, 10]));
console.log(row(['grad(f) (eager)', c.toFixed(3)], [34, 10]));
console.log(row(['ratio grad(jit) / jit(grad)', (a / b).toFixed(2)], [34, 10]));

console.log('\n4. jitted cond, cheap branch taken, 12-matmul branch not taken (ms per call)');
const m = random.normal(random.key(2), [128, 128]);
const v = random.normal(random.key(3), [128, 128]);
const heavy = (u: T.Tensor) => {
  let h = u;
  for (let i = 0; i < 12; i++) h = T.tanh(T.matmul(h, m));
  return h;
};
const cheap = (u: T.Tensor) => T.mul(u, 2);
const withCond = T.jit((p: T.Tensor, u: T.Tensor) => T.cond(p, heavy, cheap, u));
const cheapAlone = T.jit(cheap);
const heavyAlone = T.jit(heavy);
const t1 = measure(() => withCond(T.scalar(false), v), { budgetMs: 1000 }).ms;
const t2 = measure(() => cheapAlone(v), { budgetMs: 1000 }).ms;
const t3 = measure(() => heavyAlone(v), { budgetMs: 1000 }).ms;
console.log(row(['cond (cheap branch taken)', t1.toFixed(3)], [34, 10]));
console.log(row(['cheap branch alone', t2.toFixed(3)], [34, 10]));
console.log(row(['12-matmul branch alone', t3.toFixed(3)], [34, 10]));
console.log(row(['ratio cond / cheap alone', (t1 / t2).toFixed(2)], [34, 10]));
