/** Symbolic zeros: tangents and cotangents known to be zero cost nothing until instantiated. */
import { zeros, type Aval, type Tensor } from '../tensor';

export class Zero {
  constructor(readonly aval: Aval) {}
}

export type MaybeZero = Tensor | Zero;

export function isZero(x: unknown): x is Zero {
  return x instanceof Zero;
}

export function instantiate(x: MaybeZero): Tensor {
  return x instanceof Zero ? zeros(x.aval.shape, x.aval.dtype) : x;
}

/** Sum two possibly-zero values (used to accumulate cotangents). */
export function addAny(a: MaybeZero | undefined, b: MaybeZero, add: (a: Tensor, b: Tensor) => Tensor): MaybeZero {
  if (a === undefined || a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}
