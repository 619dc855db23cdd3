/**
 * Turn a law predicate into a fast-check property: the property fails with a LawViolation whose
 * message is the law's reason; fast-check reports the counterexample and the seed and keeps the
 * violation as the error's `cause` (vitest prints it as "Caused by"), so a runner is one line.
 *
 *   fc.assert(lawProperty(arbTree, roundTrip), { seed: 42, numRuns: 200 });
 *   fc.assert(lawProperty(programArb(), fc.nat(), (p, s) => jitMatchesEager(runProgram(p), p.sample(s))), { seed });
 */
import fc from 'fast-check';
import { assertLaw, type LawResult } from '../result';

type Arbitraries<Ts extends unknown[]> = { [K in keyof Ts]: fc.Arbitrary<Ts[K]> };

/**
 * A property over the arbitraries' values that holds when the law returns `true`; otherwise it
 * fails with a LawViolation whose message is the law's reason.
 *
 *   fc.assert(lawProperty(arbTree, fc.array(fc.boolean()), partitionMaskMatchesPredicate), { seed: 1 });
 */
export function lawProperty<Ts extends [unknown, ...unknown[]]>(...args: [...arbitraries: Arbitraries<Ts>, law: (...values: Ts) => LawResult]): fc.IPropertyWithHooks<Ts> {
  const law = args[args.length - 1] as (...values: Ts) => LawResult;
  const arbitraries = args.slice(0, -1) as fc.Arbitrary<unknown>[];
  const property = fc.property as (...a: unknown[]) => fc.IPropertyWithHooks<Ts>;
  return property(...arbitraries, (...values: Ts) => {
    assertLaw(law(...values));
  });
}

/**
 * The same for asynchronous laws (WebGPU reads are asynchronous).
 *
 *   await fc.assert(asyncLawProperty(fc.constantFrom('tanh', 'exp'), (p) => webgpuAgreesWithCpu(p, [x], {})));
 */
export function asyncLawProperty<Ts extends [unknown, ...unknown[]]>(...args: [...arbitraries: Arbitraries<Ts>, law: (...values: Ts) => Promise<LawResult>]): fc.IAsyncPropertyWithHooks<Ts> {
  const law = args[args.length - 1] as (...values: Ts) => Promise<LawResult>;
  const arbitraries = args.slice(0, -1) as fc.Arbitrary<unknown>[];
  const property = fc.asyncProperty as (...a: unknown[]) => fc.IAsyncPropertyWithHooks<Ts>;
  return property(...arbitraries, async (...values: Ts) => {
    assertLaw(await law(...values));
  });
}
