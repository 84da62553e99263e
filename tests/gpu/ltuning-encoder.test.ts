// The frozen-encoder tuning heads on the GPU (LT-prefix, LT-prompt, prefix and prompt tuning) against their
// float64 references: logits and every parameter gradient, with a pair list and with all labels, on the tiny
// BERT (two layers, padding, token types) and on a one-layer slice of USE-lite (tanh + L2 pooling, label states
// 512 wide mapped to 256-wide prompt rows); no encoder weight gets a gradient; bad batches are refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encoderTuningBackwardRef, encoderTuningForwardRef, type RefTextBatch } from '../../reference/heads/ltuning-encoder';
import { EncoderTuningHead } from '../../src/heads/ltuning-encoder';
import { exportHead, importHead, type HeadMeta } from '../../src/heads/serialize';
import { encoderTuningInit, encoderTuningParamSpecs, resolveEncoderTuning, type EncoderTuningClassifier, type EncoderTuningMethod, type PromptPooling } from '../../src/heads/ltuning-encoder-config';
import type { HeadBatch } from '../../src/heads/head';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import type { EncoderSpec } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 3e-3) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  }
  expect(maxRef, `${what}: reference is not all zero`).toBeGreaterThan(0);
  expect(maxDiff / maxRef, `${what}: max|diff| ${maxDiff.toExponential(2)} vs max|ref| ${maxRef.toExponential(2)}`).toBeLessThanOrEqual(tol);
}

async function check(spec: EncoderSpec, method: EncoderTuningMethod, text: RefTextBatch, pairs: number[] | null, L: number, what: string, classifier: EncoderTuningClassifier = 'per-label', promptPooling: PromptPooling = 'text') {
  const e = await testEngine();
  const d = spec.hiddenSize;
  const labelStates = Array.from({ length: L }, (_, l) => ({ tokens: randn(((l % 3) + 1) * d, 60 + l, 20), length: (l % 3) + 1 }));
  const r = resolveEncoderTuning({ method, spec, labels: L, P: 2, labelStates, seed: 1, classifier, promptPooling });
  const init = encoderTuningInit(r);
  encoderTuningParamSpecs(r).forEach(({ name }, i) => {
    const n = randn(init[name].length, 200 + i, 0.2);
    init[name] = init[name].map((v, j) => Math.fround(v + n[j]));
  });
  const head = new EncoderTuningHead(e, { method, spec, labels: L, P: 2, labelStates, seed: 1, classifier, promptPooling }, init);
  expect(head.encoder.params.length, 'frozen encoder').toBe(0);
  const ref = encoderTuningForwardRef(r, init, text, pairs);
  const w = randn(text.B * L, 9);
  // Entries the pair list does not score carry no gradient (as the trainer's match weights make sure).
  if (pairs && head.scoresPairs) for (let i = 0; i < w.length; i++) if (ref.logits[i] === 0) w[i] = 0;
  const refGrads = encoderTuningBackwardRef(ref.cache, w);
  const mask = e.tensor([text.B, text.T], 'mask', Float32Array.from(text.mask));
  const batch: HeadBatch = {
    B: text.B,
    T: text.T,
    tokens: e.tensor([text.B, text.T, 0], 'tokens'),
    mask,
    pooled: e.tensor([text.B, 0], 'pooled'),
    pooledB: null,
    ids: { B: text.B, T: text.T, ids: Uint32Array.from(text.ids), mask: Float32Array.from(text.mask), tokenTypes: text.tokenTypes ? Uint32Array.from(text.tokenTypes) : null },
    pairs: pairs ? Uint32Array.from(pairs) : undefined,
  };
  const logits = head.forward(e, batch, true);
  expectNear(await logits.read(), ref.logits, `${what} ${method} logits`);
  const dLogits = e.tensor([text.B, L], 'dLogits', Float32Array.from(w));
  head.backward(e, batch, dLogits);
  for (const p of head.params) expectNear(await p.grad.read(), refGrads[p.name], `${what} ${method} d${p.name}`, 5e-3);
  // Evaluation (no pair list, no backward) scores every label.
  const all = encoderTuningForwardRef(r, init, text, null).logits;
  expectNear(await head.forward(e, { ...batch, pairs: undefined }, false).read(), all, `${what} ${method} all labels`);
  for (const t of [mask, batch.tokens, batch.pooled, dLogits]) t.release();
  head.dispose();
}

