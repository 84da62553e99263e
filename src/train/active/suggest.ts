// Which rows to label next: uncertainty ranking, optionally made diverse. The one entry point the CLI
// (`labeltune suggest`), the studio's labelling loop and the simulation share. Design decision: with `diverse`,
// the `poolFactor * k` most uncertain rows are the candidates and k-center greedy over their features (anchored
// at the rows already labelled) picks the batch; without it the batch is simply the k most uncertain rows.
import { kCenterGreedy } from './diversity';
import { binaryEntropyScores, binaryMarginScores, rankByScore, uncertaintyScores, type UncertaintyBy } from './uncertainty';

export interface SuggestOptions {
  k: number;
  by: UncertaintyBy;
  /** Rows are independent sigmoids (a multi-label head): binary margin / entropy scores. */
  multiLabel?: boolean;
  /** Rows never suggested (labelled, skipped). */
  exclude?: ReadonlySet<number>;
  /** Diversity over these (N, C) flat features; `anchors` are the labelled rows (default: none). */
  diverse?: { features: ArrayLike<number>; C: number; anchors?: readonly number[]; poolFactor?: number };
}

export interface Suggestion {
  row: number;
  /** The uncertainty score (higher = less sure; margin: 1 - (p1 - p2), entropy: nats). */
  score: number;
}

/** Up to k suggestions from (N, L) probability rows, most uncertain first (diverse: in k-center pick order). */
export function suggestRows(probs: ArrayLike<number>, L: number, o: SuggestOptions): Suggestion[] {
  const scores = o.multiLabel ? (o.by === 'margin' ? binaryMarginScores(probs, L) : binaryEntropyScores(probs, L)) : uncertaintyScores(probs, L, o.by);
  if (!o.diverse) return rankByScore(scores, o.k, o.exclude).map((row) => ({ row, score: scores[row] }));
  const factor = o.diverse.poolFactor ?? 10;
  if (!(factor >= 1)) throw new Error(`suggestRows: poolFactor must be at least 1, got ${factor}`);
  const candidates = rankByScore(scores, Math.ceil(o.k * factor), o.exclude);
  const picked = kCenterGreedy(o.diverse.features, o.diverse.C, candidates, o.k, o.diverse.anchors ?? []);
  return picked.map((row) => ({ row, score: scores[row] }));
}
