/**
 * Batching: the vmap interpreter. Each tracer carries a value and the axis (or null) along which
 * it is batched; each primitive's rule (rules/batchRules.ts) says where the batch axis goes.
 */
import { isHigherOrder, Trace, Tracer, withMainTrace, type MainTrace, type Tensor } from '../tensor';
import { higherOrderBatch } from './higher/batch';
import { batchRuleFor, moveBatchAxis, type BatchDim, type BatchRule } from './rules/batchRules';

export class BatchTracer extends Tracer {
  constructor(readonly _trace: BatchTrace, readonly val: Tensor, readonly bdim: BatchDim) {
    super(bdim === null ? val.shape : val.shape.filter((_, i) => i !== bdim), val.dtype, val.device);
  }
  override fullLower(): Tensor {
    return this.bdim === null ? this.val : this;
  }
}

export class BatchTrace extends Trace {
  get axisSize(): number {
    return this.main.globalData as number;
  }
  pure(x: Tensor): Tracer {
    return new BatchTracer(this, x, null);
  }
  lift(x: Tensor): Tracer {
    return this.pure(x);
  }
  processPrimitive(prim: string, tracers: readonly Tracer[], params: any): Tensor[] {
    const ts = tracers as BatchTracer[];
    const rule = isHigherOrder(prim) ? (higherOrderBatch[prim] as BatchRule) : batchRuleFor(prim);
    if (!rule) throw new Error(`${prim}: no batching (vmap) rule`);
    const [outs, dims] = rule(ts.map((t) => t.val), ts.map((t) => t.bdim), params, this.axisSize);
    return outs.map((o, i) => new BatchTracer(this, o, dims[i]!));
  }
}

/**
 * Map `f` over axis `inDims[i]` of each argument (null: not mapped) and put the mapped axis of
 * each output at `outDims[i]`. Flat lists in and out.
 */
export function vmapFlat(f: (...xs: Tensor[]) => Tensor[], axisSize: number, args: readonly Tensor[], inDims: readonly BatchDim[], outDims: readonly BatchDim[] | (() => readonly BatchDim[]), name = 'vmap', fnName?: string): Tensor[] {
  return withMainTrace(BatchTrace, name, axisSize, (main: MainTrace) => {
    const trace = new BatchTrace(main);
    const ins = args.map((a, i) => (inDims[i] === null ? a : new BatchTracer(trace, a, inDims[i]!)));
    const outs = f(...ins).map((o) => trace.fullRaise(o) as BatchTracer);
    // Output axes may depend on the output's structure, known only now that f has run.
    const od = typeof outDims === 'function' ? outDims() : outDims;
    return outs.map((o, i) => moveBatchAxis(axisSize, o.bdim, od[i] === undefined ? 0 : od[i]!, o.val));
  }, fnName);
}
