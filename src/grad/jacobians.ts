/** Jacobians and Hessians over pytrees, built from jvp/vjp batched with vmap. */
import * as T from '../tensor';
import { checkFunction, checkOptions, type Tensor } from '../tensor';
import { unflatten, type TreeDef } from '../tree';
import { selectInputs, withZeros } from './args';
import { lowerAux, withAux, type WithAuxOption } from './aux';
import { vjpFlat } from './flat';
import { jvpFlat } from './jvp';
import { vmapFlat } from './vmap';
import { instantiate } from './zero';
import type { Argnums, Jacobian, JacobianInput, WithAux } from './types';

type AnyFn = (...args: any[]) => unknown;

export interface JacobianOptions {
  /** The argument to differentiate (default 0), or a list of them (a tuple of jacobians at each output leaf). */
  readonly argnums?: Argnums;
  /** The function returns [output, aux]; the result is [jacobian, aux]. */
  readonly hasAux?: boolean;
}

export interface JacrevOptions extends JacobianOptions {
  /** Integer and bool inputs get zero blocks of their own dtype instead of an error (JAX's allow_int). */
  readonly allowInt?: boolean;
}

/** The options of a jacobian with `argnums` I, as the overloads read them. */
type OptionsFor<O, I> = O & { readonly argnums?: I };

/**
 * Jacobian blocks for (output leaf j, input leaf i) of shape [...out_j.shape, ...in_i.shape],
 * arranged as the output tree with, at each leaf, the input's tree of blocks (JAX's layout).
 */
function assembleJacobian(outDef: TreeDef, outs: readonly Tensor[], inDef: TreeDef, ins: readonly Tensor[], block: (j: number, i: number) => Tensor): unknown {
  return unflatten(outDef, outs.map((_, j) => unflatten(inDef, ins.map((__, i) => block(j, i)))));
}

/** Rows of the identity matrix covering one leaf: basis[r] is the r-th unit vector restricted to it. */
function basisFor(total: number, offset: number, leaf: Tensor): Tensor {
  return T.reshape(T.eye(total, leaf.size, { k: -offset, dtype: leaf.dtype }), [total, ...leaf.shape]);
}

function offsetsOf(xs: readonly Tensor[]): number[] {
  let o = 0;
  return xs.map((x) => ((o += x.size), o - x.size));
}

/**
 * Jacobian by forward mode (one jvp per input element, batched with vmap). For input shape S
 * and output shape R the result has shape [...R, ...S]; pytrees give nested trees of blocks,
 * and an argnums list a tuple of blocks at each output leaf. With hasAux: [jacobian, aux].
 * @example jacfwd((x: Tensor) => sin(x))(tensor([0, 1]))             // diag(cos(x)), shape [2, 2]
 * @example const [jx, jy] = jacfwd(f, { argnums: [0, 1] })(x, y);
 */
export function jacfwd<A extends unknown[], Out, Aux, const I extends Argnums = 0>(f: (...args: A) => WithAux<Out, Aux>, options: OptionsFor<JacobianOptions, I> & WithAuxOption): (...args: A) => [jacobian: Jacobian<Out, JacobianInput<A, I>>, aux: Aux];
export function jacfwd<A extends unknown[], R, const I extends Argnums = 0>(f: (...args: A) => R, options?: OptionsFor<JacobianOptions, I> & { readonly hasAux?: false }): (...args: A) => Jacobian<R, JacobianInput<A, I>>;
export function jacfwd(f: AnyFn, options: JacobianOptions = {}): (...args: unknown[]) => unknown {
  checkFunction('jacfwd', f);
  return jacfwdOf(f, options);
}

function jacfwdOf(f: AnyFn, options: JacobianOptions): (...args: unknown[]) => unknown {
  const { argnums = 0, hasAux = false } = checkOptions('jacfwd', options, ['argnums', 'hasAux']);
  return (...args: unknown[]) => {
    const { f: g, aux } = withAux(f, hasAux, 'jacfwd');
    const { ins, inDef, fn, outDef } = selectInputs('jacfwd', g, args, argnums, false);
    const outs = fn(...ins);
    const auxValue = aux.value;
    const total = ins.reduce((n, x) => n + x.size, 0);
    const offsets = offsetsOf(ins);
    const basis = ins.map((x, i) => basisFor(total, offsets[i]!, x));
    const pushforward = (...ts: Tensor[]) => jvpFlat(fn, ins, ts, '')[1].map(instantiate);
    const tangents = vmapFlat(pushforward, total, basis, basis.map(() => 0), outs.map(() => 0), 'jacfwd');
    // tangents[j]: [total, ...out_j.shape]; rows offset_i.. belong to input leaf i.
    const jacobian = assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(tangents[j]!, [{ start: offsets[i]!, stop: offsets[i]! + ins[i]!.size }]);
      const block = T.reshape(rows, [...ins[i]!.shape, ...outs[j]!.shape]);
      const inRank = ins[i]!.ndim;
      const outRank = outs[j]!.ndim;
      return T.transpose(block, [...Array.from({ length: outRank }, (_, k) => inRank + k), ...Array.from({ length: inRank }, (_, k) => k)]);
    });
    return hasAux ? [jacobian, auxValue] : jacobian;
  };
}

