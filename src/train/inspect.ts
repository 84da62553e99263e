// Reading a trained head's dev predictions: softmax confidences and the misclassified examples, most confident
// mistakes first (the ones most worth reading). Pure TypeScript over logits (B, L) read back once after training.

export interface Prediction {
  /** Index into the dev set. */
  index: number;
  truth: number;
  predicted: number;
  /** Softmax probability of the predicted label. */
  confidence: number;
}

/** Argmax and its softmax probability for every row of logits (B, L). */
export function predictions(logits: ArrayLike<number>, targets: ArrayLike<number>, L: number): Prediction[] {
  const B = targets.length;
  if (logits.length !== B * L) throw new Error(`predictions: ${logits.length} logits for ${B} examples x ${L} labels`);
  const out: Prediction[] = [];
  for (let b = 0; b < B; b++) {
    let best = 0;
    let max = -Infinity;
    for (let l = 0; l < L; l++) {
      const v = logits[b * L + l];
      if (v > max) {
        max = v;
        best = l;
      }
    }
    let sum = 0;
    for (let l = 0; l < L; l++) sum += Math.exp(logits[b * L + l] - max);
    out.push({ index: b, truth: targets[b], predicted: best, confidence: Number.isFinite(max) ? 1 / sum : Number.NaN });
  }
  return out;
}

/** The wrong predictions, most confident first (ties: dev order). */
export function misclassified(preds: readonly Prediction[]): Prediction[] {
  return preds.filter((p) => p.predicted !== p.truth).sort((a, b) => b.confidence - a.confidence || a.index - b.index);
}
