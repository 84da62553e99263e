import { describe, expect, it } from 'vitest';
import { argmax, classificationMetrics, metricsFromLogits, majorityClass } from '../../src/train/metrics';

describe('metrics', () => {
  it('argmax: row-wise, first maximum wins ties, -Infinity rows pick 0', () => {
    const z = [0.1, 0.5, 0.2, 3, 3, -1, -Infinity, -Infinity, -Infinity, -2, -1, -5];
    expect([...argmax(z, 4, 3)]).toEqual([1, 0, 0, 1]);
    expect(() => argmax(z, 3, 3)).toThrow(/needs 9/);
  });

  it('hand-computed 3-class case', () => {
    // targets:     0 0 0 1 1 2
    // predictions: 0 0 1 1 2 2
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2], 3);
    expect(m.n).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    // class 0: P 2/2, R 2/3, F1 0.8; class 1: P 1/2, R 1/2, F1 0.5; class 2: P 1/2, R 1, F1 2/3
    const expected = [
      { precision: 1, recall: 2 / 3, f1: 0.8, support: 3 },
      { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 },
    ];
    m.perClass.forEach((c, i) => {
      expect(c.precision).toBeCloseTo(expected[i].precision, 12);
      expect(c.recall).toBeCloseTo(expected[i].recall, 12);
      expect(c.f1).toBeCloseTo(expected[i].f1, 12);
      expect(c.support).toBe(expected[i].support);
    });
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('a class never predicted has precision 0 and F1 0; a class absent from targets has recall 0', () => {
    // targets 0 1 1 2, predictions 0 0 1 0: class 2 never predicted; L = 4: class 3 neither predicted nor present
    const m = classificationMetrics([0, 0, 1, 0], [0, 1, 1, 2], 4);
    expect(m.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.perClass[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    // class 0: P 1/3, R 1 -> F1 0.5; class 1: P 1, R 0.5 -> F1 2/3
    expect(m.perClass[0].precision).toBeCloseTo(1 / 3, 12);
    expect(m.perClass[0].f1).toBeCloseTo(0.5, 12);
    expect(m.perClass[1].f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroF1).toBeCloseTo((0.5 + 2 / 3) / 4, 12);
    expect(m.accuracy).toBe(0.5);
  });

  it('perfect predictions; empty input; bad ids', () => {
    const m = classificationMetrics([1, 0, 1], [1, 0, 1], 2);
    expect(m.accuracy).toBe(1);
    expect(m.macroF1).toBe(1);
    const empty = classificationMetrics([], [], 2);
    expect(empty.accuracy).toBe(0);
    expect(empty.confusion).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(() => classificationMetrics([2], [0], 2)).toThrow(/prediction 0/);
    expect(() => classificationMetrics([0], [-1], 2)).toThrow(/target 0/);
    expect(() => classificationMetrics([0, 1], [0], 2)).toThrow(/2 predictions but 1 targets/);
  });

  it('metricsFromLogits = argmax then metrics', () => {
    const m = metricsFromLogits([2, 1, 0, 5, 0.3, 0.2], [0, 0, 0], 2); // predictions 0 1 0
    expect(m.confusion).toEqual([
      [2, 1],
      [0, 0],
    ]);
    expect(m.perClass[1].precision).toBe(0);
  });

  it('names the majority class of a confusion matrix and its share (what a constant predictor scores)', () => {
    expect(majorityClass(['ham', 'spam'], [[60, 9], [20, 11]])).toEqual({ label: 'ham', index: 0, rate: 0.69 });
    expect(majorityClass(['a', 'b', 'c'], [[1, 0, 0], [0, 3, 1], [0, 0, 0]]).label).toBe('b');
    expect(majorityClass(['a'], [[0]]).rate).toBeNaN();
  });
});
