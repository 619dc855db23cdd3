/**
 * Fused float32 elementwise clusters: generated JS against Wasm SIMD (several chunk sizes), for
 * an Adam update over a [784, 64] weight (15 ops incl. 3 div + sqrt, 4 arrays in, 3 out) and a
 * short chain (x * y + 1), and a bias add + ReLU over [128, 64] (a row broadcast, a bool output). Run: npx tsx bench/wasmFused.ts
 */
import * as T from '../src';
import { Lit, type Jaxpr } from '../src/tensor';
import { fuse } from '../src/grad/jit/fusion';
import type { Cluster } from '../src/tensor';
import { compileCluster } from '../src/tensor/backend/cpu/jit/js';
import { compileClusterWasm } from '../src/tensor/backend/cpu/jit/wasm';
import { measure, row } from './measure';

/** The one fused cluster of f's jitted program, and for each of its inputs the argument it reads. */
function clusterOf(f: (...xs: T.Tensor[]) => T.Tensor[], args: T.Tensor[]): { c: Cluster; argOf: number[] } {
  const jaxpr = (T.jit(f) as unknown as { lower: (...a: unknown[]) => Jaxpr }).lower(...args);
  const fused = fuse(jaxpr).filter((s) => s.kind === 'fused');
  if (fused.length !== 1 || fused[0]!.kind !== 'fused') throw new Error(`expected one cluster, got ${fused.length}`);
  const c = fused[0]!.cluster;
  const argOf = c.inputs.map((i) => (i.atom instanceof Lit ? -1 : jaxpr.invars.indexOf(i.atom)));
  if (argOf.some((k, j) => k < 0 && !(c.inputs[j]!.atom instanceof Lit))) throw new Error('a cluster input is not an argument');
  return { c, argOf };
}

const adam = (m: T.Tensor, v: T.Tensor, g: T.Tensor, p: T.Tensor, bc1: T.Tensor, bc2: T.Tensor) => {
  const m2 = T.add(T.mul(m, 0.9), T.mul(g, 0.1));
  const v2 = T.add(T.mul(v, 0.999), T.mul(T.mul(g, g), 0.001));
  const u = T.div(T.div(m2, bc1), T.add(T.sqrt(T.add(T.div(v2, bc2), 0)), 1e-8));
  return [m2, v2, T.add(p, T.mul(u, -1e-3))];
};
const chain = (x: T.Tensor, y: T.Tensor) => [T.add(T.mul(x, y), 1)];
/** Bias add + ReLU of a hidden layer, keeping the mask for the backward pass. */
const biasRelu = (x: T.Tensor, b: T.Tensor) => {
  const h = T.add(x, b);
  const m = T.greater(h, 0);
  return [m, T.where(m, h, 0)];
};

function bench(name: string, { c, argOf }: { c: Cluster; argOf: number[] }, argsOf: () => Float32Array[], widths: number[]): string[] {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const sources = argsOf();
  const ins = c.inputs.map((i, j) => (i.atom instanceof Lit ? undefined : sources[argOf[j]!]));
  const outs = c.outputs.map((o) => (o.aval.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n)));
  const lines: string[] = [];
  const js = compileCluster(c);
  const tJs = measure(() => js(ins, outs), { budgetMs: 1000, warmup: 20, maxRuns: 400 });
  const ref = outs.map((o) => o.slice());
  lines.push(row([`${name} JS`, (tJs.ms * 1000).toFixed(1), ((tJs.ms * 1e6) / n).toFixed(2), '1.0x'], widths));
  for (const chunk of [1024, 4096, 16384, 1 << 20]) {
    if (chunk >= n && chunk !== 1 << 20) continue;
    const w = compileClusterWasm(c, { chunk })!;
    outs.forEach((o) => o.fill(0));
    const t = measure(() => w(ins, outs), { budgetMs: 1000, warmup: 200, maxRuns: 400 });
    const same = outs.every((o, k) => o.every((x, i) => Object.is(x, ref[k]![i]) || (x !== x && ref[k]![i]! !== ref[k]![i]!)));
    lines.push(row([`${name} Wasm chunk ${chunk >= n ? 'all' : chunk}${same ? '' : ' MISMATCH'}`, (t.ms * 1000).toFixed(1), ((t.ms * 1e6) / n).toFixed(2), `${(tJs.ms / t.ms).toFixed(1)}x`], widths));
  }
  return lines;
}

const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const widths = [34, 10, 10, 8];
const lines = [row(['cluster [784,64] (50176 elements)', 'µs', 'ns/elem', 'speedup'], widths)];
const shape = [784, 64];
const n = 784 * 64;
const big = () => T.tensor(rand(n), { shape });
const scalar = (x: number) => T.tensor([[x]], { dtype: 'float32' });
lines.push(...bench('adam', clusterOf(adam as never, [big(), big(), big(), big(), scalar(0.1), scalar(0.001)]), () => [rand(n), rand(n).map(Math.abs), rand(n), rand(n), new Float32Array([0.1]), new Float32Array([0.001])], widths));
lines.push(...bench('x*y+1', clusterOf(chain as never, [big(), big()]), () => [rand(n), rand(n)], widths));
lines.push(row(['cluster [128,64] + row [1,64]', 'µs', 'ns/elem', 'speedup'], widths));
lines.push(...bench('bias+relu (bool out)', clusterOf(biasRelu as never, [T.tensor(rand(128 * 64), { shape: [128, 64] }), T.tensor(rand(64), { shape: [1, 64] })]), () => [rand(128 * 64), rand(64)], widths));
console.log(lines.join('\n'));
