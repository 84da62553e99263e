// Text -> token ids for an encoder model: @huggingface/tokenizers reads tokenizer.json; this wrapper adds
// truncation to Tmax (the library has none), pairs through the tokenizer's own post-processor template, and the
// empty-text rule.
// Design decisions:
// - Truncate *before* adding special tokens: each side is tokenised without specials, cut (longest-first for
//   pairs, as Hugging Face tokenizers do) to Tmax minus the template's special-token count, then the
//   post-processor template ([CLS] a [SEP] b [SEP] with type ids) is applied. The template is applied to the
//   *ids* of each side: post-processors only splice their inputs, so the ids pass through untouched and only the
//   template's own special tokens come back as strings to look up.
// - A text that yields no tokens at all (USE-lite's tokenizer on "") becomes ONE pad token with attention 0:
//   every sequence has length >= 1, and the model sees an empty text. For USE-lite that gives exactly what
//   its TF.js package gives an empty row (normalise(tanh(b))); a model without a pooled output gets the
//   masked mean over no tokens, a zero vector (encode.ts).
// - Cut by characters *before* tokenising: a text is first cut to maxChars(maxTokens) characters (64 per token,
//   at least 1,024, at most 131,072 however large Tmax is), far more than maxTokens tokens ever span in practice, so the ids kept are the same, while a
//   pasted 1 MB blob no longer reaches the tokenizer whole (its Unigram lattice overflowed the stack at ~500k).
import { Tokenizer } from '@huggingface/tokenizers';
import { describe } from './model-files';

/** The most characters any text keeps (the Unigram lattice overflowed the stack near 500,000). */
export const MAX_TEXT_CHARS = 131_072;

/** Characters kept of a text before tokenising for a limit of `maxTokens` tokens: 64 per token, 1,024 to 131,072. */
export function maxChars(maxTokens: number): number {
  return Math.min(MAX_TEXT_CHARS, Math.max(1024, 64 * maxTokens));
}

