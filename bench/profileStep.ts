/**
 * Where the time of one jitted MLP training step goes (784-64-64-10, Adam): the step's optimized
 * jaxpr is split into the same steps as jit's CPU lowering (fused clusters, kernel calls, free
 * reshapes), each run with a timer around it, and the totals are grouped by kind.
 *
 *   npx tsx bench/profileStep.ts [--batch 128] [--iters 300] [--all] [--dump 50,31]
 *
 * --all lists every step in program order; --dump prints the generated JS of the given fused steps
 * and where each of their inputs comes from (argument, constant, intermediate, literal).
 *
 * This is an instrumented copy of the lowering (no buffer reuse between steps), so the sum of
 * the parts is compared against the real jitted call, timed in the same process.
 */
import * as T from '../src';
import { arrayFor, cpuData, cpuKernels, sizeOf, type Prim, type TypedArray } from '../src/tensor';
import { Lit, Var, type Atom, type Jaxpr } from '../src/tensor';
import { fuse } from '../src/grad/jit/fusion';
import type { Step } from '../src/tensor';
import { compileCluster } from '../src/tensor/backend/cpu/jit/js';
import { optimize } from '../src/grad/jit/passes';
import { traceToJaxpr } from '../src/grad/staging';
import { flatten, unflatten } from '../src/tree';
import { labels, mlpInit, uniformF32 } from './compare/common';
import { mlpParams, mlpStep, opt } from './compare/ours';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const batch = arg('batch', 128);
const iters = arg('iters', 300);

const ps = mlpParams(mlpInit([784, 64, 64, 10]));
const state = opt.init(ps);
const x = T.tensor(uniformF32(batch * 784, 3, 0, 1), { shape: [batch, 784] });
const y = T.tensor(labels(batch, 4), { shape: [batch], dtype: 'int32' });
const jstep = T.jit(mlpStep);
// Trace and optimize exactly as jit does (jit keeps its constants private, so redo it here).
const [flatArgs, argDef] = flatten([ps, state, x, y]) as [T.Tensor[], ReturnType<typeof flatten>[1]];
const traced = traceToJaxpr(
  (...xs: T.Tensor[]) => {
    const [a, b, c, d] = unflatten(argDef, xs) as [typeof ps, typeof state, T.Tensor, T.Tensor];
    return flatten(mlpStep(a, b, c, d))[0] as T.Tensor[];
  },
  flatArgs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
  'jit',
);
const { jaxpr, consts } = optimize(traced) as { jaxpr: Jaxpr; consts: T.Tensor[] };
const steps = fuse(jaxpr);

const describe = (s: Step): string => {
  if (s.kind === 'fused') {
    const c = s.cluster;
    const prims = [...new Set(c.eqns.map((e) => e.prim))];
    return `fused${c.reduce ? '+' + c.reduce.prim : ''} [${c.shape}] ${c.eqns.length} eqns (${prims.slice(0, 6).join(',')}${prims.length > 6 ? ',...' : ''})`;
  }
  const e = s.eqn;
  const shapes = e.inputs.map((a) => `[${a.aval.shape}]`).join('x');
  const extra = e.prim === 'transpose' ? ` perm=${JSON.stringify((e.params as { perm?: number[] }).perm)}` : '';
  return `${e.prim} ${shapes} -> [${e.outs[0]!.aval.shape}]${extra}`;
};
const group = (s: Step): string => (s.kind === 'fused' ? (s.cluster.reduce ? 'fused+reduce' : 'fused elementwise') : s.kind === 'alias' ? 'alias' : s.eqn.prim);

const store = new Map<Var, TypedArray>();
jaxpr.invars.forEach((v, i) => store.set(v, cpuData(flatArgs[i]!)));
jaxpr.constvars.forEach((v, i) => store.set(v, cpuData(consts[i]!)));
const read = (a: Atom): TypedArray => (a instanceof Lit ? cpuData(a.value) : store.get(a as Var) ?? alloc(a as Var));
const alloc = (v: Var): TypedArray => {
  const b = arrayFor(v.aval.dtype, sizeOf(v.aval.shape));
  store.set(v, b);
  return b;
};

