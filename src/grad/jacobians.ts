/** Jacobians and Hessians over pytrees, built from jvp/vjp batched with vmap. */
import * as T from '../tensor';
import type { Tensor } from '../tensor';
import { unflatten, type TreeDef } from '../tree';
import { checkDifferentiable, flatFn, flattenTensors } from './args';
import { vjpFlat } from './flat';
import { jvpFlat } from './jvp';
import { vmapFlat } from './vmap';
import { instantiate } from './zero';
import { checkTransform } from './checks';

type Fn = (...args: any[]) => any;

export interface JacobianOptions {
  /** The argument to differentiate (default 0). */
  readonly argnums?: number;
}

/**
 * Jacobian blocks for (output leaf j, input leaf i) of shape [...out_j.shape, ...in_i.shape],
 * arranged as the output tree with, at each leaf, the input's tree of blocks (JAX's layout).
 */
function assembleJacobian(outDef: TreeDef, outs: readonly Tensor[], inDef: TreeDef, ins: readonly Tensor[], block: (j: number, i: number) => Tensor): any {
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

function jacPrelude(op: string, f: Fn, args: readonly unknown[], argnum: number) {
  if (!Number.isInteger(argnum) || argnum < 0 || argnum >= args.length) throw new Error(`${op}: argnums ${argnum} out of range for ${args.length} arguments`);
  const [ins, inDef] = flattenTensors(op, args[argnum], `argument ${argnum}`);
  checkDifferentiable(op, ins, argnum);
  const fOne = (x: unknown) => {
    const full = args.slice();
    full[argnum] = x;
    return f(...full);
  };
  const { fn, outDef } = flatFn(fOne, [inDef], op);
  return { ins, inDef, fn, outDef };
}

/**
 * Jacobian by forward mode (one jvp per input element, batched with vmap). For input shape S
 * and output shape R the result has shape [...R, ...S]; pytrees give nested trees of blocks.
 */
export function jacfwd(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  checkTransform('jacfwd', f, options, T.optionKeys<JacobianOptions>({ argnums: true }));
  const argnum = options.argnums ?? 0;
  return (...args: any[]) => {
    const { ins, inDef, fn, outDef } = jacPrelude('jacfwd', f, args, argnum);
    const total = ins.reduce((n, x) => n + x.size, 0);
    const offsets = offsetsOf(ins);
    const basis = ins.map((x, i) => basisFor(total, offsets[i]!, x));
    const pushforward = (...ts: Tensor[]) => jvpFlat(fn, ins, ts, '')[1].map(instantiate);
    const outs = fn(...ins);
    const tangents = vmapFlat(pushforward, total, basis, basis.map(() => 0), outs.map(() => 0), 'jacfwd');
    // tangents[j]: [total, ...out_j.shape]; rows offset_i.. belong to input leaf i.
    return assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(tangents[j]!, [{ start: offsets[i]!, stop: offsets[i]! + ins[i]!.size }]);
      const block = T.reshape(rows, [...ins[i]!.shape, ...outs[j]!.shape]);
      const inRank = ins[i]!.ndim;
      const outRank = outs[j]!.ndim;
      return T.transpose(block, [...Array.from({ length: outRank }, (_, k) => inRank + k), ...Array.from({ length: inRank }, (_, k) => k)]);
    });
  };
}

/** Jacobian by reverse mode (one pullback per output element, batched with vmap). */
export function jacrev(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  checkTransform('jacrev', f, options, T.optionKeys<JacobianOptions>({ argnums: true }));
  const argnum = options.argnums ?? 0;
  return (...args: any[]) => {
    const { ins, inDef, fn, outDef } = jacPrelude('jacrev', f, args, argnum);
    const [outs, pullback] = vjpFlat(fn, ins, '');
    const total = outs.reduce((n, y) => n + y.size, 0);
    const offsets = offsetsOf(outs);
    const basis = outs.map((y, j) => basisFor(total, offsets[j]!, y));
    const cts = vmapFlat((...c: Tensor[]) => pullback(c), total, basis, basis.map(() => 0), ins.map(() => 0), 'jacrev');
    // cts[i]: [total, ...in_i.shape]; rows offset_j.. belong to output leaf j.
    return assembleJacobian(outDef.value!, outs, inDef, ins, (j, i) => {
      const rows = T.slice(cts[i]!, [{ start: offsets[j]!, stop: offsets[j]! + outs[j]!.size }]);
      return T.reshape(rows, [...outs[j]!.shape, ...ins[i]!.shape]);
    });
  };
}

/** Hessian as jacfwd(jacrev(f)): forward-over-reverse, the efficient order. */
export function hessian(f: Fn, options: JacobianOptions = {}): (...args: any[]) => any {
  checkTransform('hessian', f, options, T.optionKeys<JacobianOptions>({ argnums: true }));
  return jacfwd(jacrev(f, options), options);
}
