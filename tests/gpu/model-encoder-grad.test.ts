// The WGSL encoder's backward against the float64 reference encoder (reference/model, itself checked against
// central finite differences): every weight gradient of a trained encoder, and the gradients a frozen encoder
// gives prompt vectors and per-layer prefix keys/values (shared and per example), on the tiny BERT (post-LN,
// mean pooling by the app's rule) and a one-layer slice of USE-lite (pre-LN, projected skip, ReLU, tanh + L2
// pooling), through token states and pooled vector together, with padding in the batch.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WgslEncoder, type EncoderExtras, type ExtrasGrads } from '../../src/model/encoder';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import type { EncoderSpec } from '../../src/model/spec';
import { backward as refBackward, forward as refForward } from '../../reference/model/encoder';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import type { TokenBatch } from '../../src/model/inputs';
import { testEngine } from '../helpers/gpu';
import { randomTokenBatch } from '../helpers/token-batch';
import { randn } from '../helpers/rng';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';

const batch = randomTokenBatch;

/**
 * max |got - want| <= tol * max(max|want|, floor): float32 vs float64, relative to the tensor's own scale. `floor`
 * covers gradients that are exactly 0 in exact arithmetic (the key bias: softmax ignores a shift shared by all
 * keys), where float32 leaves rounding noise at the scale of the neighbouring gradients.
 */
function expectGradClose(got: Float32Array, want: Float64Array, what: string, floor = 0, tol = 2e-3) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  }
  if (floor === 0) expect(maxRef, `${what}: reference gradient is not all zero`).toBeGreaterThan(0);
  const scale = Math.max(maxRef, floor);
  expect(maxDiff / scale, `${what}: max|diff| ${maxDiff.toExponential(2)} vs max|ref| ${maxRef.toExponential(2)}`).toBeLessThanOrEqual(tol);
}

/** Upstream gradients on real token rows (padding rows get 0: their states are meaningless) and pooled. */
function upstream(spec: EncoderSpec, keep: ArrayLike<number>, B: number, T: number, pooledWidth: number, seed: number) {
  const C = spec.hiddenSize;
  const dTokens = randn(B * T * C, seed);
  for (let r = 0; r < B * T; r++) if (!keep[r]) dTokens.fill(0, r * C, (r + 1) * C);
  return { dTokens, dPooled: randn(B * pooledWidth, seed + 1) };
}

async function checkWeights(spec: EncoderSpec, b: TokenBatch, what: string) {
  const e = await testEngine();
  const enc = new WgslEncoder(e, spec, { trainable: true });
  const fwd = enc.forward(b, true);
  const ref = refForward(spec, { ids: b.ids, mask: b.mask, tokenTypeIds: b.tokenTypes, B: b.B, T: b.T });
  const up = upstream(spec, ref.keep, b.B, b.T, enc.pooledWidth, 11);
  const dTokens = e.tensor([b.B, b.T, spec.hiddenSize], 'dTokens', Float32Array.from(up.dTokens));
  const dPooled = e.tensor([b.B, enc.pooledWidth], 'dPooled', Float32Array.from(up.dPooled));
  void fwd;
  enc.backward(dTokens, dPooled);
  // The app's pooled vector for a model without pooling is the masked mean: give the reference the same
  // upstream gradient through its token states.
  let refDTokens = up.dTokens;
  if (!ref.pooled) {
    refDTokens = Float64Array.from(up.dTokens);
    const C = spec.hiddenSize;
    for (let r = 0; r < b.B; r++) {
      let n = 0;
      for (let t = 0; t < b.T; t++) n += ref.keep[r * b.T + t];
      for (let t = 0; t < b.T; t++) {
        if (!ref.keep[r * b.T + t]) continue;
        for (let j = 0; j < C; j++) refDTokens[(r * b.T + t) * C + j] += up.dPooled[r * C + j] / Math.max(n, 1);
      }
    }
  }
  const grads = refBackward(ref.cache, refDTokens, ref.pooled ? up.dPooled : null);
  for (const p of enc.params) {
    const name = p.name.replace(/^encoder\./, '');
    const want = grads.dWeights.get(name)!;
    // The key bias has a zero gradient (a shift shared by every key): compare at the scale of the key weights'.
    const keyBias = /\.k\.b$/.test(name);
    const floor = keyBias ? Math.max(...grads.dWeights.get(name.replace(/b$/, 'W'))!.map(Math.abs)) * 1e-3 : 0;
    if (keyBias) expect(Math.max(...want.map(Math.abs)), `${what}: d${name} is 0 in exact arithmetic`).toBeLessThan(1e-10);
    expectGradClose(await p.grad.read(), want, `${what}: d${name}`, floor);
  }
  dTokens.release();
  dPooled.release();
  enc.dispose();
}

