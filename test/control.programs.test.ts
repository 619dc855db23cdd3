/**
 * The transformation laws on random programs with control flow (laws/programs.ts: cond on a
 * sign, a three-way switch, scans forward and reverse closing over a value, a static fori, and a
 * while loop with a data-dependent trip count where reverse mode is not involved), mixed with the
 * primitive-level operations, on float64 CPU. Every control-flow operation is a staged
 * higher-order primitive, so these check its jvp, partial evaluation, transpose and batching
 * rules and its compiled (CPU) lowering.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import * as T from '../src';
import * as gradLaws from '../laws/grad';
import * as jitLaws from '../laws/jit';
import * as vmapLaws from '../laws/vmap';
import { lawProperty } from '../laws/arbitraries/property';
import { programArb } from '../laws/arbitraries/programs';
import { controlOps, forwardOnlyOps, programOps, runProgram, type Program } from '../laws/programs';
import type { LawResult } from '../laws/result';

const L = { ...gradLaws, ...jitLaws, ...vmapLaws };
const SEED = 1111;
let cases = 0;
let withControl = 0;

/** Control flow weighted up against the primitive-level operations. */
const reverseOps = [...programOps, ...controlOps, ...controlOps, ...controlOps];
const allOps = [...reverseOps, ...forwardOnlyOps, ...forwardOnlyOps];

function forPrograms(ops: readonly string[], numRuns: number, body: (p: Program, seed: number) => LawResult): void {
  fc.assert(lawProperty(programArb({ ops, maxSteps: 6 }), fc.nat(1 << 20), (p, seed) => {
    cases++;
    if (p.steps.some((st) => controlOps.includes(st.op) || forwardOnlyOps.includes(st.op))) withControl++;
    return body(p, seed);
  }), { seed: SEED, numRuns });
}

/** `n` examples of a program's inputs. */
const examples = (p: Program, seed: number, n: number) => Array.from({ length: n }, (_, b) => p.sample(seed + 7919 * (b + 1)));

describe(`laws on random programs with control flow (seed ${SEED})`, () => {
  afterAll(() => console.log(`control.programs: ${cases} random-program cases run, ${withControl} with control flow (seed ${SEED})`));

  it('jit == eager, bit for bit (while loops included)', () => forPrograms(allOps, 60, (p, s) => L.jitMatchesEager(runProgram(p), p.sample(s))));

  it('jit == eager in float32', () => forPrograms(allOps, 25, (p, s) => L.jitMatchesEager(runProgram(p), p.sample(s).map((x) => T.astype(x, 'float32')))));

  it('grad(jit(f)) == jit(grad(f)) == grad(f)', () => forPrograms(reverseOps, 40, (p, s) => L.jitCommutesWithGrad(runProgram(p), p.sample(s))));

  it('jvp matches finite differences (while loops included)', () => forPrograms(allOps, 40, (p, s) => L.jvpMatchesFiniteDifferences(runProgram(p), p.sample(s), s)));

  it('jvp/vjp duality', () => forPrograms(reverseOps, 40, (p, s) => L.pushforwardPullbackDuality(runProgram(p), p.sample(s), s)));

  it('vmap == loop (in-axes 0, -1, null: batched predicates and per-example trip counts)', () => forPrograms(allOps, 40, (p, s) => {
    const inAxes = p.inputs.map((_, i) => [0, null, -1][(s + i) % 3]!);
    return L.vmapMatchesLoop(runProgram(p), examples(p, s, 2 + (s % 2)), { inAxes, outAxes: s % 2 === 0 ? 0 : -1 });
  }));

  it('per-example gradients (vmap of grad) match a loop', () => forPrograms(reverseOps, 25, (p, s) => {
    const args = p.sample(s);
    return L.perExampleGradientsMatchLoop(L.scalarize(runProgram(p), args, s), examples(p, s, 2), p.inputs.map(() => 0));
  }));

  it('jit(vmap(f)) == vmap(jit(f)) == vmap(f)', () => forPrograms(allOps, 25, (p, s) => L.jitCommutesWithVmap(runProgram(p), p.inputs.map((_, i) => T.stack(examples(p, s, 2).map((e) => e[i]!))))));

  it('jit(grad(jit(f))) == grad(f) and jit(vmap(jit(f))) == vmap(f)', () => forPrograms(reverseOps, 25, (p, s) => L.nestedJitCommutes(runProgram(p), p.sample(s), p.inputs.map((_, i) => T.stack(examples(p, s, 2).map((e) => e[i]!))))));

  it('checkpoint(f) == f for values and gradients', () => forPrograms(reverseOps, 30, (p, s) => L.checkpointPreservesDerivatives(runProgram(p), p.sample(s), s)));
});
