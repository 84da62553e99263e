// Forward parity of the float64 reference encoder (reference/model/encoder.ts) over the spec readEncoderSpec
// reads, against onnxruntime-node running the same model.onnx: the tiny BERT (in memory) and USE-lite
// (public/models/use-lite), for a single text, a padded batch of different lengths, and the maximum length.
// Criterion (issue 9): max |diff| <= 1e-4 * max |ort| and cosine >= 0.99999, for token states and the sentence
// vector (USE-lite's sentence_embedding; the tiny BERT has no pooled output, so its masked mean is compared).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanPoolForward } from '../../reference/meanpool';
import { forward } from '../../reference/model/encoder';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import type { EncoderSpec } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { tinyBertVariant, type Variant } from './model-graphs';

const USE_LITE = join(process.cwd(), 'public', 'models', 'use-lite', 'model.onnx');

interface Batch {
  B: number;
  T: number;
  ids: number[];
  mask: number[];
  types?: number[];
}

/** Rows of random ids (first id `first`, like [CLS]) right-padded with 0 to the longest. */
function batch(lengths: number[], vocab: number, seed: number, types = false): Batch {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
  const T = Math.max(...lengths);
  const ids: number[] = [];
  const mask: number[] = [];
  const tt: number[] = [];
  for (const n of lengths) {
    for (let t = 0; t < T; t++) {
      ids.push(t < n ? 3 + Math.floor(rnd() * (vocab - 3)) : 0);
      mask.push(t < n ? 1 : 0);
      tt.push(t < n && t >= n / 2 ? 1 : 0);
    }
  }
  return { B: lengths.length, T, ids, mask, types: types ? tt : undefined };
}

/** The same rows padded on the left instead. */
function leftPad(b: Batch): Batch {
  const ids: number[] = [];
  const mask: number[] = [];
  for (let r = 0; r < b.B; r++) {
    const n = b.mask.slice(r * b.T, (r + 1) * b.T).reduce((a, x) => a + x, 0);
    ids.push(...Array(b.T - n).fill(0), ...b.ids.slice(r * b.T, r * b.T + n));
    mask.push(...Array(b.T - n).fill(0), ...Array(n).fill(1));
  }
  return { ...b, ids, mask };
}

function compare(ref: ArrayLike<number>, ours: ArrayLike<number>) {
  let maxRef = 0;
  let maxDiff = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    maxDiff = Math.max(maxDiff, Math.abs(ref[i] - ours[i]));
    dot += ref[i] * ours[i];
    na += ref[i] * ref[i];
    nb += ours[i] * ours[i];
  }
  return { relMax: maxDiff / maxRef, cosine: dot / Math.sqrt(na * nb), maxDiff, maxRef };
}

/** Per example: compare row b of (B, n) arrays; returns the worst relMax and the lowest cosine. */
function compareRows(ref: ArrayLike<number>, ours: ArrayLike<number>, B: number) {
  const n = ref.length / B;
  let relMax = 0;
  let cosine = 1;
  for (let b = 0; b < B; b++) {
    const c = compare(Array.prototype.slice.call(ref, b * n, (b + 1) * n), Array.prototype.slice.call(ours, b * n, (b + 1) * n));
    relMax = Math.max(relMax, c.relMax);
    cosine = Math.min(cosine, c.cosine);
  }
  return { relMax, cosine };
}

const measured: string[] = [];

async function run(session: ort.InferenceSession, spec: EncoderSpec, b: Batch) {
  const i64 = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a, BigInt), [b.B, b.T]);
  const feeds: Record<string, ort.Tensor> = { [spec.io.inputIds]: i64(b.ids), [spec.io.attentionMask]: i64(b.mask) };
  if (spec.io.tokenTypeIds) feeds[spec.io.tokenTypeIds] = i64(b.types ?? new Array(b.B * b.T).fill(0));
  const out = await session.run(feeds);
  return { tokens: out[spec.io.tokens].data as Float32Array, pooled: spec.io.pooled ? (out[spec.io.pooled].data as Float32Array) : null };
}

