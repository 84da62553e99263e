import { describe, expect, it } from 'vitest';
import { binaryCrossEntropy, softmaxCrossEntropy } from '../../reference/cross-entropy';
import { compareGrads, finiteDifference } from '../../reference/gradcheck';
import { randn, rng, uniform } from '../helpers/rng';

function targetsFor(B: number, L: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: B }, () => Math.floor(r() * L));
}

describe('reference softmax cross-entropy', () => {
  const cases: { name: string; B: number; L: number; smoothing: number; weighted: boolean; scale: number; ignore?: boolean }[] = [
    { name: 'plain', B: 5, L: 4, smoothing: 0, weighted: false, scale: 2 },
    { name: 'label smoothing 0.1', B: 5, L: 4, smoothing: 0.1, weighted: false, scale: 2 },
    { name: 'class weights', B: 6, L: 3, smoothing: 0, weighted: true, scale: 2 },
    { name: 'class weights + smoothing 0.2', B: 6, L: 3, smoothing: 0.2, weighted: true, scale: 2 },
    { name: 'ignored rows', B: 6, L: 3, smoothing: 0.1, weighted: true, scale: 2, ignore: true },
    { name: 'logits +-100', B: 4, L: 3, smoothing: 0.1, weighted: true, scale: 100 },
    { name: 'L = 2', B: 3, L: 2, smoothing: 0, weighted: false, scale: 1 },
  ];
  for (const c of cases) {
    it(`backward of the mean matches central finite differences (${c.name})`, () => {
      const { B, L } = c;
      const logits = c.scale === 100 ? Float64Array.from(uniform(B * L, 7), (u) => (u < 0 ? -100 : 100) * Math.abs(u) ** 0.01) : randn(B * L, 11, c.scale);
      const targets = targetsFor(B, L, 5);
      if (c.ignore) targets[2] = L + 3;
      const w = c.weighted ? uniform(L, 3, 0.2, 3) : null;
      const r = softmaxCrossEntropy(logits, targets, B, L, w, c.smoothing);
      const numeric = finiteDifference(logits, () => softmaxCrossEntropy(logits, targets, B, L, w, c.smoothing).mean);
      const cmp = compareGrads(r.dLogits, numeric, 1e-7, 1e-5);
      expect(cmp.ok, JSON.stringify(cmp)).toBe(true);
      // the gradient is not trivially zero, and each row sums to zero (softmax - a distribution)
      expect(Math.max(...r.dLogits.map(Math.abs))).toBeGreaterThan(1e-4);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let j = 0; j < L; j++) s += r.dLogits[b * L + j];
        expect(Math.abs(s)).toBeLessThan(1e-12);
      }
      if (c.ignore) {
        expect(r.loss[2]).toBe(0);
        expect(r.correct[2]).toBe(0);
        for (let j = 0; j < L; j++) expect(r.dLogits[2 * L + j]).toBe(0);
      }
    });
  }

  it('per-example loss equals -sum_j q_j log p_j computed naively', () => {
    const B = 4;
    const L = 5;
    const logits = randn(B * L, 21, 1.5);
    const targets = targetsFor(B, L, 22);
    for (const eps of [0, 0.1]) {
      const r = softmaxCrossEntropy(logits, targets, B, L, null, eps);
      let mean = 0;
      for (let b = 0; b < B; b++) {
        const row = Array.from(logits.subarray(b * L, b * L + L));
        const Z = row.reduce((s, z) => s + Math.exp(z), 0);
        let l = 0;
        for (let j = 0; j < L; j++) l -= ((j === targets[b] ? 1 - eps : 0) + eps / L) * Math.log(Math.exp(row[j]) / Z);
        expect(r.loss[b]).toBeCloseTo(l, 12);
        mean += l / B;
        const arg = row.indexOf(Math.max(...row));
        expect(r.correct[b]).toBe(arg === targets[b] ? 1 : 0);
      }
      expect(r.mean).toBeCloseTo(mean, 12);
    }
  });

  it('weighted mean is sum_b w[y_b] l_b / sum_b w[y_b] (PyTorch weighted mean)', () => {
    const logits = Float64Array.from([0, 0, 1, 0]); // B=2, L=2
    const targets = [0, 1];
    const r = softmaxCrossEntropy(logits, targets, 2, 2, [3, 1]);
    const l0 = Math.log(2);
    const l1 = Math.log(1 + Math.E); // -log(e^0 / (e^1 + e^0))
    expect(r.loss[0]).toBeCloseTo(l0, 14);
    expect(r.loss[1]).toBeCloseTo(l1, 14);
    expect(r.weightSum).toBe(4);
    expect(r.mean).toBeCloseTo((3 * l0 + 1 * l1) / 4, 14);
    expect(r.correct[0]).toBe(1); // tie: first index wins
    expect(r.correct[1]).toBe(0);
  });

  it('L = 1 gives loss 0 and gradient 0', () => {
    const r = softmaxCrossEntropy(Float64Array.from([3, -100, 100]), [0, 0, 0], 3, 1, null, 0.1);
    expect([...r.loss]).toEqual([0, 0, 0]);
    expect([...r.dLogits].map(Math.abs)).toEqual([0, 0, 0]);
    expect([...r.correct]).toEqual([1, 1, 1]);
    expect(r.mean).toBe(0);
  });

  it('logits of +-100 stay finite and exact', () => {
    const r = softmaxCrossEntropy(Float64Array.from([100, -100, 0, 100, -100, 0]), [1, 0], 2, 3);
    expect(r.loss[0]).toBeCloseTo(200, 10);
    expect(r.loss[1]).toBeCloseTo(0, 10);
    expect(r.dLogits.every(Number.isFinite)).toBe(true);
  });

  it('all rows ignored or zero weight: mean 0 and gradient 0 (no NaN)', () => {
    const r = softmaxCrossEntropy(randn(6, 1), [5, 5], 2, 3);
    expect(r.mean).toBe(0);
    expect(r.dLogits.every((g) => g === 0)).toBe(true);
    const r2 = softmaxCrossEntropy(randn(6, 1), [0, 1], 2, 3, [0, 0, 1]);
    expect(r2.mean).toBe(0);
    expect(r2.dLogits.every((g) => g === 0)).toBe(true);
  });
});

