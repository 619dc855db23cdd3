import { describe, expect, it } from 'vitest';
import * as T from '../src';
import { map } from '../src/tree';
import { adam, addDecayedWeights, addPenaltyGradients, applyIfFinite, chain, freeze, masked, multiSteps, parameterPenalty, pathMask, reduceLROnPlateau, sgd, type GradientTransformation, type ReduceLROnPlateauState } from '../src/optim';

const params = { layers: [{ weight: T.tensor([[1, -2]]), bias: T.tensor([0.5]) }, { weight: T.tensor([[3], [4]]), bias: T.tensor([-1, 1]) }], steps: T.scalar(3, 'int32') };
const grads = { layers: [{ weight: T.zeros([1, 2]), bias: T.zeros([1]) }, { weight: T.zeros([2, 1]), bias: T.zeros([2]) }], steps: T.scalar(0, 'int32') };

describe('reduceLROnPlateau', () => {
  const run = (values: number[], options = {}) => {
    const t = reduceLROnPlateau(options);
    let state = t.init(undefined);
    const scales: number[] = [];
    for (const v of values) {
      [, state] = t.update(T.ones([1]), state, undefined, { value: v });
      scales.push(Number(state.scale.item()));
    }
    return { scales, state };
  };

  it('cuts the scale after `patience` averages without improvement, then cools down', () => {
    expect(run([5, 4, 4, 4, 4, 4], { factor: 0.5, patience: 2 }).scales).toEqual([1, 1, 1, 0.5, 0.5, 0.25]);
    expect(run([5, 5, 5, 5, 5, 5, 5], { factor: 0.5, patience: 1, cooldown: 2 }).scales).toEqual([1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    expect(run([5, 5, 5, 5], { factor: 0.1, patience: 1, minScale: 0.05 }).scales.map((s) => Math.fround(s))).toEqual([1, 0.1, 0.05, 0.05].map(Math.fround));
    // rtol: 4.9 is not better than 5 by 10%.
    expect(run([5, 4.9, 4.9], { factor: 0.5, patience: 2, rtol: 0.1 }).scales).toEqual([1, 1, 0.5]);
  });

  it('averages accumulationSize values into one comparison', () => {
    const { scales, state } = run([4, 2, 3, 3, 3, 3], { factor: 0.5, patience: 1, accumulationSize: 2 });
    expect(scales).toEqual([1, 1, 1, 0.5, 0.5, 0.25]); // averages 3 (best), 3 (a plateau), 3 (another)
    expect(Number(state.bestValue.item())).toBe(3);
  });

  it('reaches through chain and the wrappers via the extra argument, and runs under jit', () => {
    const opt = chain(sgd(1), masked(reduceLROnPlateau({ factor: 0.5, patience: 1 }), { layers: true, steps: false }));
    let state = opt.init(params);
    const step = T.jit((s: typeof state, v: T.Tensor) => opt.update(grads, s, params, { value: v }));
    for (const v of [1, 1, 1]) [, state] = step(state, T.scalar(v));
    const inner = (state as unknown as [unknown, { inner: ReduceLROnPlateauState }])[1].inner;
    expect(Number(inner.scale.item())).toBe(0.25);
    const wrappers: GradientTransformation<any>[] = [applyIfFinite(reduceLROnPlateau(), 3), multiSteps(reduceLROnPlateau(), 2)];
    for (const wrapped of wrappers) expect(() => wrapped.update(grads, wrapped.init(params), params, { value: 1 })).not.toThrow();
  });

  it('fails clearly', () => {
    const t = reduceLROnPlateau();
    expect(() => t.update(grads, t.init(params), params)).toThrow(/reduceLROnPlateau: update needs the monitored metric: opt.update\(grads, state, params, \{ value: loss \}\)/);
    expect(() => t.update(grads, t.init(params), params, { value: T.zeros([2]) })).toThrow(/the metric must be a number or a scalar tensor, got shape \[2\]/);
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow(/reduceLROnPlateau: factor must be a finite number in \(0, 1\), got 1/);
    expect(() => reduceLROnPlateau({ patience: 0 })).toThrow(/reduceLROnPlateau: patience must be an integer >= 1, got 0/);
    expect(() => reduceLROnPlateau({ accumulationSize: 1.5 })).toThrow(/reduceLROnPlateau: accumulationSize must be an integer >= 1, got 1.5/);
    expect(() => reduceLROnPlateau({ paitence: 3 } as never)).toThrow(/reduceLROnPlateau: unknown option "paitence" \(valid options: factor, patience/);
  });
});

describe('pathMask and penalties', () => {
  it('selects float leaves by glob, RegExp or predicate over their key paths', () => {
    expect(pathMask('*.weight')(params)).toEqual({ layers: [{ weight: true, bias: false }, { weight: true, bias: false }], steps: false });
    expect(pathMask(/^\.layers\[1\]/)(params)).toEqual({ layers: [{ weight: false, bias: false }, { weight: true, bias: true }], steps: false });
    expect(pathMask((path, leaf) => leaf.ndim === 1 && path.includes('[0]'))(params)).toEqual({ layers: [{ weight: false, bias: true }, { weight: false, bias: false }], steps: false });
    expect(pathMask(/.*/g)(params)).toEqual(pathMask(/.*/)(params)); // a global RegExp keeps no state between leaves
    expect(() => pathMask(3 as never)).toThrow(/a path pattern is a RegExp, a glob string or a function/);
  });

  it('works with freeze and addDecayedWeights', () => {
    const opt = chain(sgd(1), freeze(pathMask('.layers[0].*')));
    const [u] = opt.update(map((g: T.Tensor) => T.onesLike(g), params), opt.init(params), params);
    expect(Number(T.sum(T.abs((u as typeof params).layers[0]!.weight)).item())).toBe(0);
    expect(Number(T.sum(T.abs((u as typeof params).layers[1]!.weight)).item())).toBe(2);
    const [d] = addDecayedWeights(0.5, pathMask('*.bias')).update(grads, {}, params);
    expect((d as typeof params).layers[1]!.bias.toArray()).toEqual([-0.5, 0.5]);
    expect((d as typeof params).layers[1]!.weight.toArray()).toEqual([[0], [0]]);
  });

  it('parameterPenalty sums l1 |w| + l2 w^2 over the selected leaves', () => {
    expect(Number(parameterPenalty(params, { l2: 0.5, paths: '*.weight' }).item())).toBe(0.5 * (1 + 4 + 9 + 16));
    expect(Number(parameterPenalty(params, { l1: 2, paths: '*.bias' }).item())).toBe(2 * (0.5 + 1 + 1));
    expect(Number(parameterPenalty(params, { l1: 1, l2: 1, paths: 'nothing' }).item())).toBe(0);
  });

  it('addPenaltyGradients adds l1 sign(w) + 2 l2 w, before the optimizer', () => {
    const [u] = addPenaltyGradients({ l1: 1, l2: 0.5, paths: '.layers[0].weight' }).update(grads, {}, params);
    expect((u as typeof params).layers[0]!.weight.toArray()).toEqual([[2, -3]]);
    expect((u as typeof params).layers[0]!.bias.toArray()).toEqual([0]);
    const opt = chain(addPenaltyGradients({ l2: 1e-2 }), adam(1e-3));
    expect(() => opt.update(grads, opt.init(params), params)).not.toThrow();
    expect(() => addPenaltyGradients({ l2: 1 }).update(grads, {})).toThrow(/addPenaltyGradients: update needs params/);
    expect(() => addPenaltyGradients({ l2: -1 })).toThrow(/addPenaltyGradients: l2 must be a finite number >= 0, got -1/);
    expect(() => addPenaltyGradients({ l3: 1 } as never)).toThrow(/addPenaltyGradients: unknown option "l3" \(valid options: l1, l2, paths\)/);
  });
});
