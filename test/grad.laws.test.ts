/**
 * The transformation laws over every primitive of the primitive set (laws/gradPrims.ts gives
 * each one a generator of valid operands). Smooth primitives get every derivative law; those
 * with zero derivatives (piecewise constant, integer or bool outputs, integer inputs) are
 * checked for zero derivatives; all are checked under vmap.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '../src/tensor';
import { customJvp, customVjp } from '../src/grad';
import { PRIMS, type Prim, type Tensor } from '../src/tensor';
import * as gradLaws from '../laws/grad';
import * as vmapLaws from '../laws/vmap';
import { allOf, type LawResult } from '../laws/result';
import { jitMatchesEager } from '../laws/jit';
import { gradsMatchFiniteDifferences } from '../laws/checkGrads';
import { allPrimCases, applyPrim, diffInstance, primCases, type PrimCase, type PrimKind } from '../laws/gradPrims';
import { lawProperty } from '../laws/arbitraries/property';
import { Rng } from '../laws/gradUtil';

/** The transformation laws (./grad) and the vmap laws (./vmap) under one name. */
const L = { ...gradLaws, ...vmapLaws };

const SEED = 1234;
const RUNS = 8;
const opts = (numRuns = RUNS) => ({ seed: SEED, numRuns });
let casesRun = 0;
const counted = <A extends unknown[]>(body: (...a: A) => LawResult) => (...a: A): LawResult => {
  casesRun++;
  return body(...a);
};

/** The kinds each primitive's generator produces (cast produces several). */
const kindsOf = new Map<Prim, Set<PrimKind>>(allPrimCases.map(([p, arb]) => [p, new Set(fc.sample(arb, { seed: SEED, numRuns: 30 }).map((c) => c.kind))]));
const primsOfKind = (...kinds: PrimKind[]): Prim[] => PRIMS.filter((p) => kinds.some((k) => kindsOf.get(p)!.has(k)));

const SMOOTH = primsOfKind('smooth');

/** A property over cases of `prim` of the given kinds, with a seed for values and directions. */
function forCases(prim: Prim, kinds: readonly PrimKind[], body: (c: PrimCase, seed: number) => LawResult, numRuns = RUNS): void {
  const arb = primCases[prim].filter((c) => kinds.includes(c.kind));
  fc.assert(lawProperty(arb, fc.nat(1 << 20), counted((c: PrimCase, seed: number) => body(c, seed))), opts(numRuns));
}

/** One example of a case: the function of its differentiated operands and their values. */
function instance(c: PrimCase, seed: number) {
  return diffInstance(c, c.sample(new Rng(seed)));
}

/** `n` examples of a case (same shapes, fresh values). */
const examples = (c: PrimCase, seed: number, n: number): Tensor[][] => Array.from({ length: n }, (_, b) => c.sample(new Rng(seed + 7919 * (b + 1))));
const diffExamples = (c: PrimCase, seed: number, n: number) => examples(c, seed, n).map((ops) => diffInstance(c, ops).args);

/** A smooth outer function for the chain rule, taking float32 outputs to float64. */
const outer = (y: Tensor) => {
  const z = T.astype(y, 'float64');
  return T.sum(T.mul(T.sin(z), z));
};