const bert = tinyBertSpec(makeTinyBert());
const bertText: RefTextBatch = { B: 2, T: 5, ids: [2, 9, 14, 7, 3, 2, 11, 3, 0, 0], mask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], tokenTypes: [0, 0, 0, 1, 1, 0, 0, 1, 0, 0] };

describe('frozen-encoder tuning heads on the GPU vs the float64 reference: tiny BERT', () => {
  for (const method of ['lt-prefix', 'lt-prompt', 'prefix', 'prompt'] as const) {
    it(`${method}: logits and every gradient (pair list), then all labels`, async () => {
      await check(bert, method, bertText, [2, 0, 1, 2], 3, 'tiny BERT');
    });
  }
  for (const method of ['lt-prefix', 'lt-prompt'] as const) {
    it(`${method} with one shared classifier row (files from before per-label rows): logits and every gradient`, async () => {
      await check(bert, method, bertText, [2, 0, 1, 2], 3, 'tiny BERT', 'shared', method === 'lt-prompt' ? 'all' : 'text');
    });
  }
  for (const method of ['lt-prompt', 'prompt'] as const) {
    it(`${method} with every prompt row attended and pooled (files from before the prompt mask): logits and every gradient`, async () => {
      await check(bert, method, bertText, [2, 0, 1, 2], 3, 'tiny BERT', 'per-label', 'all');
    });
  }
});

describe('frozen-encoder tuning heads on the GPU vs the float64 reference: USE-lite layer 0', () => {
  const full = readEncoderSpec(new Uint8Array(readFileSync('public/models/use-lite/model.onnx')));
  const spec: EncoderSpec = { ...full, layers: [full.layers[0]] };
  const text: RefTextBatch = { B: 2, T: 3, ids: [40, 51, 77, 12, 0, 0], mask: [1, 1, 1, 1, 0, 0], tokenTypes: null };
  for (const method of ['lt-prefix', 'lt-prompt', 'prompt'] as const) {
    it(`${method}: logits and every gradient (512-wide label states, 256-wide inputs, L2 pooling over the text rows)`, async () => {
      await check(spec, method, text, [1, 0, 0, 1], 2, 'USE-lite L0');
    });
  }
  it('lt-prompt with every prompt row attended and pooled: logits and every gradient', async () => {
    await check(spec, 'lt-prompt', text, [1, 0, 0, 1], 2, 'USE-lite L0', 'per-label', 'all');
  });
  it('a joint pair (a ++ b with the tokenizer\'s 0/1 segment ids) runs without types on a model that has none', async () => {
    const e = await testEngine();
    const head = new EncoderTuningHead(e, { method: 'prompt', spec, labels: 2, P: 1 });
    const mk = (types: Uint32Array | null): HeadBatch => ({
      B: 1, T: 4, tokens: e.tensor([1, 4, 0], 't'), mask: e.tensor([1, 4], 'm'), pooled: e.tensor([1, 0], 'p'), pooledB: null,
      ids: { B: 1, T: 4, ids: Uint32Array.from([40, 51, 77, 12]), mask: Float32Array.from([1, 1, 1, 1]), tokenTypes: types },
    });
    const a = await head.forward(e, mk(Uint32Array.from([0, 0, 1, 1])), false).read();
    const b = await head.forward(e, mk(null), false).read();
    expect(Array.from(a)).toEqual(Array.from(b));
    head.dispose();
  });
});