type Runner = () => void;
const runners: Runner[] = steps.map((s) => {
  if (s.kind === 'alias') {
    return () => {
      const src = s.eqn.inputs[0]!;
      if (src instanceof Var) store.set(s.eqn.outs[0]!, read(src));
    };
  }
  if (s.kind === 'fused') {
    const c = s.cluster;
    const k = compileCluster(c);
    const outs = [...c.outputs, ...(c.reduce ? [c.reduce.out] : [])];
    return () => k(c.inputs.map((i) => (i.atom instanceof Lit ? undefined : read(i.atom))), outs.map((o) => store.get(o) ?? alloc(o)));
  }
  const e = s.eqn;
  const kernel = cpuKernels[e.prim as Prim] as (xs: unknown[], p: unknown, out: unknown, y: TypedArray) => void;
  const views = e.inputs.map((a) => ({ shape: a.aval.shape, dtype: a.aval.dtype, data: undefined as unknown as TypedArray }));
  return () => {
    e.inputs.forEach((a, i) => (views[i]!.data = read(a)));
    kernel(views, e.params, e.outs[0]!.aval, store.get(e.outs[0]!) ?? alloc(e.outs[0]!));
  };
});

if (process.argv.includes('--dump')) {
  for (const i of process.argv[process.argv.indexOf('--dump') + 1]!.split(',').map(Number)) {
    const s = steps[i]!;
    if (s.kind === 'fused') {
      console.log(`#${i}`, compileCluster(s.cluster).toString(), s.cluster.inputs.map((x) => `${x.atom instanceof Var ? (jaxpr.constvars.includes(x.atom) ? 'const' : jaxpr.invars.includes(x.atom) ? 'arg' : 'var') : 'lit'} [${x.atom.aval.shape}] strides ${x.strides}`));
      const ins = s.cluster.inputs.map((x) => (x.atom instanceof Lit ? undefined : read(x.atom)));
      console.log(ins.map((a) => a?.constructor.name + ':' + a?.length).join(' '));
    }
  }
}
if (process.argv.includes('--solo')) {
  // Each step alone, many times in a row (warm caches, no interference from its neighbours).
  for (let i = 0; i < 5; i++) runners.forEach((r) => r());
  console.log('solo (each step 200x in a row), slowest:');
  const solo = runners.map((r) => {
    for (let i = 0; i < 20; i++) r();
    const t = performance.now();
    for (let i = 0; i < 200; i++) r();
    return ((performance.now() - t) / 200) * 1000;
  });
  for (const i of [...steps.keys()].sort((a, b) => solo[b]! - solo[a]!).slice(0, 12)) console.log(`  ${solo[i]!.toFixed(1).padStart(7)} µs  #${i} ${describe(steps[i]!)}`);
}
const per = new Float64Array(steps.length);
for (let it = 0; it < iters + 20; it++) {
  for (let i = 0; i < runners.length; i++) {
    const t = performance.now();
    runners[i]!();
    if (it >= 20) per[i] += performance.now() - t;
  }
}
// The real thing, for comparison (same process, after the instrumented runs).
for (let i = 0; i < 20; i++) jstep(ps, state, x, y);
const real: number[] = [];
for (let i = 0; i < iters; i++) {
  const t = performance.now();
  jstep(ps, state, x, y);
  real.push(performance.now() - t);
}
real.sort((a, b) => a - b);

const total = per.reduce((a, b) => a + b, 0) / iters;
console.log(`jitted MLP 784-64-64-10 step, batch ${batch}: ${steps.length} steps (${steps.filter((s) => s.kind === 'fused').length} fused, ${steps.filter((s) => s.kind === 'eqn').length} kernels, ${steps.filter((s) => s.kind === 'alias').length} aliases)`);
console.log(`instrumented sum ${(total * 1000).toFixed(0)} µs/step (mean); real jitted call median ${(real[real.length >> 1]! * 1000).toFixed(0)} µs, min ${(real[0]! * 1000).toFixed(0)} µs`);
const byGroup = new Map<string, { us: number; n: number }>();
steps.forEach((s, i) => {
  const g = byGroup.get(group(s)) ?? { us: 0, n: 0 };
  g.us += (per[i]! / iters) * 1000;
  g.n++;
  byGroup.set(group(s), g);
});
console.log('\nby kind:');
for (const [g, { us, n }] of [...byGroup].sort((a, b) => b[1].us - a[1].us)) console.log(`  ${g.padEnd(20)} ${n.toString().padStart(3)} steps ${us.toFixed(0).padStart(7)} µs ${((us / (total * 1000)) * 100).toFixed(1).padStart(5)}%`);
console.log('\nslowest steps:');
const order = [...steps.keys()].sort((a, b) => per[b]! - per[a]!);
for (const i of process.argv.includes('--all') ? [...steps.keys()] : order.slice(0, 20)) console.log(`  ${((per[i]! / iters) * 1000).toFixed(1).padStart(7)} µs  #${i} ${describe(steps[i]!)}`);
