// Token-id training examples for the kinds that run the encoder themselves (full fine-tuning): each text, or
// pair, tokenised once per run and kept in memory — token ids are what these kinds cache, never features.
// Design decision: pairs follow the encoder: one joint sequence with token types where the model has a pair
// input (BERT `[CLS] a [SEP] b [SEP]`), otherwise the two sides separately (side by side, with pair features).
import type { Dataset } from '../data';
import type { TextTokenizer } from '../encoder/tokenizer';
import type { TokenIds, TrainExample } from './batches';

export type PairMode = 'none' | 'pair-input' | 'side-by-side';

/** One text (or pair) as token ids, cut to tmax tokens per sequence. */
export function tokenize(tok: TextTokenizer, text: string, textPair: string | undefined, tmax: number, mode: PairMode): TokenIds {
  if (textPair !== undefined && mode === 'pair-input') {
    const t = tok.encode(text, textPair, tmax);
    return { ids: Uint32Array.from(t.ids), typeIds: Uint32Array.from(t.typeIds), mask: Uint8Array.from(t.attentionMask) };
  }
  const a = tok.encode(text, undefined, tmax);
  const x: TokenIds = { ids: Uint32Array.from(a.ids), typeIds: null, mask: Uint8Array.from(a.attentionMask) };
  if (mode === 'side-by-side') {
    const b = tok.encode(textPair ?? '', undefined, tmax);
    x.idsB = Uint32Array.from(b.ids);
    x.maskB = Uint8Array.from(b.attentionMask);
  }
  return x;
}

/** Every example of a dataset as token ids with its label. */
export function tokenExamples(tok: TextTokenizer, ds: Dataset, tmax: number, mode: PairMode): TrainExample[] {
  return ds.examples.map((x) => ({ tokens: tokenize(tok, x.text, x.textPair, tmax, mode), label: x.label, ...(x.labels ? { labels: x.labels } : {}) }));
}
