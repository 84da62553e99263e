// The token strings behind an EncodedExample's rows, for showing which tokens a head attended to. Design
// decision: mirrors encode.ts's sequence plan exactly — one sequence through the model's pair input (or a single
// text), else side A's then side B's sequences each truncated to Tmax on their own — so string i names token row i.
import type { EncodeInput } from './encode';
import type { TextTokenizer } from './tokenizer';

/** Token strings, one per token row of the encoded `input` (length = EncodedExample.length). */
export function tokenRows(tokenizer: TextTokenizer, hasPairInput: boolean, input: EncodeInput, tmax: number): string[] {
  const seqs =
    input.textPair === undefined || hasPairInput
      ? [tokenizer.encode(input.text, input.textPair, tmax)]
      : [tokenizer.encode(input.text, undefined, tmax), tokenizer.encode(input.textPair, undefined, tmax)];
  // A text with no tokens is one masked pad token: shown as an empty string.
  return seqs.flatMap((s) => s.ids.map((id, i) => (s.attentionMask[i] === 0 ? '' : tokenizer.idToToken(id))));
}
