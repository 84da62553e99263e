// Float64 references of the baseline heads (linear probe, label tuning, zero-shot) and of the pair-feature
// transforms: every backward against central finite differences, the forwards against hand-computed values.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { labelHeadBackward, labelHeadForward, labelHeadInput } from '../../reference/heads/label-tuning';
import { linearHeadBackward, linearHeadForward, linearHeadInput } from '../../reference/heads/linear';
import { zeroShotForward } from '../../reference/heads/zero-shot';
import { normalizeRows, pairFeatures } from '../../reference/pair-features';
import { normalizedSeeds } from '../../src/heads/zero-shot';
import { randn } from '../helpers/rng';

const gradOk = (analytic: Float64Array, numeric: Float64Array) => {
  const r = compareGrads(analytic, numeric, 1e-7, 1e-6);
  expect(r.ok, `max abs err ${r.maxAbsErr} at ${r.worstIndex}`).toBe(true);
};

describe('pair features and row normalisation (reference)', () => {
  it('pairFeatures builds [u, v, |u-v|, u*v] row by row', () => {
    const u = Float64Array.from([1, -2, 3, 0.5]);
    const v = Float64Array.from([4, 1, -1, 0.5]);
    expect([...pairFeatures(u, v, 2, 2)]).toEqual([1, -2, 4, 1, 3, 3, 4, -2, 3, 0.5, -1, 0.5, 4, 0, -3, 0.25]);
  });
  it('normalizeRows: unit rows, u + v, zero row stays zero', () => {
    const near = (got: Float64Array, want: number[]) => want.forEach((x, i) => expect(got[i]).toBeCloseTo(x, 14));
    near(normalizeRows(Float64Array.from([3, 4, 0, 0]), null, 2, 2), [0.6, 0.8, 0, 0]);
    near(normalizeRows(Float64Array.from([1, 4]), Float64Array.from([2, 0]), 1, 2), [0.6, 0.8]);
  });
});

describe('linear probe head (reference)', () => {
  for (const pair of [false, true]) {
    it(`backward matches finite differences (${pair ? 'pair features 4C' : 'single text'})`, () => {
      const B = 3;
      const C = 5;
      const L = 3;
      const D = pair ? 4 * C : C;
      const u = randn(B * C, 1);
      const v = pair ? randn(B * C, 2) : null;
      const X = linearHeadInput(u, v, B, C);
      expect(X.length).toBe(B * D);
      const p = { W: randn(D * L, 3, 0.3), b: randn(L, 4, 0.1) };
      const w = randn(B * L, 5);
      const { dW, db } = linearHeadBackward(X, w, B, D, L);
      const loss = () => dot(linearHeadForward(p, X, B, D, L), w);
      gradOk(dW, finiteDifference(p.W, loss));
      gradOk(db, finiteDifference(p.b, loss));
    });
  }
  it('forward by hand', () => {
    // x = [1, 2], W = [[1, 0, -1], [0.5, 2, 0]], b = [0, 1, 2] -> [2, 5, 1]
    const z = linearHeadForward({ W: Float64Array.from([1, 0, -1, 0.5, 2, 0]), b: Float64Array.from([0, 1, 2]) }, Float64Array.from([1, 2]), 1, 2, 3);
    expect([...z]).toEqual([2, 5, 1]);
  });
});

describe('label tuning head (reference)', () => {
  for (const pair of [false, true]) {
    it(`backward matches finite differences (${pair ? 'pair: mean of both sides' : 'single text'}, scale 2.5)`, () => {
      const B = 4;
      const C = 6;
      const L = 3;
      const scale = 2.5;
      const u = randn(B * C, 11);
      const v = pair ? randn(B * C, 12) : null;
      const f = labelHeadInput(u, v);
      if (v) expect(f[1]).toBeCloseTo((u[1] + v[1]) / 2, 15);
      const S = randn(L * C, 13);
      const w = randn(B * L, 14);
      const dS = labelHeadBackward(f, w, B, C, L, scale);
      gradOk(dS, finiteDifference(S, () => dot(labelHeadForward(S, f, B, C, L, scale), w)));
    });
  }
  it('forward by hand', () => {
    // f = [1, 2], S = [[1, 1], [0, -1]], scale 2 -> [6, -4]
    expect([...labelHeadForward(Float64Array.from([1, 1, 0, -1]), Float64Array.from([1, 2]), 1, 2, 2, 2)]).toEqual([6, -4]);
  });
});

describe('zero-shot head (reference)', () => {
  it('cosines by hand, scale, pair = cosine of u + v', () => {
    const seeds = Float64Array.from([1, 0, 0, 2, -3, -3]); // (3, 2)
    const z = zeroShotForward(seeds, Float64Array.from([3, 4]), null, 1, 2, 3);
    expect(z[0]).toBeCloseTo(0.6, 14);
    expect(z[1]).toBeCloseTo(0.8, 14);
    expect(z[2]).toBeCloseTo(-1.4 / Math.SQRT2, 14);
    const z2 = zeroShotForward(seeds, Float64Array.from([1, 4]), Float64Array.from([2, 0]), 1, 2, 3, 10);
    expect(z2[0]).toBeCloseTo(6, 13);
    expect(z2[1]).toBeCloseTo(8, 13);
  });
  it('is invariant to the scale of f and of the seeds', () => {
    const B = 2;
    const C = 7;
    const L = 3;
    const u = randn(B * C, 21);
    const seeds = randn(L * C, 22);
    const a = zeroShotForward(seeds, u, null, B, C, L);
    const b = zeroShotForward(seeds.map((x) => 3 * x), u.map((x) => 0.01 * x), null, B, C, L);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 12);
    for (const x of a) expect(Math.abs(x)).toBeLessThanOrEqual(1 + 1e-12);
  });
  it('normalizedSeeds: unit rows, zero seed stays zero', () => {
    const n = normalizedSeeds([3, 4, 0, 0], 2, 2);
    expect([...n]).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
  });
});
