// Head ONNX export (src/export/head-onnx.ts) against the float64 references of every head kind: random
// parameters, tiny shapes, ragged masks with NON-zero token states in the padding (so a masking mistake shows),
// two batch sizes and token counts through one model (dynamic B and T); plus the export's refusals.
import { describe, expect, it } from 'vitest';
import { exportHeadOnnxFromFile } from '../../src/export';
import { labelAttnParamSpecs, resolveLabelAttn, type LabelAttnKind } from '../../src/heads/label-attn-config';
import { ltuningParamSpecs, resolveLTuning, type LTuningKind } from '../../src/heads/ltuning-config';
import { resolveYTuning, ytuningParamSpecs } from '../../src/heads/ytuning-config';
import type { HeadMeta } from '../../src/heads/serialize';
import { writeSafetensors } from '../../src/heads/safetensors';
import { labelAttnForwardRef } from '../../reference/heads/label-attn';
import { labelHeadForward, labelHeadInput } from '../../reference/heads/label-tuning';
import { linearHeadForward, linearHeadInput } from '../../reference/heads/linear';
import { ltuningPrefixForwardRef } from '../../reference/heads/ltuning-prefix';
import { ltuningPromptForwardRef } from '../../reference/heads/ltuning-prompt';
import { ytuningForwardRef } from '../../reference/heads/ytuning';
import { zeroShotForward } from '../../reference/heads/zero-shot';
import { expectClose } from '../helpers/close';
import { headFile, headMeta, runOnnx } from '../helpers/head-files';
import { randn } from '../helpers/rng';

const C = 8;
const L = 3;

interface Batch {
  B: number;
  T: number;
  F: Float64Array;
  mask: Float64Array;
  pooled: Float64Array;
  pooledB: Float64Array;
}

function batch(B: number, T: number, lengths: number[], seed: number): Batch {
  const mask = new Float64Array(B * T);
  lengths.forEach((len, b) => mask.fill(1, b * T, b * T + len));
  return { B, T, F: randn(B * T * C, seed), mask, pooled: randn(B * C, seed + 1), pooledB: randn(B * C, seed + 2) };
}

const BATCHES = [batch(3, 5, [5, 2, 4], 10), batch(2, 3, [1, 3], 20)];

const softmax = (z: Float64Array, B: number) => {
  const out = new Float64Array(z.length);
  for (let b = 0; b < B; b++) {
    const row = z.subarray(b * L, (b + 1) * L);
    const m = Math.max(...row);
    const e = Array.from(row, (x) => Math.exp(x - m));
    const s = e.reduce((a, x) => a + x, 0);
    e.forEach((x, l) => (out[b * L + l] = x / s));
  }
  return out;
};

async function check(file: Uint8Array, pair: boolean, ref: (b: Batch) => Float64Array) {
  const onnx = exportHeadOnnxFromFile(file);
  for (const bt of BATCHES) {
    const { B, T } = bt;
    const feeds = {
      token_states: { data: Float32Array.from(bt.F), dims: [B, T, C] },
      attention_mask: { data: Float32Array.from(bt.mask), dims: [B, T] },
      pooled: { data: Float32Array.from(bt.pooled), dims: [B, C] },
      ...(pair ? { pooled_b: { data: Float32Array.from(bt.pooledB), dims: [B, C] } } : {}),
    };
    const out = await runOnnx(onnx, feeds);
    expect(out.logits.dims).toEqual([B, L]);
    const z = ref(bt);
    expectClose(out.logits.data, z, 2e-5, 2e-5, `logits (B ${B}, T ${T})`);
    expectClose(out.probabilities.data, softmax(z, B), 1e-6, 1e-5, `probabilities (B ${B}, T ${T})`);
  }
}

const rand = (shape: number[], seed: number, scale = 1) => ({ shape, data: randn(shape.reduce((a, b) => a * b, 1), seed, scale) });
const f64 = (x: { data: ArrayLike<number> }) => Float64Array.from(x.data);

