// The WGSL encoder's forward against onnxruntime-node on the same model.onnx and the same token ids: the tiny
// BERT (post-LN, learned positions, token types, erf GELU) and the embedded USE-lite (pre-LN, timing signal,
// projected skip, ReLU, tanh + L2 pooling). Token states (real rows) and the sentence vector must match to
// max|diff| <= 1e-4 of the tensor's max and cosine >= 0.99999, for a single text, a padded batch and the
// maximum length. Also: recompute gives the same gradients as keeping activations, and buffers are released.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { WgslEncoder } from '../../src/model/encoder';
import type { TokenBatch } from '../../src/model/inputs';
import type { EncoderSpec } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { testEngine } from '../helpers/gpu';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';
import { mulberry32 } from '../../src/data/random';

const tb = makeTinyBert();
const bertSpec = tinyBertSpec(tb);

/** A padded batch with the given real lengths, random ids in [1, V), types 0/1 for BERT. */
function randomBatch(spec: EncoderSpec, lengths: number[], T: number, seed: number, types: boolean): TokenBatch {
  const rand = mulberry32(seed);
  const B = lengths.length;
  const ids = new Uint32Array(B * T);
  const mask = new Float32Array(B * T);
  const tokenTypes = types ? new Uint32Array(B * T) : null;
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = 1 + Math.floor(rand() * (spec.vocabSize - 1));
      mask[b * T + t] = 1;
      if (tokenTypes) tokenTypes[b * T + t] = t >= n / 2 ? 1 : 0;
    }
  });
  return { B, T, ids, mask, tokenTypes };
}

async function runOrt(model: Uint8Array, spec: EncoderSpec, b: TokenBatch) {
  const session = await ort.InferenceSession.create(model);
  const big = (a: ArrayLike<number>) => BigInt64Array.from(Array.from(a, (x) => BigInt(x)));
  const feeds: Record<string, ort.Tensor> = {
    [spec.io.inputIds]: new ort.Tensor('int64', big(b.ids), [b.B, b.T]),
    [spec.io.attentionMask]: new ort.Tensor('int64', big(b.mask), [b.B, b.T]),
  };
  if (spec.io.tokenTypeIds) feeds[spec.io.tokenTypeIds] = new ort.Tensor('int64', big(b.tokenTypes ?? new Uint32Array(b.B * b.T)), [b.B, b.T]);
  const out = await session.run(feeds);
  const tokens = out[spec.io.tokens].data as Float32Array;
  const C = spec.hiddenSize;
  let pooled: Float32Array;
  if (spec.io.pooled) pooled = out[spec.io.pooled].data as Float32Array;
  else {
    // The app's rule (src/encoder/batching.ts maskedMeanRows): masked mean, count floor 1, in float64.
    pooled = new Float32Array(b.B * C);
    for (let r = 0; r < b.B; r++) {
      let n = 0;
      const acc = new Float64Array(C);
      for (let t = 0; t < b.T; t++) {
        if (!b.mask[r * b.T + t]) continue;
        n++;
        for (let j = 0; j < C; j++) acc[j] += tokens[(r * b.T + t) * C + j];
      }
      for (let j = 0; j < C; j++) pooled[r * C + j] = acc[j] / Math.max(n, 1);
    }
  }
  await session.release();
  return { tokens, pooled };
}

/** Rows where `rowMask` is 1, each of width C. */
function realRows(x: Float32Array, rowMask: Float32Array, C: number): Float32Array {
  const out: number[] = [];
  rowMask.forEach((m, r) => {
    if (m) for (let j = 0; j < C; j++) out.push(x[r * C + j]);
  });
  return Float32Array.from(out);
}

