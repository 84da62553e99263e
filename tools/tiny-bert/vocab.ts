// The tiny BERT's WordPiece vocabulary and its tokenizer.json (Hugging Face tokenizers format).
// Design decision: a real BERT tokenizer pipeline — BertNormalizer (lowercase, strip accents), BertPreTokenizer,
// WordPiece with "##" pieces, TemplateProcessing for single texts and pairs — over a ~200-token vocabulary
// whose every letter is a token, so any text tokenises (rare words split into letters) and nothing but
// symbols outside it becomes [UNK].

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const DIGITS = [...'0123456789'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
const WORDS = (
  'the an and or but not no is are was were be been it its this that these those of to in on for with as at ' +
  'by from up out if than then so too very just more most much many some all one two you he she we they me my ' +
  'your his her our their what who how why when where there here movie film story plot acting actor actors ' +
  'performance director script scene scenes character good great bad best worst better fun funny boring dull ' +
  'love like hate well even never nothing little make made see watch time life world people new old long ' +
  'beautiful brilliant awful terrible interesting'
).split(' ');
const SUFFIXES = ['es', 'ed', 'ing', 'ly', 'er', 'est', 'ful', 'less', 'ness', 'ion', 'en', 'ment'];

/** The vocabulary in id order: specials, punctuation, digits, letters, "##" letters, words, "##" suffixes. */
export function tinyVocab(): string[] {
  const vocab = [
    ...SPECIAL_TOKENS,
    ...PUNCTUATION,
    ...DIGITS,
    ...LETTERS,
    ...LETTERS.map((l) => `##${l}`),
    ...WORDS,
    ...SUFFIXES.map((s) => `##${s}`),
  ];
  const seen = new Set<string>();
  for (const t of vocab) {
    if (seen.has(t)) throw new Error(`tiny BERT vocab: "${t}" appears twice`);
    seen.add(t);
  }
  return vocab;
}

/** tokenizer.json for a vocabulary (ids = positions), as Hugging Face `tokenizers` writes it for BERT. */
export function tinyTokenizerJson(vocab: string[]): Record<string, unknown> {
  const id = (t: string) => {
    const i = vocab.indexOf(t);
    if (i < 0) throw new Error(`tiny BERT vocab has no "${t}"`);
    return i;
  };
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (s: 'A' | 'B', typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: id(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), seq('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), seq('A', 0), special('[SEP]', 0), seq('B', 1), special('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}
