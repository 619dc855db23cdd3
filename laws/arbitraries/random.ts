/** PRNG keys for the random and data laws. */
import fc from 'fast-check';
import type { Tensor } from '../../src/tensor';
import { key } from '../../src/random';

/** Keys from any safe-integer seed (both words exercised). */
export const arbKey: fc.Arbitrary<Tensor> = fc.maxSafeInteger().map((seed) => key(seed));
