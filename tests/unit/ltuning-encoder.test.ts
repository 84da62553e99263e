// The frozen-encoder tuning heads' float64 references (LT-prefix, LT-prompt, prefix, prompt tuning): every
// parameter gradient against central finite differences on the tiny BERT (padded texts, a pair list and the
// all-labels case, labels of different token counts), the pair list's bookkeeping, the unit-rms label states,
// the parameter counts beside A.5's formula, and that no head is label-blind at init.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { encoderTuningBackwardRef, encoderTuningForwardRef, pairRows, type RefTextBatch } from '../../reference/heads/ltuning-encoder';
import {
  encoderTuningInit,
  encoderTuningParamCount,
  encoderTuningParamSpecs,
  paperPrefixParamCount,
  resolveEncoderTuning,
  type EncoderTuningClassifier,
  type EncoderTuningMethod,
  type PromptPooling,
} from '../../src/heads/ltuning-encoder-config';
import { headEntry } from '../../src/heads/registry';
import { forward as refForward } from '../../reference/model/encoder';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { randn } from '../helpers/rng';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';

const spec = tinyBertSpec(makeTinyBert({ layers: 1 }));
const L = 3;
const d = spec.hiddenSize;
const labelStates = [2, 1, 3].map((n, l) => ({ tokens: randn(n * d, 40 + l, 30), length: n }));

function text(): RefTextBatch {
  // two texts: 4 tokens and 2 tokens + 2 padding
  return { B: 2, T: 4, ids: [5, 9, 12, 7, 8, 3, 0, 0], mask: [1, 1, 1, 1, 1, 1, 0, 0], tokenTypes: null };
}

function setup(method: EncoderTuningMethod, classifier: EncoderTuningClassifier = 'per-label', promptPooling: PromptPooling = 'text') {
  const r = resolveEncoderTuning({ method, spec, labels: L, P: 2, labelStates, seed: 3, classifier, promptPooling });
  const p = encoderTuningInit(r);
  // Move every parameter off its init (F = 0, biases 0) so each gradient path is exercised.
  encoderTuningParamSpecs(r).forEach(({ name }, i) => {
    const n = randn(p[name].length, 100 + i, 0.3);
    p[name] = p[name].map((v, j) => v + n[j]);
  });
  return { r, p };
}

describe('frozen-encoder tuning heads (float64 reference): gradients vs finite differences', () => {
  // per-label classifier rows (every new head) and, for the L-Tuning heads, one shared row (files from before);
  // prompt methods: masked short-label prompt rows + pooling over text rows ('text', new) or every row ('all', older files)
  const variants: [EncoderTuningMethod, EncoderTuningClassifier, PromptPooling][] = [
    ['lt-prefix', 'per-label', 'text'], ['lt-prompt', 'per-label', 'text'], ['prefix', 'per-label', 'text'], ['prompt', 'per-label', 'text'],
    ['lt-prefix', 'shared', 'text'], ['lt-prompt', 'shared', 'all'], ['lt-prompt', 'per-label', 'all'], ['prompt', 'per-label', 'all'],
  ];
  for (const [method, classifier, pooling] of variants) {
    for (const pairs of [[0, 2, 1, 0], null]) {
      it(`${method} (${classifier} classifier${method.endsWith('prompt') ? `, prompt pooling ${pooling}` : ''}), ${pairs ? 'a pair list (k = 2)' : 'all labels'}`, () => {
        const { r, p } = setup(method, classifier, pooling);
        const b = text();
        const w = randn(b.B * L, 7);
        const fwd = encoderTuningForwardRef(r, p, b, pairs);
        const g = encoderTuningBackwardRef(fwd.cache, w);
        const loss = () => dot(encoderTuningForwardRef(r, p, b, pairs).logits, w);
        for (const { name } of encoderTuningParamSpecs(r)) {
          const x = p[name];
          // A spread of entries of each tensor (whole small tensors).
          const idx = x.length <= 40 ? [...x.keys()] : Array.from({ length: 24 }, (_, i) => Math.floor((i * 7919 + 13) % x.length));
          const sub = Float64Array.from(idx, (i) => x[i]);
          const num = finiteDifference(sub, () => {
            idx.forEach((i, j) => (x[i] = sub[j]));
            return loss();
          });
          idx.forEach((i, j) => (x[i] = sub[j]));
          const ana = idx.map((i) => g[name][i]);
          const c = compareGrads(ana, num, 1e-6, 1e-4);
          expect(c.ok, `${method} d${name}: max abs err ${c.maxAbsErr}`).toBe(true);
          expect(Math.max(...ana.map(Math.abs)), `${method} d${name} is not all zero`).toBeGreaterThan(0);
        }
      });
    }
  }
});