describe('head ONNX export matches the float64 references', () => {
  for (const pair of [false, true]) {
    const mode = pair ? 'side-by-side pairs' : 'single texts';
    const meta = headMeta(L, pair ? 'side-by-side' : 'none');

    it(`linear (${mode})`, async () => {
      const D = pair ? 4 * C : C;
      const t = { 'param.W': rand([D, L], 1), 'param.b': rand([L], 2) };
      await check(headFile('linear', { C, labels: L, pair }, t, meta), pair, (b) =>
        linearHeadForward({ W: f64(t['param.W']), b: f64(t['param.b']) }, linearHeadInput(b.pooled, pair ? b.pooledB : null, b.B, C), b.B, D, L),
      );
    });

    it(`label (${mode})`, async () => {
      const t = { 'param.S': rand([L, C], 3) };
      await check(headFile('label', { C, labels: L, scale: 2.5, decay: false }, t, meta), pair, (b) =>
        labelHeadForward(f64(t['param.S']), labelHeadInput(b.pooled, pair ? b.pooledB : null), b.B, C, L, 2.5),
      );
    });

    it(`zeroshot (${mode})`, async () => {
      const t = { 'config.seeds': rand([L, C], 4) };
      await check(headFile('zeroshot', { C, labels: L, scale: 20 }, t, meta), pair, (b) => zeroShotForward(f64(t['config.seeds']), b.pooled, pair ? b.pooledB : null, b.B, C, L, 20));
    });

    const ytVariants: [boolean, boolean][] = pair ? [[true, false], [false, false], [true, true], [false, true]] : [[true, false], [false, false]];
    for (const [withSeeds, ytPair] of ytVariants) {
      const how = ytPair ? 'pair head: g = [u, v, |u-v|, u*v] token + shortcut' : 'pooled token from side A';
      it(`ytuning, ${withSeeds ? 'label seeds' : 'random queries'}, N 2 (${mode}, ${how})`, async () => {
        const seeds = withSeeds ? randn(L * C, 5) : null;
        const r = resolveYTuning({ C, L, d: 8, H: 2, N: 2, ffnMult: 2, labelSeeds: seeds, seed: 1, pair: ytPair });
        const p: Record<string, Float64Array> = {};
        const t: Record<string, { shape: number[]; data: Float64Array }> = {};
        ytuningParamSpecs(r).forEach((s, i) => {
          t[`param.${s.name}`] = rand(s.shape, 100 + i, s.name.endsWith('g') ? 0.3 : 1); // LN scales near +-0.3: fine
          p[s.name] = t[`param.${s.name}`].data;
        });
        if (seeds) t['config.labelSeeds'] = { shape: [L, C], data: seeds };
        const config = { C, L, d: 8, H: 2, N: 2, ffn: 16, seed: 1, lnEps: 1e-5, labelSeeds: withSeeds, ...(ytPair ? { pair: true } : {}) };
        await check(headFile('ytuning', config, t, meta), pair, (b) =>
          ytuningForwardRef(r, p, { B: b.B, T: b.T, F: b.F, mask: b.mask, pooled: b.pooled, pooledB: ytPair ? b.pooledB : null }).logits,
        );
      });
    }

    for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as LTuningKind[]) {
      it(`${kind} (${mode})`, async () => {
        const Tl = kind === 'label-attn-prefix' ? 3 : 1;
        const labelTokens = randn(L * Tl * C, 6);
        const labelMask = Float64Array.from(kind === 'label-attn-prefix' ? [1, 1, 1, 1, 0, 0, 1, 1, 0] : [1, 1, 1]);
        const labelSeeds = randn(L * C, 7);
        const r = resolveLTuning(kind, { C, L, d: 8, H: 2, m: 2, Tl, labelTokens, labelMask, labelSeeds });
        const p: Record<string, Float64Array> = {};
        const t: Record<string, { shape: number[]; data: Float64Array }> = {};
        ltuningParamSpecs(r).forEach((s, i) => {
          t[`param.${s.name}`] = rand(s.shape, 200 + i, s.name === 'G' ? 0.5 : 1);
          p[s.name] = t[`param.${s.name}`].data;
        });
        if (kind === 'label-attn-prefix') {
          t['config.labelTokens'] = { shape: [L, Tl, C], data: labelTokens };
          t['config.labelMask'] = { shape: [L, Tl], data: labelMask };
        } else t['config.labelSeeds'] = { shape: [L, C], data: labelSeeds };
        const config = { C, L, d: 8, H: 2, m: 2, Tl, seed: 0, lnEps: 1e-5 };
        const fwd = kind === 'label-attn-prefix' ? ltuningPrefixForwardRef : ltuningPromptForwardRef;
        await check(headFile(kind, config, t, meta), pair, (b) => fwd(r, p, { B: b.B, T: b.T, F: b.F, mask: b.mask }).logits);
      });
    }

    // version 2 (config.version = 2): raw label inputs at USE-lite-like scales, normalised inside the graph
    const v2Pairs = pair ? [false, true] : [false];
    for (const kind of ['label-attn-prefix', 'label-attn-prompt'] as LabelAttnKind[]) {
      for (const lp of v2Pairs) {
        it(`${kind} version 2 (${mode}${lp ? ', pair head: g token + shortcut' : ''})`, async () => {
          const Tl = kind === 'label-attn-prefix' ? 3 : 1;
          const m = kind === 'label-attn-prefix' ? 2 : 1;
          const labelTokens = randn(L * Tl * C, 6, 30);
          const labelMask = Float64Array.from(kind === 'label-attn-prefix' ? [1, 1, 1, 1, 0, 0, 1, 1, 0] : [1, 1, 1]);
          const labelSeeds = randn(L * C, 7, 0.05);
          const r = resolveLabelAttn(kind, { C, L, d: 8, H: 2, m, ffnMult: 2, Tl, labelTokens, labelMask, labelSeeds, pair: lp });
          const p: Record<string, Float64Array> = {};
          const t: Record<string, { shape: number[]; data: Float64Array }> = {};
          labelAttnParamSpecs(r).forEach((s, i) => {
            t[`param.${s.name}`] = rand(s.shape, 300 + i, s.name.endsWith('g') ? 0.3 : 0.5);
            p[s.name] = t[`param.${s.name}`].data;
          });
          if (kind === 'label-attn-prefix') {
            t['config.labelTokens'] = { shape: [L, Tl, C], data: labelTokens };
            t['config.labelMask'] = { shape: [L, Tl], data: labelMask };
          } else t['config.labelSeeds'] = { shape: [L, C], data: labelSeeds };
          const config = { version: 2, C, L, d: 8, H: 2, m, ffn: 16, Tl, pair: lp, seed: 0, lnEps: 1e-5 };
          await check(headFile(kind, config, t, meta), pair, (b) =>
            labelAttnForwardRef(r, p, { B: b.B, T: b.T, F: b.F, mask: b.mask, pooled: b.pooled, pooledB: lp ? b.pooledB : null }).logits,
          );
        });
      }
    }
  }
});

