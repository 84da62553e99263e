// RESULTS v2 statistics (scripts/results-stats.ts): the paired bootstrap interval of head minus probe on the same
// examples, per-example correctness over seeds, and "% of full fine-tuning".
import { describe, expect, it } from 'vitest';
import { correctnessString, meanCorrect, pairedBootstrap, percentOfFinetune } from '../../scripts/results-stats';

describe('results statistics', () => {
  it('correctness strings and their mean over seeds', () => {
    expect(correctnessString([0, 1, 2, 1], [0, 2, 2, 0])).toBe('1010');
    expect(Array.from(meanCorrect(['1010', '1100']))).toEqual([1, 0.5, 0.5, 0]);
    expect(() => meanCorrect(['10', '101'])).toThrow(/different evaluation sets/);
    expect(() => correctnessString([1], [1, 2])).toThrow(/1 predictions for 2 targets/);
  });

  it('a paired interval: exact difference, brackets it, narrower than an unpaired view when heads agree', () => {
    // 200 examples; head a is right on 60% and b on 50%, and they agree on most examples.
    const a = Float64Array.from({ length: 200 }, (_, i) => (i % 10 < 6 ? 1 : 0));
    const b = Float64Array.from({ length: 200 }, (_, i) => (i % 10 < 5 ? 1 : 0));
    const r = pairedBootstrap(a, b, 2000, 1);
    expect(r.diff).toBeCloseTo(10, 10);
    expect(r.lo).toBeLessThan(r.diff);
    expect(r.hi).toBeGreaterThan(r.diff);
    expect(r.lo).toBeGreaterThan(5); // the differences are 0 or +1 on 10% of examples: a tight interval above 0
    expect(pairedBootstrap(a, b, 2000, 1)).toEqual(r); // seeded
    // identical heads: a degenerate interval at 0
    expect(pairedBootstrap(a, a, 500, 2)).toMatchObject({ diff: 0, lo: 0, hi: 0 });
    expect(() => pairedBootstrap([1], [1, 0])).toThrow(/equal, non-empty/);
  });

  it('% of full fine-tuning', () => {
    expect(percentOfFinetune(0.8, 0.9)).toBeCloseTo(88.888, 2);
    expect(percentOfFinetune(0.8, null)).toBeNull();
  });
});
