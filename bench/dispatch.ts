/** Eager dispatch overhead: µs per `T.add` of two 64-element float32 tensors (run with tsx). */
import * as T from '../src/tensor';
import { measure, randomF32 } from './measure';

const a = T.tensor(randomF32(64)), b = T.tensor(randomF32(64));
const calls = 10000;
const t = measure(() => {
  for (let i = 0; i < calls; i++) T.add(a, b);
}, { warmup: 3, minRuns: 9, budgetMs: 1500 });
console.log(`eager T.add, 64 elements: ${((t.ms * 1000) / calls).toFixed(2)} µs per call (median of ${t.runs} x ${calls} calls)`);
