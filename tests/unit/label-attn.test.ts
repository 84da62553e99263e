// The float64 label-attention heads, version 2 (prefix and prompt, single texts and side-by-side pairs): every
// parameter's gradient against central finite differences of <logits, w> on a padded batch with padded label
// texts; padding invariance; unit-rms label inputs; label-dependent, non-constant scores at init; config errors.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { labelAttnBackwardRef, labelAttnForwardRef, type LabelAttnRefBatch } from '../../reference/heads/label-attn';
import { labelAttnInit, labelAttnParamSpecs, resolveLabelAttn, type LabelAttnConfig, type LabelAttnKind } from '../../src/heads/label-attn-config';
import { randn } from '../helpers/rng';

const C = 6;
const L = 3;
const Tl = 4;
const labelLens = [2, 4, 3];

function labelInputs(seed: number, scale = 1): Pick<LabelAttnConfig, 'Tl' | 'labelTokens' | 'labelMask' | 'labelSeeds'> {
  const labelMask = new Float64Array(L * Tl);
  labelLens.forEach((n, l) => labelMask.fill(1, l * Tl, l * Tl + n));
  const labelTokens = randn(L * Tl * C, seed, scale);
  for (let i = 0; i < L * Tl; i++) if (!labelMask[i]) labelTokens.fill(0, i * C, (i + 1) * C);
  return { Tl, labelTokens, labelMask, labelSeeds: randn(L * C, seed + 1, scale) };
}

function tinyBatch(B: number, T: number, pair: boolean): LabelAttnRefBatch {
  const mask = new Float64Array(B * T).fill(1);
  for (let t = 3; t < T; t++) mask[1 * T + t] = 0; // example 1: 3 real tokens
  const F = randn(B * T * C, 11);
  for (let i = 0; i < B * T; i++) if (!mask[i]) F.fill(0, i * C, (i + 1) * C);
  return { B, T, F, mask, pooled: randn(B * C, 12), pooledB: pair ? randn(B * C, 13) : null };
}

const cfgOf = (pair: boolean, seed = 3): LabelAttnConfig => ({ C, L, d: 8, H: 2, m: 2, ffnMult: 2, seed, pair, ...labelInputs(5) });

function check(kind: LabelAttnKind, pair: boolean) {
  const r = resolveLabelAttn(kind, cfgOf(pair));
  const p = labelAttnInit(r);
  Object.keys(p).forEach((k, i) => {
    const noise = randn(p[k].length, 500 + i, 0.3);
    p[k] = p[k].map((x, j) => x + noise[j]);
  });
  const batch = tinyBatch(2, 5, pair);
  const w = randn(2 * L, 99);
  const g = labelAttnBackwardRef(r, p, labelAttnForwardRef(r, p, batch).cache, w);
  const loss = () => dot(labelAttnForwardRef(r, p, batch).logits, w);
  const specs = labelAttnParamSpecs(r);
  expect(Object.keys(g).sort()).toEqual(specs.map((s) => s.name).sort());
  for (const { name } of specs) {
    const res = compareGrads(g[name], finiteDifference(p[name], loss, 1e-6), 1e-7, 1e-5);
    expect(res.ok, `${name}: max abs err ${res.maxAbsErr} at ${res.worstIndex}`).toBe(true);
    expect(g[name].some((x) => x !== 0), `${name}: gradient is all zero`).toBe(true);
  }
}