describe('head ONNX export refusals and metadata', () => {
  const meta = headMeta(L);
  const linear = (over: Record<string, unknown> = {}, tensors: Record<string, { shape: number[]; data: ArrayLike<number> }> = { 'param.W': rand([C, L], 1), 'param.b': rand([L], 2) }, m: HeadMeta = meta) =>
    headFile('linear', { C, labels: L, pair: false, ...over }, tensors, m);

  it('carries the head metadata and the I/O contract', async () => {
    const onnxProto = (await import('onnx-proto')).default;
    const model = onnxProto.onnx.ModelProto.decode(exportHeadOnnxFromFile(linear()));
    const md = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(md).toMatchObject({ format: 'labeltune-head-onnx', kind: 'linear', labels: JSON.stringify(meta.labels), encoder_hash: meta.encoder.hash, attention_mask: 'float32' });
    expect(model.graph!.input!.map((i) => i.name)).toEqual(['token_states', 'attention_mask', 'pooled']);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['logits', 'probabilities']);
  });

  const bad: [string, () => Uint8Array, RegExp][] = [
    ['a tensor of the wrong shape', () => linear({}, { 'param.W': rand([L, C], 1), 'param.b': rand([L], 2) }), /tensor "param\.W" has shape \[3,8\], the linear config needs \[8,3\]/],
    ['a missing tensor', () => linear({}, { 'param.W': rand([C, L], 1) }), /the linear head file has no tensor "param\.b"/],
    ['a label-attn config version this build does not read', () => headFile('label-attn-prompt', { version: 3, C, L, d: 8, H: 2, m: 1, ffn: 16, Tl: 1, pair: false, seed: 0, lnEps: 1e-5 }, {}, meta), /config \(label-attn-prompt\)\.version is 3; this build reads version 1 \(no "version"\) and 2/],
    ['an extra tensor', () => linear({}, { 'param.W': rand([C, L], 1), 'param.b': rand([L], 2), 'param.X': rand([1], 3) }), /unexpected tensor\(s\) "param\.X" for a linear head/],
    ['a non-finite value', () => linear({}, { 'param.W': rand([C, L], 1), 'param.b': { shape: [L], data: [0, Infinity, 0] } }), /"param\.b" holds a non-finite value \(Infinity\) at index 1/],
    ['a pair probe for single texts', () => linear({ pair: true }, { 'param.W': rand([4 * C, L], 1), 'param.b': rand([L], 2) }), /config \(linear\)\.pair is true but tokenizer\.pair is "none"/],
    ['labels that do not match', () => linear({}, undefined, { ...meta, labels: ['a', 'b'] }), /metadata "labels" has 2 names but the head has 3 labels/],
    ['a corrupt file', () => headFile('linear', {}, {}, meta).map((x, i) => (i === 20 ? 0 : x)), /safetensors: header \(\d+ bytes\) is not valid UTF-8 JSON/],
    ['a safetensors file that is not a head', () => writeSafetensors({}, { format: 'other' }), /head file: format is "other", expected "labeltune-head"/],
    ['an unknown kind', () => headFile('mystery', {}, {}, meta), /unknown head kind "mystery"/],
    ['a pair Y-Tuning head for single texts', () => headFile('ytuning', { C, L, d: 8, H: 2, N: 1, ffn: 16, seed: 0, lnEps: 1e-5, labelSeeds: false, pair: true }, {}, meta), /a pair Y-Tuning head needs pairs encoded side by side, but tokenizer\.pair is "none"/],
    ['a bad ytuning config', () => headFile('ytuning', { C, L, d: 6, H: 4, N: 1, ffn: 24, seed: 0, lnEps: 1e-5, labelSeeds: false }, {}, meta), /config \(ytuning\): H \(4\) must divide d \(6\)/],
  ];
  for (const [name, file, re] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => exportHeadOnnxFromFile(file())).toThrow(re);
    });
  }
});
