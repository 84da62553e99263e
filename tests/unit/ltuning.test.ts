// The float64 L-Tuning heads (prefix and prompt): every parameter's gradient against central finite differences
// of <logits, w> on a padded batch with padded label texts; padding invariance; config validation and init.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { ltuningPrefixBackwardRef, ltuningPrefixForwardRef, type LTuningRefBatch } from '../../reference/heads/ltuning-prefix';
import { ltuningPromptBackwardRef, ltuningPromptForwardRef } from '../../reference/heads/ltuning-prompt';
import { ltuningInit, ltuningParamSpecs, resolveLTuning, type LTuningConfig, type LTuningKind } from '../../src/heads/ltuning-config';
import { randn } from '../helpers/rng';

const C = 6;
const L = 3;
const Tl = 4;
const labelLens = [2, 4, 3];

function labelInputs(seed: number): Pick<LTuningConfig, 'Tl' | 'labelTokens' | 'labelMask' | 'labelSeeds'> {
  const labelMask = new Float64Array(L * Tl);
  labelLens.forEach((n, l) => labelMask.fill(1, l * Tl, l * Tl + n));
  const labelTokens = randn(L * Tl * C, seed);
  for (let i = 0; i < L * Tl; i++) if (!labelMask[i]) labelTokens.fill(0, i * C, (i + 1) * C);
  return { Tl, labelTokens, labelMask, labelSeeds: randn(L * C, seed + 1) };
}

function tinyBatch(B: number, T: number): LTuningRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = 3; t < T; t++) mask[1 * T + t] = 0; // example 1: 3 real tokens
  const F = randn(B * T * C, 11);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  return { B, T, F, mask };
}

const fwd = (kind: LTuningKind) => (kind === 'label-attn-prefix' ? ltuningPrefixForwardRef : ltuningPromptForwardRef);

function check(kind: LTuningKind) {
  const r = resolveLTuning(kind, { C, L, d: 8, H: 2, m: 2, seed: 3, ...labelInputs(5) });
  const p = ltuningInit(r);
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 500 + i, 0.3);
    p[k] = p[k].map((x, j) => x + noise[j]);
  });
  const batch = tinyBatch(2, 5);
  const w = randn(2 * L, 99);
  const g =
    kind === 'label-attn-prefix'
      ? ltuningPrefixBackwardRef(r, p, ltuningPrefixForwardRef(r, p, batch).cache, w)
      : ltuningPromptBackwardRef(r, p, ltuningPromptForwardRef(r, p, batch).cache, w);
  const loss = () => dot(fwd(kind)(r, p, batch).logits, w);
  const specs = ltuningParamSpecs(r);
  expect(Object.keys(g).sort()).toEqual(specs.map((s) => s.name).sort());
  for (const { name } of specs) {
    const res = compareGrads(g[name], finiteDifference(p[name], loss, 1e-6), 1e-7, 1e-5);
    expect(res.ok, `${name}: max abs err ${res.maxAbsErr} at ${res.worstIndex}`).toBe(true);
    expect(g[name].some((x) => x !== 0), `${name}: gradient is all zero`).toBe(true);
  }
}

describe('reference L-Tuning heads', () => {
  for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
    it(`${kind}: every parameter gradient matches finite differences (padded text and label tokens)`, () => check(kind));

    it(`${kind}: padding (text tokens, label tokens) does not change the logits`, () => {
      const li = labelInputs(5);
      const r = resolveLTuning(kind, { C, L, d: 8, H: 2, m: 2, seed: 1, ...li });
      const p = ltuningInit(r);
      const batch = tinyBatch(2, 5);
      const a = fwd(kind)(r, p, batch).logits;
      const F2 = Float64Array.from(batch.F);
      for (let t = 3; t < 5; t++) F2.fill(7, (5 + t) * C, (5 + t + 1) * C);
      const Y2 = Float64Array.from(li.labelTokens!);
      Y2.fill(-3, (0 * Tl + 2) * C, (0 * Tl + 4) * C); // label 0's padding rows
      const r2 = resolveLTuning(kind, { C, L, d: 8, H: 2, m: 2, seed: 1, ...li, labelTokens: Y2 });
      const b = fwd(kind)(r2, p, { ...batch, F: F2 }).logits;
      expect([...b]).toEqual([...a]);
      expect(a.every(Number.isFinite)).toBe(true);
    });
  }

  it('prefix pooling is a softmax over the real label tokens only (wa = 0: the mean)', () => {
    const li = labelInputs(5);
    const r = resolveLTuning('label-attn-prefix', { C, L, d: 8, H: 2, m: 2, ...li });
    const p = ltuningInit(r);
    p.wa.fill(0);
    const { cache } = ltuningPrefixForwardRef(r, p, tinyBatch(2, 5));
    for (let l = 0; l < L; l++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let i = 0; i < labelLens[l]; i++) s += li.labelTokens![(l * Tl + i) * C + c];
        expect(cache.pl[l * C + c]).toBeCloseTo(s / labelLens[l], 12);
      }
    }
  });

  it('init is seeded (G = identity) and bad configs throw', () => {
    const li = labelInputs(5);
    const r = resolveLTuning('label-attn-prompt', { C, L, seed: 2, ...li });
    const p = ltuningInit(r);
    expect(ltuningInit(r).Wq).toEqual(p.Wq);
    expect(ltuningInit(resolveLTuning('label-attn-prompt', { C, L, seed: 3, ...li })).Wq).not.toEqual(p.Wq);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) expect(p.G[i * C + j]).toBe(i === j ? 1 : 0);
    expect(r.d).toBe(64);
    expect(() => resolveLTuning('label-attn-prompt', { C, L, d: 10, H: 4, ...li })).toThrow(/divide/);
    expect(() => resolveLTuning('label-attn-prompt', { C, L })).toThrow(/labelSeeds/);
    expect(() => resolveLTuning('label-attn-prefix', { C, L, ...li, labelTokens: new Float64Array(3) })).toThrow(/labelTokens/);
    expect(() => resolveLTuning('label-attn-prefix', { C, L, ...li, labelMask: new Float64Array(L * Tl) })).toThrow(/no unmasked/);
  });
});