/**
 * Jacobian by reverse mode (one pullback per output element, batched with vmap); the layout
 * and options are jacfwd's, plus allowInt.
 * @example jacrev((x: Tensor) => matmul(w, x))(x)                   // w
 */
export function jacrev<A extends unknown[], Out, Aux, const I extends Argnums = 0>(f: (...args: A) => WithAux<Out, Aux>, options: OptionsFor<JacrevOptions, I> & WithAuxOption): (...args: A) => [jacobian: Jacobian<Out, JacobianInput<A, I>>, aux: Aux];
export function jacrev<A extends unknown[], R, const I extends Argnums = 0>(f: (...args: A) => R, options?: OptionsFor<JacrevOptions, I> & { readonly hasAux?: false }): (...args: A) => Jacobian<R, JacobianInput<A, I>>;
export function jacrev(f: AnyFn, options: JacrevOptions = {}): (...args: unknown[]) => unknown {
  checkFunction('jacrev', f);
  return jacrevOf(f, options);
}

function jacrevOf(f: AnyFn, options: JacrevOptions): (...args: unknown[]) => unknown {
  const { argnums = 0, hasAux = false, allowInt = false } = checkOptions('jacrev', options, ['argnums', 'hasAux', 'allowInt']);
  return (...args: unknown[]) => {
    const { f: g, aux } = withAux(f, hasAux, 'jacrev');
    const { ins, inDef, differentiated, primals, fn, outDef } = selectInputs('jacrev', g, args, argnums, allowInt);
    const [outs, pullback] = vjpFlat(fn, primals, '');
    const auxValue = hasAux ? lowerAux(aux.value) : undefined;
    const total = outs.reduce((n, y) => n + y.size, 0);
    const offsets = offsetsOf(outs);
    const basis = outs.map((y, j) => basisFor(total, offsets[j]!, y));
    const cts = withZeros(ins, differentiated, vmapFlat((...c: Tensor[]) => pullback(c), total, basis, basis.map(() => 0), primals.map(() => 0), 'jacrev'), [total]);
    // cts[i]: [total, ...in_i.shape]; rows offset_j.. belong to output leaf j.
    const jacobian = assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(cts[i]!, [{ start: offsets[j]!, stop: offsets[j]! + outs[j]!.size }]);
      return T.reshape(rows, [...outs[j]!.shape, ...ins[i]!.shape]);
    });
    return hasAux ? [jacobian, auxValue] : jacobian;
  };
}

/**
 * Hessian as jacfwd(jacrev(f)): forward-over-reverse, the efficient order. With an argnums list
 * the blocks nest: `H[i][j]` is d²f / d(arg i) d(arg j).
 * @example hessian((x: Tensor) => sum(x.mul(x).mul(x)))(tensor([1, 2]))   // diag(6x)
 */
export function hessian<A extends unknown[], Out, Aux, const I extends Argnums = 0>(f: (...args: A) => WithAux<Out, Aux>, options: OptionsFor<JacobianOptions, I> & WithAuxOption): (...args: A) => [hessian: Jacobian<Jacobian<Out, JacobianInput<A, I>>, JacobianInput<A, I>>, aux: Aux];
export function hessian<A extends unknown[], R, const I extends Argnums = 0>(f: (...args: A) => R, options?: OptionsFor<JacobianOptions, I> & { readonly hasAux?: false }): (...args: A) => Jacobian<Jacobian<R, JacobianInput<A, I>>, JacobianInput<A, I>>;
export function hessian(f: AnyFn, options: JacobianOptions = {}): (...args: unknown[]) => unknown {
  checkFunction('hessian', f);
  checkOptions('hessian', options, ['argnums', 'hasAux']);
  return jacfwdOf(jacrevOf(f, options), options);
}
