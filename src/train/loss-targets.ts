// Targets and weights of the per-(example, label) sigmoid losses the trainer runs through the binary
// cross-entropy kernel, flattened (B * L): the match objective (L-Tuning: the true label and one seeded random
// wrong label per text, target 1 / 0, every other pair weight 0) and the multi-label objective (a 0/1 target for
// every label, weighted by class weights). Design decision: pure CPU functions of the batch's labels, so the
// benchmark's copy and tests can check them without a GPU.

/** Match objective; `pairs` (2 per text: true, wrong) only for a pair-scoring head with L > 1. */
export function matchTargets(labels: ArrayLike<number>, L: number, rand: () => number, scoresPairs: boolean): { targets: Float32Array; weights: Float32Array; pairs: Uint32Array | null } {
  const B = labels.length;
  const targets = new Float32Array(B * L);
  const weights = new Float32Array(B * L);
  // A pair-scoring head (L-Tuning: one encoder pass per (text, label) pair) scores only these two per text.
  const pairs = scoresPairs && L > 1 ? new Uint32Array(2 * B) : null;
  for (let b = 0; b < B; b++) {
    const y = labels[b];
    targets[b * L + y] = 1;
    weights[b * L + y] = 1;
    if (L > 1) {
      const wrong = (y + 1 + Math.floor(rand() * (L - 1))) % L;
      weights[b * L + wrong] = 1;
      if (pairs) pairs.set([y, wrong], 2 * b);
    }
  }
  return { targets, weights, pairs };
}

/** Multi-label objective: target 1 for each present label; weight positive[k] / negative[k] (class weights) or 1. */
export function multiLabelTargets(sets: readonly (readonly number[])[], L: number, cw: { positive: readonly number[]; negative: readonly number[] } | null): { targets: Float32Array; weights: Float32Array; pairs: null } {
  const B = sets.length;
  const targets = new Float32Array(B * L);
  const weights = new Float32Array(B * L);
  for (let b = 0; b < B; b++) for (let k = 0; k < L; k++) weights[b * L + k] = cw ? cw.negative[k] : 1;
  sets.forEach((list, b) => {
    for (const k of list) {
      targets[b * L + k] = 1;
      weights[b * L + k] = cw ? cw.positive[k] : 1;
    }
  });
  return { targets, weights, pairs: null };
}
