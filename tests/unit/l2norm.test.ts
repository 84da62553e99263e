import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { l2normBackward, l2normForward } from '../../reference/l2norm';
import { normalizeRows } from '../../reference/pair-features';
import { randn } from '../helpers/rng';

describe('reference row L2 normalisation', () => {
  it('forward: unit rows, the floor keeps a zero row at zero, and matches normalizeRows with eps squared', () => {
    const y = l2normForward(Float64Array.from([3, 4, 0, 0]), 2, 2, 1e-12);
    [0.6, 0.8, 0, 0].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 15));
    const x = randn(3 * 9, 1);
    x.fill(1e-4, 9, 18); // sum of squares 9e-8: under the floor below
    const a = l2normForward(x, 3, 9, 1e-6);
    const b = normalizeRows(x, null, 3, 9, 1e-3);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 14);
    expect(a[9]).toBeCloseTo(0.1, 14); // floor branch: x / sqrt(eps)
  });
  it('backward matches central finite differences on both sides of the floor', () => {
    const [B, C, eps] = [4, 6, 0.5];
    const x = randn(B * C, 2);
    for (let c = 0; c < C; c++) x[C + c] *= 0.1; // row 1: sum of squares ~0.06 < eps (floor branch)
    for (let c = 0; c < C; c++) x[2 * C + c] = 0; // row 2: zero
    const w = randn(B * C, 3);
    const sums = [0, 1, 2, 3].map((b) => x.slice(b * C, (b + 1) * C).reduce((s, v) => s + v * v, 0));
    expect(sums[1]).toBeLessThan(eps);
    expect(sums[0]).toBeGreaterThan(eps);
    const dX = l2normBackward(x, w, B, C, eps);
    const r = compareGrads(dX, finiteDifference(x, () => dot(l2normForward(x, B, C, eps), w)), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    // floor rows: dX = dY / sqrt(eps) exactly
    for (let c = 0; c < C; c++) expect(dX[C + c]).toBe(w[C + c] / Math.sqrt(eps));
  });
  it('backward of a normal row is orthogonal to the row (moving along x does not change y)', () => {
    const x = randn(50, 4);
    const dX = l2normBackward(x, randn(50, 5), 1, 50, 1e-12);
    expect(Math.abs(dot(dX, x))).toBeLessThan(1e-12);
  });
});
