/**
 * Laws of LoRA adapters (src/nn/lora.ts) as pure predicates, run by test/nn.lora.test.ts.
 */
import * as T from '../src/tensor';
import type { Tensor } from '../src/tensor';
import { loraMerge, type LoraAdapter, type LoraConfig } from '../src/nn';
import { bitwise } from './approx';
import type { LawResult } from './result';

/**
 * Fresh adapters (b = 0) change nothing: the model's output with merged weights equals its
 * output without adapters, element for element.
 *
 *   zeroAdaptersLeaveOutputsUnchanged((p) => gpt2Logits(p, tokens, cfg), params, loraInit(k, params, config), config); // true
 */
export function zeroAdaptersLeaveOutputsUnchanged<P>(forward: (params: P) => Tensor, params: P, adapters: unknown, config: LoraConfig): boolean {
  const before = forward(params).dataSync();
  const after = forward(loraMerge(params, adapters, config)).dataSync();
  return before.length === after.length && before.every((v, i) => v === after[i]);
}

/**
 * The merged weight's output equals the factored adapter forward, which never forms ΔW:
 * linear (W [out, in]): x Wᵀ + s (x aᵀ) bᵀ; conv1d (W [in, out]): x W + s (x a) b.
 *
 *   mergedMatchesFactoredForward(x, w, { a, b }, { rank: 2, alpha: 4, targets: ['w'] }, 1e-9); // true in float64
 */
export function mergedMatchesFactoredForward(x: Tensor, w: Tensor, adapter: LoraAdapter, config: LoraConfig, tolerance: number): boolean {
  const scale = (config.alpha ?? config.rank) / config.rank;
  const merged = loraMerge({ w }, { w: adapter }, { ...config, targets: ['w'] }).w;
  const linear = (config.layout ?? 'linear') === 'linear';
  const viaMerged = linear ? T.matmul(x, T.transpose(merged)) : T.matmul(x, merged);
  const base = linear ? T.matmul(x, T.transpose(w)) : T.matmul(x, w);
  const low = linear ? T.matmul(T.matmul(x, T.transpose(adapter.a)), T.transpose(adapter.b)) : T.matmul(T.matmul(x, adapter.a), adapter.b);
  const factored = T.add(base, T.mul(low, scale)).dataSync();
  const got = viaMerged.dataSync();
  return got.every((v, i) => Math.abs(v - factored[i]!) <= tolerance * (1 + Math.abs(factored[i]!)));
}

/**
 * Training only the adapters leaves the base weights bit for bit as they were.
 *
 *   frozenBaseBitIdentical(paramsBefore, paramsAfterTraining); // true
 */
export function frozenBaseBitIdentical(before: unknown, after: unknown): LawResult {
  return bitwise.equals(before, after);
}