describe('frozen-encoder tuning heads: bad batches', () => {
  it('refuses a batch without token ids and a bad pair list', async () => {
    const e = await testEngine();
    const labelStates = [1, 2].map((n, l) => ({ tokens: randn(n * bert.hiddenSize, l), length: n }));
    const head = new EncoderTuningHead(e, { method: 'lt-prefix', spec: bert, labels: 2, labelStates });
    const base = { B: 1, T: 2, tokens: e.tensor([1, 2, 0], 't'), mask: e.tensor([1, 2], 'm'), pooled: e.tensor([1, 0], 'p'), pooledB: null };
    expect(() => head.forward(e, base, false)).toThrow(/no token ids/);
    const ids = { B: 1, T: 2, ids: Uint32Array.from([2, 3]), mask: Float32Array.from([1, 1]), tokenTypes: null };
    expect(() => head.forward(e, { ...base, ids, pairs: Uint32Array.from([1, 1]) }, true)).toThrow(/repeats a label/);
    expect(() => head.forward(e, { ...base, ids, pairs: Uint32Array.from([5]) }, true)).toThrow(/out of range/);
    head.dispose();
  });
});

describe('frozen-encoder tuning heads: export and import', () => {
  const HASH = 'ab'.repeat(32);
  const meta = (L: number): HeadMeta => ({
    labels: Array.from({ length: L }, (_, i) => `l${i}`),
    labelTexts: Array.from({ length: L }, (_, i) => `label ${i}`),
    encoder: { name: 'tiny-bert', hash: HASH },
    tokenizer: { tmax: 16, pair: 'none' },
    training: {},
    metrics: { accuracy: 0.5, macroF1: 0.5, loss: 1 },
  });
  const roundTrips: [EncoderTuningMethod, EncoderTuningClassifier, PromptPooling][] = [
    ['lt-prefix', 'per-label', 'text'], ['lt-prompt', 'per-label', 'text'], ['prefix', 'per-label', 'text'], ['prompt', 'per-label', 'text'], ['lt-prompt', 'shared', 'all'], ['prompt', 'per-label', 'all'],
  ];
  for (const [method, classifier, promptPooling] of roundTrips) {
    it(`${method} (${classifier} classifier, prompt pooling ${promptPooling}): a file round-trips to the same logits on the base encoder, and needs that encoder`, async () => {
      const e = await testEngine();
      const L = 3;
      const labelStates = Array.from({ length: L }, (_, l) => ({ tokens: randn((l + 1) * bert.hiddenSize, 80 + l, 10), length: l + 1 }));
      const head = new EncoderTuningHead(e, { method, spec: bert, labels: L, P: 2, labelStates, seed: 5, classifier, promptPooling });
      const bytes = await exportHead(head, meta(L));
      const { head: back } = importHead(e, bytes, { encoderHash: HASH, encoderName: 'tiny-bert', encoderSpec: bert });
      expect(back.kind).toBe(head.kind);
      expect((back as EncoderTuningHead).config.classifier).toBe(classifier);
      expect((back as EncoderTuningHead).config.promptPooling).toBe(promptPooling);
      const t = bertText;
      const batch: HeadBatch = {
        B: t.B, T: t.T, tokens: e.tensor([t.B, t.T, 0], 'tokens'), mask: e.tensor([t.B, t.T], 'mask', Float32Array.from(t.mask)), pooled: e.tensor([t.B, 0], 'pooled'), pooledB: null,
        ids: { B: t.B, T: t.T, ids: Uint32Array.from(t.ids), mask: Float32Array.from(t.mask), tokenTypes: Uint32Array.from(t.tokenTypes!) },
      };
      const a = await head.forward(e, batch, false).read();
      const b = await back.forward(e, batch, false).read();
      // The label states are stored normalised; renormalising them on load moves them by float32 rounding only.
      expectNear(b, a, `${method} round trip`, 1e-5);
      expect(() => importHead(e, bytes, { encoderHash: HASH, encoderName: 'tiny-bert' })).toThrow(/base encoder's graph/);
      const oneLayer = tinyBertSpec(makeTinyBert({ layers: 1 }));
      expect(() => importHead(e, bytes, { encoderHash: HASH, encoderSpec: oneLayer })).toThrow(/encoder of widths/);
      for (const x of [batch.tokens, batch.mask, batch.pooled]) x.release();
      head.dispose();
      back.dispose();
    });
  }
});