describe('reference label-attention heads, version 2', () => {
  for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as const) {
    for (const pair of [false, true]) {
      it(`${kind}${pair ? ' (pairs)' : ''}: every parameter gradient matches finite differences`, () => check(kind, pair));
    }

    it(`${kind}: padding (text tokens, label tokens) does not change the logits`, () => {
      const li = labelInputs(5);
      const r = resolveLabelAttn(kind, { ...cfgOf(false, 1), ...li });
      const p = labelAttnInit(r);
      const batch = tinyBatch(2, 5, false);
      const a = labelAttnForwardRef(r, p, batch).logits;
      const F2 = Float64Array.from(batch.F);
      for (let t = 3; t < 5; t++) F2.fill(7, (5 + t) * C, (5 + t + 1) * C);
      const Y2 = Float64Array.from(li.labelTokens!);
      Y2.fill(-3, (0 * Tl + 2) * C, (0 * Tl + 4) * C); // label 0's padding rows
      const r2 = resolveLabelAttn(kind, { ...cfgOf(false, 1), ...li, labelTokens: Y2 });
      const b = labelAttnForwardRef(r2, p, { ...batch, F: F2 }).logits;
      expect([...b]).toEqual([...a]);
      expect(a.every(Number.isFinite)).toBe(true);
    });

    it(`${kind}: label inputs at any scale give the same head (unit rms per row); scores at init depend on text and label`, () => {
      const small = resolveLabelAttn(kind, { ...cfgOf(false), ...labelInputs(5, 0.05) });
      const big = resolveLabelAttn(kind, { ...cfgOf(false), ...labelInputs(5, 45) });
      const Y = kind === 'label-attn-prefix' ? small.Y! : small.S!;
      const rows = Y.length / C;
      for (let i = 0; i < rows; i++) {
        const ms = Y.subarray(i * C, (i + 1) * C).reduce((s, x) => s + x * x, 0) / C;
        if (ms > 0) expect(ms).toBeCloseTo(1, 5);
      }
      const p = labelAttnInit(small);
      const batch = tinyBatch(4, 5, false);
      const a = labelAttnForwardRef(small, p, batch).logits;
      const b = labelAttnForwardRef(big, p, batch).logits;
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
      // not a constant predictor at init: the argmax differs between texts or the scores vary with the text
      const col0 = [0, 1, 2, 3].map((i) => a[i * L]);
      expect(Math.max(...col0) - Math.min(...col0)).toBeGreaterThan(1e-3);
      const labelSpread = Math.max(a[0], a[1], a[2]) - Math.min(a[0], a[1], a[2]);
      expect(labelSpread).toBeGreaterThan(1e-3);
    });
  }

  it('prefix pooling is a softmax over the real label tokens only (wa = 0: the mean of the unit-rms rows)', () => {
    const r = resolveLabelAttn('label-attn-prefix', cfgOf(false));
    const p = labelAttnInit(r);
    p.wa.fill(0);
    const { cache } = labelAttnForwardRef(r, p, tinyBatch(2, 5, false));
    for (let l = 0; l < L; l++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let i = 0; i < labelLens[l]; i++) s += r.Y![(l * Tl + i) * C + c];
        expect(cache.pool!.out[l * C + c]).toBeCloseTo(s / labelLens[l], 12);
      }
    }
  });

  it('init is seeded, the pair shortcut starts at 0 and bad configs throw', () => {
    const r = resolveLabelAttn('label-attn-prompt', cfgOf(true, 2));
    const p = labelAttnInit(r);
    expect(labelAttnInit(r).Wq).toEqual(p.Wq);
    expect(labelAttnInit(resolveLabelAttn('label-attn-prompt', cfgOf(true, 3))).Wq).not.toEqual(p.Wq);
    expect(p.Wsc.every((x) => x === 0)).toBe(true);
    expect(p.Wp.length).toBe(4 * C * 8);
    // a single-text head's parameters are the pair head's minus Wsc, with the same seeded values up to Wp
    const single = labelAttnInit(resolveLabelAttn('label-attn-prompt', cfgOf(false, 2)));
    expect(single.Wg).toEqual(p.Wg);
    expect(single.Wsc).toBeUndefined();
    const li = labelInputs(5);
    expect(resolveLabelAttn('label-attn-prompt', { C, L, ...li }).d).toBe(64);
    expect(() => resolveLabelAttn('label-attn-prompt', { C, L, d: 10, H: 4, ...li })).toThrow(/divide/);
    expect(() => resolveLabelAttn('label-attn-prompt', { C, L })).toThrow(/labelSeeds/);
    expect(() => resolveLabelAttn('label-attn-prefix', { C, L, ...li, labelTokens: new Float64Array(3) })).toThrow(/labelTokens/);
    expect(() => resolveLabelAttn('label-attn-prefix', { C, L, ...li, labelMask: new Float64Array(L * Tl) })).toThrow(/no unmasked/);
    const badPair = { C, L, ...li, pair: 'yes' } as unknown as LabelAttnConfig;
    expect(() => resolveLabelAttn('label-attn-prompt', badPair)).toThrow(/pair must be/);
    // pair and single batches are not interchangeable
    const rs = resolveLabelAttn('label-attn-prompt', cfgOf(false));
    expect(() => labelAttnForwardRef(rs, labelAttnInit(rs), tinyBatch(2, 5, true))).toThrow(/pooledB/);
  });
});
