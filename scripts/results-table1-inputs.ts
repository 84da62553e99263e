// What the Table 1 runner (results-table1.ts) trains and scores on: every example as token ids for the
// frozen-encoder tuning heads (the fixed subsets of each split come from results-sets.ts capSet).
// Design decision: a set with two text columns (RTE, MRPC) goes through as ONE joint sequence per pair — the
// tokenizer's pair form (USE-lite, which has no pair template or token types: a's tokens then b's, longest-first
// truncation to Tmax; BERT: [CLS] a [SEP] b [SEP] with token types) — for all four methods alike, since every
// Table 1 kind takes joint pairs (registry `pairs: 'joint'`); a kind without it is refused, never given one side.
import type { Dataset } from '../src/data';
import type { TextTokenizer } from '../src/encoder/tokenizer';
import { headEntry, type HeadKind } from '../src/heads/registry';
import type { TrainExample } from '../src/train/batches';
import { tokenExamples, type PairMode } from '../src/train/token-examples';

/** How the set's texts reach the encoder: 'pair-input' (one joint sequence) for pair sets, else 'none'. */
export function table1PairMode(ds: Dataset, kinds: readonly HeadKind[]): PairMode {
  const pairs = ds.columns.textPair !== undefined || ds.examples.some((x) => x.textPair !== undefined);
  if (!pairs) return 'none';
  const other = kinds.filter((k) => headEntry(k).pairs !== 'joint');
  if (other.length) throw new Error(`the set has text pairs (columns "${ds.columns.text}" and "${ds.columns.textPair}"), but ${other.join(', ')} cannot take a pair as one joint sequence: run Table 1 heads only (prefix-tuning, ltuning-prefix, prompt-tuning, ltuning-prompt)`);
  return 'pair-input';
}

/** Every example of the set as token ids (at most tmax per sequence; a pair as one joint sequence). */
export function table1Examples(tok: TextTokenizer, ds: Dataset, tmax: number, kinds: readonly HeadKind[]): TrainExample[] {
  return tokenExamples(tok, ds, tmax, table1PairMode(ds, kinds));
}
