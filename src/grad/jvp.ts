/**
 * Forward mode: the JVP interpreter. Each tracer carries a primal and a tangent (or a symbolic
 * zero); each primitive's rule (rules/jvpRules.ts) maps primals and tangents to outputs.
 */
import { isFloat, isHigherOrder, Trace, Tracer, withMainTrace, type MainTrace, type Tensor } from '../tensor';
import { higherOrderJvp } from './higher/jvp';
import { jvpRuleFor, type JvpRule } from './rules/jvpRules';
import { isZero, Zero, type MaybeZero } from './zero';

export class JVPTracer extends Tracer {
  constructor(readonly _trace: JVPTrace, readonly primal: Tensor, readonly tangent: MaybeZero) {
    super(primal.shape, primal.dtype, primal.device);
  }
  override concreteValue(): Tensor | undefined {
    return this.primal instanceof Tracer ? this.primal.concreteValue() : this.primal;
  }
}

export class JVPTrace extends Trace {
  pure(x: Tensor): Tracer {
    return new JVPTracer(this, x, new Zero(x));
  }
  lift(x: Tensor): Tracer {
    return this.pure(x);
  }
  processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[] {
    const ts = tracers as JVPTracer[];
    const rule = isHigherOrder(prim) ? (higherOrderJvp[prim] as JvpRule) : jvpRuleFor(prim);
    if (!rule) throw new Error(`${prim}: no differentiation (jvp) rule`);
    const [primalsOut, tangentsOut] = rule(ts.map((t) => t.primal), ts.map((t) => t.tangent), params);
    return primalsOut.map((p, i) => new JVPTracer(this, p, zeroIfNonFloat(p, tangentsOut[i]!)));
  }
}

/** Integer and bool values have no tangent space: their tangent is always a symbolic zero. */
function zeroIfNonFloat(p: Tensor, t: MaybeZero): MaybeZero {
  return isFloat(p.dtype) ? t : new Zero(p);
}

/** Push tangents through `f` (flat lists of tensors in and out). */
export function jvpFlat(f: (...xs: Tensor[]) => Tensor[], primals: readonly Tensor[], tangents: readonly MaybeZero[], name = 'jvp', fnName?: string): [Tensor[], MaybeZero[]] {
  return withMainTrace(JVPTrace, name, null, (main: MainTrace) => {
    const trace = new JVPTrace(main);
    const ins = primals.map((p, i) => new JVPTracer(trace, p, zeroIfNonFloat(p, tangents[i]!)));
    const outs = f(...ins).map((o) => trace.fullRaise(o) as JVPTracer);
    return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
  }, fnName);
}

export { isZero };
