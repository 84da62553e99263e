// tools/make-tiny-bert.ts: the generated ONNX graph against a float64 JS forward of the same weights (catches
// graph wiring mistakes: head split, mask, positions, token types, GELU, layer norms), determinism, the
// tokenizer.json it writes (loaded by @huggingface/tokenizers) and the files the CLI writes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { erf } from '../../reference/gelu';
import { readEncoderConfig } from '../../src/encoder/model-files';
import { makeTinyBert, writeTinyBert, type TinyBert } from '../../tools/make-tiny-bert';
import { expectClose } from '../helpers/close';

/** float64 forward of Hugging Face BertModel (post-LN, exact GELU) for ONE unpadded sequence -> (T, C). */
function referenceForward(tb: TinyBert, ids: number[], typeIds: number[]): Float64Array {
  const { hidden: C, heads: H, intermediate: I, layerNormEps: eps } = tb.config;
  const w = tb.weights;
  const T = ids.length;
  const dh = C / H;
  const linear = (x: Float64Array, W: Float32Array, b: Float32Array, inp: number, out: number) => {
    const y = new Float64Array(T * out);
    for (let t = 0; t < T; t++) for (let j = 0; j < out; j++) {
      let s = b[j];
      for (let k = 0; k < inp; k++) s += x[t * inp + k] * W[k * out + j];
      y[t * out + j] = s;
    }
    return y;
  };
  const layerNorm = (x: Float64Array, g: Float32Array, b: Float32Array) => {
    const y = new Float64Array(T * C);
    for (let t = 0; t < T; t++) {
      let mean = 0;
      for (let j = 0; j < C; j++) mean += x[t * C + j] / C;
      let v = 0;
      for (let j = 0; j < C; j++) v += (x[t * C + j] - mean) ** 2 / C;
      for (let j = 0; j < C; j++) y[t * C + j] = ((x[t * C + j] - mean) / Math.sqrt(v + eps)) * g[j] + b[j];
    }
    return y;
  };
  const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

  let x = new Float64Array(T * C);
  for (let t = 0; t < T; t++) for (let j = 0; j < C; j++) {
    x[t * C + j] = w.word[ids[t] * C + j] + w.position[t * C + j] + w.tokenType[typeIds[t] * C + j];
  }
  x = layerNorm(x, w.embLnG, w.embLnB);
  for (const L of w.layers) {
    const q = linear(x, L.q, L.qb, C, C);
    const k = linear(x, L.k, L.kb, C, C);
    const v = linear(x, L.v, L.vb, C, C);
    const ctx = new Float64Array(T * C);
    for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
      const s = new Float64Array(T);
      for (let j = 0; j < T; j++) {
        let d = 0;
        for (let e = 0; e < dh; e++) d += q[i * C + h * dh + e] * k[j * C + h * dh + e];
        s[j] = d / Math.sqrt(dh);
      }
      const m = Math.max(...s);
      const p = s.map((z) => Math.exp(z - m));
      const sum = p.reduce((a, b) => a + b, 0);
      for (let j = 0; j < T; j++) for (let e = 0; e < dh; e++) ctx[i * C + h * dh + e] += (p[j] / sum) * v[j * C + h * dh + e];
    }
    x = layerNorm(add(linear(ctx, L.o, L.ob, C, C), x), L.ln1g, L.ln1b);
    const up = linear(x, L.up, L.upb, C, I).map((z) => 0.5 * z * (1 + erf(z / Math.SQRT2)));
    x = layerNorm(add(linear(up, L.down, L.downb, I, C), x), L.ln2g, L.ln2b);
  }
  return x;
}

