// cacheKey(): deterministic, and distinct for every field that changes the features.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CACHE_KEY_PATTERN, cacheKey, canonicalKeyBytes, keyToBytes, toHex } from '../../src/encoder/cache-key';

const base = { modelHash: 'a'.repeat(64), tmax: 128, text: 'The movie was great.' };

describe('cacheKey', () => {
  it('is 64 lowercase hex digits: the SHA-256 of the canonical bytes', async () => {
    const key = await cacheKey(base);
    expect(key).toMatch(CACHE_KEY_PATTERN);
    expect(key).toBe(createHash('sha256').update(canonicalKeyBytes(base)).digest('hex'));
  });

  it('gives identical keys for identical inputs', async () => {
    expect(await cacheKey({ ...base })).toBe(await cacheKey({ ...base }));
    expect(await cacheKey({ ...base, textPair: 'x' })).toBe(await cacheKey({ ...base, textPair: 'x' }));
  });

  it('gives different keys when the model, Tmax, text or pair differ', async () => {
    const variants = [
      base,
      { ...base, modelHash: 'b'.repeat(64) },
      { ...base, modelHash: 'A'.repeat(64) }, // used verbatim: case matters
      { ...base, tmax: 64 },
      { ...base, tmax: 129 },
      { ...base, text: base.text + ' ' },
      { ...base, text: base.text.toLowerCase() },
      { ...base, textPair: '' }, // an empty pair is not "no pair"
      { ...base, textPair: 'Yes.' },
      { ...base, textPair: 'Yes!' },
      { ...base, text: 'ab', textPair: 'c' },
      { ...base, text: 'a', textPair: 'bc' },
      { ...base, text: 'abc' },
      { ...base, text: '\ud800' }, // lone surrogates stay distinct (UTF-8 would make both U+FFFD)
      { ...base, text: '\ufffd' },
      { ...base, text: '' },
    ];
    const keys = await Promise.all(variants.map((v) => cacheKey(v)));
    expect(new Set(keys).size).toBe(variants.length);
  });

  it('keeps length-prefixed fields apart: ("ab","c") and ("a","bc") encode differently', () => {
    const a = canonicalKeyBytes({ ...base, text: 'ab', textPair: 'c' });
    const b = canonicalKeyBytes({ ...base, text: 'a', textPair: 'bc' });
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('rejects bad input with a specific message', async () => {
    await expect(cacheKey({ ...base, modelHash: '' })).rejects.toThrow(/modelHash must be a non-empty string/);
    await expect(cacheKey({ ...base, tmax: 0 })).rejects.toThrow(/tmax must be a positive integer/);
    await expect(cacheKey({ ...base, tmax: 1.5 })).rejects.toThrow(/tmax must be a positive integer/);
    await expect(cacheKey({ ...base, text: 42 as unknown as string })).rejects.toThrow(/text must be a string/);
    await expect(cacheKey({ ...base, textPair: null as unknown as string })).rejects.toThrow(/textPair must be a string or absent/);
  });

  it('keyToBytes inverts toHex and refuses non-keys', async () => {
    const key = await cacheKey(base);
    expect(toHex(keyToBytes(key))).toBe(key);
    expect(() => keyToBytes(key.toUpperCase())).toThrow(/64 lowercase hex digits/);
    expect(() => keyToBytes('../etc/passwd')).toThrow(/64 lowercase hex digits/);
  });
});
