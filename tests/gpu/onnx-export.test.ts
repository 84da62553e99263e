// Head ONNX export against the GPU heads: every kind (linear single + pairs, label single + pairs, zero-shot,
// Y-Tuning with and without label seeds, L-Tuning prefix and prompt) with random parameters is exported with
// exportHeadOnnx (parameters read back from the GPU) and run by onnxruntime-node on the same padded batch; logits
// and probabilities must match the GPU head's within 1e-5, and the argmax must agree.
import { describe, expect, it } from 'vitest';
import { exportHeadOnnx } from '../../src/export';
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
import { YTuningHead } from '../../src/heads/ytuning';
import { resolveYTuning, ytuningParamSpecs } from '../../src/heads/ytuning-config';
import { ZeroShotHead } from '../../src/heads/zero-shot';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { headMeta, runOnnx } from '../helpers/head-files';
import { randn } from '../helpers/rng';

const B = 3;
const T = 5;
const C = 8;
const L = 3;
const LENGTHS = [5, 2, 4];

const F = randn(B * T * C, 11); // padding rows are NOT zero: the mask must do its job
const MASK = new Float64Array(B * T);
LENGTHS.forEach((len, b) => MASK.fill(1, b * T, b * T + len));
const POOLED = randn(B * C, 12);
const POOLED_B = randn(B * C, 13);

function makeBatch(e: GpuEngine, pair: boolean): HeadBatch {
  return {
    B,
    T,
    tokens: upload(e, F, [B, T, C], 'tokens'),
    mask: upload(e, MASK, [B, T], 'mask'),
    pooled: upload(e, POOLED, [B, C], 'pooled'),
    pooledB: pair ? upload(e, POOLED_B, [B, C], 'pooledB') : null,
  };
}

const byName = (specs: { name: string; shape: number[] }[], seed: number, scale = (_: string) => 1) =>
  Object.fromEntries(specs.map((s, i) => [s.name, randn(s.shape.reduce((a, b) => a * b, 1), seed + i, scale(s.name))]));

const Tl = 3;
const ltCfg = (kind: LTuningKind): LTuningConfig =>
  kind === 'label-attn-prefix'
    ? { C, L, d: 8, H: 2, m: 2, Tl, labelTokens: randn(L * Tl * C, 20), labelMask: Float32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 0]), seed: 3 }
    : { C, L, d: 8, H: 2, labelSeeds: randn(L * C, 21), seed: 5 };
const laCfg = (kind: LTuningKind, pair: boolean) => ({ ...ltCfg(kind), labelTokens: kind === 'label-attn-prefix' ? randn(L * Tl * C, 20, 30) : null, ffnMult: 2, pair });
const laScale = () => 0.5;
const ytCfg = (seeds: boolean) => ({ C, L, d: 8, H: 2, N: 2, ffnMult: 2, labelSeeds: seeds ? randn(L * C, 6) : null, seed: 9 });

const kinds: [string, boolean, (e: GpuEngine) => Head][] = [
  ['linear', false, (e) => new LinearHead(e, { C, labels: L, pair: false, W: randn(C * L, 1), b: randn(L, 2) })],
  ['linear (side-by-side pairs)', true, (e) => new LinearHead(e, { C, labels: L, pair: true, W: randn(4 * C * L, 3), b: randn(L, 4) })],
  ['label', false, (e) => new LabelTuningHead(e, { C, labels: L, seeds: randn(L * C, 5), scale: 3 })],
  ['label (side-by-side pairs)', true, (e) => new LabelTuningHead(e, { C, labels: L, seeds: randn(L * C, 5), scale: 3 })],
  ['zeroshot (side-by-side pairs)', true, (e) => new ZeroShotHead(e, { C, labels: L, seeds: randn(L * C, 8), scale: 20 })],
  ['ytuning (label seeds)', false, (e) => new YTuningHead(e, ytCfg(true), byName(ytuningParamSpecs(resolveYTuning(ytCfg(true))), 100, (n) => (n.endsWith('g') ? 0.5 : 1)))],
  ['ytuning (random queries)', false, (e) => new YTuningHead(e, ytCfg(false), byName(ytuningParamSpecs(resolveYTuning(ytCfg(false))), 150))],
  ['label-attn-prefix version 1', false, (e) => new LTuningPrefixHead(e, ltCfg('label-attn-prefix'), byName(ltuningParamSpecs(resolveLTuning('label-attn-prefix', ltCfg('label-attn-prefix'))), 200))],
  ['label-attn-prompt version 1', false, (e) => new LTuningPromptHead(e, ltCfg('label-attn-prompt'), byName(ltuningParamSpecs(resolveLTuning('label-attn-prompt', ltCfg('label-attn-prompt'))), 250, (n) => (n === 'G' ? 0.5 : 1)))],
  ['label-attn-prefix version 2', false, (e) => new LabelAttnHead(e, 'label-attn-prefix', laCfg('label-attn-prefix', false), byName(labelAttnParamSpecs(resolveLabelAttn('label-attn-prefix', laCfg('label-attn-prefix', false))), 300, laScale))],
  ['label-attn-prompt version 2 (side-by-side pairs)', true, (e) => new LabelAttnHead(e, 'label-attn-prompt', laCfg('label-attn-prompt', true), byName(labelAttnParamSpecs(resolveLabelAttn('label-attn-prompt', laCfg('label-attn-prompt', true))), 350, laScale))],
];

const argmax = (x: ArrayLike<number>) => Array.from({ length: B }, (_, b) => Array.from({ length: L }, (_, l) => x[b * L + l]).reduce((best, v, l, a) => (v > a[best] ? l : best), 0));

describe('head ONNX export vs the GPU heads', () => {
  for (const [name, pair, build] of kinds) {
    it(name, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const batch = makeBatch(e, pair);
        const head = build(e);
        const z = await head.forward(e, batch, false).read();
        const onnx = await exportHeadOnnx(head, headMeta(L, pair ? 'side-by-side' : 'none'));
        const out = await runOnnx(onnx, {
          token_states: { data: Float32Array.from(F), dims: [B, T, C] },
          attention_mask: { data: Float32Array.from(MASK), dims: [B, T] },
          pooled: { data: Float32Array.from(POOLED), dims: [B, C] },
          ...(pair ? { pooled_b: { data: Float32Array.from(POOLED_B), dims: [B, C] } } : {}),
        });
        expect(z.every(Number.isFinite)).toBe(true);
        expectClose(out.logits.data, z, 1e-5, 1e-5, `${name} logits`);
        const p = Array.from(z, (_, i) => {
          const b = Math.floor(i / L);
          const row = Array.from(z.subarray(b * L, (b + 1) * L));
          const m = Math.max(...row);
          return Math.exp(z[i] - m) / row.reduce((s, v) => s + Math.exp(v - m), 0);
        });
        expectClose(out.probabilities.data, p, 1e-6, 1e-5, `${name} probabilities`);
        expect(argmax(out.probabilities.data)).toEqual(argmax(z));
        head.dispose();
        for (const t of [batch.tokens, batch.mask, batch.pooled, batch.pooledB]) t?.release();
      });
    });
  }
});
