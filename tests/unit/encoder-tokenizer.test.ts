// src/encoder/tokenizer.ts: truncation (single and longest-first pairs) before the template, the BERT pair
// template with type ids, the empty-text rule, pad ids, and clear errors — on the tiny BERT's tokenizer.json
// and on a tokenizer with no special tokens (like USE-lite's).
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { cutChars, maxChars, TextTokenizer, truncateLongestFirst } from '../../src/encoder/tokenizer';
import { encodeInputs, InputError } from '../../src/encoder/encode';
import type { EncoderSession } from '../../src/encoder/session';
import { tinyTokenizerJson, tinyVocab } from '../../tools/tiny-bert/vocab';
import { plainUnigramJson } from '../helpers/plain-tokenizer';

const bertJson = tinyTokenizerJson(tinyVocab());
const bert = TextTokenizer.fromJson('tiny-bert', bertJson);
const lib = new Tokenizer(bertJson, {});
const CLS = 2;
const SEP = 3;

/** Hugging Face's LongestFirst, one token at a time. */
function iterativeLongestFirst(la: number, lb: number, budget: number): [number, number] {
  while (la + lb > budget) {
    if (la > lb) la--;
    else lb--;
  }
  return [la, lb];
}

describe('truncateLongestFirst', () => {
  it('matches the one-token-at-a-time rule for all small cases', () => {
    for (let la = 0; la <= 12; la++) for (let lb = 0; lb <= 12; lb++) for (let budget = 0; budget <= 26; budget++) {
      const [a, b] = truncateLongestFirst([...Array(la).keys()], [...Array(lb).keys()].map((i) => 100 + i), budget);
      expect([a.length, b.length], `la ${la} lb ${lb} budget ${budget}`).toEqual(iterativeLongestFirst(la, lb, budget));
      expect(a).toEqual([...Array(a.length).keys()]); // keeps the beginning
    }
  });
});

