import { describe, expect, it } from 'vitest';
import { adamwStep } from '../../reference/adamw';
import { randn } from '../helpers/rng';

describe('reference AdamW', () => {
  it('step 1 matches a hand computation', () => {
    // p = 1, g = 0.5, m = v = 0, lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.01
    //   decay: p = 1 - 0.1 * 0.01 * 1 = 0.999
    //   m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 0.00025
    //   m_hat = 0.05 / 0.1 = 0.5, v_hat = 0.00025 / 0.001 = 0.25, sqrt = 0.5
    //   p = 0.999 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.899000002
    const p = Float64Array.from([1, -2]);
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    adamwStep(p, [0.5, 0], m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 });
    expect(p[0]).toBeCloseTo(0.899000002, 12);
    expect(m[0]).toBeCloseTo(0.05, 15);
    expect(v[0]).toBeCloseTo(0.00025, 15);
    // zero gradient: only the decay acts
    expect(p[1]).toBeCloseTo(-2 * (1 - 0.001), 15);
    expect(m[1]).toBe(0);
    expect(v[1]).toBe(0);
  });

  it('the clip scale multiplies the gradient', () => {
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 1 };
    const p1 = Float64Array.from([1]);
    const m1 = new Float64Array(1);
    const v1 = new Float64Array(1);
    adamwStep(p1, [4], m1, v1, o, 0.25);
    const p2 = Float64Array.from([1]);
    const m2 = new Float64Array(1);
    const v2 = new Float64Array(1);
    adamwStep(p2, [1], m2, v2, o);
    expect(p1[0]).toBe(p2[0]);
    expect(m1[0]).toBe(m2[0]);
    expect(v1[0]).toBe(v2[0]);
  });

  it('5 steps agree with the torch.optim.AdamW formulation (step_size = lr/bc1, denom = sqrt(v)/sqrt(bc2) + eps)', () => {
    const n = 9;
    const o = { lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 };
    const p = randn(n, 1);
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    const tp = Float64Array.from(p);
    const tm = new Float64Array(n);
    const tv = new Float64Array(n);
    for (let t = 1; t <= 5; t++) {
      const g = randn(n, 100 + t);
      adamwStep(p, g, m, v, { ...o, step: t });
      const bc1 = 1 - o.beta1 ** t;
      const bc2 = 1 - o.beta2 ** t;
      for (let i = 0; i < n; i++) {
        tp[i] *= 1 - o.lr * o.weightDecay;
        tm[i] = tm[i] * o.beta1 + g[i] * (1 - o.beta1);
        tv[i] = tv[i] * o.beta2 + g[i] * g[i] * (1 - o.beta2);
        const denom = Math.sqrt(tv[i]) / Math.sqrt(bc2) + o.eps;
        tp[i] += -(o.lr / bc1) * (tm[i] / denom);
      }
    }
    for (let i = 0; i < n; i++) {
      expect(p[i]).toBeCloseTo(tp[i], 12);
      expect(m[i]).toBeCloseTo(tm[i], 14);
      expect(v[i]).toBeCloseTo(tv[i], 14);
    }
  });
});
