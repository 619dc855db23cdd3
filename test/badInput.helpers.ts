/**
 * The bad-input suite's table runner. Each case is a call that must fail at the public boundary
 * with a clear error: an Error that is not a raw TypeError/RangeError/ReferenceError/SyntaxError,
 * whose message names the function, shows the offending value (or shape, dtype or key path) and
 * says what was expected. A call that returns normally is a silent acceptance and fails the case.
 */
import { describe, expect, it } from 'vitest';

export interface BadInput {
  /** The function the message must name (it appears as `fn:` or `fn(...)` in the message). */
  readonly fn: string;
  /** The call; it may return a promise, which must reject. */
  readonly call: () => unknown;
  /** The offending value as the message shows it (a value, shape, dtype or key path). */
  readonly got: string;
  /** What the message says was expected. */
  readonly expected: string;
}

/** A case: `bad(fn, call, got, expected)`. */
export const bad = (fn: string, call: () => unknown, got: string, expected: string): BadInput => ({ fn, call, got, expected });

const rawErrors = [TypeError, RangeError, ReferenceError, SyntaxError];

async function failure(call: () => unknown): Promise<unknown> {
  try {
    const r = call();
    if (r instanceof Promise) await r;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Run a table of bad inputs as one test per case, named by the function and the offending value. */
export function badInputSuite(area: string, cases: readonly BadInput[]): void {
  describe(`bad input: ${area} (${cases.length} cases)`, () => {
    it.each(cases.map((c, i) => [`${i}: ${c.fn} with ${c.got}`, c] as const))('%s', async (_name, c) => {
      const e = await failure(c.call);
      expect(e, `${c.fn} accepted bad input silently (${c.got})`).toBeInstanceOf(Error);
      for (const raw of rawErrors) expect(e, `${c.fn} let a raw ${raw.name} through: ${(e as Error).message}`).not.toBeInstanceOf(raw);
      const message = (e as Error).message;
      expect(message, 'names the function').toContain(c.fn);
      expect(message, 'shows the offending value').toContain(c.got);
      expect(message, 'says what was expected').toContain(c.expected);
    });
  });
}
