// Active labelling's pure parts (src/train/active): uncertainty scores on hand-computed rows, the ranking,
// k-center greedy on points whose picks can be read off a number line, the CPU probe against a separable set and
// a finite-difference check of its optimum, and the simulation's bookkeeping (reveals, paired seed sets).
import { describe, expect, it } from 'vitest';
import { kCenterGreedy } from '../../src/train/active/diversity';
import { fitProbe, foldStandardizer, probeProbs, standardizer } from '../../src/train/active/probe';
import { simulate } from '../../src/train/active/simulate';
import { suggestRows } from '../../src/train/active/suggest';
import { binaryEntropyScores, binaryMarginScores, entropyScores, marginScores, rankByScore } from '../../src/train/active/uncertainty';

describe('uncertainty scores', () => {
  const probs = [0.5, 0.5, 0, /**/ 1, 0, 0, /**/ 0.6, 0.3, 0.1, /**/ 1 / 3, 1 / 3, 1 / 3];
  it('margin = 1 - (p1 - p2)', () => {
    expect([...marginScores(probs, 3)].map((x) => +x.toFixed(12))).toEqual([1, 0, 0.7, 1]);
  });
  it('entropy in nats: ln 2, 0, by hand, ln 3', () => {
    const h = entropyScores(probs, 3);
    expect(h[0]).toBeCloseTo(Math.LN2, 12);
    expect(h[1]).toBe(0);
    expect(h[2]).toBeCloseTo(-(0.6 * Math.log(0.6) + 0.3 * Math.log(0.3) + 0.1 * Math.log(0.1)), 12);
    expect(h[3]).toBeCloseTo(Math.log(3), 12);
  });
  it('multi-label (sigmoid rows): the least sure label decides the margin; entropies add', () => {
    const m = binaryMarginScores([0.9, 0.45, /**/ 0, 1], 2);
    expect(m[0]).toBeCloseTo(0.9, 12);
    expect(m[1]).toBe(0);
    const h = binaryEntropyScores([0.5, 0.5, 1, 0], 2);
    expect(h[0]).toBeCloseTo(2 * Math.LN2, 12);
    expect(h[1]).toBe(0);
  });
  it('bad shapes are refused', () => {
    expect(() => marginScores([0.5, 0.5, 1], 2)).toThrow(/not a whole number of rows of 2/);
    expect(() => entropyScores([1], 1)).toThrow(/at least 2 labels/);
  });
});

describe('ranking', () => {
  it('descending score, ties to the lower row, excluded rows and NaN last', () => {
    expect(rankByScore([0.2, 0.9, NaN, 0.9, 0.5], 5)).toEqual([1, 3, 4, 0, 2]);
    expect(rankByScore([0.2, 0.9, NaN, 0.9, 0.5], 2, new Set([1]))).toEqual([3, 4]);
    expect(() => rankByScore([1], -1)).toThrow(/k must be/);
  });
  it('suggestRows: the k least sure rows with their scores', () => {
    const s = suggestRows([0.9, 0.1, /**/ 0.55, 0.45, /**/ 0.7, 0.3], 2, { k: 2, by: 'margin' });
    expect(s.map((x) => x.row)).toEqual([1, 2]);
    expect(s[0].score).toBeCloseTo(0.9, 12);
  });
});

describe('k-center greedy', () => {
  // Points on a line (C = 1): 0, 1, 2, 10, 13.
  const line = [0, 1, 2, 10, 13];
  it('no anchors: the first candidate, then the farthest from the chosen ones', () => {
    expect(kCenterGreedy(line, 1, [1, 2, 0, 3, 4], 3)).toEqual([1, 4, 3]); // 1; then 13 (d 12); then 10 (d 3; 0 and 2 are at d 1)
    expect(kCenterGreedy([0, 1, 2, 10, 11], 1, [1, 2, 0, 3, 4], 3)).toEqual([1, 4, 2]); // 2, 0 and 10 all at d 1: the earlier candidate
  });
  it('anchors count as chosen', () => {
    expect(kCenterGreedy(line, 1, [0, 1, 2], 1, [4])).toEqual([0]);
    expect(kCenterGreedy(line, 1, [0, 1, 2, 3], 2, [0])).toEqual([3, 2]);
  });
  it('diverse suggestions skip a near-duplicate of a picked row', () => {
    // rows 0 and 1 are equally uncertain and identical; row 2 a bit surer but elsewhere.
    const probs = [0.5, 0.5, 0.5, 0.5, 0.6, 0.4, 0.99, 0.01];
    const features = [0, 0, 0, 0, 1, 1, 5, 5];
    expect(suggestRows(probs, 2, { k: 2, by: 'margin' }).map((s) => s.row)).toEqual([0, 1]);
    expect(suggestRows(probs, 2, { k: 2, by: 'margin', diverse: { features, C: 2, poolFactor: 1.5 } }).map((s) => s.row)).toEqual([0, 2]);
  });
  it('a row outside the features is refused', () => {
    expect(() => kCenterGreedy(line, 1, [5], 1)).toThrow(/row 5 is outside the 5 feature rows/);
  });
});

