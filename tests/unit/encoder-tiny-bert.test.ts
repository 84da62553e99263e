// The Encoder end to end on the tiny BERT (built in memory by tools/make-tiny-bert.ts) and on a tiny
// pair-less model with its own pooled output: onnxruntime-node vs onnxruntime-web (wasm EP in Node), pairs
// through the pair input and side by side, batching and order, truncation, the feature cache, progress,
// cancellation, serialised runs and the interface / EP errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import { Encoder } from '../../src/encoder/encoder';
import { MemoryCacheStore } from '../../src/encoder/cache-store-memory';
import { FeatureCache } from '../../src/encoder/feature-cache';
import type { ModelFiles } from '../../src/encoder/model-files';
import type { EncodedExample, EncodeProgress, FeatureStore } from '../../src/encoder/types';
import { Graph } from '../../tools/onnx';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { expectClose } from '../helpers/close';

const tb = makeTinyBert();
const bertFiles: ModelFiles = { name: 'tiny-bert', model: tb.model, tokenizerJson: tb.tokenizerJson, config: tb.configJson };
const C = 32;

const TEXTS = [
  'The movie was good.',
  '',
  'a',
  'Ünïcödé café ☃ — “quotes” and 12345 digits!',
  'the plot was boring but the acting was brilliant, and the director made a beautiful film about life',
  'bad',
  'what a terrible , awful , dull movie',
  'the film '.repeat(40).trim(), // 80 tokens: longer than the model's 64 positions
  '   ',
  'Great fun!!!',
];
const INPUTS = TEXTS.map((text) => ({ text }));
const PAIRS = [
  { text: 'the movie was good', textPair: 'a great film' },
  { text: 'bad', textPair: '' },
  { text: '', textPair: 'the plot was boring' },
];

/** A Map-backed FeatureStore that counts gets and puts. */
function mapStore() {
  const m = new Map<string, EncodedExample>();
  const store: FeatureStore & { gets: number; puts: number; map: typeof m } = {
    gets: 0,
    puts: 0,
    map: m,
    async get(k) { store.gets++; return m.get(k) ?? null; },
    async put(k, v) { store.puts++; m.set(k, v); },
  };
  return store;
}

function expectExamplesClose(a: EncodedExample[], b: EncodedExample[], atol: number, what: string) {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(x.length, `${what} ${i}: length`).toBe(b[i].length);
    expect(x.segmentA, `${what} ${i}: segmentA`).toBe(b[i].segmentA);
    expectClose(x.tokens, b[i].tokens, atol, atol, `${what} ${i}: tokens`);
    expectClose(x.pooled, b[i].pooled, atol, atol, `${what} ${i}: pooled`);
    if (b[i].pooledB) expectClose(x.pooledB!, b[i].pooledB!, atol, atol, `${what} ${i}: pooledB`);
  });
}