describe('frozen-encoder tuning heads: pairs, label states, counts', () => {
  it('a pair list fills exactly the listed (text, label) logits; the L-Tuning scores depend on the label', () => {
    for (const method of ['lt-prefix', 'lt-prompt'] as const) {
      const { r, p } = setup(method);
      const all = encoderTuningForwardRef(r, p, text(), null).logits;
      const some = encoderTuningForwardRef(r, p, text(), [2, 0, 1, 2]).logits;
      for (const [b, y] of [[0, 2], [0, 0], [1, 1], [1, 2]]) expect(some[b * L + y]).toBeCloseTo(all[b * L + y], 10);
      expect(some[0 * L + 1]).toBe(0);
      expect(some[1 * L + 0]).toBe(0);
      // At init (F = 0, biases 0) the labels already get different scores: not label-blind.
      const init = encoderTuningForwardRef(r, encoderTuningInit(r), text(), null).logits;
      expect(new Set(Array.from(init.subarray(0, L), (v) => v.toFixed(6))).size, method).toBe(L);
    }
  });

  it('rejects bad pair lists and missing label states with specific errors', () => {
    expect(() => pairRows(2, 3, [0, 1, 2])).toThrow(/k per text/);
    expect(() => pairRows(2, 3, [0, 0, 1, 2])).toThrow(/twice/);
    expect(() => pairRows(2, 3, [0, 3, 1, 2])).toThrow(/not in \[0, 3\)/);
    expect(() => resolveEncoderTuning({ method: 'lt-prefix', spec, labels: L })).toThrow(/token states of each of the 3 label texts/);
    expect(() => resolveEncoderTuning({ method: 'prefix', spec, labels: L, P: 0 })).toThrow(/P must be/);
  });

  it('label states are normalised to unit rms per token; lt-prompt rows = the longest label', () => {
    const r = resolveEncoderTuning({ method: 'lt-prompt', spec, labels: L, labelStates });
    expect(r.P).toBe(3);
    for (let l = 0; l < L; l++)
      for (let i = 0; i < r.lmax; i++) {
        const row = r.labelTokens.subarray((l * r.lmax + i) * d, (l * r.lmax + i + 1) * d);
        const ms = row.reduce((s, v) => s + v * v, 0) / d;
        expect(ms).toBeCloseTo(r.labelMask[l * r.lmax + i], 5);
      }
  });

  it('trainable-parameter counts (ours beside A.5 for lt-prefix)', () => {
    const c = (method: EncoderTuningMethod) => encoderTuningParamCount(resolveEncoderTuning({ method, spec, labels: L, P: 2, labelStates }));
    const W = spec.layers.reduce((s, x) => s + x.heads * x.headDim, 0);
    expect(c('lt-prefix')).toBe(d + 2 * (d * 2 * W + 2 * W) + d * L + L);
    expect(c('lt-prompt')).toBe(d * spec.embedWidth + spec.embedWidth + d * L + L);
    const shared = encoderTuningParamCount(resolveEncoderTuning({ method: 'lt-prompt', spec, labels: L, labelStates, classifier: 'shared' }));
    expect(shared).toBe(d * spec.embedWidth + spec.embedWidth + d + 1);
    expect(() => resolveEncoderTuning({ method: 'prefix', spec, labels: L, classifier: 'shared' })).toThrow(/classifier must be "per-label", got "shared"/);
    expect(c('prefix')).toBe(2 * 2 * W + d * L + L);
    expect(c('prompt')).toBe(2 * spec.embedWidth + d * L + L);
    const r = resolveEncoderTuning({ method: 'lt-prefix', spec, labels: L, P: 2, labelStates });
    expect(paperPrefixParamCount(r)).toBe(2 * 3 * 3 * 1 * d + 3 * d);
  });

  it('the label maps Z.W and G.W train at lr / d (Adam moves each weight ~lr per step: their outputs then move ~lr, not ~lr * d)', () => {
    for (const method of ['lt-prefix', 'lt-prompt'] as const) {
      const specs = encoderTuningParamSpecs(resolveEncoderTuning({ method, spec, labels: L, P: 2, labelStates }));
      for (const ps of specs) expect(ps.lrScale ?? 1, `${method} ${ps.name}`).toBe(/^(Z\.\d+\.[kv]|G)\.W$/.test(ps.name) ? 1 / d : 1);
    }
  });

  it('a stored L-Tuning config without `classifier` (before per-label rows) expects one shared row; a bad value is refused', () => {
    const base = { L: 3, P: 1, d: 8, E: 8, Cp: 8, widths: [8], lmax: 1 };
    const shapes = (kind: 'ltuning-prompt' | 'prompt-tuning', c: Record<string, unknown>) => headEntry(kind).codec.expect({ ...base, ...c }).shapes;
    expect(shapes('ltuning-prompt', { method: 'lt-prompt' }).get('param.C.W')).toEqual([8, 1]);
    expect(shapes('ltuning-prompt', { method: 'lt-prompt' }).get('param.C.b')).toEqual([1]);
    expect(shapes('ltuning-prompt', { method: 'lt-prompt', classifier: 'per-label' }).get('param.C.W')).toEqual([8, 3]);
    expect(shapes('prompt-tuning', { method: 'prompt' }).get('param.C.W')).toEqual([8, 3]);
    expect(() => shapes('ltuning-prompt', { method: 'lt-prompt', classifier: 'rows' })).toThrow(/config \(ltuning-prompt\)\.classifier must be "per-label" or "shared", got "rows"/);
    expect(() => shapes('prompt-tuning', { method: 'prompt', classifier: 'shared' })).toThrow(/config \(prompt-tuning\)\.classifier must be "per-label", got "shared"/);
  });

  it('a stored prompt config without `prompt_pooling` (before the prompt mask) attends and pools every prompt row; a bad value is refused', () => {
    const base = { L: 3, P: 1, d: 8, E: 8, Cp: 8, widths: [8], lmax: 1, classifier: 'per-label' };
    const expectOf = (kind: 'ltuning-prompt' | 'prompt-tuning' | 'ltuning-prefix', c: Record<string, unknown>) => () => headEntry(kind).codec.expect({ ...base, ...c });
    expect(expectOf('ltuning-prompt', { method: 'lt-prompt' })).not.toThrow();
    expect(expectOf('ltuning-prompt', { method: 'lt-prompt', prompt_pooling: 'text' })).not.toThrow();
    expect(expectOf('prompt-tuning', { method: 'prompt', prompt_pooling: 'all' })).not.toThrow();
    expect(expectOf('ltuning-prompt', { method: 'lt-prompt', prompt_pooling: 'cls' })).toThrow(/config \(ltuning-prompt\)\.prompt_pooling must be "text" or "all", got "cls"/);
    expect(expectOf('ltuning-prefix', { method: 'lt-prefix', prompt_pooling: 'all' })).toThrow(/config \(ltuning-prefix\)\.prompt_pooling must be "text", got "all"/);
    expect(() => resolveEncoderTuning({ method: 'lt-prefix', spec, labels: L, labelStates, promptPooling: 'all' })).toThrow(/promptPooling must be "text", got "all"/);
  });
});

