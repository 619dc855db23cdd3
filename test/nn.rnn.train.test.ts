/**
 * Sequence models train with the time loop inside one compiled step: nn.rnn runs its cell with
 * scan, so a jitted Adam step over 256 time steps is one program whose size does not depend on
 * the sequence length, traced once, and its loss falls.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../src';
import type { Tensor } from '../src';
import * as nn from '../src/nn';
import * as optim from '../src/optim';
import * as R from '../src/random';

describe('an RNN over 256 steps trains inside one jitted step', () => {
  it('GRU regression of a sequence mean: loss falls, one trace, the scan stays one equation', () => {
    const steps = 256;
    const gru = nn.rnn(nn.gruCell(8), { returnSequences: false });
    const head = nn.linear(1);
    const init = (k: Tensor) => {
      const [k1, k2] = R.splitList(k, 2);
      return { gru: gru.init(k1!, [-1, steps, 1]).params, head: head.init(k2!, [-1, 8]).params };
    };
    const params0 = init(R.key(0));
    type Params = typeof params0;
    const x = R.uniform(R.key(1), [16, steps, 1], { minval: -1, maxval: 1 });
    const y = T.mul(T.mean(x, { axis: 1 }), 4); // [16, 1]
    const loss = (p: Params, xs: Tensor, ys: Tensor) => T.mean(T.square(T.sub(head.apply(p.head, gru.apply(p.gru, xs)), ys)));
    const optimizer = optim.adam(0.02);
    const step = T.jit((p: Params, o: ReturnType<typeof optimizer.init>, xs: Tensor, ys: Tensor) => {
      const [l, g] = T.valueAndGrad(loss)(p, xs, ys);
      const [updates, next] = optimizer.update(g, o, p);
      return [optim.applyUpdates(p, updates) as Params, next, l] as const;
    });
    let p = params0;
    let o = optimizer.init(p);
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const [np, no, l] = step(p, o, x, y);
      [p, o] = [np, no];
      losses.push(l.item() as number);
    }
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    expect(step.stats.traces).toBe(1);
    const prims = step.lower(p, o, x, y).eqns.map((e) => e.prim);
    expect(prims.filter((q) => q === 'scan').length).toBeGreaterThanOrEqual(2); // forward and reverse
    const size = (n: number) => step.lower(p, o, T.zeros([16, n, 1]), y).toString().length;
    expect(size(steps)).toBeLessThan(size(8) * 1.1);
  });
});