describe('reference binary cross-entropy with logits', () => {
  for (const weighted of [false, true]) {
    for (const scale of [2, 100]) {
      it(`backward of the mean matches central finite differences (weights ${weighted}, scale ${scale})`, () => {
        const B = 7;
        const logits = randn(B, 31, scale);
        const r0 = rng(4);
        const targets = Float64Array.from({ length: B }, () => (r0() < 0.5 ? 0 : 1));
        const w = weighted ? uniform(B, 9, 0, 2) : null;
        const r = binaryCrossEntropy(logits, targets, w);
        const numeric = finiteDifference(logits, () => binaryCrossEntropy(logits, targets, w).mean);
        const cmp = compareGrads(r.dLogits, numeric, 1e-7, 1e-5);
        expect(cmp.ok, JSON.stringify(cmp)).toBe(true);
        expect(Math.max(...r.dLogits.map(Math.abs))).toBeGreaterThan(1e-3);
      });
    }
  }

  it('per-example loss equals -t log s - (1-t) log(1-s) for moderate logits; +-100 is stable', () => {
    const logits = Float64Array.from([-2, -0.5, 0, 0.7, 3, 100, -100, 100, -100]);
    const targets = [0, 1, 1, 0, 1, 1, 0, 0, 1];
    const r = binaryCrossEntropy(logits, targets);
    for (let b = 0; b < 5; b++) {
      const s = 1 / (1 + Math.exp(-logits[b]));
      expect(r.loss[b]).toBeCloseTo(-targets[b] * Math.log(s) - (1 - targets[b]) * Math.log(1 - s), 12);
    }
    expect(r.loss[5]).toBeCloseTo(0, 12);
    expect(r.loss[6]).toBeCloseTo(0, 12);
    expect(r.loss[7]).toBeCloseTo(100, 12);
    expect(r.loss[8]).toBeCloseTo(100, 12);
    expect([...r.correct]).toEqual([1, 0, 0, 0, 1, 1, 1, 0, 0]);
    expect(r.dLogits[7]).toBeCloseTo(1 / 9, 12);
    expect(r.dLogits[8]).toBeCloseTo(-1 / 9, 12);
  });
});
