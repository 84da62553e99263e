// Diversity for batch active labelling: k-center greedy (Sener & Savarese 2018, "core-set") over the cached pooled
// sentence vectors. Design decision: diversity re-orders a short list of the most uncertain rows (the caller
// passes them as candidates, typically 10x the batch), never the whole pool, so a batch stays uncertain but does
// not ask about k near-duplicates; distances are squared Euclidean on the given vectors (the encoder's pooled
// vectors are L2-normalised, where this is a monotone function of cosine).

/** Squared Euclidean distance between rows i and j of flat (N, C) feature arrays. */
function dist2(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, C: number): number {
  let s = 0;
  for (let c = 0; c < C; c++) {
    const d = a[i * C + c] - b[j * C + c];
    s += d * d;
  }
  return s;
}

/**
 * Pick k of `candidates` (row indices into `features`, (N, C) flat) greedily: each pick is the candidate farthest
 * from its nearest already-chosen row or anchor (`anchors`: rows already labelled). Without anchors the first
 * candidate (the most uncertain, when the caller ranked them) is picked first. Ties go to the earlier candidate.
 */
export function kCenterGreedy(features: ArrayLike<number>, C: number, candidates: readonly number[], k: number, anchors: readonly number[] = []): number[] {
  if (!Number.isInteger(C) || C < 1 || features.length % C !== 0) throw new Error(`kCenterGreedy: ${features.length} values are not rows of width ${C}`);
  const N = features.length / C;
  for (const i of [...candidates, ...anchors]) if (!Number.isInteger(i) || i < 0 || i >= N) throw new Error(`kCenterGreedy: row ${i} is outside the ${N} feature rows`);
  const want = Math.min(k, candidates.length);
  const nearest = new Float64Array(candidates.length).fill(Infinity); // distance of each candidate to the chosen set
  for (const a of anchors) for (let j = 0; j < candidates.length; j++) nearest[j] = Math.min(nearest[j], dist2(features, candidates[j], features, a, C));
  const taken = new Uint8Array(candidates.length);
  const out: number[] = [];
  while (out.length < want) {
    let best = -1;
    for (let j = 0; j < candidates.length; j++) {
      if (taken[j]) continue;
      if (best < 0 || nearest[j] > nearest[best]) best = j;
    }
    taken[best] = 1;
    out.push(candidates[best]);
    for (let j = 0; j < candidates.length; j++) if (!taken[j]) nearest[j] = Math.min(nearest[j], dist2(features, candidates[j], features, candidates[best], C));
  }
  return out;
}
