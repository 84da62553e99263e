// Turns USE-lite's SentencePiece vocab.json ([piece, score][]) into a Hugging Face tokenizer.json (Unigram) that
// reproduces the @energetic-ai/embeddings tokenizer: NFKC; if the text is not empty prepend "▁" and turn every
// plain space into "▁" (no lowercasing, no trimming); Viterbi over code points; unknown runs fused into id 0;
// no special tokens.
// Design decision: the package's quirks are expressed as data, not code. Null scores become 0 (JS adds null as
// 0); the reserved ids 1-5 (never matched by the package) get score -100 so no best path uses them; and a
// pre-tokenizer splits the text's leading "▁" off before ":" because the package's Viterbi treats a best score of
// exactly 0 as "unset", so a text starting "▁:" (piece score 0) is read as "▁" + ":".
export const SPACE_PIECE = '\u2581';
/** ids below this are reserved in the package's tokenizer (not in its trie); 0 doubles as the unknown id. */
export const RESERVED_IDS = 6;
export const RESERVED_SCORE = -100;

export type Vocabulary = [string, number | null][];

/** Validate vocab.json's parsed content; throws naming the first bad entry. */
export function checkVocabulary(v: unknown, where: string): Vocabulary {
  if (!Array.isArray(v) || v.length <= RESERVED_IDS) throw new Error(`${where}: expected a JSON array of [piece, score] pairs`);
  v.forEach((e, i) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !(typeof e[1] === 'number' || e[1] === null)) {
      throw new Error(`${where}: entry ${i} is ${JSON.stringify(e)}, expected [string, number | null]`);
    }
  });
  return v as Vocabulary;
}

/** The tokenizer.json object (serialise with JSON.stringify). */
export function buildTokenizerJson(vocab: Vocabulary): Record<string, unknown> {
  const pieces = vocab.map(([piece, score], id): [string, number] => [
    piece,
    id > 0 && id < RESERVED_IDS ? RESERVED_SCORE : (score ?? 0),
  ]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Prepend', prepend: SPACE_PIECE },
        { type: 'Replace', pattern: { String: ' ' }, content: SPACE_PIECE },
      ],
    },
    pre_tokenizer: {
      type: 'Split',
      // \A, not ^: both onig (Rust tokenizers) and the JS port read ^ as a line start, which would also split
      // "\n▁:" — the package only does this at the very start of the text.
      pattern: { Regex: `\\A${SPACE_PIECE}(?=:)` },
      behavior: 'Isolated',
      invert: false,
    },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: SPACE_PIECE, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces, byte_fallback: false },
  };
}
