// Uncertainty scores over a head's probabilities, for active labelling: which unlabelled rows to ask about next.
// Design decision: every scorer returns "higher = more uncertain" per row (so one ranking serves all), reads rows
// of a flat (N, L) probability array as the heads produce it, and is a pure function; single-label rows are
// softmax rows (margin, entropy), multi-label rows are independent sigmoids (binaryMargin, binaryEntropy), so a
// multi-label head plugs into the same ranking.

export type UncertaintyBy = 'margin' | 'entropy';
export const UNCERTAINTY_KINDS: readonly UncertaintyBy[] = ['margin', 'entropy'];

function checkShape(probs: ArrayLike<number>, L: number, who: string): number {
  if (!Number.isInteger(L) || L < 2) throw new Error(`${who}: need at least 2 labels, got ${L}`);
  if (probs.length % L !== 0) throw new Error(`${who}: ${probs.length} probabilities is not a whole number of rows of ${L}`);
  return probs.length / L;
}

/** 1 - (p_top1 - p_top2) per softmax row: 1 when the two best labels tie, 0 when one label has all the mass. */
export function marginScores(probs: ArrayLike<number>, L: number): Float64Array {
  const N = checkShape(probs, L, 'marginScores');
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let a = -Infinity; // best
    let b = -Infinity; // second best
    for (let l = 0; l < L; l++) {
      const p = probs[i * L + l];
      if (p > a) {
        b = a;
        a = p;
      } else if (p > b) b = p;
    }
    out[i] = 1 - (a - b);
  }
  return out;
}

/** Shannon entropy in nats per softmax row: ln L for a uniform row, 0 for a one-hot row. */
export function entropyScores(probs: ArrayLike<number>, L: number): Float64Array {
  const N = checkShape(probs, L, 'entropyScores');
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let h = 0;
    for (let l = 0; l < L; l++) {
      const p = probs[i * L + l];
      if (p > 0) h -= p * Math.log(p);
    }
    out[i] = h;
  }
  return out;
}

/** Multi-label (independent sigmoids): 1 - 2 min_l |p_l - 0.5|, i.e. how close the least sure label is to 0.5. */
export function binaryMarginScores(probs: ArrayLike<number>, L: number): Float64Array {
  const N = checkShape(probs, L, 'binaryMarginScores');
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let m = Infinity;
    for (let l = 0; l < L; l++) m = Math.min(m, Math.abs(probs[i * L + l] - 0.5));
    out[i] = 1 - 2 * m;
  }
  return out;
}

/** Multi-label: the sum over labels of each sigmoid's binary entropy (nats). */
export function binaryEntropyScores(probs: ArrayLike<number>, L: number): Float64Array {
  const N = checkShape(probs, L, 'binaryEntropyScores');
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let h = 0;
    for (let l = 0; l < L; l++) {
      const p = probs[i * L + l];
      if (p > 0 && p < 1) h -= p * Math.log(p) + (1 - p) * Math.log(1 - p);
    }
    out[i] = h;
  }
  return out;
}

/** The scores for one of the single-label kinds. */
export function uncertaintyScores(probs: ArrayLike<number>, L: number, by: UncertaintyBy): Float64Array {
  return by === 'margin' ? marginScores(probs, L) : entropyScores(probs, L);
}

/**
 * Row indices by decreasing score (ties: lower index first), skipping `exclude` (already labelled or skipped rows),
 * at most k of them. NaN scores rank last.
 */
export function rankByScore(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): number[] {
  if (!Number.isInteger(k) || k < 0) throw new Error(`rankByScore: k must be a whole number >= 0, got ${k}`);
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!exclude?.has(i)) idx.push(i);
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  idx.sort((a, b) => key(b) - key(a) || a - b);
  return idx.slice(0, k);
}
