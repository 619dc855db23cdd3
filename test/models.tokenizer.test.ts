/**
 * Without the optional peer dependency `js-tiktoken`, the GPT-2 tokenizer rejects with an error
 * naming the package to install (simulated by making the module fail to load).
 */
import { describe, expect, it, vi } from 'vitest';

describe('gpt2Tokenizer without js-tiktoken', () => {
  it('rejects with an error naming the package and how to install it', async () => {
    vi.resetModules();
    vi.doMock('js-tiktoken/lite', () => {
      throw new Error("Cannot find package 'js-tiktoken'");
    });
    const { gpt2Tokenizer } = await import('../src/models/tokenizer');
    await expect(gpt2Tokenizer()).rejects.toThrow(/gpt2Tokenizer: the GPT-2 tokenizer needs the optional package 'js-tiktoken' \(npm install js-tiktoken@1\.0\.21\)/);
    vi.doUnmock('js-tiktoken/lite');
  });
});
