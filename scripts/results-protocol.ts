// The training protocol of RESULTS version 2's main table (scripts/results.ts, issue 10): ONE budget for every
// trained head, and the linear probe's L2 strength chosen on the selection split. Pure (no GPU), unit-tested.
// Design decision: the L2 of the probe is AdamW's DECOUPLED weight decay (src/kernels/adamw: w -= lr * wd * w
// each step, on the weight matrix only, never the bias), not a penalty added to the loss; the grid is chosen on
// the selection split's accuracy of each candidate's kept checkpoint (then lower selection loss, then the
// smaller decay), so the evaluation file is scored once, with the chosen candidate only.

/** The budget every trained head gets in the main table, whatever its own studio defaults are. */
export const MAIN_BUDGET = {
  /** Maximum epochs over the training split. */
  maxEpochs: 4,
  /** Epochs without a better selection accuracy before stopping (the best checkpoint is restored). */
  patience: 2,
  batchSize: 32,
} as const;

/**
 * The probe's weight-decay grid. With decoupled decay the weight shrinks by lr*wd per step (lr 1e-2): 1e-3 is
 * already a shrink of 1e-5 per step, so the grid reaches up to 1 (1% per step) to include a decay that matters.
 */
export const L2_GRID: readonly number[] = [0, 1e-3, 1e-2, 1e-1, 1];

export interface L2Trial {
  weightDecay: number;
  /** Accuracy of the candidate's kept checkpoint on the selection split (fraction). */
  selectionAccuracy: number;
  /** Its mean loss on the selection split. */
  selectionLoss: number;
  /** 1-based epoch of its kept checkpoint. */
  bestEpoch: number;
}

/** The index of the chosen trial: highest selection accuracy, then lower selection loss, then smaller decay. */
export function chooseL2(trials: readonly L2Trial[]): number {
  if (trials.length === 0) throw new Error('chooseL2: no trials (the L2 grid is empty)');
  let best = 0;
  for (let i = 1; i < trials.length; i++) {
    const a = trials[i];
    const b = trials[best];
    if (!Number.isFinite(a.selectionAccuracy)) continue;
    const better =
      !Number.isFinite(b.selectionAccuracy) ||
      a.selectionAccuracy > b.selectionAccuracy ||
      (a.selectionAccuracy === b.selectionAccuracy &&
        (a.selectionLoss < b.selectionLoss || (a.selectionLoss === b.selectionLoss && a.weightDecay < b.weightDecay)));
    if (better) best = i;
  }
  return best;
}

/** Counts of each predicted label (length L) from predicted label ids. */
export function predictedCounts(predicted: ArrayLike<number>, L: number): number[] {
  const out = new Array<number>(L).fill(0);
  for (let i = 0; i < predicted.length; i++) {
    const y = predicted[i];
    if (!(y >= 0 && y < L)) throw new Error(`predictedCounts: label id ${y} at ${i} is outside 0..${L - 1}`);
    out[y]++;
  }
  return out;
}

/** A constant predictor: one label predicted for every example. */
export function isConstant(counts: readonly number[]): boolean {
  return counts.filter((c) => c > 0).length <= 1;
}

/** Macro-F1 (fraction) of the best constant predictor given the evaluation set's label counts. */
export function constantMacroF1(labelCounts: readonly number[]): number {
  const n = labelCounts.reduce((a, b) => a + b, 0);
  const L = labelCounts.length;
  if (n === 0 || L === 0) return 0;
  // Always predicting k: precision p = n_k/n, recall 1 for k, F1 0 for the others.
  return Math.max(...labelCounts.map((c) => (c === 0 ? 0 : (2 * (c / n)) / (c / n + 1) / L)));
}