describe('tiny BERT generator', () => {
  const tb = makeTinyBert();

  it('has the agreed shape: ~100-300 WordPiece tokens, hidden 32, 2 layers, 2 heads, FFN 64, 64 positions', () => {
    expect(tb.vocab.length).toBeGreaterThanOrEqual(100);
    expect(tb.vocab.length).toBeLessThanOrEqual(300);
    expect(tb.vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(tb.vocab).toContain('##s');
    expect(tb.config).toMatchObject({ hidden: 32, layers: 2, heads: 2, intermediate: 64, maxPositions: 64 });
    expect(readEncoderConfig('tiny-bert', tb.configJson)).toEqual({ hiddenSize: 32, maxTokens: 64, pooledOutput: undefined, padTokenId: 0 });
  });

  it('is deterministic per seed (byte-identical model) and differs across seeds', () => {
    expect(Buffer.from(makeTinyBert().model).equals(Buffer.from(tb.model))).toBe(true);
    expect(Buffer.from(makeTinyBert({ seed: 7 }).model).equals(Buffer.from(tb.model))).toBe(false);
  });

  it('onnxruntime-node last_hidden_state matches a float64 JS forward on a padded pair batch', async () => {
    const session = await ort.InferenceSession.create(tb.model);
    try {
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
      expect(session.outputNames).toEqual(['last_hidden_state']);
      // Three sequences of different lengths, one with token types 1, padded to 9 with random junk ids so
      // that a mask bug would show.
      const seqs = [
        { ids: [2, 50, 60, 70, 3], types: [0, 0, 0, 0, 0] },
        { ids: [2, 100, 101, 3, 120, 121, 122, 130, 3], types: [0, 0, 0, 0, 1, 1, 1, 1, 1] },
        { ids: [2, 3], types: [0, 0] },
      ];
      const S = 9;
      const ids = new BigInt64Array(3 * S);
      const mask = new BigInt64Array(3 * S);
      const types = new BigInt64Array(3 * S);
      seqs.forEach((s, r) => {
        for (let t = 0; t < S; t++) {
          const real = t < s.ids.length;
          ids[r * S + t] = BigInt(real ? s.ids[t] : 10 + ((r * 7 + t * 13) % 150));
          mask[r * S + t] = real ? 1n : 0n;
          types[r * S + t] = BigInt(real ? s.types[t] : 1);
        }
      });
      const out = await session.run({
        input_ids: new ort.Tensor('int64', ids, [3, S]),
        attention_mask: new ort.Tensor('int64', mask, [3, S]),
        token_type_ids: new ort.Tensor('int64', types, [3, S]),
      });
      const h = out.last_hidden_state;
      expect(h.dims).toEqual([3, S, 32]);
      const data = h.data as Float32Array;
      seqs.forEach((s, r) => {
        const ref = referenceForward(tb, s.ids, s.types);
        expectClose(data.subarray(r * S * 32, (r * S + s.ids.length) * 32), ref, 1e-4, 1e-4, `row ${r}`);
      });
      // The outputs are O(1) and vary: the comparison is not trivially satisfied.
      const ref1 = referenceForward(tb, seqs[1].ids, seqs[1].types);
      expect(Math.max(...ref1.map(Math.abs))).toBeGreaterThan(0.5);
    } finally {
      await session.release();
    }
  });

  it('writes a tokenizer.json that @huggingface/tokenizers runs as BERT does (lowercase, ## pieces, templates)', () => {
    const tok = new Tokenizer(tb.tokenizerJson, {});
    const single = tok.encode('The MOVIES were great!');
    expect(single.tokens).toEqual(['[CLS]', 'the', 'movie', '##s', 'were', 'great', '!', '[SEP]']);
    const pair = tok.encode('Bad film', { text_pair: 'no fun', return_token_type_ids: true });
    expect(pair.tokens).toEqual(['[CLS]', 'bad', 'film', '[SEP]', 'no', 'fun', '[SEP]']);
    expect(pair.token_type_ids).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(tok.encode('café ☃').tokens).toEqual(['[CLS]', 'c', '##a', '##f', '##e', '[UNK]', '[SEP]']);
  });

  it('the CLI writer puts model.onnx, tokenizer.json, config.json and a generated notice in the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tiny-bert-'));
    try {
      await writeTinyBert(dir);
      expect(Buffer.from(await readFile(join(dir, 'model.onnx'))).equals(Buffer.from(tb.model))).toBe(true);
      expect(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'))).toEqual(tb.tokenizerJson);
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toMatchObject({ hidden_size: 32, max_position_embeddings: 64 });
      expect(await readFile(join(dir, 'GENERATED.txt'), 'utf8')).toMatch(/do not edit/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
