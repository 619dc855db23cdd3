/**
 * Laws of LoRA adapters (src/nn/lora.ts) as pure predicates returning `true` or the reason, run
 * by test/nn.lora.test.ts.
 *
 *   zeroAdaptersLeaveOutputsUnchanged(forward, params, loraInit(k, params, config), config); // true
 *   frozenBaseBitIdentical(snapshot, paramsAfterTraining);   // true, or the first leaf that moved
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { loraMerge, type LoraAdapter, type LoraConfig } from '../src/nn';
import { approx, bitwise, exact, type Approx } from './approx';
import { labelled, type LawResult } from './result';

/**
 * Fresh adapters (b = 0) change nothing: the model's output with merged weights equals its
 * output without adapters, element for element.
 *
 *   zeroAdaptersLeaveOutputsUnchanged((p) => gpt2Logits(p, tokens, cfg), params, loraInit(k, params, config), config); // true
 */
export function zeroAdaptersLeaveOutputsUnchanged<P>(forward: (params: P) => unknown, params: P, adapters: unknown, config: LoraConfig): LawResult {
  // `exact`, not `bitwise`: merging adds s * (a @ 0) to each weight, which turns a -0 into 0.
  return labelled('the output with the adapters merged vs without them', exact.equals(forward(loraMerge(params, adapters, config)), forward(params)));
}

/**
 * Merging computes x (W + s a b) where the factored forward computes x W + s (x a) b: the same
 * value summed in another order, so float64 agrees to 1e-12 of the largest magnitude in the
 * output (float32 to the default 1e-5).
 */
export const loraMergeApprox: Approx = approx({ scale: 'tree', float64: { rtol: 1e-12, atol: 1e-12 } });

/**
 * The merged weight's output equals the factored adapter forward, which never forms ΔW:
 * linear (W [out, in]): x Wᵀ + s (x aᵀ) bᵀ; conv1d (W [in, out]): x W + s (x a) b.
 *
 *   mergedMatchesFactoredForward(x, w, { a, b }, { rank: 2, alpha: 4, targets: ['w'] }); // true
 */
export function mergedMatchesFactoredForward(x: Tensor, w: Tensor, adapter: LoraAdapter, config: LoraConfig, tol: Approx = loraMergeApprox): LawResult {
  const scale = (config.alpha ?? config.rank) / config.rank;
  const merged = loraMerge({ w }, { w: adapter }, { ...config, targets: ['w'] }).w;
  const linear = (config.layout ?? 'linear') === 'linear';
  const viaMerged = linear ? T.matmul(x, T.transpose(merged)) : T.matmul(x, merged);
  const base = linear ? T.matmul(x, T.transpose(w)) : T.matmul(x, w);
  const low = linear ? T.matmul(T.matmul(x, T.transpose(adapter.a)), T.transpose(adapter.b)) : T.matmul(T.matmul(x, adapter.a), adapter.b);
  const factored = T.add(base, T.mul(low, scale));
  return labelled(`x times the merged weight vs the factored forward (${linear ? 'linear' : 'conv1d'} layout, scale ${scale})`, tol.equals(viaMerged, factored));
}

/**
 * Training only the adapters leaves the base weights bit for bit as they were.
 *
 *   frozenBaseBitIdentical(paramsBefore, paramsAfterTraining); // true
 */
export function frozenBaseBitIdentical(before: unknown, after: unknown): LawResult {
  return labelled('the base parameters after training vs before', bitwise.equals(after, before));
}
