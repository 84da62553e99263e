// Reference pair features [u, v, |u-v|, u*v]: the backward (used by full fine-tuning on side-by-side pairs)
// against central finite differences.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { pairFeatures, pairFeaturesBackward } from '../../reference/pair-features';
import { randn } from '../helpers/rng';

describe('reference pair features backward', () => {
  it('matches central finite differences for u and v', () => {
    const [B, C] = [3, 5];
    const u = randn(B * C, 1);
    const v = randn(B * C, 2);
    const w = randn(B * 4 * C, 3);
    const { dU, dV } = pairFeaturesBackward(u, v, w, B, C);
    for (const [x, g, what] of [[u, dU, 'dU'], [v, dV, 'dV']] as const) {
      const r = compareGrads(g, finiteDifference(x, () => dot(pairFeatures(u, v, B, C), w)), 1e-8, 1e-6);
      expect(r.ok, `${what} ${JSON.stringify(r)}`).toBe(true);
    }
  });
  it('|u - v| at u = v takes the zero subgradient', () => {
    const u = Float64Array.from([1, 2]);
    const { dU, dV } = pairFeaturesBackward(u, Float64Array.from(u), Float64Array.from([0, 0, 0, 0, 1, 1, 0, 0]), 1, 2);
    expect([...dU, ...dV]).toEqual([0, 0, 0, 0]);
  });
});
