/**
 * Eager elementwise primitives on large float32 arrays run as one-equation Wasm SIMD kernels
 * (src/tensor/backend/cpu/eagerWasm.ts): for every primitive with a Wasm row, on inputs full of
 * NaN, +-0, +-Infinity and denormals, the Wasm result must equal the generated JS loop's bit for
 * bit, the kernel must really run in Wasm from the second call of a size on, and the cache of
 * kernels stays bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import { ELEMENTWISE, type ElementwisePrim } from '../src/tensor/primitives';
import { cpuKernels } from '../src/tensor/backend/cpu/kernels';
import { EAGER_WASM_CACHE, EAGER_WASM_MIN, eagerWasmCacheSize } from '../src/tensor/backend/cpu/eagerWasm';
import { elementwiseLoop } from '../src/tensor/backend/cpu/elementwise';
import { exprRow, JS_ONLY, type Lanes } from '../src/tensor/backend/cpu/expr';
import { wasmFusedStats, wasmSimdAvailable } from '../src/tensor/backend/cpu/jit/wasm';
import { arrayFor, type DType, type TypedArray } from '../src/tensor/dtype';
import { rng } from './ops.helpers';

const SEED = 20261206;
const SPECIALS = [NaN, 0, -0, Infinity, -Infinity, 1.4e-45, -1.4e-45, 3e-39, -2.5e-39, 3.4028235e38, -3.4028235e38, 1, -1, 0.5, 2, 2.5, -2.5];

const dtypeOf = (lanes: Lanes): DType => (lanes === 'mask' ? 'bool' : 'float32');

function operand(lanes: Lanes, n: number, r: () => number): TypedArray {
  const out = arrayFor(dtypeOf(lanes), n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (lanes === 'mask') out[i] = u < 0.5 ? 1 : 0;
    else if (u < 0.3) out[i] = SPECIALS[Math.floor(r() * SPECIALS.length)]!;
    else out[i] = (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.floor(r() * 60 - 30);
  }
  return out;
}

/** Every elementwise primitive the Wasm generator takes, with operand kinds, result dtype and params. */
const cases = ELEMENTWISE.flatMap((prim) => {
  const row = exprRow(prim as ElementwisePrim).wasm;
  if (row === JS_ONLY) return [];
  const operands: Lanes[] = row.operands === 'any' ? ['f32'] : [...row.operands];
  const result = dtypeOf(row.result === 'first' ? operands[0]! : row.result);
  const params = prim === 'cast' ? { dtype: result } : {};
  return [{ prim: prim as ElementwisePrim, operands, result, params }];
});

/** The kernel table's result for these operands, and the generated JS loop's. */
function both(c: (typeof cases)[number], n: number, seed: number): { got: TypedArray; want: TypedArray } {
  const r = rng(seed);
  const xs = c.operands.map((l) => operand(l, n, r));
  const arrays = xs.map((data, i) => ({ data, shape: [n], dtype: dtypeOf(c.operands[i]!) }));
  const got = arrayFor(c.result, n).fill(7);
  (cpuKernels[c.prim] as (xs: unknown, p: unknown, o: unknown, y: TypedArray) => void)(arrays, c.params, { shape: [n], dtype: c.result }, got);
  const want = arrayFor(c.result, n);
  elementwiseLoop(c.prim, xs.length, arrays[arrays.length - 1]!.dtype, c.result, c.params)(xs[0], xs[1], xs[2], want);
  return { got, want };
}

const sameBits = (a: TypedArray, b: TypedArray): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe.skipIf(!wasmSimdAvailable())(`eager elementwise kernels in Wasm (seed ${SEED})`, () => {
  it('covers the primitives the fused kernels compute in Wasm', () => {
    expect(cases.map((c) => c.prim)).toEqual(expect.arrayContaining(['add', 'sub', 'mul', 'div', 'sqrt', 'max', 'min', 'lt', 'where', 'neg', 'abs']));
  });

  for (const c of cases) {
    it(`${c.prim}: the Wasm kernel equals the JS loop bit for bit, from the second call of a size on`, () => {
      const n = EAGER_WASM_MIN + 13; // not a multiple of 4: the last vector is partial
      const first = both(c, n, SEED);
      expect(sameBits(first.got, first.want)).toBe(true);
      const calls = wasmFusedStats.calls;
      const second = both(c, n, SEED + 1);
      expect(wasmFusedStats.calls).toBe(calls + 1);
      expect(sameBits(second.got, second.want)).toBe(true);
    });
  }

  it('equals the JS loop on random sizes and primitives', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.integer({ min: EAGER_WASM_MIN, max: EAGER_WASM_MIN + 4100 }), fc.integer(), (c, n, seed) => {
        both(c, n, seed); // the first call of a size is JS
        const { got, want } = both(c, n, seed + 1);
        return sameBits(got, want);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('runs through the public ops, equal to the small-size path element by element', () => {
    const n = EAGER_WASM_MIN * 2;
    const r = rng(SEED);
    const a = T.tensor(operand('f32', n, r), { shape: [2, n / 2] }), b = T.tensor(operand('f32', n, r), { shape: [2, n / 2] });
    const run = () => T.div(T.add(T.mul(a, b), T.sqrt(T.abs(a))), b);
    run();
    const calls = wasmFusedStats.calls;
    const big = run().dataSync();
    expect(wasmFusedStats.calls).toBe(calls + 5);
    // The same arithmetic on slices below EAGER_WASM_MIN takes the JS loop.
    const rows = [0, 1].map((i) => {
      const [x, y] = [T.slice(a, [{ start: i, stop: i + 1 }]), T.slice(b, [{ start: i, stop: i + 1 }])];
      return T.div(T.add(T.mul(x, y), T.sqrt(T.abs(x))), y).dataSync();
    });
    expect(sameBits(big, Float32Array.from([...rows[0]!, ...rows[1]!]))).toBe(true);
  });

  it(`keeps at most ${EAGER_WASM_CACHE} kernels and sizes`, () => {
    const c = cases.find((x) => x.prim === 'add')!;
    for (let i = 0; i < EAGER_WASM_CACHE + 10; i++) for (let k = 0; k < 2; k++) both(c, EAGER_WASM_MIN + 4 * i, i);
    expect(eagerWasmCacheSize()).toBe(EAGER_WASM_CACHE);
  });
});
