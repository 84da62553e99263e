// The float64 Y-Tuning head: every parameter's gradient against central finite differences of <logits, w>, with
// label seeds (N = 1) and without (random queries, N = 2), single texts and pairs encoded side by side, on a
// padded batch; plus config validation, init, and the pair/single batch checks.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { ytuningBackwardRef, ytuningForwardRef, type YTuningRefBatch } from '../../reference/heads/ytuning';
import { resolveYTuning, ytuningInit, ytuningParamSpecs, type YTuningConfig } from '../../src/heads/ytuning-config';
import { randn } from '../helpers/rng';

// Finite differences of every parameter take ~1-2 s alone; allow for a loaded shared CPU.
const FD_TIMEOUT = 60_000;

function tinyBatch(B: number, T: number, C: number, pair = false): YTuningRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = 3; t < T; t++) mask[1 * T + t] = 0; // example 1: 3 real tokens
  const F = randn(B * T * C, 11);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  const pooled = randn(B * C, 12);
  // Pairs: make one side-B entry equal to side A's so |u - v| has a 0 entry (a frozen input: no gradient through it).
  const pooledB = pair ? randn(B * C, 13).map((x, i) => (i === 1 ? pooled[1] : x)) : null;
  return { B, T, F, mask, pooled, pooledB };
}

function check(cfg: YTuningConfig, B: number, T: number, train: { step: number } | null = null) {
  const r = resolveYTuning(cfg);
  const p = ytuningInit(r);
  // Move every parameter off its init (biases 0, LN scales 1) so each gradient path is exercised generically.
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 500 + i, 0.3);
    p[k] = p[k].map((x, j) => x + noise[j]);
  });
  const batch = tinyBatch(B, T, r.C, r.pair);
  const w = randn(B * r.L, 99);
  const { cache } = ytuningForwardRef(r, p, batch, train);
  const g = ytuningBackwardRef(r, p, cache, w);
  const loss = () => dot(ytuningForwardRef(r, p, batch, train).logits, w);
  const specs = ytuningParamSpecs(r);
  expect(Object.keys(g).sort()).toEqual(specs.map((s) => s.name).sort());
  for (const { name } of specs) {
    const res = compareGrads(g[name], finiteDifference(p[name], loss, 1e-6), 1e-7, 1e-5);
    expect(res.ok, `${name}: max abs err ${res.maxAbsErr} at ${res.worstIndex}`).toBe(true);
    expect(g[name].some((x) => x !== 0), `${name}: gradient is all zero`).toBe(true);
  }
}

