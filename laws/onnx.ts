/**
 * Laws of the ONNX export as pure predicates returning `true` or the reason: the exported
 * program, run by an ONNX engine, computes what the function computes eagerly. The engine is a
 * parameter (`OnnxRunner`), so these predicates work with ONNX Runtime in Node, on the web, or
 * any other runtime, and tensorlaw depends on none. The runners are test/onnx.laws.test.ts
 * (random programs) and test/onnx.test.ts (the example models).
 *
 *   const run: OnnxRunner = async (model, args) => {
 *     const session = await ort.InferenceSession.create(model.bytes);
 *     return model.outputTree(await session.run(model.feeds(args, (t, d, s) => new ort.Tensor(t, d, s))));
 *   };
 *   await exportMatchesEager(run, (x) => T.tanh(x), [x]);   // true, or the first element that differs
 */
import { Tensor } from '../src/tensor';
import { leaves } from '../src/tree';
import { toOnnx, type OnnxModel, type ToOnnxOptions } from '../src/onnx';
import { approx, type Approx } from './approx';
import { labelled, type LawResult } from './result';

/** Runs an exported model on f's arguments and returns f's output tree (see the module example). */
export type OnnxRunner = (model: OnnxModel, args: readonly unknown[]) => Promise<unknown>;

/**
 * The engine's float32 kernels (exp, tanh, erf, ...) are within a few ulps of ours and its sums
 * and matrix products add in another order: float32 to 1e-4 relative and 1e-5 absolute (float64
 * at the default 1e-9; integers and bools exactly).
 */
export const exportApprox: Approx = approx({ float32: { rtol: 1e-4, atol: 1e-5 } });

/** The shapes of the non-parameter tensor arguments, as text: '[3, 8]' or '[3, 8], [3]'. */
function inputShapes(args: readonly unknown[], options: ToOnnxOptions): string {
  const parameters = new Set([options.parameterArgnums ?? []].flat());
  const inputs = args.filter((_, i) => !parameters.has(i));
  return leaves(inputs).filter((x): x is Tensor => x instanceof Tensor).map((x) => `[${x.shape.join(', ')}]`).join(', ');
}

/**
 * toOnnx(f) run by the engine equals f(...args) run eagerly, within `tol`: the same output
 * tree, shapes and dtypes, and values.
 *
 *   await exportMatchesEager(run, (p, x) => net.apply(p, x), [params, x], { parameterArgnums: 0 });
 */
export async function exportMatchesEager(run: OnnxRunner, f: (...args: any[]) => unknown, args: readonly unknown[], options: ToOnnxOptions = {}, tol: Approx = exportApprox): Promise<LawResult> {
  const model = toOnnx(f, args, options);
  return labelled('the exported model run by the engine vs f run eagerly', tol.equals(await run(model, args), f(...args)));
}

/**
 * With a dynamic batch, the model exported at the example's batch size runs at another one:
 * `batchedArgs` are f's arguments at a different batch size (parameters unchanged), and the
 * engine's outputs on them equal f's within `tol`.
 *
 *   await dynamicBatchMatchesEager(run, f, [params, x2], [params, x5], { parameterArgnums: 0 });
 */
export async function dynamicBatchMatchesEager(run: OnnxRunner, f: (...args: any[]) => unknown, exampleArgs: readonly unknown[], batchedArgs: readonly unknown[], options: ToOnnxOptions, tol: Approx = exportApprox): Promise<LawResult> {
  const model = toOnnx(f, exampleArgs, { ...options, dynamicBatch: options.dynamicBatch ?? true });
  const label = `the model exported for inputs ${inputShapes(exampleArgs, options)}, run by the engine on inputs ${inputShapes(batchedArgs, options)}, vs f run eagerly`;
  return labelled(label, tol.equals(await run(model, batchedArgs), f(...batchedArgs)));
}
