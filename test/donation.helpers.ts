/**
 * Donation of tied buffers (one tensor at several leaves of a donated tree), run on a device:
 * each case returns the jitted results with donation and the results without it (or eager).
 * Donation is per buffer: one buffer never backs two outputs, and no output is written into a
 * buffer that another leaf still reads.
 */
import * as T from '../src';
import { grad, jit } from '../src/grad';

export interface DonationCase {
  readonly name: string;
  /** [results with donation, expected results], as flat lists of tensors. */
  run(on: (x: T.Tensor) => T.Tensor): [T.Tensor[], T.Tensor[]];
}

const w = () => T.tensor([1, 2, 3]);
const square = () => T.tensor([[1, 2], [3, 4]]);

export const donationCases: readonly DonationCase[] = [
  {
    name: 'two outputs from one tied buffer (a = 2w, b = 3w)',
    run(on) {
      const f = (p: { a: T.Tensor; b: T.Tensor }) => ({ a: T.mul(p.a, 2), b: T.mul(p.b, 3) });
      const x = on(w());
      const r = jit(f, { donateArgnums: 0 })({ a: x, b: x });
      return [[r.a, r.b], [T.tensor([2, 4, 6]), T.tensor([3, 6, 9])]];
    },
  },
  {
    name: 'an output written while another tied leaf is still read (a = 2w, b = a @ w)',
    run(on) {
      const f = (p: { a: T.Tensor; b: T.Tensor }) => {
        const a = T.mul(p.a, 2);
        return { a, b: T.matmul(a, p.b) };
      };
      const x = on(square());
      const r = jit(f, { donateArgnums: 0 })({ a: x, b: x });
      const s = square();
      return [[r.a, r.b], [T.mul(s, 2), T.matmul(T.mul(s, 2), s)]];
    },
  },
  {
    name: 'an SGD step on tied encoder and decoder weights { enc: W, dec: W }',
    run(on) {
      const loss = (p: { enc: T.Tensor; dec: T.Tensor }, x: T.Tensor) => T.sum(T.square(T.matmul(T.tanh(T.matmul(x, p.enc)), p.dec)));
      const step = (p: { enc: T.Tensor; dec: T.Tensor }, x: T.Tensor) => {
        const g = grad(loss)(p, x) as { enc: T.Tensor; dec: T.Tensor };
        return { enc: T.sub(p.enc, T.mul(g.enc, 0.1)), dec: T.sub(p.dec, T.mul(g.dec, 0.1)) };
      };
      const W = T.tensor([[0.5, -0.25], [0.125, 1]]);
      const x = T.tensor([[1, 2], [-1, 0.5], [0.25, -2]]);
      const want = jit(step)({ enc: W, dec: W }, x);
      const Wd = on(W);
      const got = jit(step, { donateArgnums: 0 })({ enc: Wd, dec: Wd }, on(x));
      return [[got.enc, got.dec], [want.enc, want.dec]];
    },
  },
];
