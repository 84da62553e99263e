// The playground's attention view: which tokens each label attended to, from a Y-Tuning head's last-layer
// cross-attention (B, H, L, T+1) (YTuningHead.crossAttention). Design decision: weights are averaged over the H
// heads (each head's row sums to 1, so the mean does too) and split into the T token keys and the one extra key
// the head adds (the pooled sentence token), which is reported on its own rather than painted on any token.
import type { CrossAttentionMap } from '../heads/head';

export interface LabelAttention {
  /** perLabel[l][t]: mean over heads of label l's weight on token t (t < the example's token count). */
  perLabel: number[][];
  /** pooled[l]: mean over heads of label l's weight on the pooled sentence token. */
  pooled: number[];
}

/** Head-averaged attention of example `b` over its first `tokens` token keys (padding keys dropped). */
export function labelTokenAttention(map: CrossAttentionMap, b: number, tokens: number): LabelAttention {
  const { B, H, L, Tm } = map;
  const T = Tm - 1;
  if (!Number.isInteger(b) || b < 0 || b >= B) throw new Error(`labelTokenAttention: example ${b} is not in the batch of ${B}`);
  if (!Number.isInteger(tokens) || tokens < 0 || tokens > T) throw new Error(`labelTokenAttention: ${tokens} tokens, the batch has ${T} token keys`);
  if (map.weights.length < B * H * L * Tm) throw new Error(`labelTokenAttention: ${map.weights.length} weights, (B ${B}, H ${H}, L ${L}, ${Tm}) needs ${B * H * L * Tm}`);
  const perLabel = Array.from({ length: L }, () => new Array<number>(tokens).fill(0));
  const pooled = new Array<number>(L).fill(0);
  for (let h = 0; h < H; h++) {
    for (let l = 0; l < L; l++) {
      const base = ((b * H + h) * L + l) * Tm;
      for (let t = 0; t < tokens; t++) perLabel[l][t] += map.weights[base + t] / H;
      pooled[l] += map.weights[base + T] / H;
    }
  }
  return { perLabel, pooled };
}

/**
 * Token pieces as readable text, each with whether a space goes before it. SentencePiece ("▁") and byte-level
 * BPE ("Ġ") mark the pieces that START a word (a piece without the mark continues one; a bare mark is a space
 * token, shown as "␣"); WordPiece marks the pieces that CONTINUE a word ("##").
 */
export function displayTokens(pieces: readonly string[]): { text: string; space: boolean }[] {
  const marked = pieces.some((p) => p.startsWith('▁') || p.startsWith('Ġ'));
  return pieces.map((p, i) => {
    if (marked) {
      const starts = p.startsWith('▁') || p.startsWith('Ġ');
      const rest = starts ? p.slice(1) : p;
      return { text: rest === '' ? '␣' : rest, space: starts && i > 0 };
    }
    if (p.startsWith('##')) return { text: p.slice(2), space: false };
    return { text: p === '' ? '∅' : p, space: i > 0 };
  });
}

export interface WordAttention {
  /** The word as written (its pieces joined, markers removed). */
  text: string;
  /** A space goes before it. */
  space: boolean;
  /** The summed weight of its pieces. */
  weight: number;
  /** The tokenizer's pieces it is made of. */
  pieces: string[];
}

/**
 * Attention per whole word instead of per subword piece: a word's weight is the sum of its pieces' weights, so
 * "strategy" split into "▁strate" + "gy" shows as one word, not a highlighted "gy". A word starts at a piece that
 * starts one (displayTokens' `space`, or the first piece); a bare space piece joins the word after it.
 */
export function wordAttention(pieces: readonly string[], weights: readonly number[]): WordAttention[] {
  if (weights.length < pieces.length) throw new Error(`wordAttention: ${weights.length} weights for ${pieces.length} pieces`);
  const shown = displayTokens(pieces);
  const marked = pieces.some((p) => p.startsWith('▁') || p.startsWith('Ġ'));
  const words: WordAttention[] = [];
  let bareSpace = false;
  shown.forEach(({ text, space }, i) => {
    const starts = i === 0 || (marked ? pieces[i].startsWith('▁') || pieces[i].startsWith('Ġ') : !pieces[i].startsWith('##'));
    const isBare = marked && text === '␣';
    const last = words.at(-1);
    if (!starts && last) {
      last.text = bareSpace ? text : last.text + text;
      last.weight += weights[i];
      last.pieces.push(pieces[i]);
    } else {
      words.push({ text, space: space || (isBare && i > 0), weight: weights[i], pieces: [pieces[i]] });
    }
    bareSpace = isBare;
  });
  return words;
}
