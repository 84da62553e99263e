// Multi-label metrics and per-label thresholds on the CPU (pure TypeScript): sigmoid probabilities, micro and
// macro F1, per-label precision / recall / F1 / support, subset accuracy, Hamming loss, and a threshold per
// label tuned for best F1 on dev. Design decision: same zero-division conventions as ./metrics.ts (sklearn's
// zero_division=0); a tuned threshold is the midpoint between two neighbouring dev probabilities (so it does not
// sit exactly on a dev example), 0.5 for a label with no positive in dev (nothing to tune on).
import type { ClassMetrics, Metrics } from './metrics';

export interface MultiLabelMetrics {
  /** F1 over all (example, label) decisions pooled. */
  microF1: number;
  /** Rows whose whole predicted label set equals the true set / n. */
  subsetAccuracy: number;
  /** Wrong (example, label) decisions / (n * L). */
  hammingLoss: number;
  /** The per-label thresholds the predictions used (probability space). */
  thresholds: number[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Element-wise sigmoid of logits (optionally divided by a temperature first). */
export function sigmoidAll(logits: ArrayLike<number>, temperature = 1): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = sigmoid(logits[i] / temperature);
  return out;
}

/** (n, L) 0/1 targets from label lists. */
export function multiHot(targets: readonly (readonly number[])[], L: number): Uint8Array {
  const y = new Uint8Array(targets.length * L);
  targets.forEach((list, b) => {
    for (const k of list) {
      if (!Number.isInteger(k) || k < 0 || k >= L) throw new Error(`multiHot: example ${b} has label ${k}, not an id in [0, ${L})`);
      y[b * L + k] = 1;
    }
  });
  return y;
}

const f1Of = (tp: number, fp: number, fn: number) => (2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0);

/**
 * Metrics of (n, L) probabilities against label lists at per-label thresholds (predict k iff p >= t_k). Returned as
 * the shared Metrics shape: accuracy = subset accuracy, macroF1 over all L labels, perClass per label, confusion[t][p]
 * = examples that carry label t and were given label p (the diagonal is each label's true positives), balancedAccuracy = mean over labels of (TPR + TNR) / 2; plus `multiLabel`.
 */
export function multiLabelMetrics(probs: ArrayLike<number>, targets: readonly (readonly number[])[], L: number, thresholds?: readonly number[]): Metrics {
  const n = targets.length;
  if (probs.length !== n * L) throw new Error(`multiLabelMetrics: ${probs.length} probabilities, (n ${n}, L ${L}) needs ${n * L}`);
  const t = thresholds ?? new Array<number>(L).fill(0.5);
  if (t.length !== L) throw new Error(`multiLabelMetrics: ${t.length} thresholds for ${L} labels`);
  const y = multiHot(targets, L);
  const tp = new Array<number>(L).fill(0);
  const fp = new Array<number>(L).fill(0);
  const fn = new Array<number>(L).fill(0);
  const confusion = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  let exact = 0;
  let wrong = 0;
  for (let b = 0; b < n; b++) {
    let rowOk = true;
    for (const tk of targets[b]) for (let k = 0; k < L; k++) if (probs[b * L + k] >= t[k]) confusion[tk][k]++;
    for (let k = 0; k < L; k++) {
      const pred = probs[b * L + k] >= t[k];
      const truth = y[b * L + k] === 1;
      if (pred && truth) tp[k]++;
      else if (pred) fp[k]++;
      else if (truth) fn[k]++;
      if (pred !== truth) {
        rowOk = false;
        wrong++;
      }
    }
    if (rowOk) exact++;
  }
  const perClass: ClassMetrics[] = [];
  let balanced = 0;
  for (let k = 0; k < L; k++) {
    const precision = tp[k] + fp[k] > 0 ? tp[k] / (tp[k] + fp[k]) : 0;
    const support = tp[k] + fn[k];
    const recall = support > 0 ? tp[k] / support : 0;
    const negatives = n - support;
    const tn = negatives - fp[k];
    balanced += ((support > 0 ? recall : 1) + (negatives > 0 ? tn / negatives : 1)) / 2;
    perClass.push({ precision, recall, f1: f1Of(tp[k], fp[k], fn[k]), support });
  }
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  return {
    n,
    accuracy: n > 0 ? exact / n : 0,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / L,
    balancedAccuracy: L > 0 ? balanced / L : 0,
    perClass,
    confusion,
    multiLabel: { microF1: f1Of(sum(tp), sum(fp), sum(fn)), subsetAccuracy: n > 0 ? exact / n : 0, hammingLoss: n * L > 0 ? wrong / (n * L) : 0, thresholds: [...t] },
  };
}

/**
 * Per-label thresholds with the best dev F1: for each label, sort the probabilities and try every cut between
 * two distinct neighbours (and above the largest), O(n log n) per label. Ties in F1 keep the cut closest to 0.5.
 */
export function tuneThresholds(probs: ArrayLike<number>, targets: readonly (readonly number[])[], L: number): number[] {
  const n = targets.length;
  const y = multiHot(targets, L);
  const out: number[] = [];
  for (let k = 0; k < L; k++) {
    const order = Array.from({ length: n }, (_, b) => b).sort((a, b) => probs[b * L + k] - probs[a * L + k]); // descending
    const pos = order.reduce((s, b) => s + y[b * L + k], 0);
    if (pos === 0) {
      out.push(0.5);
      continue;
    }
    let best = { f1: -1, t: 0.5 };
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      const b = order[i];
      if (y[b * L + k]) tp++;
      else fp++;
      const p = probs[b * L + k];
      const next = i + 1 < n ? probs[order[i + 1] * L + k] : -Infinity;
      if (next === p) continue; // cut only between distinct values
      const t = next === -Infinity ? p / 2 : (p + next) / 2;
      const f1 = f1Of(tp, fp, pos - tp);
      if (f1 > best.f1 + 1e-12 || (Math.abs(f1 - best.f1) <= 1e-12 && Math.abs(t - 0.5) < Math.abs(best.t - 0.5))) best = { f1, t };
    }
    out.push(best.t);
  }
  return out;
}

/**
 * Multi-label metrics of label scores with per-label thresholds tuned on the same rows (best F1), the rule the
 * trainer's dev evaluations use. `scores` (n, L) only need to rank rows within a label: thresholds are tuned on
 * them as given (pass probabilities to get probability thresholds back).
 */
export function tunedMultiLabelMetrics(scores: ArrayLike<number>, targets: readonly (readonly number[])[], L: number): Metrics {
  return multiLabelMetrics(scores, targets, L, tuneThresholds(scores, targets, L));
}
