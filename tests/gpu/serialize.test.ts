// Head export/import on the GPU: for every kind (linear single + side-by-side pairs, label, Y-Tuning with and
// without label seeds, zero-shot, L-Tuning prefix and prompt) a head with random parameters is exported, imported into a fresh head, and
// must give BIT-identical float32 logits on the same batch; plus the refusals (another encoder, a truncated file).
import { describe, expect, it } from 'vitest';
import type { GpuEngine } from '../../src/gpu/engine';
import { withErrorScopes } from '../../src/gpu/engine';
import type { Head, HeadBatch } from '../../src/heads/head';
import { LabelTuningHead } from '../../src/heads/label-tuning';
import { LinearHead } from '../../src/heads/linear';
import { LabelAttnHead } from '../../src/heads/label-attn';
import { labelAttnParamSpecs, resolveLabelAttn } from '../../src/heads/label-attn-config';
import { ltuningParamSpecs, resolveLTuning, type LTuningConfig, type LTuningKind } from '../../src/heads/ltuning-config';
import { LTuningPrefixHead } from '../../src/heads/ltuning-prefix';
import { LTuningPromptHead } from '../../src/heads/ltuning-prompt';
import { exportHead, firstNonFinite, importHead, NonFiniteHeadError, type HeadMeta } from '../../src/heads/serialize';
import { YTuningHead } from '../../src/heads/ytuning';
import { resolveYTuning, ytuningParamSpecs } from '../../src/heads/ytuning-config';
import { ZeroShotHead } from '../../src/heads/zero-shot';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const B = 3;
const T = 5;
const C = 8;
const L = 3;
const HASH = '0123456789abcdef'.repeat(4);

function makeBatch(e: GpuEngine, pair: boolean): HeadBatch {
  const mask = new Float64Array(B * T);
  [5, 2, 4].forEach((len, b) => mask.fill(1, b * T, b * T + len));
  return {
    B,
    T,
    tokens: upload(e, randn(B * T * C, 11), [B, T, C], 'tokens'),
    mask: upload(e, mask, [B, T], 'mask'),
    pooled: upload(e, randn(B * C, 12), [B, C], 'pooled'),
    pooledB: pair ? upload(e, randn(B * C, 13), [B, C], 'pooledB') : null,
  };
}

const meta = (pair: boolean): HeadMeta => ({
  labels: ['neg', 'neu', 'pos'],
  labelTexts: ['negative', 'neutral', 'positive'],
  encoder: { name: 'use-lite', hash: HASH },
  tokenizer: { tmax: 128, pair: pair ? 'side-by-side' : 'none' },
  training: { epochs: 3, lr: 1e-3, seed: 7 },
  metrics: { accuracy: 0.75, macroF1: 0.7 },
});

const ytuningInitRandom = (withSeeds: boolean, pair = false) => {
  const r = resolveYTuning({ C, L, d: 8, H: 2, N: 2, ffnMult: 2, labelSeeds: withSeeds ? new Float64Array(L * C) : null, pair });
  return Object.fromEntries(ytuningParamSpecs(r).map((s, i) => [s.name, randn(s.shape.reduce((a, b) => a * b, 1), 100 + i)]));
};

// L-Tuning: the prefix head's label token states (L, Tl, C) with ragged label lengths 3, 1, 2 of Tl = 3.
const Tl = 3;
const labelMask = Float32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 0]);
const ltCfg = (kind: LTuningKind): LTuningConfig =>
  kind === 'label-attn-prefix'
    ? { C, L, d: 8, H: 2, m: 2, Tl, labelTokens: randn(L * Tl * C, 20), labelMask, seed: 3 }
    : { C, L, d: 8, H: 2, labelSeeds: randn(L * C, 21), seed: 5 };
const ltuningInitRandom = (kind: LTuningKind) =>
  Object.fromEntries(ltuningParamSpecs(resolveLTuning(kind, ltCfg(kind))).map((s, i) => [s.name, randn(s.shape.reduce((a, b) => a * b, 1), 200 + i)]));

// version 2 (label-attn.ts)
const laInitRandom = (kind: LTuningKind, pair: boolean) =>
  Object.fromEntries(labelAttnParamSpecs(resolveLabelAttn(kind, { ...ltCfg(kind), ffnMult: 2, pair })).map((s, i) => [s.name, randn(s.shape.reduce((a, b) => a * b, 1), 300 + i, 0.5)]));