/** `text` cut to maxChars(maxTokens) characters, never between the halves of a surrogate pair. */
export function cutChars(text: string, maxTokens: number): string {
  const n = maxChars(maxTokens);
  if (text.length <= n) return text;
  const c = text.charCodeAt(n - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}

/** Token ids of one model input sequence (all three arrays have the same length >= 1). */
export interface TokenizedText {
  ids: number[];
  /** Segment ids (0 for the first text, 1 for the pair's second under a BERT template). */
  typeIds: number[];
  attentionMask: number[];
}

type PostProcess = (a: unknown[], b: unknown[] | null, addSpecial: boolean) => { tokens: unknown[]; token_type_ids?: number[] };

export class TextTokenizer {
  /** Id used to pad batches (and the one masked token of a text with no tokens). */
  readonly padId: number;
  /** Special tokens the template adds to a single text / to a pair. */
  readonly specialsSingle: number;
  readonly specialsPair: number;
  private readonly postProcess: PostProcess | null;

  private constructor(private readonly tok: Tokenizer, readonly name: string, padId?: number) {
    const pp = (tok as unknown as { post_processor: { post_process: PostProcess } | null }).post_processor;
    this.postProcess = pp ? (a, b, s) => pp.post_process(a, b, s) : null;
    this.specialsSingle = this.template([], null).ids.length;
    this.specialsPair = this.template([], []).ids.length;
    const byToken = (...names: string[]) => names.map((n) => tok.token_to_id(n)).find((id) => id !== undefined);
    const json = (tok as unknown as { tokenizer: { padding?: { pad_id?: number } | null } }).tokenizer;
    this.padId = padId ?? json.padding?.pad_id ?? byToken('[PAD]', '<pad>', '<PAD>') ?? 0;
  }

  /** Build from a parsed tokenizer.json. `padId` (config.json pad_token_id) overrides the tokenizer's pad token. */
  static fromJson(name: string, tokenizerJson: unknown, padId?: number): TextTokenizer {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null) {
      throw new Error(`model "${name}": tokenizer.json must be an object, got ${describe(tokenizerJson)}`);
    }
    // The library requires these keys to exist (null is allowed); older or hand-written files may omit some.
    const json: Record<string, unknown> = { added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...tokenizerJson };
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, {});
    } catch (err) {
      throw new Error(`model "${name}": tokenizer.json could not be loaded by @huggingface/tokenizers: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new TextTokenizer(tok, name, padId);
  }

  /** Token ids of one text without special tokens (may be empty). */
  tokenIds(text: string): number[] {
    if (typeof text !== 'string') throw new Error(`model "${this.name}": can only tokenise strings, got ${describe(text)}`);
    return text === '' ? [] : this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  /** The vocabulary string of a token id (for showing tokens, e.g. the playground's attention view). */
  idToToken(id: number): string {
    return this.tok.id_to_token(id) ?? `[${id}]`;
  }

  /**
   * Encode a text, or a pair through the template's pair form, truncated to at most `maxTokens` tokens
   * (specials included; longest-first for pairs). A sequence that would be empty becomes [padId] with mask 0.
   */
  encode(text: string, textPair: string | undefined, maxTokens: number): TokenizedText {
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`maxTokens must be a positive integer, got ${maxTokens}`);
    const pair = textPair !== undefined;
    const budget = maxTokens - (pair ? this.specialsPair : this.specialsSingle);
    if (budget < (pair ? 2 : 1)) {
      throw new Error(`model "${this.name}": maxTokens ${maxTokens} leaves no room for text next to the template's ` +
        `${pair ? this.specialsPair : this.specialsSingle} special tokens`);
    }
    let a = this.tokenIds(cutChars(text, maxTokens));
    let b = pair ? this.tokenIds(cutChars(textPair, maxTokens)) : null;
    if (b === null) a = a.slice(0, budget);
    else [a, b] = truncateLongestFirst(a, b, budget);
    const out = this.template(a, b);
    if (out.ids.length === 0) return { ids: [this.padId], typeIds: [0], attentionMask: [0] };
    return out;
  }

  private template(a: number[], b: number[] | null): TokenizedText {
    if (!this.postProcess) {
      const ids = b ? [...a, ...b] : a;
      const typeIds = b ? [...a.map(() => 0), ...b.map(() => 1)] : a.map(() => 0);
      return { ids, typeIds, attentionMask: ids.map(() => 1) };
    }
    const r = this.postProcess(a, b, true);
    const ids = r.tokens.map((t) => {
      if (typeof t === 'number') return t;
      const id = this.tok.token_to_id(String(t));
      if (id === undefined) throw new Error(`model "${this.name}": tokenizer.json's post-processor adds "${String(t)}", which is not in its vocabulary`);
      return id;
    });
    const typeIds = r.token_type_ids && r.token_type_ids.length === ids.length ? r.token_type_ids : ids.map(() => 0);
    return { ids, typeIds, attentionMask: ids.map(() => 1) };
  }
}

/**
 * Cut two sequences to a total of `budget` tokens, one token at a time from the end of the longer one
 * (ties from the second), as Hugging Face's LongestFirst strategy does.
 */
export function truncateLongestFirst(a: number[], b: number[], budget: number): [number[], number[]] {
  let la = a.length;
  let lb = b.length;
  if (la + lb <= budget) return [a, b];
  // Closed form of the one-at-a-time rule: the longer side shrinks to the shorter one, then both alternate.
  if (la > lb) {
    la = Math.max(lb, budget - lb);
    if (la + lb > budget) { la = Math.ceil(budget / 2); lb = budget - la; }
  } else {
    lb = Math.max(la, budget - la);
    if (la + lb > budget) { la = Math.ceil(budget / 2); lb = budget - la; }
  }
  return [a.slice(0, la), b.slice(0, lb)];
}