describe('Encoder on the tiny BERT', () => {
  let node: Encoder;
  let web: Encoder;
  beforeAll(async () => {
    node = await Encoder.load(bertFiles, { runtime: 'node' });
    web = await Encoder.load(bertFiles, { runtime: 'web', epPolicy: 'wasm', wasmThreads: 1 });
  }, 60_000);
  afterAll(async () => {
    await node?.dispose();
    await web?.dispose();
  });

  it('reports what it loaded and which EP runs it', () => {
    expect(node.info).toMatchObject({ name: 'tiny-bert', hiddenSize: 32, hasPooledOutput: false, hasPairInput: true, maxTokens: 64, ep: 'cpu' });
    expect(web.info.ep).toBe('wasm');
    expect(node.info.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(web.info.hash).toBe(node.info.hash);
    expect(node.epDescription).toBe('onnxruntime-node cpu');
    expect(web.epDescription).toBe('onnxruntime-web wasm');
  });

  it('onnxruntime-node and onnxruntime-web (wasm) agree to 1e-4, singles and pairs', async () => {
    const inputs = [...INPUTS, ...PAIRS];
    const [a, b] = [await node.encode(inputs), await web.encode(inputs)];
    expectExamplesClose(a, b, 1e-4, 'node vs web');
  });

  it('each example equals a direct run of its own token ids; pooled is the mean of its token states', async () => {
    const out = await node.encode(INPUTS);
    const session = await ortNode.InferenceSession.create(tb.model);
    try {
      for (const [i, text] of TEXTS.entries()) {
        const t = node.tokenizer.encode(text, undefined, 64);
        const n = t.ids.length;
        const big = (xs: number[]) => new ortNode.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, n]);
        const r = await session.run({ input_ids: big(t.ids), attention_mask: big(t.attentionMask), token_type_ids: big(t.typeIds) });
        expect(out[i].length).toBe(n);
        expectClose(out[i].tokens, r.last_hidden_state.data as Float32Array, 1e-5, 1e-5, `text ${i}`);
        const mean = new Float64Array(C);
        for (let k = 0; k < n; k++) for (let j = 0; j < C; j++) mean[j] += out[i].tokens[k * C + j] / n;
        expectClose(out[i].pooled, mean, 1e-6, 1e-6, `pooled ${i}`);
      }
    } finally {
      await session.release();
    }
  });

  it('pairs use the pair input: one [CLS] a [SEP] b [SEP] sequence whose B part sees token type 1', async () => {
    const [ex] = await node.encode([PAIRS[0]]);
    const t = node.tokenizer.encode(PAIRS[0].text, PAIRS[0].textPair, 64);
    expect(ex.length).toBe(t.ids.length);
    expect(ex.segmentA).toBeUndefined();
    expect(ex.pooledB).toBeUndefined();
    expect(t.typeIds).toContain(1);
    // The same ids with all type ids 0 give different states: token_type_ids reached the model.
    const n = t.ids.length;
    const s = node.session;
    const zeros = await s.run(s.feeds(1, n, BigInt64Array.from(t.ids.map(BigInt)), new BigInt64Array(n).fill(1n)));
    const withTypes = await s.run(s.feeds(1, n, BigInt64Array.from(t.ids.map(BigInt)), new BigInt64Array(n).fill(1n), BigInt64Array.from(t.typeIds.map(BigInt))));
    expectClose(ex.tokens, withTypes.hidden, 1e-5, 1e-5, 'pair');
    const lastRow = (a: Float32Array) => a.slice((n - 1) * C, n * C);
    expect(Math.max(...lastRow(zeros.hidden).map((v, j) => Math.abs(v - lastRow(withTypes.hidden)[j])))).toBeGreaterThan(1e-2);
  });

  it('batching restores input order and equals one-at-a-time encoding', async () => {
    const inputs = [...INPUTS, ...PAIRS, ...INPUTS.slice(0, 4)];
    const runs0 = node.session.runs;
    const batched = await node.encode(inputs, { batchTokens: 256, maxBatch: 8 });
    const batchRuns = node.session.runs - runs0;
    const single = await node.encode(inputs, { batchTokens: 1 });
    expect(node.session.runs - runs0 - batchRuns).toBe(inputs.length); // one run per sequence
    expect(batchRuns).toBeLessThan(inputs.length / 2);
    expectExamplesClose(batched, single, 1e-5, 'batched vs single');
  });

  it('truncates to Tmax (per call, clipped to the model\'s 64 positions)', async () => {
    const long = TEXTS[7];
    expect(node.tokenizer.tokenIds(long).length).toBeGreaterThan(64);
    const [full, t16, huge] = [await node.encode([{ text: long }]), await node.encode([{ text: long }], { tmax: 16 }), await node.encode([{ text: long }], { tmax: 1000 })];
    expect(full[0].length).toBe(64);
    expect(t16[0].length).toBe(16);
    expect(huge[0].length).toBe(64);
    const short = await Encoder.load(bertFiles, { runtime: 'node', tmax: 10 });
    try {
      expect(short.tmax).toBe(10);
      expect((await short.encode([{ text: long }, PAIRS[0]])).map((e) => e.length)).toEqual([10, 10]);
    } finally {
      await short.dispose();
    }
  });

  it('empty and whitespace-only texts encode as [CLS] [SEP]', async () => {
    const out = await node.encode([{ text: '' }, { text: '   ' }]);
    expect(out.map((e) => e.length)).toEqual([2, 2]);
    expectClose(out[0].tokens, out[1].tokens, 0, 0, 'empty vs spaces');
  });

  it('with a cache, the second encode of the same inputs runs the model 0 times and returns the same features', async () => {
    const cache = mapStore();
    const inputs = [...INPUTS, ...PAIRS];
    const progress: EncodeProgress[] = [];
    const runs0 = node.session.runs;
    const first = await node.encode(inputs, { cache });
    expect(node.session.runs).toBeGreaterThan(runs0);
    expect(cache.puts).toBe(inputs.length);
    const runs1 = node.session.runs;
    const second = await node.encode(inputs, { cache, onProgress: (p) => progress.push(p) });
    expect(node.session.runs).toBe(runs1);
    expect(cache.puts).toBe(inputs.length);
    expectExamplesClose(second, first, 0, 'cached');
    expect(progress.at(-1)).toMatchObject({ done: inputs.length, total: inputs.length, cached: inputs.length, etaSeconds: 0 });
    // Only misses are encoded: two new texts -> puts + 2; a different Tmax is a different key.
    await node.encode([...inputs, { text: 'new one' }, { text: 'another new one' }], { cache });
    expect(cache.puts).toBe(inputs.length + 2);
    await node.encode(inputs.slice(0, 3), { cache, tmax: 8 });
    expect(cache.puts).toBe(inputs.length + 5);
  });

  it('with the real FeatureCache (float16 entries, memory store) a second encode runs 0 times', async () => {
    const cache = await FeatureCache.open({ store: new MemoryCacheStore() });
    try {
      const inputs = [...INPUTS, ...PAIRS];
      const first = await node.encode(inputs, { cache });
      const runs = node.session.runs;
      const second = await node.encode(inputs, { cache });
      expect(node.session.runs).toBe(runs);
      expectExamplesClose(second, first, 2e-3, 'float16 cache'); // |x| <~ 4: float16 rounding <= 2e-3
    } finally {
      await cache.close();
    }
  });

  it('a cached entry of the wrong width reads as a miss and is re-encoded', async () => {
    const cache = mapStore();
    await node.encode([INPUTS[0]], { cache });
    const [key] = [...cache.map.keys()];
    cache.map.set(key, { tokens: new Float32Array(3), length: 1, pooled: new Float32Array(3) });
    const runs = node.session.runs;
    const [ex] = await node.encode([INPUTS[0]], { cache });
    expect(node.session.runs).toBe(runs + 1);
    expect(ex.pooled.length).toBe(C);
  });

  it('reports progress: done/total, texts per second, ETA (NaN before the first batch) and cached count', async () => {
    const progress: EncodeProgress[] = [];
    const inputs = [...INPUTS, ...INPUTS, ...INPUTS];
    await node.encode(inputs, { batchTokens: 64, onProgress: (p) => progress.push({ ...p }) });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[0]).toMatchObject({ done: 0, total: inputs.length, cached: 0, textsPerSecond: 0 });
    expect(progress[0].etaSeconds).toBeNaN();
    for (let k = 1; k < progress.length; k++) expect(progress[k].done).toBeGreaterThanOrEqual(progress[k - 1].done);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ done: inputs.length, total: inputs.length, cached: 0, etaSeconds: 0 });
    expect(last.textsPerSecond).toBeGreaterThan(0);
    const mid = progress.find((p) => p.done > 0 && p.done < inputs.length)!;
    expect(mid.etaSeconds).toBeCloseTo((inputs.length - mid.done) / mid.textsPerSecond, 6);
  });

  it('cancels between batches with an AbortError (and before starting when already aborted)', async () => {
    const ctrl = new AbortController();
    const runs0 = node.session.runs;
    const err = await node.encode([...INPUTS, ...INPUTS], {
      batchTokens: 1,
      signal: ctrl.signal,
      onProgress: (p) => { if (p.done >= 1) ctrl.abort(); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
    expect((err as Error).message).toMatch(/encoding cancelled after \d+ of 20 texts/);
    expect(node.session.runs - runs0).toBeLessThanOrEqual(2);
    const runs1 = node.session.runs;
    await expect(node.encode(INPUTS, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(node.session.runs).toBe(runs1);
  });

  it('serialises session runs: concurrent encodes never overlap inside onnxruntime', async () => {
    const inner = (web.session as unknown as { session: { run: (...a: unknown[]) => Promise<unknown> } }).session;
    const original = inner.run.bind(inner);
    let inFlight = 0;
    let maxInFlight = 0;
    inner.run = async (...args: unknown[]) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await original(...args);
      } finally {
        inFlight--;
      }
    };
    try {
      const results = await Promise.all([1, 2, 3].map(() => web.encode(INPUTS, { batchTokens: 32 })));
      expect(maxInFlight).toBe(1);
      expectExamplesClose(results[1], results[0], 0, 'concurrent');
    } finally {
      inner.run = original;
    }
  });

  it('rejects bad inputs with the index of the offending input', async () => {
    await expect(node.encode([{ text: 'ok' }, { text: 3 as unknown as string }])).rejects.toThrow(/input 1 must be \{ text: string, textPair\?: string \}/);
  });
});

/** A tiny pair-less model with its own pooled output: states = E[ids] * mask, sentence_embedding = 2 * state of token 0. */
function pooledModel(): { files: ModelFiles; E: Float32Array } {
  const V = 9;
  const E = Float32Array.from({ length: V * 4 }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
  const g = new Graph('pooled');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const x = g.node('Gather', [g.initializer('E', E, [V, 4]), ids], { axis: 0 });
  const h = g.node('Mul', [x, g.node('Unsqueeze', [g.node('Cast', [mask], { to: 1 }), g.constInt64([-1])])], {}, 'last_hidden_state');
  const first = g.node('Squeeze', [g.node('Slice', [h, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]), g.constInt64([1])]);
  g.node('Mul', [first, g.constFloat([2], [])], {}, 'sentence_embedding');
  g.output('last_hidden_state', 'float', ['batch', 'seq', 4]);
  g.output('sentence_embedding', 'float', ['batch', 4]);
  const pieces = ['<unk>', '▁the', '▁movie', '▁good', '▁a', 'a', 'b', 'c', '▁'];
  const tokenizerJson = {
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: null,
    added_tokens: [],
    model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, p === '<unk>' ? 0 : -1 - i]) },
  };
  return { files: { name: 'pooled-mini', model: g.toBytes(), tokenizerJson, config: { max_tokens: 16 } }, E };
}

