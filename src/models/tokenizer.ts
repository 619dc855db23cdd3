/**
 * The real GPT-2 byte-level BPE tokenizer (50,257 tokens, `<|endoftext|>` = 50256), through the
 * `js-tiktoken` package and the GPT-2 ranks it ships (no download at run time). It is an optional
 * peer dependency: install `js-tiktoken` to use it; without it, `gpt2Tokenizer` rejects with an
 * error naming the package.
 */

/**
 * Text to token ids and back.
 *
 *   const tok = await gpt2Tokenizer();
 *   tok.encode('Hello world'); // [15496, 995]
 *   tok.decode([15496, 995]);  // 'Hello world'
 */
export interface Tokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  readonly vocabSize: number;
  /** The `<|endoftext|>` token GPT-2 puts between documents. */
  readonly endOfText: number;
}

let cached: Promise<Tokenizer> | undefined;

/**
 * The GPT-2 tokenizer (loaded once, then shared). Special tokens in the text are encoded as
 * plain text, so user text can never smuggle in `<|endoftext|>`; use `endOfText` explicitly.
 *
 *   const tok = await gpt2Tokenizer();
 *   const ids = [...tok.encode(document), tok.endOfText];
 */
export function gpt2Tokenizer(): Promise<Tokenizer> {
  cached ??= load().catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function load(): Promise<Tokenizer> {
  let lite: typeof import('js-tiktoken/lite');
  let ranks: { default: unknown };
  try {
    lite = await import('js-tiktoken/lite');
    ranks = (await import('js-tiktoken/ranks/gpt2')) as { default: unknown };
  } catch (e) {
    throw new Error(`gpt2Tokenizer: the GPT-2 tokenizer needs the optional package 'js-tiktoken' (npm install js-tiktoken@1.0.21): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const encoding = new lite.Tiktoken(ranks.default as ConstructorParameters<typeof lite.Tiktoken>[0]);
  const endOfText = encoding.encode('<|endoftext|>', 'all')[0]!;
  return {
    encode: (text) => {
      if (typeof text !== 'string') throw new Error(`gpt2Tokenizer.encode: expected a string, got ${typeof text}`);
      return encoding.encode(text, [], []);
    },
    decode: (ids) => {
      if (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i) && i >= 0 && i <= endOfText)) {
        throw new Error(`gpt2Tokenizer.decode: expected an array of token ids in [0, ${endOfText}]`);
      }
      return encoding.decode(ids);
    },
    vocabSize: endOfText + 1,
    endOfText,
  };
}
