// Classification metrics on the CPU (pure TypeScript): argmax of logits, accuracy, macro-F1, per-class
// precision / recall / F1 / support and the confusion matrix. Design decision (the conventions sklearn uses with
// zero_division=0): a class never predicted has precision 0, a class with no examples has recall 0, and F1 is 0
// when precision + recall is 0; macro-F1 averages F1 over ALL L classes, including those absent from the targets.

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose target is this class. */
  support: number;
}

export interface Metrics {
  /** Examples counted. */
  n: number;
  /** Correct predictions / n (0 when n is 0). */
  accuracy: number;
  /** Unweighted mean of the per-class F1 over all L classes. */
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[t][p]: examples with target t predicted as p (L x L). */
  confusion: number[][];
  /**
   * Mean recall over the classes present in the targets (sklearn's balanced_accuracy_score). Optional only so
   * that runs saved before it existed still load; every metrics function here sets it.
   */
  balancedAccuracy?: number;
  /** Multi-label runs (./multi-label.ts): accuracy is then subset accuracy. */
  multiLabel?: import('./multi-label').MultiLabelMetrics;
}

/** Row-wise argmax of logits (B, L); the first maximum wins ties; a NaN row predicts 0 only if all are NaN. */
export function argmax(logits: ArrayLike<number>, B: number, L: number): Uint32Array {
  if (!Number.isInteger(B) || B < 0 || !Number.isInteger(L) || L < 1) throw new Error(`argmax: bad shape (B ${B}, L ${L})`);
  if (logits.length !== B * L) throw new Error(`argmax: logits have ${logits.length} values, (B ${B}, L ${L}) needs ${B * L}`);
  const out = new Uint32Array(B);
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
    out[b] = best;
  }
  return out;
}

/** Metrics of predictions vs targets, both class ids in [0, L). */
export function classificationMetrics(predictions: ArrayLike<number>, targets: ArrayLike<number>, L: number): Metrics {
  if (!Number.isInteger(L) || L < 1) throw new Error(`classificationMetrics: L must be a positive integer, got ${L}`);
  if (predictions.length !== targets.length) {
    throw new Error(`classificationMetrics: ${predictions.length} predictions but ${targets.length} targets`);
  }
  const confusion = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  const n = targets.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    const p = predictions[i];
    if (!Number.isInteger(t) || t < 0 || t >= L) throw new Error(`classificationMetrics: target ${i} is ${t}, not a class id in [0, ${L})`);
    if (!Number.isInteger(p) || p < 0 || p >= L) throw new Error(`classificationMetrics: prediction ${i} is ${p}, not a class id in [0, ${L})`);
    confusion[t][p]++;
    if (t === p) correct++;
  }
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let recallSum = 0;
  let present = 0;
  for (let c = 0; c < L; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < L; k++) {
      support += confusion[c][k];
      predicted += confusion[k][c];
    }
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support });
    f1Sum += f1;
    if (support > 0) {
      recallSum += recall;
      present++;
    }
  }
  return { n, accuracy: n > 0 ? correct / n : 0, macroF1: f1Sum / L, balancedAccuracy: present > 0 ? recallSum / present : 0, perClass, confusion };
}

/** Metrics straight from logits (B, L) and targets (B). */
export function metricsFromLogits(logits: ArrayLike<number>, targets: ArrayLike<number>, L: number): Metrics {
  return classificationMetrics(argmax(logits, targets.length, L), targets, L);
}

/** The most frequent true label of a confusion matrix and its share: the accuracy a constant predictor gets. */
export function majorityClass(labels: readonly string[], confusion: readonly (readonly number[])[]): { label: string; index: number; rate: number } {
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const n = support.reduce((a, b) => a + b, 0);
  let index = 0;
  for (let i = 1; i < support.length; i++) if (support[i] > support[index]) index = i;
  return { label: labels[index] ?? '', index, rate: n > 0 ? support[index] / n : Number.NaN };
}