describe('TextTokenizer on a BERT tokenizer.json', () => {
  it('gives the library\'s own ids, template included, when nothing is truncated', () => {
    for (const text of ['The movie was good.', 'hello, world', 'Ünïcödé accents ☃ and 123']) {
      const ours = bert.encode(text, undefined, 64);
      expect(ours.ids).toEqual(lib.encode(text).ids);
      expect(ours.typeIds.every((t) => t === 0)).toBe(true);
      expect(ours.attentionMask.every((m) => m === 1)).toBe(true);
    }
    const pair = bert.encode('the plot was boring', 'a great film', 64);
    const libPair = lib.encode('the plot was boring', { text_pair: 'a great film', return_token_type_ids: true });
    expect(pair.ids).toEqual(libPair.ids);
    expect(pair.typeIds).toEqual(libPair.token_type_ids);
    expect(bert.specialsSingle).toBe(2);
    expect(bert.specialsPair).toBe(3);
  });

  it('truncates a single text to maxTokens, specials included: [CLS] first tokens [SEP]', () => {
    const text = 'the movie was good and the plot was great but the acting was bad';
    const full = bert.tokenIds(text);
    expect(full.length).toBeGreaterThan(10);
    const t = bert.encode(text, undefined, 8);
    expect(t.ids).toEqual([CLS, ...full.slice(0, 6), SEP]);
    expect(t.typeIds).toEqual(new Array(8).fill(0));
  });

  it('truncates pairs longest-first and keeps the pair template and type ids', () => {
    const a = bert.tokenIds('the movie was good and the plot was great'); // 9 tokens
    const b = bert.tokenIds('bad'); // 1 token
    const t = bert.encode('the movie was good and the plot was great', 'bad', 8); // budget 5 -> a 4, b 1
    expect(t.ids).toEqual([CLS, ...a.slice(0, 4), SEP, ...b, SEP]);
    expect(t.typeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    const u = bert.encode('the movie was good', 'the plot was great', 7); // 4 + 4 > 4 -> 2 + 2
    expect(u.ids.length).toBe(7);
    expect(u.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });

  it('an empty text is [CLS] [SEP]; an empty pair side keeps its [SEP]', () => {
    expect(bert.encode('', undefined, 16).ids).toEqual([CLS, SEP]);
    expect(bert.encode('good', '', 16).ids).toEqual([CLS, bert.tokenIds('good')[0], SEP, SEP]);
  });

  it('pads with [PAD] unless config.json pad_token_id says otherwise', () => {
    expect(bert.padId).toBe(0);
    expect(TextTokenizer.fromJson('x', bertJson, 4).padId).toBe(4);
  });

  it('throws clear errors for a limit with no room for text and for a broken tokenizer.json', () => {
    expect(() => bert.encode('good', undefined, 2)).toThrow(/maxTokens 2 leaves no room for text next to the template's 2 special tokens/);
    expect(() => bert.encode('good', 'bad', 4)).toThrow(/leaves no room/);
    expect(() => TextTokenizer.fromJson('broken', { model: { type: 'NoSuchModel' } })).toThrow(/model "broken": tokenizer.json could not be loaded/);
    expect(() => TextTokenizer.fromJson('broken', 'nope')).toThrow(/tokenizer.json must be an object/);
  });
});

describe('TextTokenizer without special tokens (USE-lite style)', () => {
  const plain = TextTokenizer.fromJson('plain', plainUnigramJson());

  it('adds nothing, truncates to exactly maxTokens, and pairs concatenate with type ids 0/1', () => {
    expect(plain.specialsSingle).toBe(0);
    const t = plain.encode('the movie good the movie', undefined, 3);
    expect(t.ids).toEqual([1, 2, 3]);
    expect(plain.encode('the movie', 'good', 8)).toEqual({ ids: [1, 2, 3], typeIds: [0, 0, 1], attentionMask: [1, 1, 1] });
  });

  it('an empty text becomes one pad token with attention 0 (never a 0-length sequence)', () => {
    expect(plain.tokenIds('')).toEqual([]);
    expect(plain.encode('', undefined, 8)).toEqual({ ids: [plain.padId], typeIds: [0], attentionMask: [0] });
    expect(TextTokenizer.fromJson('plain', plainUnigramJson(), 7).encode('', undefined, 8).ids).toEqual([7]);
  });

  it('cuts a huge text by characters before tokenising: a 600,000-character text without spaces encodes (the Unigram lattice overflowed the stack)', () => {
    const huge = 'abc'.repeat(200_000);
    const t = plain.encode(huge, undefined, 16);
    expect(t.ids).toHaveLength(16);
    // The same first tokens as a text short enough to tokenise whole.
    expect(t.ids).toEqual(plain.encode(huge.slice(0, 300), undefined, 16).ids);
    expect(plain.encode('x', huge, 16).ids).toHaveLength(16);
  });

  it('never cuts between the two halves of a surrogate pair', () => {
    expect(maxChars(4)).toBe(1024);
    expect(maxChars(128)).toBe(8192);
    expect(maxChars(8192)).toBe(131_072); // a model with a huge Tmax still never tokenises 500k characters
    const emoji = 'a'.repeat(1023) + '\u{1f600}' + 'b';
    expect(cutChars(emoji, 4)).toBe('a'.repeat(1023));
    expect(cutChars('short', 4)).toBe('short');
  });
});

describe('encodeInputs names the input a tokenizer fails on', () => {
  it('throws an InputError with the input\'s index and the start of its text', async () => {
    const tok = TextTokenizer.fromJson('plain', plainUnigramJson());
    const encode = tok.encode.bind(tok);
    // The one failure a real tokenizer.json still has after the cut: stand it in for input 2 only.
    tok.encode = (text, pair, max) => {
      if (text.startsWith('poison')) throw new RangeError('Maximum call stack size exceeded');
      return encode(text, pair, max);
    };
    // Only session.info is read before the first run, and the failure comes before any run.
    const session = { info: { hiddenSize: 4, hasPairInput: false, hash: 'h' } } as unknown as EncoderSession;
    const err = await encodeInputs({ session, tokenizer: tok, tmax: 8 }, [{ text: 'the movie' }, { text: `poison ${'x'.repeat(100)}` }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).index).toBe(1);
    expect((err as Error).message).toBe('encode: input 2 ("poison xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (107 characters)) could not be tokenised: Maximum call stack size exceeded');
  });
});

