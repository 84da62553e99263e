// Calibration on the CPU (pure TypeScript): temperature scaling fitted on dev logits after training (Guo et al.
// 2017, "On Calibration of Modern Neural Networks"), expected calibration error and reliability-diagram bins.
// Design decision: one temperature T > 0 divides every logit (softmax heads and multi-label sigmoid heads alike),
// so the predicted label (argmax, or p >= 0.5 at T-invariant logit 0) never changes — only how confident the
// probabilities are. T minimises the dev negative log-likelihood by golden-section search on log T in
// [1/20, 20] (the NLL is unimodal in T for fixed logits). Softmax ECE bins the top probability against "argmax
// is right"; multi-label ECE bins every (example, label) probability against "label present".
import { multiHot, sigmoid } from './multi-label';

export type ProbKind = 'softmax' | 'sigmoid';

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean predicted probability of the bin's entries (NaN when empty). */
  confidence: number;
  /** Fraction of the bin's entries that were right / present (NaN when empty). */
  accuracy: number;
}

export interface Calibration {
  temperature: number;
  kind: ProbKind;
  /** Dev NLL (mean per example; sigmoid: per (example, label)) at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
  binsBefore: ReliabilityBin[];
  binsAfter: ReliabilityBin[];
}

/** Targets: class ids (softmax) or label lists (sigmoid). */
export type CalTargets = ArrayLike<number> | readonly (readonly number[])[];

function softmaxRow(logits: ArrayLike<number>, b: number, L: number, T: number, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < L; k++) max = Math.max(max, logits[b * L + k] / T);
  let sum = 0;
  for (let k = 0; k < L; k++) sum += out[k] = Math.exp(logits[b * L + k] / T - max);
  for (let k = 0; k < L; k++) out[k] /= sum;
}

function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Mean negative log-likelihood of logits / T. */
export function nll(logits: ArrayLike<number>, targets: CalTargets, L: number, kind: ProbKind, T = 1): number {
  const n = targets.length;
  if (logits.length !== n * L) throw new Error(`calibration: ${logits.length} logits, (n ${n}, L ${L}) needs ${n * L}`);
  if (n === 0) return 0;
  let s = 0;
  if (kind === 'softmax') {
    const ys = targets as ArrayLike<number>;
    for (let b = 0; b < n; b++) {
      let max = -Infinity;
      for (let k = 0; k < L; k++) max = Math.max(max, logits[b * L + k] / T);
      let sum = 0;
      for (let k = 0; k < L; k++) sum += Math.exp(logits[b * L + k] / T - max);
      s += max + Math.log(sum) - logits[b * L + ys[b]] / T;
    }
    return s / n;
  }
  const y = multiHot(targets as readonly (readonly number[])[], L);
  for (let i = 0; i < n * L; i++) {
    const z = logits[i] / T;
    s -= y[i] ? logSigmoid(z) : logSigmoid(-z);
  }
  return s / (n * L);
}

/** Reliability bins (equal width on [0, 1]) and the expected calibration error of logits / T. */
export function reliability(logits: ArrayLike<number>, targets: CalTargets, L: number, kind: ProbKind, T = 1, nBins = 15): { ece: number; bins: ReliabilityBin[] } {
  const n = targets.length;
  const count = new Array<number>(nBins).fill(0);
  const conf = new Array<number>(nBins).fill(0);
  const hits = new Array<number>(nBins).fill(0);
  const add = (p: number, ok: boolean) => {
    const i = Math.min(nBins - 1, Math.max(0, Math.floor(p * nBins)));
    count[i]++;
    conf[i] += p;
    if (ok) hits[i]++;
  };
  if (kind === 'softmax') {
    const ys = targets as ArrayLike<number>;
    const row = new Float64Array(L);
    for (let b = 0; b < n; b++) {
      softmaxRow(logits, b, L, T, row);
      let best = 0;
      for (let k = 1; k < L; k++) if (row[k] > row[best]) best = k;
      add(row[best], best === ys[b]);
    }
  } else {
    const y = multiHot(targets as readonly (readonly number[])[], L);
    for (let i = 0; i < n * L; i++) add(sigmoid(logits[i] / T), y[i] === 1);
  }
  const total = count.reduce((a, b) => a + b, 0);
  let ece = 0;
  const bins: ReliabilityBin[] = count.map((c, i) => {
    if (c > 0) ece += (c / total) * Math.abs(hits[i] / c - conf[i] / c);
    return { lo: i / nBins, hi: (i + 1) / nBins, count: c, confidence: c ? conf[i] / c : Number.NaN, accuracy: c ? hits[i] / c : Number.NaN };
  });
  return { ece: total ? ece : 0, bins };
}

/** The temperature minimising the dev NLL (golden-section search on log T in [ln 1/20, ln 20]). */
export function fitTemperature(logits: ArrayLike<number>, targets: CalTargets, L: number, kind: ProbKind): number {
  if (targets.length === 0) return 1;
  const f = (u: number) => nll(logits, targets, L, kind, Math.exp(u));
  let a = Math.log(1 / 20);
  let b = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 60 && b - a > 1e-6; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const T = Math.exp((a + b) / 2);
  // Never worse than not calibrating (a flat NLL, e.g. all logits 0).
  return f(Math.log(T)) <= f(0) ? T : 1;
}

/** Fit T on dev and report NLL, ECE and reliability bins before and after. */
export function calibrate(logits: ArrayLike<number>, targets: CalTargets, L: number, kind: ProbKind): Calibration {
  const temperature = fitTemperature(logits, targets, L, kind);
  const before = reliability(logits, targets, L, kind, 1);
  const after = reliability(logits, targets, L, kind, temperature);
  return {
    temperature,
    kind,
    nllBefore: nll(logits, targets, L, kind, 1),
    nllAfter: nll(logits, targets, L, kind, temperature),
    eceBefore: before.ece,
    eceAfter: after.ece,
    binsBefore: before.bins,
    binsAfter: after.bins,
  };
}

/**
 * Thresholds tuned on uncalibrated sigmoid probabilities, moved to the probabilities at temperature T so that
 * the same logits give the same decisions: p >= t  <=>  z >= logit(t)  <=>  sigmoid(z / T) >= sigmoid(logit(t) / T).
 */
export function thresholdsAtTemperature(thresholds: readonly number[], T: number): number[] {
  return thresholds.map((t) => {
    const z = Math.log(t) - Math.log1p(-t);
    return 1 / (1 + Math.exp(-z / T));
  });
}