describe(`grad laws per primitive (seed ${SEED}, ${RUNS} cases per primitive and law)`, () => {
  afterAll(() => {
    console.log(`grad.laws: ${casesRun} per-primitive cases run over ${PRIMS.length} primitives (seed ${SEED})`);
  });
  it('every primitive has a case generator and at least one law applies', () => {
    expect(PRIMS.every((p) => kindsOf.get(p)!.size > 0)).toBe(true);
    expect(SMOOTH.length).toBeGreaterThanOrEqual(40);
  });

  describe('jvpMatchesFiniteDifferences', () => {
    it.each(primsOfKind('smooth', 'piecewiseConstant'))('%s', (prim) => forCases(prim, ['smooth', 'piecewiseConstant'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.jvpMatchesFiniteDifferences(f, args, s, c.approx, c.step);
    }));
  });

  describe('pushforwardPullbackDuality', () => {
    it.each(primsOfKind('smooth', 'piecewiseConstant'))('%s', (prim) => forCases(prim, ['smooth', 'piecewiseConstant'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.pushforwardPullbackDuality(f, args, s, c.approx);
    }));
  });

  describe('jvpIsLinearInTangent', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.jvpIsLinearInTangent(f, args, s, c.approx);
    }));
  });

  describe('pullbackIsLinearInCotangent', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.pullbackIsLinearInCotangent(f, args, s, c.approx);
    }));
  });

  describe('linearizeTransposeMatchesVjp (linearTranspose of the linearization)', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.linearizeTransposeMatchesVjp(f, args, s, c.approx);
    }));
  });

  describe('linearTransposeIsTranspose (linear primitives transposed directly)', () => {
    const linear = SMOOTH.filter((p) => fc.sample(primCases[p], { seed: SEED, numRuns: 30 }).some((c) => c.linear));
    it.each(linear)('%s', (prim) => {
      const arb = primCases[prim].filter((c) => c.linear);
      fc.assert(lawProperty(arb, fc.nat(1 << 20), counted((c: PrimCase, s: number) => {
        const { f, args } = instance(c, s);
        return L.linearTransposeIsTranspose(f, args, s, c.approx);
      })), opts());
    });
  });

  describe('entryPointsAgree (grad, valueAndGrad, vjp, jvp, linearize; argnums; hasAux)', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.entryPointsAgree(L.scalarize(f, args, s), args, s, c.approx);
    }));
  });

  describe('chainRule and gradKeepsStructure', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return allOf(['chainRule', () => L.chainRule(outer, f, args, c.approx)], ['gradKeepsStructure', () => L.gradKeepsStructure(L.scalarize(f, args, s), args)]);
    }));
  });

  describe('jacfwdMatchesJacrev', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.jacfwdMatchesJacrev(f, args, c.approx);
    }));
  });

  describe('hessianIsSymmetric and forwardOverReverseMatchesReverseOverReverse', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      const g = L.scalarize(f, args, s);
      return allOf(['hessianIsSymmetric', () => L.hessianIsSymmetric(g, args, c.approx)], ['forwardOverReverseMatchesReverseOverReverse', () => L.forwardOverReverseMatchesReverseOverReverse(g, args, s, c.approx)]);
    }, 2));
  });

  describe('derivativeIsZero (piecewise constant, integer/bool outputs, stopGradient)', () => {
    it.each(primsOfKind('piecewiseConstant', 'integerOutput', 'stopGradient'))('%s', (prim) => forCases(prim, ['piecewiseConstant', 'integerOutput', 'stopGradient'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.derivativeIsZero(f, args, s);
    }));
    it.each(primsOfKind('noFloatInput'))('%s (integer/bool operands only)', (prim) => forCases(prim, ['noFloatInput'], (c, s) => {
      return L.derivativeIsZero(applyPrim(c), c.sample(new Rng(s)), s);
    }));
  });

  describe('stopGradientBlocksDerivatives', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.stopGradientBlocksDerivatives(f, args, s, c.approx);
    }, 2));
  });

  /** Random in-axes per operand (positive, negative or null), out-axis and batch size (1 to 3). */
  const vmapSpec = (c: PrimCase) => {
    const ranks = c.avals.map((a) => a.split('[')[1]!.replace(']', '').split(',').filter((d) => d !== '').length);
    const outRank = applyPrim(c)(...c.sample(new Rng(0))).ndim;
    return fc.record({
      inAxes: fc.tuple(...ranks.map((r) => fc.constantFrom<number | null>(0, -1, null, ...(r >= 1 ? [r] : []), ...(r >= 2 ? [1] : [])))),
      outAxes: fc.constantFrom(0, -1, ...(outRank >= 1 ? [1] : [])),
      size: fc.integer({ min: 1, max: 3 }),
    });
  };

  describe('vmapMatchesLoop (in/out axes positive and negative, null axes, batch size 1..3)', () => {
    it.each([...PRIMS])('%s', (prim) => {
      const arb = primCases[prim].chain((c) => fc.tuple(fc.constant(c), vmapSpec(c), fc.nat(1 << 20)));
      fc.assert(lawProperty(arb, counted(([c, spec, s]) => L.vmapMatchesLoop(applyPrim(c), examples(c, s, spec.size), { inAxes: spec.inAxes, outAxes: spec.outAxes }, c.approx))), opts());
    });
  });

  describe('nestedVmapMatchesLoop (vmap of vmap)', () => {
    it.each([...PRIMS])('%s', (prim) => {
      const arb = primCases[prim].chain((c) => fc.tuple(fc.constant(c), vmapSpec(c), vmapSpec(c), fc.nat(1 << 20), fc.integer({ min: 1, max: 2 })));
      fc.assert(lawProperty(arb, counted(([c, inner, outerSpec, s, rows]) => {
        const grid = Array.from({ length: rows }, (_, r) => examples(c, s + r, inner.size));
        // The outer axes index the once-stacked operands, one rank higher.
        const outerAxes = outerSpec.inAxes.map((d) => (d === null ? null : d >= 0 ? Math.min(d, 1) : d));
        return L.nestedVmapMatchesLoop(applyPrim(c), grid, { inAxes: inner.inAxes, outAxes: inner.outAxes }, { inAxes: outerAxes, outAxes: outerSpec.outAxes }, c.approx);
      })), opts(2));
    });
  });

  describe('vmap commutes with differentiation', () => {
    it.each(SMOOTH)('%s: perExampleGradientsMatchLoop, gradOfSummedVmapMatchesLoop, vmapOfJvpMatchesLoop', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      const g = L.scalarize(f, args, s);
      const ex = diffExamples(c, s, 1 + (s % 3));
      const inAxes = args.map((_, i) => (i === 1 ? null : i % 2 === 0 ? 0 : -1));
      return allOf(
        ['perExampleGradientsMatchLoop', () => L.perExampleGradientsMatchLoop(g, ex, inAxes, c.approx)],
        ['gradOfSummedVmapMatchesLoop', () => L.gradOfSummedVmapMatchesLoop(g, ex, inAxes, c.approx)],
        ['vmapOfJvpMatchesLoop', () => L.vmapOfJvpMatchesLoop(f, ex, s, c.approx)],
      );
    }, 2));
  });

  describe('customJvpRuleIsUsed (jvp, vjp, grad, and under vmap)', () => {
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => L.customJvpRuleIsUsed(instance(c, s).f, diffExamples(c, s, 2), s, c.approx), 2));
  });

  describe('customVjpRuleIsUsed (vjp, grad, and under vmap)', () => {
    // Residuals (here the primal inputs themselves) reach bwd as known operands of the linear program.
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => L.customVjpRuleIsUsed(instance(c, s).f, diffExamples(c, s, 2), s, c.approx), 2));
  });

  describe('auxIsConcrete', () => {
    // With hasAux the aux value comes back concrete, usable after the transformation ends.
    it.each(SMOOTH.slice(0, 3))('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.auxIsConcrete(f, args, s, c.approx);
    }, 1));
  });

  describe('allowIntHoldsIntegersConstant (int32 and bool inputs next to float ones)', () => {
    const extras = [T.tensor([[1, -2], [3, 0]], { dtype: 'int32' }), T.tensor([true, false, true], { dtype: 'bool' })];
    it.each(SMOOTH)('%s', (prim) => forCases(prim, ['smooth'], (c, s) => {
      const { f, args } = instance(c, s);
      return L.allowIntHoldsIntegersConstant(L.scalarize(f, args, s), args, extras[s % 2]!, c.approx);
    }, 2));
  });

  describe('the laws reject wrong rules and say why', () => {
    const x = T.tensor([0.3, -1.2, 2], { dtype: 'float64' });
    // tanh's derivative written as 1 - tanh instead of 1 - tanh^2.
    const wrongJvp = customJvp((v: Tensor) => T.tanh(v), ([v], [t]) => [T.tanh(v), T.mul(t, T.sub(1, T.tanh(v as Tensor)))]);
    // sin's pullback scaled by 2: inconsistent with its (derived) forward mode.
    const wrongVjp = customVjp((v: Tensor) => T.sin(v), (v: Tensor) => [T.sin(v), v], (v: Tensor, g: Tensor) => [T.mul(2, T.mul(g, T.cos(v)))]);

    it('jvpMatchesFiniteDifferences names the element, both values and the tolerance', () => {
      expect(L.jvpMatchesFiniteDifferences(wrongJvp, [x], 1)).toMatch(/^jvp vs central finite differences \(step 0\.000001\): index \[\d\]: -?[\d.e-]+ vs -?[\d.e-]+ differ by [\d.e-]+, more than [\d.e-]+ \(atol 1e-7 × [\d.]+ \+ float64 rtol 0\.00001 × [\d.]+, the largest magnitude in either tree\)$/);
    });
    it('a wrong but linear pullback passes linearity and fails against finite differences', () => {
      expect(L.pullbackIsLinearInCotangent(wrongVjp, [x], 1)).toBe(true);
      expect(gradsMatchFiniteDifferences(wrongVjp, [x], { modes: ['rev'] })).toMatch(/^rev-mode derivative \(vjp\) \(order 1\) vs central finite differences \(eps 0\.000001\): <u, J v> for random u, v: the root: /);
    });
    it('vmapMatchesLoop and jitMatchesEager catch a function with a side effect', () => {
      let calls = 0;
      const impure = (v: Tensor) => T.add(v, calls++);
      expect(L.vmapMatchesLoop(impure, [[x], [x]], { inAxes: [0] })).toMatch(/^vmap vs loop \(inAxes \[0\], outAxes 0, 2 examples\): index \[\d, \d\]: /);
      expect(jitMatchesEager(impure, [x])).toMatch(/^jit\(f\) vs f: index \[0\]: .* differ in their bits/);
    });
    it('derivativeIsZero and hessianIsSymmetric name what differs', () => {
      expect(L.derivativeIsZero((v: Tensor) => T.sin(v), [x], 1)).toMatch(/^jvp tangent vs zero: index \[0\]: /);
      // A rule whose gradient (2b, a) is no gradient field: its Hessian [[0, 2], [1, 0]] is not symmetric.
      const curl = customJvp((a: Tensor, b: Tensor) => T.mul(a, b), ([a, b], [ta, tb]) => [T.mul(a!, b!), T.add(T.mul(T.mul(ta!, b!), 2), T.mul(tb!, a!))]);
      const [a, b] = [T.scalar(0.5, 'float64'), T.scalar(-1.5, 'float64')];
      expect(L.hessianIsSymmetric(curl, [a, b])).toMatch(/^Hessian block \[0\]\[1\] vs the transpose of block \[1\]\[0\]: (the root|index \[0, 0\]): 2 vs 1 differ by 1/);
    });
  });
});
