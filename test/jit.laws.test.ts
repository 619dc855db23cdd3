/** jit laws on random programs built from the primitive set (laws/programs.ts), float64 CPU. */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import * as T from '../src';
import * as J from '../laws/jit';
import { runProgram, type Program } from '../laws/programs';
import type { LawResult } from '../laws/result';
import { lawProperty } from '../laws/arbitraries/property';
import { programArb } from '../laws/arbitraries/programs';

const SEED = 5151;
const RUNS = 150;
let cases = 0;

function forPrograms(body: (p: Program, seed: number) => LawResult, numRuns = RUNS): void {
  fc.assert(lawProperty(programArb(), fc.nat(1 << 20), (p, seed) => {
    cases++;
    return body(p, seed);
  }), { seed: SEED, numRuns });
}

describe(`jit laws on random programs (seed ${SEED}, ${RUNS} programs per law)`, () => {
  afterAll(() => console.log(`jit.laws: ${cases} random-program cases run (seed ${SEED})`));

  it('jitMatchesEager: bitwise on the CPU', () => forPrograms((p, s) => J.jitMatchesEager(runProgram(p), p.sample(s))));

  it('jitMatchesEager in float32 as well', () => forPrograms((p, s) => J.jitMatchesEager(runProgram(p), p.sample(s).map((x) => T.astype(x, 'float32'))), 60));

  it('noRetraceForRepeatedSignature', () => forPrograms((p, s) => J.noRetraceForRepeatedSignature(runProgram(p), p.sample(s)), 40));

  it('jitCommutesWithGrad', () => forPrograms((p, s) => J.jitCommutesWithGrad(runProgram(p), p.sample(s)), 80));

  it('nestedJitCommutes: jit(grad(jit(f))) and jit(vmap(jit(f)))', () => forPrograms((p, s) => {
    const batched = p.inputs.map((_, i) => T.stack([0, 1].map((b) => p.sample(s + 31 * b)[i]!)));
    return J.nestedJitCommutes(runProgram(p), p.sample(s), batched);
  }, 40));

  it('jitCommutesWithVmap', () => forPrograms((p, s) => {
    const batched = p.inputs.map((_, i) => T.stack([0, 1].map((b) => p.sample(s + 31 * b)[i]!)));
    return J.jitCommutesWithVmap(runProgram(p), batched);
  }, 60));
});
