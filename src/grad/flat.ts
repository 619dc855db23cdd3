/**
 * Flat cores of the transformations: functions over lists of tensors. The public API (api.ts)
 * wraps these with pytree handling.
 */
import type { Tensor } from '../tensor';
import { jvpFlat } from './jvp';
import { partialEvalFlat, type PartialVal } from './partial';
import { backwardPass, UndefPrimal } from './transpose';
import { evalJaxpr, type Jaxpr } from '../tensor';
import { instantiate, type MaybeZero } from './zero';

export interface Linearized {
  readonly primalsOut: Tensor[];
  /** The linear map from input tangents to output tangents, as a jaxpr over `consts` first. */
  readonly jaxpr: Jaxpr;
  readonly consts: Tensor[];
}

/**
 * linearize = jvp + partial evaluation: primal outputs are computed now; the tangent map is
 * staged into a linear jaxpr.
 */
export function linearizeFlat(f: (...xs: Tensor[]) => Tensor[], primals: readonly Tensor[], name = 'linearize', fnName?: string): Linearized {
  const n = primals.length;
  const pvals: PartialVal[] = [...primals.map((p) => ({ known: p })), ...primals.map((p) => ({ unknown: { shape: p.shape, dtype: p.dtype } }))];
  const fJvp = (...xs: Tensor[]): Tensor[] => {
    const [po, to] = jvpFlat(f, xs.slice(0, n), xs.slice(n), '');
    return [...po, ...to.map(instantiate)];
  };
  const { jaxpr, consts, pvalsOut } = partialEvalFlat(fJvp, pvals, (i, count) => i >= count / 2, name, fnName);
  const primalsOut = pvalsOut.slice(0, pvalsOut.length / 2).map((p) => {
    if (!('known' in p)) throw new Error(`${name}: internal: a primal output depends on tangents`);
    return p.known;
  });
  return { primalsOut, jaxpr, consts };
}

export function applyLinear(lin: Linearized, tangents: readonly Tensor[]): Tensor[] {
  return evalJaxpr(lin.jaxpr, [...lin.consts, ...tangents]);
}

/** vjp = transpose of linearize: the pullback maps output cotangents to input cotangents. */
export function vjpFlat(f: (...xs: Tensor[]) => Tensor[], primals: readonly Tensor[], name = 'vjp', fnName?: string): [Tensor[], (cts: readonly MaybeZero[]) => Tensor[]] {
  const lin = linearizeFlat(f, primals, name, fnName);
  const args = [...lin.consts, ...lin.jaxpr.invars.map((v) => new UndefPrimal(v.aval))];
  const pullback = (cts: readonly MaybeZero[]): Tensor[] => backwardPass(lin.jaxpr, args, cts).map(instantiate);
  return [lin.primalsOut, pullback];
}
