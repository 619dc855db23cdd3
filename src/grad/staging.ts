/**
 * Staging: trace a function with abstract values into a jaxpr (makeJaxpr, jit). The staging
 * trace is the dynamic trace while it runs, so even operations on constants are recorded
 * ("omnistaging"); constants become constvars.
 */
import { abstractEval, isHigherOrder, Trace, Tracer, withDynamicTrace, type Aval, type MainTrace, type Prim, type Tensor } from '../tensor';
import { Jaxpr, Var, type Atom, type Eqn } from '../tensor';
import { higherOrderAbstractEval } from './higher/abstractEval';

/** Output avals of any primitive: built-in and user ones have one output, higher-order ones a list. */
export function abstractEvalAny(prim: string, avals: readonly Aval[], params: any): Aval[] {
  if (isHigherOrder(prim)) return (higherOrderAbstractEval[prim] as (avals: readonly Aval[], params: any) => Aval[])(avals, params);
  return [abstractEval(prim as Prim, avals, params)];
}

export class JaxprTracer extends Tracer {
  constructor(readonly _trace: JaxprTrace, readonly aval: Aval) {
    super(aval.shape, aval.dtype);
  }
}

/** Records equations as the traced function runs. */
export class JaxprBuilder {
  readonly eqns: Eqn[] = [];
  readonly tracerToVar = new Map<JaxprTracer, Var>();
  readonly constTracers = new Map<Tensor, JaxprTracer>();
  readonly constVals = new Map<Var, Tensor>();
  readonly tracers: JaxprTracer[] = [];

  newTracer(trace: JaxprTrace, aval: Aval): JaxprTracer {
    const t = new JaxprTracer(trace, aval);
    this.tracers.push(t);
    return t;
  }

  addVar(t: JaxprTracer): Var {
    const v = new Var(t.aval);
    this.tracerToVar.set(t, v);
    return v;
  }

  getVar(t: JaxprTracer): Var {
    const v = this.tracerToVar.get(t);
    if (!v) throw new Error('internal: a staged tracer has no variable');
    return v;
  }

  addConst(t: JaxprTracer, value: Tensor): Var {
    const v = this.addVar(t);
    this.constTracers.set(value, t);
    this.constVals.set(v, value);
    return v;
  }

  build(inTracers: readonly JaxprTracer[], outTracers: readonly JaxprTracer[]): { jaxpr: Jaxpr; consts: Tensor[] } {
    const constvars = [...this.constVals.keys()];
    const consts = constvars.map((v) => this.constVals.get(v)!);
    const jaxpr = new Jaxpr(constvars, inTracers.map((t) => this.getVar(t)), this.eqns, outTracers.map((t) => this.getVar(t) as Atom));
    return { jaxpr, consts };
  }
}

export class JaxprTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }

  newArg(aval: Aval): JaxprTracer {
    const t = this.builder.newTracer(this, aval);
    this.builder.addVar(t);
    return t;
  }

  pure(x: Tensor): Tracer {
    const existing = this.builder.constTracers.get(x);
    if (existing) return existing;
    const t = this.builder.newTracer(this, { shape: x.shape, dtype: x.dtype });
    this.builder.addConst(t, x);
    return t;
  }

  lift(x: Tensor): Tracer {
    return this.pure(x);
  }

  processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[] {
    const ins = tracers as JaxprTracer[];
    const avalsOut = abstractEvalAny(prim, ins.map((t) => t.aval), params);
    const outs = avalsOut.map((a) => this.builder.newTracer(this, a));
    this.builder.eqns.push({ prim, inputs: ins.map((t) => this.builder.getVar(t)), params, outs: outs.map((t) => this.builder.addVar(t)) });
    return outs;
  }
}

/**
 * Trace `f` on abstract arguments into a jaxpr. `f` takes and returns flat lists of tensors.
 * Returns the jaxpr and the constants it closes over (pass them first to evalJaxpr).
 */
export function traceToJaxpr(f: (...xs: Tensor[]) => Tensor[], avals: readonly Aval[], name = 'makeJaxpr'): { jaxpr: Jaxpr; consts: Tensor[] } {
  const builder = new JaxprBuilder();
  return withDynamicTrace(JaxprTrace, name, builder, (main: MainTrace) => {
    const trace = new JaxprTrace(main);
    const ins = avals.map((a) => trace.newArg(a));
    const outs = f(...ins).map((o) => trace.fullRaise(o) as JaxprTracer);
    return builder.build(ins, outs);
  });
}