describe('reference Y-Tuning head', () => {
  it('with label seeds (N = 1): every parameter gradient matches finite differences', () => {
    check({ C: 6, d: 8, H: 2, L: 3, labelSeeds: randn(3 * 6, 7), seed: 3 }, 2, 5);
  }, FD_TIMEOUT);

  it('without label seeds (N = 2, ffnMult 2): every parameter gradient matches finite differences', () => {
    check({ C: 6, d: 8, H: 2, L: 3, N: 2, ffnMult: 2, seed: 4 }, 2, 5);
  }, FD_TIMEOUT);

  it('training forward with dropout 0.3 (N = 2, step 5): every parameter gradient matches finite differences', () => {
    check({ C: 6, d: 8, H: 2, L: 3, N: 2, ffnMult: 2, labelSeeds: randn(3 * 6, 7), seed: 9, dropout: 0.3 }, 2, 5, { step: 5 });
  }, FD_TIMEOUT);

  it('dropout: only training forwards drop, each step its own mask', () => {
    const r = resolveYTuning({ C: 6, d: 8, H: 2, L: 3, seed: 1 });
    expect(r.dropout).toBe(0.1);
    const p = ytuningInit(r);
    const batch = tinyBatch(2, 5, 6);
    const inf = ytuningForwardRef(r, p, batch).logits;
    const s0 = ytuningForwardRef(r, p, batch, { step: 0 }).logits;
    const s1 = ytuningForwardRef(r, p, batch, { step: 1 }).logits;
    expect([...ytuningForwardRef(r, p, batch, { step: 0 }).logits]).toEqual([...s0]);
    expect([...s0]).not.toEqual([...inf]);
    expect([...s1]).not.toEqual([...s0]);
    expect([...ytuningForwardRef({ ...r, dropout: 0 }, p, batch, { step: 0 }).logits]).toEqual([...inf]);
  });

  it('pair head with label seeds (N = 1): every gradient, Wp (4C, d) and the Wsc shortcut included', () => {
    check({ C: 6, d: 8, H: 2, L: 3, labelSeeds: randn(3 * 6, 7), seed: 3, pair: true }, 2, 5);
  }, FD_TIMEOUT);

  it('pair head without label seeds (N = 2): every gradient matches finite differences', () => {
    check({ C: 5, d: 8, H: 2, L: 4, N: 2, ffnMult: 2, seed: 8, pair: true }, 3, 4);
  }, FD_TIMEOUT);

  it('pair head: shapes, same seeded init elsewhere, the shortcut adds exactly g Wsc, batch checks', () => {
    const single = resolveYTuning({ C: 6, d: 8, H: 2, L: 3, seed: 2 });
    const pair = resolveYTuning({ C: 6, d: 8, H: 2, L: 3, seed: 2, pair: true });
    expect(single.pair).toBe(false);
    const specs = new Map(ytuningParamSpecs(pair).map((s) => [s.name, s]));
    expect(specs.get('Wp')!.shape).toEqual([24, 8]);
    expect(specs.get('Wsc')).toEqual({ name: 'Wsc', shape: [24, 3], decay: true, init: { value: 0 } });
    expect(ytuningParamSpecs(single).map((s) => s.name)).not.toContain('Wsc');
    // Every parameter but Wp / Wsc has the same seeded init as the single-text head.
    const pi = ytuningInit(pair);
    const si = ytuningInit(single);
    for (const k of Object.keys(si)) if (k !== 'Wp') expect(pi[k], k).toEqual(si[k]);
    expect([...pi.Wsc].every((x) => x === 0)).toBe(true);
    // With Wsc = 0 the shortcut adds nothing, so a nonzero Wsc changes the logits by exactly g Wsc.
    const batch = tinyBatch(2, 5, 6, true);
    const z0 = ytuningForwardRef(pair, pi, batch).logits;
    const Wsc = randn(24 * 3, 3);
    const z1 = ytuningForwardRef(pair, { ...pi, Wsc }, batch).logits;
    const u = batch.pooled;
    const v = batch.pooledB!;
    for (let b = 0; b < 2; b++) {
      for (let l = 0; l < 3; l++) {
        let s = 0;
        for (let c = 0; c < 6; c++) {
          const a = u[b * 6 + c];
          const w = v[b * 6 + c];
          s += a * Wsc[c * 3 + l] + w * Wsc[(6 + c) * 3 + l] + Math.abs(a - w) * Wsc[(12 + c) * 3 + l] + a * w * Wsc[(18 + c) * 3 + l];
        }
        expect(z1[b * 3 + l] - z0[b * 3 + l]).toBeCloseTo(s, 10);
      }
    }
    expect(() => ytuningForwardRef(pair, pi, { ...batch, pooledB: null })).toThrow(/pair head needs batch.pooledB/);
    expect(() => ytuningForwardRef(single, si, batch)).toThrow(/single-text head was given batch.pooledB/);
    expect(() => resolveYTuning({ C: 6, L: 3, pair: 1 as unknown as boolean })).toThrow(/pair must be true or false/);
  });

  it('padding tokens do not change the logits', () => {
    const r = resolveYTuning({ C: 6, d: 8, H: 2, L: 3, seed: 1 });
    const p = ytuningInit(r);
    const batch = tinyBatch(2, 5, 6);
    const a = ytuningForwardRef(r, p, batch).logits;
    const F2 = Float64Array.from(batch.F);
    for (let t = 3; t < 5; t++) F2.fill(7, (5 + t) * 6, (5 + t + 1) * 6);
    const b = ytuningForwardRef(r, p, { ...batch, F: F2 }).logits;
    expect([...b]).toEqual([...a]);
  });

  it('init is seeded and at the documented scales; bad configs throw', () => {
    const seeds = randn(4 * 32, 1);
    const r = resolveYTuning({ C: 32, L: 4, labelSeeds: seeds, seed: 5 });
    const p = ytuningInit(r);
    expect(ytuningInit(r).Ws).toEqual(p.Ws);
    expect(ytuningInit(resolveYTuning({ C: 32, L: 4, labelSeeds: seeds, seed: 6 })).Ws).not.toEqual(p.Ws);
    const std = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    expect(std(p.Ws)).toBeGreaterThan(0.85);
    expect(std(p.Ws)).toBeLessThan(1.15);
    expect(std(p.E)).toBeLessThan(0.03);
    const noSeed = ytuningInit(resolveYTuning({ C: 32, L: 40 }));
    expect(noSeed.Ws).toBeUndefined();
    expect(std(noSeed.E)).toBeGreaterThan(0.85);
    expect(() => resolveYTuning({ C: 32, L: 4, d: 10, H: 4 })).toThrow(/divide/);
    expect(() => resolveYTuning({ C: 32, L: 4, labelSeeds: new Float64Array(5) })).toThrow(/labelSeeds/);
  });
});
