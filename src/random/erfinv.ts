/**
 * The inverse error function from primitives, for truncatedNormal. Giles' single-precision
 * approximation ("Approximating the erfinv function", GPU Computing Gems, 2011; the one XLA
 * uses for float32). In float64 it is refined by Newton steps: on erf itself in the centre, and
 * on log erfc (from its continued fraction) in the tails, where erf saturates.
 */
import * as T from '../tensor';
import type { Tensor } from '../tensor';

const CENTRAL = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 2.1858087e-4, -1.25372503e-3, -4.17768164e-3, 0.246640727, 1.50140941];
const TAIL = [-2.00214257e-4, 1.00950558e-4, 1.34934322e-3, -3.67342844e-3, 5.73950773e-3, -7.6224613e-3, 9.43887047e-3, 1.00167406, 2.83297682];
/** Where the float64 refinement switches from erf to log erfc. */
const TAIL_START = 4;

function horner(coefs: readonly number[], w: Tensor): Tensor {
  let p: Tensor = T.fullLike(w, coefs[0]!);
  for (const c of coefs.slice(1)) p = T.add(T.mul(p, w), c);
  return p;
}

/**
 * erfinv(x) for x in [-1, 1] (+-inf at +-1), in x's float dtype. Every branch runs on clamped
 * inputs so none produces NaN where it is not selected.
 */
export function erfinv(x: Tensor): Tensor {
  const w = T.neg(T.log(T.mul(T.sub(1, x), T.add(1, x))));
  const central = horner(CENTRAL, T.sub(T.minimum(w, 5), 2.5));
  const tail = horner(TAIL, T.sub(T.sqrt(T.maximum(w, 5)), 3));
  let y = T.mul(T.where(T.less(w, 5), central, tail), x);
  if (x.dtype === 'float64') y = refine(x, y);
  return T.where(T.equal(T.abs(x), 1), T.mul(x, Infinity), y);
}

function refine(x: Tensor, y0: Tensor): Tensor {
  const inCentre = T.less(T.abs(y0), TAIL_START);
  // Centre: y -= (erf(y) - x) / (2/sqrt(pi) exp(-y^2)); two steps from float32 accuracy.
  let c = T.where(inCentre, y0, 0);
  for (let i = 0; i < 2; i++) {
    c = T.sub(c, T.div(T.sub(T.erf(c), x), T.mul(2 / Math.sqrt(Math.PI), T.exp(T.neg(T.square(c))))));
  }
  // Tail, on |y|: solve log erfc(y) = log(1 - |x|) (1 - |x| is exact). The derivative of
  // log erfc is -2K, with K the continued fraction below, so y += (log erfc(y) - log t) / 2K.
  // log erfc is concave, so the iterates approach the root from above and stay in the tail.
  const logT = T.log(T.sub(1, T.minimum(T.abs(x), 1 - 2 ** -53)));
  let t = T.where(inCentre, TAIL_START, T.abs(y0));
  for (let i = 0; i < 4; i++) {
    const safe = T.maximum(t, TAIL_START - 1);
    const k = erfcFraction(safe);
    const logErfc = T.sub(T.neg(T.square(safe)), T.add(T.log(k), 0.5 * Math.log(Math.PI)));
    t = T.add(safe, T.div(T.sub(logErfc, logT), T.mul(k, 2)));
  }
  return T.where(inCentre, c, T.mul(T.sign(x), t));
}

/**
 * K(y) = y + (1/2)/(y + 1/(y + (3/2)/(y + ...))), so that erfc(y) = exp(-y^2) / (sqrt(pi) K(y));
 * 40 levels reach float64 accuracy for y >= 3.
 */
function erfcFraction(y: Tensor): Tensor {
  let r = y;
  for (let n = 40; n >= 1; n--) r = T.add(y, T.div(n / 2, r));
  return r;
}