function expectParity(got: Float32Array, want: Float32Array, what: string) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let maxRef = 0;
  let maxDiff = 0;
  let dot = 0;
  let ng = 0;
  let nw = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    dot += got[i] * want[i];
    ng += got[i] * got[i];
    nw += want[i] * want[i];
  }
  const cos = dot / Math.sqrt(ng * nw);
  expect(maxDiff / maxRef, `${what}: max|diff| / max|ref| (max|diff| ${maxDiff.toExponential(2)})`).toBeLessThanOrEqual(1e-4);
  expect(cos, `${what}: cosine`).toBeGreaterThanOrEqual(0.99999);
}

async function checkForward(model: Uint8Array, spec: EncoderSpec, b: TokenBatch, what: string) {
  const e = await testEngine();
  const enc = new WgslEncoder(e, spec);
  const fwd = enc.forward(b);
  const tokens = await fwd.tokens.read();
  const pooled = await fwd.pooled.read();
  const ref = await runOrt(model, spec, b);
  const C = spec.hiddenSize;
  expectParity(realRows(tokens, fwd.maskHost, C), realRows(ref.tokens, fwd.maskHost, C), `${what}: token states`);
  expectParity(pooled, ref.pooled, `${what}: sentence vector`);
  enc.dispose();
}

describe('WGSL encoder forward vs onnxruntime: tiny BERT', () => {
  it('a single text', async () => {
    await checkForward(tb.model, bertSpec, randomBatch(bertSpec, [7], 7, 1, true), 'single');
  });
  it('a padded batch of different lengths', async () => {
    await checkForward(tb.model, bertSpec, randomBatch(bertSpec, [5, 12, 1, 9], 12, 2, true), 'padded');
  });
  it('the maximum length', async () => {
    await checkForward(tb.model, bertSpec, randomBatch(bertSpec, [64, 30], 64, 3, true), 'max length');
  });
});

const USE_LITE = 'public/models/use-lite/model.onnx';
describe('WGSL encoder forward vs onnxruntime: USE-lite', () => {
  it('single text, padded batch and 128 tokens', async () => {
    expect(existsSync(USE_LITE), `${USE_LITE} is generated by npm test's setup`).toBe(true);
    const model = new Uint8Array(readFileSync(USE_LITE));
    const { readEncoderSpec } = await import('../../src/model/onnx-reader');
    const spec = readEncoderSpec(model);
    await checkForward(model, spec, randomBatch(spec, [9], 9, 4, false), 'single');
    await checkForward(model, spec, randomBatch(spec, [3, 20, 11], 20, 5, false), 'padded');
    await checkForward(model, spec, randomBatch(spec, [128, 40], 128, 6, false), 'max length');
  });
});

describe('WGSL encoder backward bookkeeping', () => {
  it('recompute gives the same weight gradients as kept activations, and every buffer comes back', async () => {
    const e = await testEngine();
    const b = randomBatch(bertSpec, [6, 3], 6, 7, true);
    const grads: Float32Array[][] = [];
    await e.sync();
    const liveBefore = e.pool.liveCount;
    for (const recompute of [false, true]) {
      const enc = new WgslEncoder(e, bertSpec, { trainable: true, recompute });
      const fwd = enc.forward(b, true);
      const dPooled = e.tensor([b.B, enc.pooledWidth], 'dPooled', Float32Array.from({ length: b.B * enc.pooledWidth }, (_, i) => Math.sin(i)));
      enc.backward(null, dPooled);
      dPooled.release();
      void fwd;
      grads.push(await Promise.all(enc.params.map((p) => p.grad.read())));
      enc.dispose();
      expect(e.pool.liveCount, `buffers still live after dispose (recompute ${recompute})`).toBe(liveBefore);
    }
    grads[0].forEach((g, i) => {
      const h = grads[1][i];
      expect(h.length).toBe(g.length);
      let maxDiff = 0;
      let maxRef = 0;
      for (let j = 0; j < g.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(g[j] - h[j]));
        maxRef = Math.max(maxRef, Math.abs(g[j]));
      }
      expect(maxDiff, `param ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, maxRef));
    });
    expect(grads[0].some((g) => g.some((x) => x !== 0))).toBe(true);
  });
});
