// Multi-label metrics and thresholds, balanced accuracy, temperature scaling / ECE and class weights (all CPU),
// against hand-computed values.
import { describe, expect, it } from 'vitest';
import { calibrate, fitTemperature, nll, reliability } from '../../src/train/calibration';
import { classWeightsFor, parseClassWeights } from '../../src/train/class-weights';
import { classificationMetrics } from '../../src/train/metrics';
import { multiLabelMetrics, tuneThresholds } from '../../src/train/multi-label';
import { mulberry32 } from '../../src/util/random';

describe('multiLabelMetrics', () => {
  // 3 examples, 2 labels; predictions at 0.5: [1,0], [1,1], [0,0]; truth: [0], [1], [0,1]
  const probs = [0.9, 0.2, 0.6, 0.7, 0.1, 0.4];
  const targets = [[0], [1], [0, 1]];
  it('gives micro/macro F1, per-label P/R/F1/support, subset accuracy and Hamming loss', () => {
    const m = multiLabelMetrics(probs, targets, 2);
    // label 0: tp 1 (ex0), fp 1 (ex1), fn 1 (ex2) -> P 1/2 R 1/2 F1 1/2; label 1: tp 1 (ex1), fp 0, fn 1 -> P 1 R 1/2 F1 2/3
    expect(m.perClass.map((c) => [c.precision, c.recall, c.support])).toEqual([[0.5, 0.5, 2], [1, 0.5, 2]]);
    expect(m.macroF1).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(m.multiLabel!.microF1).toBeCloseTo((2 * 2) / (2 * 2 + 1 + 2), 12);
    expect(m.accuracy).toBeCloseTo(1 / 3, 12); // only row 0 is exactly right
    expect(m.multiLabel!.hammingLoss).toBeCloseTo(3 / 6, 12);
    expect(m.confusion).toEqual([[1, 0], [1, 1]]); // [true label][given label]
  });
  it('thresholds change the decisions; tuned ones maximise each label F1 on the data', () => {
    const t = tuneThresholds(probs, targets, 2);
    const m = multiLabelMetrics(probs, targets, 2, t);
    expect(m.perClass[1].f1).toBe(1); // label 1 positives 0.7, 0.4 above negative 0.2
    const r = mulberry32(3);
    const n = 200;
    const p = Array.from({ length: n * 2 }, () => r());
    const y = Array.from({ length: n }, (_, b) => [0, 1].filter((k) => p[b * 2 + k] + 0.3 * (r() - 0.5) > 0.7));
    const tuned = multiLabelMetrics(p, y, 2, tuneThresholds(p, y, 2));
    for (const cut of [0.3, 0.5, 0.6, 0.65, 0.7, 0.8]) expect(tuned.macroF1).toBeGreaterThanOrEqual(multiLabelMetrics(p, y, 2, [cut, cut]).macroF1);
  });
});

describe('balanced accuracy', () => {
  it('is the mean recall over present classes', () => {
    const m = classificationMetrics([0, 0, 0, 1, 0], [0, 0, 0, 1, 1], 3);
    expect(m.balancedAccuracy).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m.accuracy).toBeCloseTo(0.8, 12);
  });
});

describe('temperature scaling', () => {
  it('recovers the temperature that made over-confident logits, and lowers NLL and ECE', () => {
    const r = mulberry32(9);
    const L = 4;
    const n = 2000;
    const logits: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < n; b++) {
      const z = Array.from({ length: L }, () => 2 * (r() - 0.5) * 3);
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((a, v) => a + v, 0);
      let u = r() * s;
      let k = 0;
      while (k < L - 1 && (u -= e[k]) > 0) k++;
      y.push(k);
      logits.push(...z.map((v) => v * 3)); // the model reports logits 3x too sharp
    }
    const T = fitTemperature(logits, y, L, 'softmax');
    expect(T).toBeGreaterThan(2.6);
    expect(T).toBeLessThan(3.4);
    const c = calibrate(logits, y, L, 'softmax');
    expect(c.nllAfter).toBeLessThan(c.nllBefore);
    expect(c.eceAfter).toBeLessThan(c.eceBefore / 2);
    expect(c.binsAfter.reduce((s, b) => s + b.count, 0)).toBe(n);
  });
  it('sigmoid: ECE of perfectly calibrated probabilities is small, and NLL is per (example, label)', () => {
    expect(nll([0, 0], [[0]], 2, 'sigmoid')).toBeCloseTo(Math.log(2), 12);
    const r = mulberry32(4);
    const logits: number[] = [];
    const y: number[][] = [];
    for (let b = 0; b < 3000; b++) {
      const z = 4 * (r() - 0.5);
      logits.push(z);
      y.push(r() < 1 / (1 + Math.exp(-z)) ? [0] : []);
    }
    expect(reliability(logits, y, 1, 'sigmoid').ece).toBeLessThan(0.04);
    expect(Math.abs(fitTemperature(logits, y, 1, 'sigmoid') - 1)).toBeLessThan(0.2);
  });
});

describe('class weights', () => {
  it('auto is inverse frequency (sklearn balanced); by hand multiplies the named labels', () => {
    expect(classWeightsFor('auto', ['a', 'b'], [30, 10], 40, false)!.positive).toEqual([40 / 60, 40 / 20]);
    const ml = classWeightsFor('auto', ['a', 'b'], [30, 10], 40, true)!;
    expect(ml.positive).toEqual([40 / 60, 40 / 20]);
    expect(ml.negative).toEqual([40 / 20, 40 / 60]);
    expect(classWeightsFor(parseClassWeights('b=2.5', ['a', 'b']), ['a', 'b'], [30, 10], 40, true)).toEqual({ positive: [1, 2.5], negative: [1, 1] });
  });
  it('names what is wrong in a bad spec', () => {
    expect(() => parseClassWeights('c=2', ['a', 'b'])).toThrow(/no label "c"/);
    expect(() => parseClassWeights('a=0', ['a', 'b'])).toThrow(/positive number/);
    expect(() => parseClassWeights('a', ['a', 'b'])).toThrow(/not label=weight/);
    expect(() => parseClassWeights('a=1,a=2', ['a', 'b'])).toThrow(/twice/);
  });
});

describe('thresholdsAtTemperature', () => {
  it('keeps every decision the same at the new temperature', async () => {
    const { thresholdsAtTemperature } = await import('../../src/train/calibration');
    const { sigmoid } = await import('../../src/train/multi-label');
    const t = [0.2, 0.5, 0.83];
    for (const T of [0.4, 1, 2.5]) {
      const moved = thresholdsAtTemperature(t, T);
      for (const z of [-3, -1.4, -0.2, 0, 0.3, 1.6, 2.9]) for (let k = 0; k < 3; k++) expect(sigmoid(z / T) >= moved[k]).toBe(sigmoid(z) >= t[k]);
    }
  });
});