describe('the reference encoder: prompt mask and pooling over the text rows', () => {
  const E = spec.embedWidth;
  const b = text();
  const prompt = randn(b.B * 2 * E, 11, 0.5);
  const run = (data: Float64Array, promptMask: number[] | null, poolText = false) =>
    refForward(spec, { ids: b.ids, mask: b.mask, B: b.B, T: b.T, prompt: { length: 2, data }, promptMask, poolText });
  it('a masked prompt row changes nothing the text rows compute', () => {
    const moved = Float64Array.from(prompt);
    const kick = randn(E, 12, 2);
    for (let j = 0; j < E; j++) moved[(0 * 2 + 1) * E + j] += kick[j]; // text 0's second prompt row, masked
    const m = [1, 0, 1, 1];
    const a = run(prompt, m);
    const c = run(moved, m);
    const C = spec.hiddenSize;
    for (let t = 2; t < a.L; t++) for (let j = 0; j < C; j++) expect(c.tokens[t * C + j]).toBeCloseTo(a.tokens[t * C + j], 12);
    expect(Array.from(a.keep.subarray(0, a.L))).toEqual([1, 0, 1, 1, 1, 1]);
    // unmasked, the same change reaches the text rows
    const u = run(moved, null);
    expect(Math.abs(u.tokens[2 * C] - run(prompt, null).tokens[2 * C])).toBeGreaterThan(1e-6);
  });
  it('poolText leaves exactly the prompt rows out of the pooling mask', () => {
    const f = run(prompt, [1, 0, 1, 1], true);
    expect(Array.from(f.poolKeep)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(run(prompt, null).poolKeep)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });
});