function check(what: string, spec: EncoderSpec, b: Batch, ortOut: { tokens: Float32Array; pooled: Float32Array | null }) {
  const ref = forward(spec, { ids: b.ids, mask: b.mask, tokenTypeIds: b.types, B: b.B, T: b.T });
  const C = spec.hiddenSize;
  const tok = compareRows(ortOut.tokens, ref.tokens, b.B);
  let pooledOrt: ArrayLike<number>;
  let pooledRef: ArrayLike<number>;
  if (ortOut.pooled) {
    pooledOrt = ortOut.pooled;
    pooledRef = ref.pooled!;
  } else {
    // The app's rule for a model without a pooled output: masked mean of the token states.
    const m = Float64Array.from(b.mask);
    pooledOrt = meanPoolForward(Float64Array.from(ortOut.tokens), m, { B: b.B, T: b.T, C });
    pooledRef = meanPoolForward(ref.tokens, m, { B: b.B, T: b.T, C });
  }
  const pool = compareRows(pooledOrt, pooledRef, b.B);
  measured.push(`${what}: tokens max|diff|/max|ort| ${tok.relMax.toExponential(2)}, 1 - min cosine ${(1 - tok.cosine).toExponential(2)}; ` +
    `pooled ${pool.relMax.toExponential(2)}, ${(1 - pool.cosine).toExponential(2)}`);
  expect(tok.relMax, `${what}: token states max |diff| / max |ort|`).toBeLessThanOrEqual(1e-4);
  expect(tok.cosine, `${what}: token states cosine`).toBeGreaterThanOrEqual(0.99999);
  expect(pool.relMax, `${what}: pooled max |diff| / max |ort|`).toBeLessThanOrEqual(1e-4);
  expect(pool.cosine, `${what}: pooled cosine`).toBeGreaterThanOrEqual(0.99999);
}

afterAll(() => console.log(`reference vs onnxruntime-node:\n  ${measured.join('\n  ')}`));

describe('reference encoder vs onnxruntime: tiny BERT', () => {
  const tb = makeTinyBert();
  const spec = readEncoderSpec(tb.model);
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(tb.model);
  }, 60_000);
  const V = tb.vocab.length;
  const cases: [string, Batch][] = [
    ['single text', batch([9], V, 1)],
    ['padded batch (lengths 12, 3, 7, 1) with token types', batch([12, 3, 7, 1], V, 2, true)],
    ['maximum length (64) next to a short row', batch([64, 5], V, 3, true)],
  ];
  for (const [what, b] of cases) it(what, async () => check(`tiny BERT ${what}`, spec, b, await run(session, spec, b)), 60_000);

  // The exporter-form variants the reader test reads into the same spec are real graphs computing the same
  // function: onnxruntime runs them, and the reference over their spec matches.
  const variants: [string, Variant][] = [
    ['Hugging Face form', { layerNorm: 'decomposed', gelu: 'hf', scale: 'div-scores', positions: 'gather-ids', maskBias: -3.4028234663852886e38, pooler: true }],
    ['SDPA form', { scale: 'sdpa', maskForm: 'where', maskBias: -3.4028234663852886e38 }],
    ['masked_fill form', { maskForm: 'masked-fill', scale: 'mul-q' }],
  ];
  for (const [what, v] of variants) {
    it(`${what} variant`, async () => {
      const bytes = tinyBertVariant(tb.config, tb.weights, v);
      const s = readEncoderSpec(bytes);
      const b = batch([12, 3, 7], V, 8, true);
      check(`tiny BERT ${what} variant`, s, b, await run(await ort.InferenceSession.create(bytes), s, b));
    }, 60_000);
  }
});

describe('reference encoder vs onnxruntime: USE-lite', () => {
  if (!existsSync(USE_LITE)) throw new Error(`${USE_LITE} is missing: generate it with \`npx tsx tools/convert-use-lite.ts\``);
  const bytes = new Uint8Array(readFileSync(USE_LITE));
  const spec = readEncoderSpec(bytes);
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(bytes);
  }, 60_000);
  const V = spec.vocabSize;
  const cases: [string, Batch][] = [
    ['single text', batch([11], V, 4)],
    ['padded batch (lengths 17, 4, 9)', batch([17, 4, 9], V, 5)],
    ['maximum length (128)', batch([128], V, 6)],
    ['past the maximum (133 tokens: the graph masks positions >= 128)', batch([133], V, 7)],
    ['left padding (positions are cumsum(mask) - 1)', leftPad(batch([10, 6], V, 9))],
  ];
  for (const [what, b] of cases) it(what, async () => check(`USE-lite ${what}`, spec, b, await run(session, spec, b)), 120_000);
});