describe('Encoder on a pair-less model with a pooled output (USE-lite shape)', () => {
  const { files, E } = pooledModel();
  const row = (id: number, scale = 1) => Array.from(E.slice(id * 4, id * 4 + 4), (v) => v * scale);

  it('pooled is the model\'s sentence_embedding; pairs are encoded side by side; empty text is one masked pad token', async () => {
    for (const runtime of ['node', 'web'] as const) {
      const enc = await Encoder.load(files, { runtime, wasmThreads: 1 });
      try {
        expect(enc.info).toMatchObject({ hasPooledOutput: true, hasPairInput: false, hiddenSize: 4, maxTokens: 16 });
        const [single, pair, empty] = await enc.encode([
          { text: 'the movie' },
          { text: 'good movie', textPair: 'a' },
          { text: '', textPair: '' },
        ]);
        expect(single.length).toBe(2);
        expectClose(single.tokens, [...row(1), ...row(2)], 1e-6, 0, `${runtime} tokens`);
        expectClose(single.pooled, row(1, 2), 1e-6, 0, `${runtime} pooled = sentence_embedding`);
        expect(single.segmentA).toBeUndefined();
        expect(pair).toMatchObject({ length: 3, segmentA: 2 });
        expectClose(pair.tokens, [...row(3), ...row(2), ...row(4)], 1e-6, 0, `${runtime} pair tokens`);
        expectClose(pair.pooled, row(3, 2), 1e-6, 0, `${runtime} pooled A`);
        expectClose(pair.pooledB!, row(4, 2), 1e-6, 0, `${runtime} pooled B`);
        // The model sees a masked pad token: its states (E[pad] * 0) and its own pooled output (zeros here).
        expect(empty).toMatchObject({ length: 2, segmentA: 1 });
        expectClose(empty.tokens, new Float32Array(8), 1e-6, 0, `${runtime} empty = masked pad`);
        expectClose(empty.pooledB!, new Float32Array(4), 1e-6, 0, `${runtime} empty pooled`);
      } finally {
        await enc.dispose();
      }
    }
  }, 30_000);
});

