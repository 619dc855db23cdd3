/**
 * The export law on random well-typed programs (laws/programs.ts): toOnnx(program) run in ONNX
 * Runtime equals the program run eagerly, on float32 inputs, within `exportApprox`. Plus its
 * dynamic-batch form: a program mapped over a batch with vmap, exported at one batch size, runs
 * at another. A failing program is printed as readable code by fast-check's report.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import { dynamicBatchMatchesEager, exportMatchesEager } from '../laws/onnx';
import { asyncLawProperty } from '../laws/arbitraries/property';
import { runProgram, type Program } from '../laws/programs';
import { programArb } from '../laws/arbitraries/programs';
import { runOnnx } from './onnx.helpers';

const SEED = 1616;
const RUNS = 300;
let casesRun = 0;

const float32 = (xs: readonly Tensor[]) => xs.map((x) => T.astype(x, 'float32'));

describe(`ONNX export law on random programs (seed ${SEED}, ${RUNS} programs)`, () => {
  afterAll(() => console.log(`onnx.laws: ${casesRun} random-program exports run in ONNX Runtime (seed ${SEED})`));

  it('exportMatchesEager', async () => {
    await fc.assert(
      asyncLawProperty(programArb({ maxSteps: 10 }), fc.nat(1 << 20), (p: Program, seed: number) => {
        casesRun++;
        return exportMatchesEager(runOnnx, runProgram(p), float32(p.sample(seed)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('dynamicBatchMatchesEager (vmap of the program, exported at batch 3, run at batch 2 and 5)', async () => {
    await fc.assert(
      asyncLawProperty(programArb({ maxSteps: 6 }), fc.nat(1 << 20), fc.constantFrom(2, 5), (p: Program, seed: number, size: number) => {
        casesRun++;
        const batch = (n: number) => p.inputs.map((_, i) => T.stack(Array.from({ length: n }, (_, b) => float32(p.sample(seed + 31 * b))[i]!)));
        return dynamicBatchMatchesEager(runOnnx, T.vmap(runProgram(p)), batch(3), batch(size), {});
      }),
      { seed: SEED + 1, numRuns: RUNS / 3 },
    );
  });
});