describe('CPU probe', () => {
  it('separates a 3-class set and gives rows that sum to 1', () => {
    const X = [1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9, -1, -1, -0.9, -1.1];
    const y = [0, 0, 1, 1, 2, 2];
    const m = fitProbe(X, y, 2, 3);
    const p = probeProbs(m, X);
    for (let i = 0; i < 6; i++) {
      const row = [...p.subarray(i * 3, i * 3 + 3)];
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(row.indexOf(Math.max(...row))).toBe(y[i]);
    }
  });
  it('converges to the optimum: the penalised loss gradient is ~0 by central differences', () => {
    const X = [0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.2, 0.6, -0.1, -0.3];
    const y = [0, 1, 0, 1, 1];
    const l2 = 0.1;
    const m = fitProbe(X, y, 2, 2, { l2, steps: 3000 });
    const loss = (W: Float64Array, b: Float64Array) => {
      let s = 0;
      const p = probeProbs({ C: 2, L: 2, W, b }, X);
      for (let i = 0; i < 5; i++) s -= Math.log(p[i * 2 + y[i]]);
      return s / 5 + (l2 / 2) * W.reduce((a, w) => a + w * w, 0);
    };
    const h = 1e-4;
    for (let p = 0; p < 4; p++) {
      const plus = m.W.slice();
      const minus = m.W.slice();
      plus[p] += h;
      minus[p] -= h;
      expect(Math.abs((loss(plus, m.b) - loss(minus, m.b)) / (2 * h))).toBeLessThan(2e-3);
    }
  });
  it('refuses labels outside [0, L) and mismatched shapes', () => {
    expect(() => fitProbe([1, 2], [2], 2, 2)).toThrow(/label 2 of row 0 is outside \[0, 2\)/);
    expect(() => fitProbe([1, 2, 3], [0], 2, 2)).toThrow(/3 feature values for 1 rows of width 2/);
    expect(() => fitProbe([], [], 2, 2)).toThrow(/no labelled rows/);
  });
});

describe('simulation', () => {
  // Two Gaussian-ish blobs on a line with a few rows near the boundary.
  const N = 60;
  const pool = new Float32Array(N * 2);
  const gold: number[] = [];
  for (let i = 0; i < N; i++) {
    const x = (i - N / 2 + 0.5) / 10;
    pool[i * 2] = x;
    pool[i * 2 + 1] = 1;
    gold.push(x > 0.3 ? 1 : 0);
  }
  const test = pool.slice();
  it('reveals exactly the labels it uses, curves start at the same paired seed set', () => {
    const runs = (['random', 'margin', 'entropy-diverse'] as const).map((strategy) => {
      const asked = new Set<number>();
      let calls = 0;
      const curve = simulate({ pool, reveal: (r) => (calls++, asked.add(r), gold[r]), test, testLabels: gold, C: 2, L: 2 }, { strategy, seed: 3, seedSize: 4, step: 4, budget: 16 });
      expect(calls).toBe(16);
      expect(asked.size).toBe(16);
      return curve;
    });
    for (const c of runs) expect(c.map((p) => p.labels)).toEqual([4, 8, 12, 16]);
    expect(runs[1][0].accuracy).toBe(runs[0][0].accuracy);
    expect(runs[2][0].accuracy).toBe(runs[0][0].accuracy);
  });
  it('refuses a budget beyond the pool', () => {
    expect(() => simulate({ pool, reveal: (r) => gold[r], test, testLabels: gold, C: 2, L: 2 }, { strategy: 'random', seed: 0, seedSize: 4, step: 4, budget: 61 })).toThrow(/budget <= pool size \(60\)/);
  });
});

describe('standardizer', () => {
  it('maps columns to mean 0, sd 1 with the statistics of the rows it was built on; constant columns stay finite', () => {
    const z = standardizer([1, 5, 3, 5], 2);
    expect([...z([1, 5, 3, 5, 2, 7])]).toEqual([-1, 0, 1, 0, 0, 2e6]);
  });
});

describe('foldStandardizer', () => {
  it('the folded (C, L) weights on raw rows give the probe logits on z-scores', () => {
    const raw = [1, 10, 2, 30, 3, 20, 4, 0];
    const z = standardizer(raw, 2);
    const m = fitProbe(z(raw), [0, 1, 1, 0], 2, 2, { steps: 50 });
    const { W, b } = foldStandardizer(m, z);
    const p = probeProbs(m, z(raw));
    for (let i = 0; i < 4; i++) {
      const logit = [0, 1].map((l) => b[l] + raw[i * 2] * W[0 * 2 + l] + raw[i * 2 + 1] * W[1 * 2 + l]);
      const p1 = 1 / (1 + Math.exp(logit[0] - logit[1]));
      expect(p1).toBeCloseTo(p[i * 2 + 1], 5);
    }
  });
});

describe('multi-label suggestions', () => {
  it('sigmoid rows rank by their least sure label', () => {
    // row 0: both labels sure; row 1: label 2 at 0.55; row 2: label 1 at 0.7.
    const probs = [0.95, 0.02, 0.9, 0.55, 0.7, 0.01];
    expect(suggestRows(probs, 2, { k: 3, by: 'margin', multiLabel: true }).map((s) => s.row)).toEqual([1, 2, 0]);
  });
});