describe('Encoder.load errors', () => {
  it('names expected and found inputs for a model without attention_mask', async () => {
    const g = new Graph('no-mask');
    const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
    g.node('Gather', [g.initializer('E', new Float32Array(8 * 4), [8, 4]), ids], { axis: 0 }, 'last_hidden_state');
    g.output('last_hidden_state', 'float', ['batch', 'seq', 4]);
    const files: ModelFiles = { name: 'no-mask', model: g.toBytes(), tokenizerJson: tb.tokenizerJson };
    await expect(Encoder.load(files, { runtime: 'node' })).rejects.toThrow(
      'model "no-mask" has inputs [input_ids]; expected input_ids and attention_mask (and optionally token_type_ids) (missing attention_mask)',
    );
  });

  it('says so when the bytes are not an ONNX model', async () => {
    await expect(Encoder.load({ ...bertFiles, model: new TextEncoder().encode('<html>404</html>') }, { runtime: 'node' })).rejects.toThrow(
      /model "tiny-bert": onnxruntime-node could not create a session on the cpu EP/,
    );
  });

  it('never falls back silently: WebGPU asked for where there is none, or a web EP on onnxruntime-node', async () => {
    await expect(Encoder.load(bertFiles, { runtime: 'web', epPolicy: 'webgpu' })).rejects.toThrow(/WebGPU EP was requested but WebGPU is missing here/);
    await expect(Encoder.load(bertFiles, { runtime: 'node', epPolicy: 'wasm' })).rejects.toThrow(/EP policy "wasm" needs onnxruntime-web/);
  });

  it('a disposed encoder refuses to encode', async () => {
    const enc = await Encoder.load(bertFiles, { runtime: 'node' });
    await enc.dispose();
    await expect(enc.encode(INPUTS)).rejects.toThrow(/encoder "tiny-bert" was disposed/);
  });
});
