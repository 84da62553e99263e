// A Unigram tokenizer.json with no special tokens and no post-processor, like USE-lite's (unk id 0): the fixture
// for tests of tokenisation without a pair template. Shared by the tokenizer tests and the Table 1 input tests.
export function plainUnigramJson() {
  const pieces = ['<unk>', '▁the', '▁movie', '▁good', '▁a', 'a', 'b', 'c', '▁'];
  return {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: null,
    model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, p === '<unk>' ? 0 : -1 - i]) },
  };
}