async function checkExtras(spec: EncoderSpec, b: TokenBatch, P: number, shared: boolean, what: string) {
  const e = await testEngine();
  const enc = new WgslEncoder(e, spec);
  const E = spec.embedWidth;
  const n = shared ? 1 : b.B;
  const promptData = randn(n * P * E, 21);
  const keysData = spec.layers.map((L, l) => randn(n * P * L.heads * L.headDim, 30 + l));
  const valuesData = spec.layers.map((L, l) => randn(n * P * L.heads * L.headDim, 40 + l));
  const up32 = (d: Float64Array, label: string) => e.tensor([d.length], label, Float32Array.from(d));
  const extras: EncoderExtras = {
    prompt: { P, value: up32(promptData, 'prompt'), shared },
    prefix: { P, keys: keysData.map((d, l) => up32(d, `pk${l}`)), values: valuesData.map((d, l) => up32(d, `pv${l}`)), shared },
  };
  const grads: ExtrasGrads = {
    dPrompt: e.zeros([promptData.length], 'dPrompt'),
    dPrefixKeys: keysData.map((d, l) => e.zeros([d.length], `dpk${l}`)),
    dPrefixValues: valuesData.map((d, l) => e.zeros([d.length], `dpv${l}`)),
    accumulate: true,
  };
  const fwd = enc.forward(b, true, extras);
  expect(fwd.T).toBe(b.T + P);
  // The reference takes per-example extras: broadcast shared ones.
  const perExample = (d: Float64Array) => (shared ? Float64Array.from({ length: b.B * d.length }, (_, i) => d[i % d.length]) : d);
  const ref = refForward(spec, {
    ids: b.ids,
    mask: b.mask,
    tokenTypeIds: b.tokenTypes,
    B: b.B,
    T: b.T,
    prompt: { length: P, data: perExample(promptData) },
    prefix: { length: P, layers: spec.layers.map((_, l) => ({ k: perExample(keysData[l]), v: perExample(valuesData[l]) })) },
  });
  const tokens = await fwd.tokens.read();
  const C = spec.hiddenSize;
  // Forward: real rows (prompt rows included) agree.
  let maxDiff = 0;
  let maxRef = 0;
  for (let r = 0; r < b.B * fwd.T; r++) {
    if (!ref.keep[r]) continue;
    for (let j = 0; j < C; j++) {
      maxRef = Math.max(maxRef, Math.abs(ref.tokens[r * C + j]));
      maxDiff = Math.max(maxDiff, Math.abs(tokens[r * C + j] - ref.tokens[r * C + j]));
    }
  }
  expect(maxDiff / maxRef, `${what}: forward with prompt + prefix`).toBeLessThanOrEqual(1e-4);
  const up = upstream(spec, ref.keep, b.B, fwd.T, enc.pooledWidth, 12);
  const dTokens = e.tensor([b.B, fwd.T, C], 'dTokens', Float32Array.from(up.dTokens));
  enc.backward(dTokens, null, false, grads);
  const rg = refBackward(ref.cache, up.dTokens, null);
  const fold = (d: Float64Array, size: number) => {
    if (!shared) return d;
    const out = new Float64Array(size);
    for (let i = 0; i < d.length; i++) out[i % size] += d[i];
    return out;
  };
  expectGradClose(await grads.dPrompt!.read(), fold(rg.dPrompt!, promptData.length), `${what}: dPrompt`);
  for (let l = 0; l < spec.layers.length; l++) {
    expectGradClose(await grads.dPrefixKeys![l].read(), fold(rg.dPrefix![l].k, keysData[l].length), `${what}: dPrefixKeys[${l}]`);
    expectGradClose(await grads.dPrefixValues![l].read(), fold(rg.dPrefix![l].v, valuesData[l].length), `${what}: dPrefixValues[${l}]`);
  }
  expect(enc.params.length).toBe(0);
  dTokens.release();
  for (const t of [extras.prompt!.value, ...extras.prefix!.keys, ...extras.prefix!.values, grads.dPrompt!, ...grads.dPrefixKeys!, ...grads.dPrefixValues!]) t.release();
  enc.dispose();
}

const bert = tinyBertSpec(makeTinyBert());

describe('WGSL encoder backward vs the float64 reference: tiny BERT', () => {
  it('every weight gradient (padded batch, token types, token states + pooled)', async () => {
    await checkWeights(bert, batch(bert, [6, 2, 9], 9, 1, true), 'tiny BERT');
  });
  it('prompt and prefix gradients of a frozen encoder, per example', async () => {
    await checkExtras(bert, batch(bert, [5, 3], 5, 2, true), 3, false, 'tiny BERT');
  });
  it('prompt and prefix gradients of a frozen encoder, shared by the batch', async () => {
    await checkExtras(bert, batch(bert, [4, 7, 2], 7, 3, false), 2, true, 'tiny BERT shared');
  });
});

describe('WGSL encoder backward vs the float64 reference: USE-lite (first layer only)', () => {
  const full = readEncoderSpec(new Uint8Array(readFileSync('public/models/use-lite/model.onnx')));
  // Layer 0 alone (width 256 -> 512 with the projected skip) keeps the float64 reference fast; the pooling tail
  // reads the 512-wide output as in the full model.
  const spec: EncoderSpec = { ...full, layers: [full.layers[0]] };
  it('every weight gradient, and prompt + prefix gradients', async () => {
    await checkWeights(spec, batch(spec, [5, 2], 5, 4, false), 'USE-lite L0');
    await checkExtras(spec, batch(spec, [4, 2], 4, 5, false), 2, false, 'USE-lite L0');
  });
});
