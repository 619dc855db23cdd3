/**
 * The transformation laws on random well-typed programs built from the primitive set
 * (laws/programs.ts): compositions of guarded unary math, broadcasting binary ops, reductions,
 * movement ops, matmul and softmax/logsumexp over float64 inputs of small shapes. A failing
 * program is printed as readable code by fast-check's counterexample report.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import * as gradLaws from '../laws/grad';
import * as vmapLaws from '../laws/vmap';
import { allOf, type LawResult } from '../laws/result';
import { lawProperty } from '../laws/arbitraries/property';
import { programArb } from '../laws/arbitraries/programs';
import { runProgram, type Program } from '../laws/programs';

/** The transformation laws (./grad) and the vmap laws (./vmap) under one name. */
const L = { ...gradLaws, ...vmapLaws };

const SEED = 4242;
const RUNS = 250;
let casesRun = 0;

/** A law over random programs with a seed for input values and directions; counts the cases. */
function forPrograms(body: (p: Program, seed: number) => LawResult, numRuns = RUNS, arb = programArb()): void {
  fc.assert(lawProperty(arb, fc.nat(1 << 20), (p, seed) => {
    casesRun++;
    return body(p, seed);
  }), { seed: SEED, numRuns });
}

/** `n` examples of a program's inputs. */
const examples = (p: Program, seed: number, n: number) => Array.from({ length: n }, (_, b) => p.sample(seed + 7919 * (b + 1)));
/** In-axes per input from a seed: 0, -1 or null in turn. */
const axesFor = (p: Program, seed: number) => p.inputs.map((_, i) => [0, -1, null][(seed + i) % 3]!);

describe(`grad laws on random programs (seed ${SEED}, ${RUNS} programs per law)`, () => {
  afterAll(() => {
    console.log(`grad.programs: ${casesRun} random-program cases run (seed ${SEED})`);
  });

  it('jvpMatchesFiniteDifferences', () => forPrograms((p, s) => L.jvpMatchesFiniteDifferences(runProgram(p), p.sample(s), s)));

  it('pushforwardPullbackDuality', () => forPrograms((p, s) => L.pushforwardPullbackDuality(runProgram(p), p.sample(s), s)));

  it('entryPointsAgree (grad, valueAndGrad, vjp, jvp, linearize; argnums; hasAux) and gradKeepsStructure', () => forPrograms((p, s) => {
    const args = p.sample(s);
    const g = L.scalarize(runProgram(p), args, s);
    return allOf(['entryPointsAgree', () => L.entryPointsAgree(g, args, s)], ['gradKeepsStructure', () => L.gradKeepsStructure(g, args)]);
  }));

  it('jacfwdMatchesJacrev', () => forPrograms((p, s) => L.jacfwdMatchesJacrev(runProgram(p), p.sample(s))));

  it('hessianIsSymmetric', () => forPrograms((p, s) => {
    const args = p.sample(s);
    return L.hessianIsSymmetric(L.scalarize(runProgram(p), args, s), args);
  }, RUNS / 2));

  it('forwardOverReverseMatchesReverseOverReverse', () => forPrograms((p, s) => {
    const args = p.sample(s);
    return L.forwardOverReverseMatchesReverseOverReverse(L.scalarize(runProgram(p), args, s), args, s);
  }));

  it('vmapMatchesLoop (in-axes 0, -1, null; out-axes 0 and -1; batch size 1..3)', () => forPrograms((p, s) => {
    return L.vmapMatchesLoop(runProgram(p), examples(p, s, 1 + (s % 3)), { inAxes: axesFor(p, s), outAxes: s % 2 === 0 ? 0 : -1 });
  }));

  it('nestedVmapMatchesLoop (vmap of vmap)', () => forPrograms((p, s) => {
    const grid = [examples(p, s, 2), examples(p, s + 1, 2)];
    return L.nestedVmapMatchesLoop(runProgram(p), grid, { inAxes: axesFor(p, s) }, { inAxes: axesFor(p, s + 1).map((d) => (d === -1 ? 0 : d)), outAxes: -1 });
  }, RUNS / 2));

  it('perExampleGradientsMatchLoop and gradOfSummedVmapMatchesLoop (vmap commutes with grad)', () => forPrograms((p, s) => {
    const args = p.sample(s);
    const g = L.scalarize(runProgram(p), args, s);
    const ex = examples(p, s, 1 + (s % 3));
    const inAxes = axesFor(p, s);
    return allOf(['perExampleGradientsMatchLoop', () => L.perExampleGradientsMatchLoop(g, ex, inAxes)], ['gradOfSummedVmapMatchesLoop', () => L.gradOfSummedVmapMatchesLoop(g, ex, inAxes)]);
  }));

  it('vmapOfJvpMatchesLoop', () => forPrograms((p, s) => L.vmapOfJvpMatchesLoop(runProgram(p), examples(p, s, 2), s), RUNS / 2));

  it('chainRule (the program composed with a smooth outer function)', () => forPrograms((p, s) => {
    const args = p.sample(s);
    const f = runProgram(p);
    const g = L.scalarize(f, args, s);
    return L.chainRule((y) => g(...(Array.isArray(y) ? y : [y])), (...xs: unknown[]) => xs, args);
  }, RUNS / 2));
});
