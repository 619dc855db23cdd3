/**
 * tensorlaw/extend: the example of docs/extend.md (examples/custom-primitive/primitives.ts, two
 * user-defined primitives with all their rules) through grad, vmap, jit and the jvp/vjp duality
 * law, against float64 references, on the CPU and (when an adapter exists) on WebGPU; the package
 * root exports no tracing internals; bad definitions fail with a clear error.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import * as X from '../src/extend';
import { roll, softplus } from '../examples/custom-primitive/primitives';
import { dispose, toDevice } from '../src/tensor/backend/webgpu';
import { webgpuOrWarn } from './webgpu.helpers';
import { webgpuApprox } from '../laws/webgpu';

const SEED = 4242;
const f64 = (values: readonly number[], shape: readonly number[]) => T.tensor([...values], { shape: [...shape], dtype: 'float64' });
const valuesArb = (n: number) => fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: n, maxLength: n });
const caseArb = fc.record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 6 }), shift: fc.integer({ min: -9, max: 9 }) }).chain((c) => fc.record({ c: fc.constant(c), x: valuesArb(c.rows * c.cols), t: valuesArb(c.rows * c.cols), u: valuesArb(c.rows * c.cols) }));

/** The reference meaning of the two primitives, in float64 JS. */
const softplusRef = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
function rollRef(x: readonly number[], cols: number, shift: number): number[] {
  const s = ((shift % cols) + cols) % cols;
  return x.map((_, i) => x[i - (i % cols) + ((i % cols) - s + cols) % cols]!);
}

const dotAll = (a: T.Tensor, b: T.Tensor) => T.sum(T.mul(a, b)).item() as number;
const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * (1 + Math.abs(a) + Math.abs(b));
const program = (shift: number) => (x: T.Tensor) => T.mul(roll(softplus(x), shift), x);

describe(`tensorlaw/extend: the docs example (fast-check seed ${SEED})`, () => {
  it('is the code docs/extend.md shows', () => {
    const doc = readFileSync('docs/extend.md', 'utf8');
    const block = /```ts file=examples\/custom-primitive\/primitives\.ts\n([\s\S]*?)```/.exec(doc)?.[1];
    const source = readFileSync('examples/custom-primitive/primitives.ts', 'utf8').replace("'../../src/extend'", "'tensorlaw/extend'").replace("'../../src'", "'tensorlaw'");
    expect(block).toBe(source);
  });

  it('evaluates like the float64 reference, and shows up in jaxprs by name', () => {
    fc.assert(fc.property(caseArb, ({ c, x }) => {
      const xs = f64(x, [c.rows, c.cols]);
      const sp = Array.from(softplus(xs).dataSync());
      const rl = Array.from(roll(xs, c.shift).dataSync());
      return sp.every((v, i) => close(v, softplusRef(x[i]!), 1e-15)) && rl.every((v, i) => v === rollRef(x, c.cols, c.shift)[i]);
    }), { seed: SEED, numRuns: 60 });
    expect(String(T.makeJaxpr(program(1))(T.ones([2, 3])))).toMatch(/stableSoftplus[\s\S]*rollLast\[shift=1\]/);
  });

  it('grad: derivatives match central finite differences and the closed form', () => {
    fc.assert(fc.property(caseArb, ({ c, x, t }) => {
      const xs = f64(x, [c.rows, c.cols]);
      const loss = (v: T.Tensor) => T.sum(T.mul(program(c.shift)(v), f64(t, [c.rows, c.cols])));
      const g = T.grad(loss)(xs) as T.Tensor;
      const h = 1e-6;
      return x.every((_, k) => {
        const bump = (d: number) => loss(f64(x.map((v, i) => (i === k ? v + d : v)), [c.rows, c.cols])).item() as number;
        return close(g.dataSync()[k]!, (bump(h) - bump(-h)) / (2 * h), 1e-5);
      });
    }), { seed: SEED, numRuns: 25 });
    const x = f64([-3, 0, 2.5], [3]);
    expect(Array.from((T.grad((v: T.Tensor) => T.sum(softplus(v)))(x) as T.Tensor).dataSync())).toEqual(Array.from(T.sigmoid(x).dataSync()));
  });

  it('jvp/vjp duality: <J t, u> = <t, J^T u>', () => {
    fc.assert(fc.property(caseArb, ({ c, x, t, u }) => {
      const shape = [c.rows, c.cols];
      const f = program(c.shift);
      const [, jt] = T.jvp(f, [f64(x, shape)], [f64(t, shape)]) as [T.Tensor, T.Tensor];
      const [, pullback] = T.vjp(f, f64(x, shape));
      const [jtu] = pullback(f64(u, shape)) as T.Tensor[];
      return close(dotAll(jt, f64(u, shape)), dotAll(f64(t, shape), jtu!), 1e-10);
    }), { seed: SEED, numRuns: 60 });
  });

  it('vmap matches a loop, over either axis, with and without a batching rule', () => {
    const tripled = X.definePrimitive({ name: 'tripledNoBatchRule', abstractEval: ([x]) => x!, cpu: ([x], _, out) => out.data.set(x!.data.map((v) => 3 * v)) });
    fc.assert(fc.property(caseArb, fc.integer({ min: 0, max: 1 }), ({ c, x }, axis) => {
      const xs = f64(x, [c.rows, c.cols]);
      const f = (v: T.Tensor) => tripled([roll(softplus(v), c.shift)], {});
      const batched = T.vmap(f, { inAxes: axis, outAxes: axis })(xs) as T.Tensor;
      const n = xs.shape[axis]!;
      const loop = T.stack(Array.from({ length: n }, (_, i) => f(T.take(xs, i, { axis }))), axis);
      return Array.from(batched.dataSync()).every((v, i) => v === loop.dataSync()[i]);
    }), { seed: SEED, numRuns: 40 });
  });

  it('jit equals eager bit for bit (an opaque call to the kernel), also under grad', () => {
    fc.assert(fc.property(caseArb, ({ c, x }) => {
      const xs = T.tensor(x, { shape: [c.rows, c.cols] });
      const f = (v: T.Tensor) => T.sum(T.mul(program(c.shift)(v), v));
      const same = (a: T.Tensor, b: T.Tensor) => a.dataSync().every((v, i) => Object.is(v, b.dataSync()[i]));
      return same(T.jit(f)(xs), f(xs)) && same(T.jit(T.grad(f))(xs) as T.Tensor, T.grad(f)(xs) as T.Tensor);
    }), { seed: SEED, numRuns: 40 });
  });
});