const kinds: [string, boolean, (e: GpuEngine) => Head][] = [
  ['linear', false, (e) => new LinearHead(e, { C, labels: L, pair: false, W: randn(C * L, 1), b: randn(L, 2) })],
  ['linear (side-by-side pairs)', true, (e) => new LinearHead(e, { C, labels: L, pair: true, W: randn(4 * C * L, 3), b: randn(L, 4) })],
  ['label', false, (e) => new LabelTuningHead(e, { C, labels: L, seeds: randn(L * C, 5), scale: 7.5, decay: true })],
  ['ytuning (label seeds)', false, (e) => new YTuningHead(e, { C, L, d: 8, H: 2, N: 2, ffnMult: 2, labelSeeds: randn(L * C, 6), seed: 9 }, ytuningInitRandom(true))],
  ['ytuning (side-by-side pairs)', true, (e) => new YTuningHead(e, { C, L, d: 8, H: 2, N: 2, ffnMult: 2, labelSeeds: randn(L * C, 6), seed: 9, pair: true }, ytuningInitRandom(true, true))],
  ['ytuning (random queries)', false, (e) => new YTuningHead(e, { C, L, d: 8, H: 2, N: 2, ffnMult: 2, seed: 4 }, ytuningInitRandom(false))],
  ['zeroshot', false, (e) => new ZeroShotHead(e, { C, labels: L, seeds: randn(L * C, 8), scale: 20 })],
  ['label-attn-prefix', false, (e) => new LTuningPrefixHead(e, ltCfg('label-attn-prefix'), ltuningInitRandom('label-attn-prefix'))],
  ['label-attn-prompt', false, (e) => new LTuningPromptHead(e, ltCfg('label-attn-prompt'), ltuningInitRandom('label-attn-prompt'))],
  ['label-attn-prompt version 1 (side-by-side pairs)', true, (e) => new LTuningPromptHead(e, ltCfg('label-attn-prompt'), ltuningInitRandom('label-attn-prompt'))],
  ['label-attn-prefix version 2', false, (e) => new LabelAttnHead(e, 'label-attn-prefix', { ...ltCfg('label-attn-prefix'), ffnMult: 2 }, laInitRandom('label-attn-prefix', false))],
  ['label-attn-prompt version 2 (side-by-side pairs: pair token + shortcut)', true, (e) => new LabelAttnHead(e, 'label-attn-prompt', { ...ltCfg('label-attn-prompt'), ffnMult: 2, pair: true }, laInitRandom('label-attn-prompt', true))],
];

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe('head export / import round trip (bit-identical logits)', () => {
  for (const [name, pair, build] of kinds) {
    it(name, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const batch = makeBatch(e, pair);
        const head = build(e);
        const before = await head.forward(e, batch, false).read();
        const bytes = await exportHead(head, meta(pair));
        const { head: back, meta: m } = importHead(e, bytes, { encoderHash: HASH, encoderName: 'use-lite' });
        expect(back.kind).toBe(head.kind);
        expect(back.constructor).toBe(head.constructor);
        expect(back.params.map((p) => [p.name, p.decay, [...p.value.shape]])).toEqual(head.params.map((p) => [p.name, p.decay, [...p.value.shape]]));
        for (let i = 0; i < head.params.length; i++) expect(bits(await back.params[i].value.read()), head.params[i].name).toEqual(bits(await head.params[i].value.read()));
        const after = await back.forward(e, batch, false).read();
        expect(before.every(Number.isFinite)).toBe(true);
        expect(bits(after)).toEqual(bits(before));
        expect(m).toMatchObject({ ...meta(pair), createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
        // Refusals: another encoder, a truncated file.
        expect(() => importHead(e, bytes, { encoderHash: 'f'.repeat(64), encoderName: 'all-MiniLM-L6-v2' })).toThrow(
          `this head was trained on use-lite (hash 0123456789ab…), the loaded encoder is all-MiniLM-L6-v2 (ffffffffffff…) — the hash covers the model, tokenizer and config; load use-lite or retrain`,
        );
        expect(() => importHead(e, bytes.subarray(0, bytes.length - 4), { encoderHash: HASH })).toThrow(/out of range .* \(truncated file\?\)/);
        head.dispose();
        back.dispose();
        for (const t of [batch.tokens, batch.mask, batch.pooled, batch.pooledB]) t?.release();
      });
    });
  }

  it('a head with a non-finite parameter is found by firstNonFinite and never exported (a diverged run)', async () => {
    const e = await testEngine();
    const W = Float32Array.from(randn(C * L, 5));
    W[4] = Number.NaN;
    const head = new LinearHead(e, { C, labels: L, pair: false, W, b: new Float32Array(L) });
    expect(await firstNonFinite(head)).toBe('W[4] = NaN');
    await expect(exportHead(head, meta(false))).rejects.toThrow(NonFiniteHeadError);
    await expect(exportHead(head, meta(false))).rejects.toThrow(/parameter "W" holds NaN at index 4 \(the run diverged\): nothing was exported/);
    const fine = new LinearHead(e, { C, labels: L, pair: false });
    expect(await firstNonFinite(fine)).toBeNull();
    head.dispose();
    fine.dispose();
  });

  it('export refuses label lists that do not match the head', async () => {
    const e = await testEngine();
    const head = new LinearHead(e, { C, labels: L, pair: false });
    await expect(exportHead(head, { ...meta(false), labels: ['a', 'b'] })).rejects.toThrow(/meta\.labels has 2 names but the head has 3 labels/);
    head.dispose();
  });
});
