// The Encoder on the embedded default model, USE-lite converted by tools/convert-use-lite.ts into
// public/models/use-lite/: config.json read (512 wide, 128 tokens, pooled output), pooled = the model's
// sentence_embedding (not a mean of token states), pairs side by side, empty text = the package's empty-row
// vector, truncation to 128, batching invariance, and onnxruntime-node vs onnxruntime-web (wasm) agreement.
// The model is generated (never committed): a missing one fails with the command that makes it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import { encoderIdentity } from '../../src/encoder/identity';
import { Encoder } from '../../src/encoder/encoder';
import type { ModelFiles } from '../../src/encoder/model-files';
import type { EncodedExample } from '../../src/encoder/types';
import { expectClose } from '../helpers/close';

const DIR = join(process.cwd(), 'public', 'models', 'use-lite');

function loadUseLite(): ModelFiles {
  for (const f of ['model.onnx', 'tokenizer.json', 'config.json']) {
    if (!existsSync(join(DIR, f))) {
      throw new Error(`${join(DIR, f)} is missing: generate USE-lite with \`npx tsx tools/convert-use-lite.ts\` (or \`npm run setup\`)`);
    }
  }
  return {
    name: 'use-lite',
    model: new Uint8Array(readFileSync(join(DIR, 'model.onnx'))),
    tokenizerJson: JSON.parse(readFileSync(join(DIR, 'tokenizer.json'), 'utf8')),
    config: JSON.parse(readFileSync(join(DIR, 'config.json'), 'utf8')),
  };
}

const TEXTS = [
  'The movie was good.',
  'a gripping , funny and ultimately heartbreaking film',
  'Ünïcödé café ☃ — “quotes”',
  'it is a bad film',
  'x',
  'The quick brown fox jumps over the lazy dog. '.repeat(20).trim(), // > 128 tokens
];
const C = 512;
const norm = (v: Float32Array) => Math.hypot(...v);

describe('Encoder on USE-lite', () => {
  let files: ModelFiles;
  let node: Encoder;
  let web: Encoder;
  beforeAll(async () => {
    files = loadUseLite();
    node = await Encoder.load(files, { runtime: 'node' });
    web = await Encoder.load(files, { runtime: 'web', wasmThreads: 1 });
  }, 60_000);
  afterAll(async () => {
    await node?.dispose();
    await web?.dispose();
  });

  it('reads config.json: 512 wide, 128 tokens, own pooled output, no pair input', async () => {
    expect(node.info).toMatchObject({ name: 'use-lite', hiddenSize: C, maxTokens: 128, hasPooledOutput: true, hasPairInput: false, ep: 'cpu' });
    expect(node.info.modelSha256).toBe(files.config!.modelSha256);
    expect(node.info.hash).toBe((await encoderIdentity(files)).hash); // model + tokenizer + config + code version
    expect(node.tmax).toBe(128);
  });

  it('pooled is the model\'s sentence_embedding (unit norm, not the mean of token states); Tmax 128', async () => {
    const out = await node.encode(TEXTS.map((text) => ({ text })));
    const session = await ortNode.InferenceSession.create(files.model);
    try {
      for (const [i, text] of TEXTS.entries()) {
        const t = node.tokenizer.encode(text, undefined, 128);
        const n = t.ids.length;
        const big = (xs: number[]) => new ortNode.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, n]);
        const r = await session.run({ input_ids: big(t.ids), attention_mask: big(t.attentionMask) });
        expect(out[i].length).toBe(n);
        expectClose(out[i].pooled, r.sentence_embedding.data as Float32Array, 1e-5, 1e-4, `pooled ${i}`);
        expectClose(out[i].tokens, r.last_hidden_state.data as Float32Array, 1e-4, 1e-4, `tokens ${i}`);
        expect(norm(out[i].pooled)).toBeCloseTo(1, 4);
        const mean = new Float32Array(C);
        for (let k = 0; k < n; k++) for (let j = 0; j < C; j++) mean[j] += out[i].tokens[k * C + j] / n;
        const cos = mean.reduce((s, v, j) => s + v * out[i].pooled[j], 0) / norm(mean);
        expect(cos).toBeLessThan(0.99);
      }
      expect(out[5].length).toBe(128);
    } finally {
      await session.release();
    }
  }, 30_000);

  it('pairs side by side: rows of A then B, pooled = A\'s sentence embedding, pooledB = B\'s', async () => {
    const [pair, a, b] = await node.encode([
      { text: TEXTS[0], textPair: TEXTS[1] },
      { text: TEXTS[0] },
      { text: TEXTS[1] },
    ]);
    expect(pair.segmentA).toBe(a.length);
    expect(pair.length).toBe(a.length + b.length);
    expectClose(pair.tokens, [...a.tokens, ...b.tokens], 1e-5, 1e-4, 'pair tokens');
    expectClose(pair.pooled, a.pooled, 1e-5, 1e-4, 'pooled A');
    expectClose(pair.pooledB!, b.pooled, 1e-5, 1e-4, 'pooled B');
  });

  it('the empty text is one masked token whose pooled vector is normalise(tanh(b)), finite and unit norm', async () => {
    const [empty, pair] = await node.encode([{ text: '' }, { text: 'good', textPair: '' }]);
    expect(empty.length).toBe(1);
    expect(empty.pooled.every(Number.isFinite) && empty.tokens.every(Number.isFinite)).toBe(true);
    expect(norm(empty.pooled)).toBeCloseTo(1, 4);
    expectClose(pair.pooledB!, empty.pooled, 1e-5, 1e-4, 'empty side B');
  });

  it('batched encoding equals one-at-a-time encoding, in input order', async () => {
    const inputs = [...TEXTS, '', 'short'].map((text) => ({ text }));
    const [batched, single] = [await node.encode(inputs), await node.encode(inputs, { batchTokens: 1 })];
    batched.forEach((e: EncodedExample, i) => {
      expect(e.length).toBe(single[i].length);
      expectClose(e.pooled, single[i].pooled, 1e-5, 1e-4, `pooled ${i}`);
      expectClose(e.tokens, single[i].tokens, 1e-4, 1e-4, `tokens ${i}`);
    });
  });

  it('onnxruntime-node and onnxruntime-web (wasm) agree to 1e-4', async () => {
    const inputs = [...TEXTS.map((text) => ({ text })), { text: TEXTS[2], textPair: TEXTS[3] }];
    const [a, b] = [await node.encode(inputs), await web.encode(inputs)];
    expect(web.info.ep).toBe('wasm');
    a.forEach((e, i) => {
      expect(b[i].length).toBe(e.length);
      expectClose(b[i].pooled, e.pooled, 1e-4, 1e-4, `pooled ${i}`);
      expectClose(b[i].tokens, e.tokens, 1e-4, 1e-4, `tokens ${i}`);
    });
  }, 30_000);
});
