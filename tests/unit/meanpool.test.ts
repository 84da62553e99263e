import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { meanPoolBackward, meanPoolForward } from '../../reference/meanpool';
import { randn } from '../helpers/rng';

/** (B, T) masks: example 0 right-padded, 1 left-padded, 2 fully masked, the rest full. */
function paddedMask(B: number, T: number): Float64Array {
  const m = new Float64Array(B * T).fill(1);
  for (let t = 0; t < T; t++) {
    if (t >= T - 5) m[t] = 0; // right padding
    if (B > 1 && t < 9) m[T + t] = 0; // left padding
    if (B > 2) m[2 * T + t] = 0; // nothing valid
  }
  return m;
}

describe('reference mean pool', () => {
  it('forward averages the unmasked steps and gives 0 for a fully masked example', () => {
    const shape = { B: 3, T: 4, C: 2 };
    // x[b,t,c] = 10 b + t + 100 c
    const x = Float64Array.from({ length: 24 }, (_, i) => 10 * Math.floor(i / 8) + (Math.floor(i / 2) % 4) + 100 * (i % 2));
    const mask = Float64Array.from([1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]);
    const y = meanPoolForward(x, mask, shape);
    expect([...y]).toEqual([0.5, 100.5, 12, 112, 0, 0]);
  });
  it('ignores NaN at masked positions', () => {
    const x = Float64Array.from([1, NaN, 3]);
    expect([...meanPoolForward(x, Float64Array.from([1, 0, 1]), { B: 1, T: 3, C: 1 })]).toEqual([2]);
  });
  it('backward matches central finite differences (B=3, T=37, C=70, left/right/full padding)', () => {
    const shape = { B: 3, T: 37, C: 70 };
    const x = randn(3 * 37 * 70, 1);
    const mask = paddedMask(3, 37);
    const w = randn(3 * 70, 2);
    const dX = meanPoolBackward(mask, w, shape);
    const r = compareGrads(dX, finiteDifference(x, () => dot(meanPoolForward(x, mask, shape), w)), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    // fully masked example: zero gradient everywhere
    for (let i = 2 * 37 * 70; i < 3 * 37 * 70; i++) expect(dX[i] === 0, `dX[${i}]`).toBe(true);
  });
  it('count floor: y = sum / max(count, minCount); backward matches finite differences with the floor active', () => {
    const shape = { B: 3, T: 5, C: 4, minCount: 2.5 };
    const mask = Float64Array.from([1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]); // counts 4, 2 (floored), 0
    const x = randn(60, 5);
    const y = meanPoolForward(x, mask, shape);
    for (let c = 0; c < 4; c++) expect(y[4 + c]).toBeCloseTo((x[(5 + 1) * 4 + c] + x[(5 + 2) * 4 + c]) / 2.5, 14);
    const w = randn(12, 6);
    const dX = meanPoolBackward(mask, w, shape);
    const r = compareGrads(dX, finiteDifference(x, () => dot(meanPoolForward(x, mask, shape), w)), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(meanPoolForward(x, mask, { ...shape, minCount: 1e-9 })[4]).toBeCloseTo((x[24] + x[28]) / 2, 14);
  });
});
