/**
 * Laws of the ONNX export: the exported program, run by an ONNX engine, computes what the
 * function computes eagerly. The engine is a parameter (`OnnxRunner`), so these predicates work
 * with ONNX Runtime in Node, on the web, or any other runtime, and tensorlaw depends on none.
 *
 *   const run: OnnxRunner = async (model, args) => {
 *     const session = await ort.InferenceSession.create(model.bytes);
 *     return model.outputTree(await session.run(model.feeds(args, (t, d, s) => new ort.Tensor(t, d, s))));
 *   };
 *   await exportMatchesEager(run, (x) => T.tanh(x), [x]);
 */
import { Tensor } from '../src/tensor';
import { leaves } from '../src/tree';
import { toOnnx, type OnnxModel, type ToOnnxOptions } from '../src/onnx';

/** Runs an exported model on f's arguments and returns f's output tree (see the module example). */
export type OnnxRunner = (model: OnnxModel, args: readonly unknown[]) => Promise<unknown>;

export interface Tolerance {
  readonly rtol?: number;
  readonly atol?: number;
}

/**
 * Leaf-by-leaf closeness of two output trees: equal structure, shapes and dtypes, and values within
 * atol + rtol * max(|a|, |b|) (NaNs equal, infinities equal only to themselves).
 */
export function treesClose(a: unknown, b: unknown, { rtol = 1e-5, atol = 1e-6 }: Tolerance = {}): boolean {
  const xs = leaves(a);
  const ys = leaves(b);
  if (xs.length !== ys.length) return false;
  return xs.every((x, i) => {
    const y = ys[i];
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) return x === y;
    if (x.dtype !== y.dtype || x.shape.join() !== y.shape.join()) return false;
    const u = x.dataSync();
    const v = y.dataSync();
    return u.every((p, k) => {
      const q = v[k]!;
      return Object.is(p, q) || p === q || (p !== p && q !== q) || Math.abs(p - q) <= atol + rtol * Math.max(Math.abs(p), Math.abs(q));
    });
  });
}

/** toOnnx(f) run by the engine equals f(...args) run eagerly, within a float32 tolerance. */
export async function exportMatchesEager(run: OnnxRunner, f: (...args: any[]) => unknown, args: readonly unknown[], options: ToOnnxOptions = {}, tolerance: Tolerance = {}): Promise<boolean> {
  const model = toOnnx(f, args, options);
  return treesClose(await run(model, args), f(...args), tolerance);
}

/**
 * With a dynamic batch, the model exported at the example's batch size runs at another one:
 * `batchedArgs` are f's arguments at a different batch size (parameters unchanged).
 */
export async function dynamicBatchMatchesEager(run: OnnxRunner, f: (...args: any[]) => unknown, exampleArgs: readonly unknown[], batchedArgs: readonly unknown[], options: ToOnnxOptions, tolerance: Tolerance = {}): Promise<boolean> {
  const model = toOnnx(f, exampleArgs, { ...options, dynamicBatch: options.dynamicBatch ?? true });
  return treesClose(await run(model, batchedArgs), f(...batchedArgs), tolerance);
}
