/**
 * The CPU storage pool (src/tensor/backend/cpu/pool.ts): storage that donated arguments leave
 * behind is handed to later eager results, jitted outputs and batches, and no live tensor's data
 * ever changes. Random programs mix eager ops, jitted calls that donate some arguments (and return
 * some of them, reshaped or not), tied arguments (one tensor passed twice) and dataset batches;
 * after every step every live tensor must still hold the values it was born with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import { Dataset } from '../src/data';
import { key } from '../src/random';
import { isDonated, poolStats } from '../src/tensor';

const SEED = 20261206;
const N = 4096; // at the pool's threshold: every tensor here is pooled

type Op =
  | { kind: 'eager'; a: number; b: number }
  | { kind: 'jit'; a: number; b: number; donate: [boolean, boolean]; returns: 'fresh' | 'first' | 'reshaped' }
  | { kind: 'batch'; start: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('eager' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('jit' as const), a: fc.nat(), b: fc.nat(), donate: fc.tuple(fc.boolean(), fc.boolean()), returns: fc.constantFrom('fresh' as const, 'first' as const, 'reshaped' as const) }),
  fc.record({ kind: fc.constant('batch' as const), start: fc.nat(3) }),
);

/** The jitted functions, one per donation pattern and return form (a fresh jit each would recompile every call). */
const jitted = new Map<string, (x: T.Tensor, y: T.Tensor) => T.Tensor[]>();
function jitFor(op: Extract<Op, { kind: 'jit' }>): (x: T.Tensor, y: T.Tensor) => T.Tensor[] {
  const k = `${op.donate}:${op.returns}`;
  let f = jitted.get(k);
  if (!f) {
    const body = (x: T.Tensor, y: T.Tensor): T.Tensor[] => {
      const z = T.add(T.mul(T.reshape(x, [N]), 2), y);
      if (op.returns === 'first') return [z, x];
      if (op.returns === 'reshaped') return [z, T.reshape(x, x.ndim === 1 ? [N / 64, 64] : [N])];
      return [z];
    };
    const donateArgnums = op.donate.flatMap((d, i) => (d ? [i] : []));
    f = T.jit(body, { donateArgnums }) as (x: T.Tensor, y: T.Tensor) => T.Tensor[];
    jitted.set(k, f);
  }
  return f;
}

describe(`CPU storage pool (fast-check seed ${SEED})`, () => {
  it('donated storage is reused, and no live tensor ever changes (eager, jit with donation, tied arguments, batches)', () => {
    const rows = T.tensor(Float32Array.from({ length: 4 * N }, (_, i) => (i % 97) - 48), { shape: [4 * 64, 64] });
    const ds = Dataset.fromTensors({ x: rows });
    const before = poolStats.reused;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.nat(), (ops, seed) => {
        let s = seed;
        const value = () => ((s = (s * 1103515245 + 12345) >>> 0) % 1000) / 10 - 50;
        const live: { t: T.Tensor; want: Float32Array }[] = [];
        const born = (t: T.Tensor) => live.push({ t, want: t.dataSync() as Float32Array });
        born(T.tensor(Float32Array.from({ length: N }, value)));
        born(T.tensor(Float32Array.from({ length: N }, value)));
        for (const op of ops) {
          const pick = (i: number) => live[i % live.length]!;
          if (op.kind === 'eager') born(T.sub(T.reshape(pick(op.a).t, [N]), T.reshape(pick(op.b).t, [N])));
          else if (op.kind === 'batch') born(T.reshape(ds.shuffle(key(op.start)).batch(64).at(op.start).x, [N]));
          else {
            const x = pick(op.a).t, y = pick(op.b).t;
            // Sometimes one tensor passed twice (tied), donated in one position at most.
            const second = op.a % 3 === 0 ? x : y;
            const outs = jitFor(op)(x, T.reshape(second, [N]));
            // Outputs stay as they are: a reshaped one shares its argument's storage.
            for (const o of outs) if (!live.some((l) => l.t === o)) born(o);
          }
          // Donated tensors are dead (reading one throws); every other one keeps its values.
          for (let i = live.length - 1; i >= 0; i--) if (isDonated(live[i]!.t)) live.splice(i, 1);
          for (const l of live) expect(Array.from(l.t.dataSync())).toEqual(Array.from(l.want));
          if (live.length === 0) born(T.tensor(Float32Array.from({ length: N }, value)));
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
    // The programs donated storage that later allocations took.
    expect(poolStats.reused).toBeGreaterThan(before);
  });

  it('storage an output shares with its argument (a reshape) never returns, though the argument is donated later', () => {
    // An eager result: its storage came from the pool's allocator (T.tensor's does not).
    const x = T.mul(T.tensor(Float32Array.from({ length: N }, (_, i) => i)), 1);
    const [, o] = T.jit((a: T.Tensor) => [T.mul(a, 2), T.reshape(a, [64, 64])])(x) as T.Tensor[];
    const want = Array.from(o!.dataSync());
    const consume = T.jit((a: T.Tensor) => T.sum(a), { donateArgnums: [0] });
    consume(x);
    expect(isDonated(x)).toBe(true);
    // Allocations of the same size and dtype: none may land in the storage o still views.
    const others = Array.from({ length: 4 }, (_, k) => T.mul(T.ones([N]), k + 3));
    expect(Array.from(o!.dataSync())).toEqual(want);
    expect(others.map((t) => t.dataSync()[0])).toEqual([3, 4, 5, 6]);
  });

  it('a donated batch becomes the storage of a later batch; the earlier batches keep their values', () => {
    const rows = T.tensor(Float32Array.from({ length: 8 * N }, (_, i) => i), { shape: [8 * 64, 64] });
    const batches = Dataset.fromTensors({ x: rows }).shuffle(key(1)).batch(64);
    const step = T.jit((x: T.Tensor) => T.sum(x), { donateArgnums: [0] });
    const kept = batches.at(0).x;
    const keptValues = Array.from(kept.dataSync());
    const reusedBefore = poolStats.reused;
    for (let i = 1; i < batches.length; i++) {
      const b = batches.at(i).x;
      const want = Array.from(b.dataSync()).reduce((a, v) => a + v, 0);
      expect(step(b).item()).toBeCloseTo(want, 0);
      expect(isDonated(b)).toBe(true);
    }
    expect(poolStats.reused - reusedBefore).toBeGreaterThanOrEqual(batches.length - 2);
    expect(Array.from(kept.dataSync())).toEqual(keptValues);
  });
});