const gpu = await webgpuOrWarn('tensorlaw/extend on webgpu');

describe.skipIf(!gpu)('tensorlaw/extend: the docs example on WebGPU', () => {
  it('eager and jit agree with the float64 CPU reference', async () => {
    const x = T.tensor(Array.from({ length: 35 }, (_, i) => (i - 17) * 1.7), { shape: [5, 7] });
    const want = program(3)(T.astype(x, 'float64'));
    const onGpu = toDevice(x, 'webgpu');
    for (const got of [program(3)(onGpu), T.jit(program(3))(onGpu)]) {
      expect(got.device).toBe('webgpu');
      expect(webgpuApprox.with({ rtol: 2e-5, atol: 1e-5 }).equals(await toDevice(got, 'cpu'), want)).toBe(true);
      dispose(got);
    }
  });

  it('a primitive without a WebGPU kernel says so', () => {
    const cpuOnly = X.definePrimitive({ name: 'cpuOnlyCopy', abstractEval: ([x]) => x!, cpu: ([x], _, out) => out.data.set(x!.data) });
    expect(() => cpuOnly([toDevice(T.ones([3]), 'webgpu')], {})).toThrow(/cpuOnlyCopy: this user primitive has no webgpu implementation/);
  });
});

describe('the public boundary', () => {
  const internals = ['bind', 'bind1', 'Tracer', 'Trace', 'installHigherOrderImpl', 'ClosedJaxpr', 'inlineCalls', 'fromStorage', 'describe', 'cpuKernels', 'webgpuInternals', 'withMainTrace', 'markDonated', 'checkLive', 'asTensor', 'matmulKernel', 'evalPrimitive', 'registerBackend', 'getBackend', 'abstractEval', 'HIGHER_ORDER_PRIMS', 'PRIMS'];

  it('the package root exports the user API and no tracing internals', () => {
    const root = Object.keys(T);
    expect(internals.filter((name) => root.includes(name))).toEqual([]);
    for (const name of ['tensor', 'grad', 'jit', 'vmap', 'matmul', 'conv2d', 'toDevice', 'Tensor', 'makeJaxpr']) expect(root).toContain(name);
  });

  it('tensorlaw/extend exports the extension points', () => {
    for (const name of ['definePrimitive', 'bind', 'Tracer', 'Trace', 'withMainTrace', 'Jaxpr', 'evalJaxpr', 'UndefPrimal']) expect(Object.keys(X)).toContain(name);
  });

  it('definePrimitive rejects bad definitions with a clear error', () => {
    const base = { abstractEval: ([x]: readonly X.Aval[]) => x!, cpu: () => {} };
    expect(() => X.definePrimitive({ ...base, name: 'add' })).toThrow(/definePrimitive: a primitive named 'add' already exists/);
    expect(() => X.definePrimitive({ ...base, name: 'stableSoftplus' })).toThrow(/already exists/);
    expect(() => X.definePrimitive({ ...base, name: 'typo', jpv: () => {} } as never)).toThrow(/typo: unknown rule 'jpv'/);
    expect(() => X.definePrimitive({ ...base, name: 'no good' })).toThrow(/name must be an identifier/);
    expect(() => X.definePrimitive({ name: 'noKernel', abstractEval: base.abstractEval } as never)).toThrow(/noKernel: 'cpu' must be a function/);
  });

  it('a transformation without the rule it needs names the primitive', () => {
    const opaque = X.definePrimitive({ name: 'opaqueCopy', abstractEval: ([x]) => x!, cpu: ([x], _, out) => out.data.set(x!.data) });
    expect(() => T.grad((v: T.Tensor) => T.sum(opaque([v], {})))(T.ones([2]))).toThrow(/opaqueCopy: no differentiation \(jvp\) rule/);
  });
});
