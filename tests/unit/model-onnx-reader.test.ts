// readEncoderSpec (src/model/onnx-reader.ts) on the tiny BERT (in memory), USE-lite (public/models/use-lite),
// Hugging Face-style variants of the tiny BERT (decomposed LayerNorm, erf GELU in another order, Div scale,
// position_ids Gather, float-min mask bias, a [CLS] pooler), a model with every name changed, and broken
// graphs, each of which must fail with a message naming what did not match and where.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { readEncoderSpec, UnsupportedGraphError } from '../../src/model/onnx-reader';
import { checkSpecShapes } from '../../src/model/onnx-spec-check';
import { specParameterCount, specTensors, type EncoderSpec, type Tensor } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { DEFAULT_PACKAGE_DIR } from '../../tools/convert-use-lite';
import { readUseLiteSpec } from '../../tools/use-lite/read-spec';
import { TfGraph } from '../../tools/use-lite/tfjs-graph';
import { renameEverything, tinyBertVariant, type Variant } from './model-graphs';

const { onnx } = onnxProto;
const USE_LITE = join(process.cwd(), 'public', 'models', 'use-lite', 'model.onnx');

function loadUseLite(): Uint8Array {
  if (!existsSync(USE_LITE)) throw new Error(`${USE_LITE} is missing: generate it with \`npx tsx tools/convert-use-lite.ts\``);
  return new Uint8Array(readFileSync(USE_LITE));
}

/** Initializers decoded independently of the reader (always copied, via DataView). */
function initializers(bytes: Uint8Array): Map<string, { data: Float32Array; offset: number }> {
  const m = onnx.ModelProto.decode(bytes);
  const out = new Map<string, { data: Float32Array; offset: number }>();
  for (const t of m.graph!.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || !t.rawData?.byteLength) continue;
    // A fresh aligned copy of the little-endian bytes (the test hosts are little-endian).
    out.set(t.name!, { data: new Float32Array(new Uint8Array(t.rawData).buffer), offset: t.rawData.byteOffset });
  }
  return out;
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Every spec tensor equals (the column slice of) the initializer its source names. */
function expectTensorsFromInitializers(spec: EncoderSpec, bytes: Uint8Array) {
  const inits = initializers(bytes);
  for (const { name, tensor } of specTensors(spec)) {
    const src = inits.get(tensor.source.name);
    expect(src, `${name}: initializer ${tensor.source.name}`).toBeDefined();
    const { dims, colStart = 0, cols } = tensor.source;
    let expected = src!.data;
    if (cols !== undefined) {
      if (dims.length === 1) expected = expected.slice(colStart, colStart + cols);
      else {
        const e = new Float32Array(dims[0] * cols);
        for (let r = 0; r < dims[0]; r++) e.set(src!.data.subarray(r * dims[1] + colStart, r * dims[1] + colStart + cols), r * cols);
        expected = e;
      }
    }
    expect(firstMismatch(tensor.data, expected), `${name} (${tensor.source.name}) first mismatch`).toBe(-1);
    expect(tensor.shape.reduce((a, b) => a * b, 1), `${name}: shape`).toBe(tensor.data.length);
  }
}

const tb = makeTinyBert();

function expectTinyBertWeights(spec: EncoderSpec) {
  const w = tb.weights;
  const eq = (t: Tensor | null | undefined, want: Float32Array, what: string) => expect(firstMismatch(t!.data, want), what).toBe(-1);
  eq(spec.embeddings.word, w.word, 'word');
  expect(spec.embeddings.position.kind).toBe('learned');
  if (spec.embeddings.position.kind === 'learned') eq(spec.embeddings.position.table, w.position, 'position');
  eq(spec.embeddings.tokenType, w.tokenType, 'token type');
  eq(spec.embeddings.norm!.gamma, w.embLnG, 'emb ln gamma');
  eq(spec.embeddings.norm!.beta, w.embLnB, 'emb ln beta');
  expect(spec.layers.length).toBe(w.layers.length);
  spec.layers.forEach((L, i) => {
    const W = w.layers[i];
    const pairs: [Tensor | null, Float32Array, string][] = [
      [L.q.W, W.q, 'q'], [L.q.b, W.qb, 'qb'], [L.k.W, W.k, 'k'], [L.k.b, W.kb, 'kb'], [L.v.W, W.v, 'v'], [L.v.b, W.vb, 'vb'],
      [L.attnOut.W, W.o, 'o'], [L.attnOut.b, W.ob, 'ob'], [L.ln1.gamma, W.ln1g, 'ln1g'], [L.ln1.beta, W.ln1b, 'ln1b'],
      [L.ffnIn.W, W.up, 'up'], [L.ffnIn.b, W.upb, 'upb'], [L.ffnOut.W, W.down, 'down'], [L.ffnOut.b, W.downb, 'downb'],
      [L.ln2.gamma, W.ln2g, 'ln2g'], [L.ln2.beta, W.ln2b, 'ln2b'],
    ];
    for (const [t, want, what] of pairs) eq(t, want, `layer ${i} ${what}`);
    expect(L.norm).toBe('post');
    expect(L.heads).toBe(2);
    expect(L.headDim).toBe(16);
    expect(L.scale).toBeCloseTo(0.25, 7);
    expect(L.activation).toBe('gelu');
    expect(L.skip).toBeNull();
    expect(L.ln1.eps).toBeCloseTo(1e-12, 18);
  });
}

describe('readEncoderSpec: tiny BERT', () => {
  const spec = readEncoderSpec(tb.model);

  it('reads the architecture and every weight of the fixture', () => {
    expect(spec.family).toBe('bert');
    expect([spec.vocabSize, spec.embedWidth, spec.hiddenSize, spec.maxTokens]).toEqual([tb.vocab.length, 32, 32, 64]);
    expect(spec.maskBias).toBe(-1e9);
    expect(spec.embeddings.wordScale).toBe(1);
    expect(spec.embeddings.positionFrom).toBe('index');
    expect(spec.pooling).toBeNull();
    expect(spec.io).toEqual({ inputIds: 'input_ids', attentionMask: 'attention_mask', tokenTypeIds: 'token_type_ids', tokens: 'last_hidden_state', pooled: null });
    expectTinyBertWeights(spec);
    expectTensorsFromInitializers(spec, tb.model);
  });

  it('returns views into the model bytes for aligned initializers and copies only the unaligned ones', () => {
    const offsets = new Map([...initializers(tb.model)].map(([n, v]) => [n, v.offset]));
    let views = 0;
    for (const { name, tensor } of specTensors(spec)) {
      const aligned = (tb.model.byteOffset + offsets.get(tensor.source.name)!) % 4 === 0;
      expect(tensor.data.buffer === tb.model.buffer, `${name}: view iff aligned`).toBe(aligned);
      if (aligned) views++;
    }
    expect(views).toBeGreaterThan(0);
  });

  const variants: [string, Variant][] = [
    ['decomposed LayerNorm', { layerNorm: 'decomposed' }],
    ['Hugging Face export form (decomposed LN, erf GELU reordered, Div scale, position_ids Gather, float-min mask, [CLS] pooler)',
      { layerNorm: 'decomposed', gelu: 'hf', scale: 'div-scores', positions: 'gather-ids', maskBias: -3.4028234663852886e38, pooler: true }],
    ['scale on q', { scale: 'mul-q' }],
    ['scale split over q and k', { scale: 'sqrt-both', maskBias: -10000 }],
    ['masked_fill form (Where on the scores, DistilBERT)', { maskForm: 'masked-fill', scale: 'div-scores', maskBias: -3.4028234663852886e38 }],
    ['SDPA export form (Sqrt(1/sqrt(dh)) nodes on q and k, Where mask)', { scale: 'sdpa', maskForm: 'where', maskBias: -3.4028234663852886e38, layerNorm: 'decomposed', gelu: 'hf' }],
  ];
  for (const [what, v] of variants) {
    it(`reads the same spec from the ${what}`, () => {
      const bytes = tinyBertVariant(tb.config, tb.weights, v);
      const s = readEncoderSpec(bytes);
      expectTinyBertWeights(s);
      expect(s.maskBias).toBeCloseTo(v.maskBias ?? -1e9, -30);
      expect(s.pooling).toBeNull();
      expect(s.io.tokens).toBe('last_hidden_state');
      expect(s.embeddings.norm!.eps).toBeCloseTo(1e-12, 18);
      expectTensorsFromInitializers(s, bytes);
    });
  }

  it('does not depend on names: every node, value and initializer renamed reads to the same tensors', () => {
    const { bytes, map } = renameEverything(tb.model);
    const s = readEncoderSpec(bytes);
    expect(s.io).toEqual({ inputIds: map.get('input_ids'), attentionMask: map.get('attention_mask'), tokenTypeIds: map.get('token_type_ids'), tokens: map.get('last_hidden_state'), pooled: null });
    const a = specTensors(spec);
    const b = specTensors(s);
    expect(b.map((t) => t.name)).toEqual(a.map((t) => t.name));
    a.forEach((t, i) => {
      expect(firstMismatch(b[i].tensor.data, t.tensor.data), t.name).toBe(-1);
      expect(b[i].tensor.source.name).toBe(map.get(t.tensor.source.name));
    });
    expectTinyBertWeights(s);
  });

  it('reads ReLU layers as relu', () => {
    const s = readEncoderSpec(tinyBertVariant(tb.config, tb.weights, { gelu: 'relu' }));
    expect(s.layers.map((l) => l.activation)).toEqual(['relu', 'relu']);
  });
});

describe('readEncoderSpec: broken graphs name what did not match and where', () => {
  const cases: [string, Variant | Uint8Array, RegExp][] = [
    ['a missing Softmax', { softmax: false }, /layer 0: expected Softmax after the attention scores \(MatMul node "[^"]+"\), found MatMul node/],
    ['an unknown activation (SiLU)', { gelu: 'silu' }, /layer 0: the FFN activation \(ops Sigmoid, Mul, from Sigmoid node "[^"]+"\) is neither GELU \(erf\) nor ReLU/],
    ['a quantized projection', { quantizeLayer: 1 }, /DynamicQuantizeLinear node "[^"]+" is a quantized op; the reader needs float32 weights/],
    ['positions from a graph input', { positions: 'input' }, /embeddings: found 2 embeddings gathered by graph inputs \(token_type_ids, position_ids\).*positions given as an input are not supported/],
    ['RoBERTa-style positions from the token ids', { positions: 'from-ids' }, /embeddings: the position ids read by Gather node "[^"]+" are computed from the token ids \(RoBERTa-style/],
    ['not an ONNX model', new Uint8Array([1, 2, 3, 4, 5]), /the bytes are not an ONNX model/],
  ];
  for (const [what, v, re] of cases) {
    it(what, () => {
      const bytes = v instanceof Uint8Array ? v : tinyBertVariant(tb.config, tb.weights, v);
      let err: unknown;
      try {
        readEncoderSpec(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsupportedGraphError);
      expect((err as UnsupportedGraphError).code).toBe('UNSUPPORTED_GRAPH');
      expect((err as Error).message).toMatch(re);
    });
  }

  it('a broken layer after a good one names that layer', () => {
    // The SiLU in layer 1 only: build layer 0 with GELU by renaming nothing but patching the graph.
    const m = onnx.ModelProto.decode(tinyBertVariant(tb.config, tb.weights, { gelu: 'relu' }));
    const relus = m.graph!.node!.filter((n) => n.opType === 'Relu');
    relus[1].opType = 'Softplus';
    expect(() => readEncoderSpec(onnx.ModelProto.encode(m).finish())).toThrow(/layer 1: the FFN activation contains Softplus node "[^"]+", which is not an elementwise op the reader knows/);
  });
});

describe('readEncoderSpec: USE-lite', () => {
  const bytes = loadUseLite();
  const spec = readEncoderSpec(bytes);

  it('reads the pre-LN architecture, constants and pooling tail from the graph', () => {
    expect(spec.family).toBe('use-lite');
    expect([spec.vocabSize, spec.embedWidth, spec.hiddenSize, spec.maxTokens]).toEqual([8002, 256, 512, 128]);
    expect(spec.maskBias).toBe(-1e9);
    const e = spec.embeddings;
    expect(e.wordScale).toBe(2);
    expect(e.positionFrom).toBe('cumsum');
    expect(e.tokenType).toBeNull();
    expect(e.norm).toBeNull();
    expect(e.position.kind).toBe('sinusoid');
    if (e.position.kind === 'sinusoid') {
      expect(e.position.invTimescales.length).toBe(128);
      expect(e.position.order).toBe('sin-cos');
      expect(e.position.scale).toBe(1);
      expect(e.position.invTimescales[0]).toBeCloseTo(1, 6);
    }
    expect(spec.layers.map((l) => [l.norm, l.inWidth, l.outWidth, l.heads, l.headDim, l.activation, l.skip !== null])).toEqual([
      ['pre', 256, 512, 4, 64, 'relu', true],
      ['pre', 512, 512, 4, 128, 'relu', false],
    ]);
    spec.layers.forEach((l) => {
      expect(l.scale).toBeCloseTo(1 / Math.sqrt(l.headDim), 7);
      expect(l.ln1.eps).toBeCloseTo(1e-6, 12);
      // q | k | v are column slices of one fused initializer, in order.
      expect([l.q.W.source.colStart, l.k.W.source.colStart, l.v.W.source.colStart]).toEqual([0, l.heads * l.headDim, 2 * l.heads * l.headDim]);
      expect(l.q.W.source.name).toBe(l.v.W.source.name);
    });
    expect(spec.pooling).toEqual({ kind: 'mean', minCount: 1, dense: [expect.objectContaining({ in: 512, out: 512 })], l2: { eps: expect.closeTo(1e-12, 18) } });
    expect(spec.io).toEqual({ inputIds: 'input_ids', attentionMask: 'attention_mask', tokenTypeIds: null, tokens: 'last_hidden_state', pooled: 'sentence_embedding' });
  });

  it('every tensor equals its initializer (or column slice) in model.onnx', () => {
    expectTensorsFromInitializers(spec, bytes);
    // Everything but the timing frequencies is trainable and covered.
    const covered = new Set(specTensors(spec).map((t) => t.tensor.source.name));
    const floatInits = [...initializers(bytes).entries()].filter(([, v]) => v.data.length > 1).map(([n]) => n);
    expect(floatInits.filter((n) => !covered.has(n))).toEqual(['timing.inv_timescales']);
    expect(specParameterCount(spec)).toBeGreaterThan(6_000_000);
  }, 60_000);

  it('reads a Gemm (transB = 1) pooling dense layer as the same weights, marked transposed', () => {
    const m = onnx.ModelProto.decode(bytes);
    const g = m.graph!;
    const nodes = g.node!;
    const mmIdx = nodes.findIndex((n) => n.opType === 'MatMul' && n.input![1] === 'pooler_0.kernel');
    const add = nodes[mmIdx + 1];
    expect(add.opType).toBe('Add');
    const kernel = initializers(bytes).get('pooler_0.kernel')!.data; // (512 in, 512 out)
    const t = new Float32Array(512 * 512);
    for (let i = 0; i < 512; i++) for (let o = 0; o < 512; o++) t[o * 512 + i] = kernel[i * 512 + o];
    g.initializer!.push(onnx.TensorProto.create({ name: 'pooler_0.kernel_t', dims: [512, 512], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(t.buffer) }));
    const gemm = onnx.NodeProto.create({ opType: 'Gemm', name: 'pooler_gemm', input: [nodes[mmIdx].input![0], 'pooler_0.kernel_t', 'pooler_0.bias'], output: add.output, attribute: [onnx.AttributeProto.create({ name: 'transB', i: 1, type: onnx.AttributeProto.AttributeType.INT })] });
    nodes.splice(mmIdx, 2, gemm);
    const s = readEncoderSpec(onnx.ModelProto.encode(m).finish());
    const d = s.pooling!.dense[0];
    expect(d.W.source).toEqual({ name: 'pooler_0.kernel_t', dims: [512, 512], transposed: true });
    expect(d.W.shape).toEqual([512, 512]);
    expect(firstMismatch(d.W.data, kernel)).toBe(-1);
    expect(firstMismatch(d.b!.data, spec.pooling!.dense[0].b!.data)).toBe(-1);
  }, 60_000);

  it('every tensor and constant equals the TF.js source model (the fixture the ONNX file was converted from)', () => {
    const src = readUseLiteSpec(TfGraph.load(join(DEFAULT_PACKAGE_DIR, 'dist')));
    const eq = (t: Tensor | null | undefined, want: Float32Array, what: string) => expect(firstMismatch(t!.data, want), what).toBe(-1);
    const cols = (d: { kernel: Float32Array; in: number; out: number }, c0: number, n: number) => {
      const out = new Float32Array(d.in * n);
      for (let r = 0; r < d.in; r++) out.set(d.kernel.subarray(r * d.out + c0, r * d.out + c0 + n), r * n);
      return out;
    };
    eq(spec.embeddings.word, src.embeddings, 'embeddings');
    expect(spec.embeddings.wordScale).toBe(src.embeddingFactor);
    if (spec.embeddings.position.kind !== 'sinusoid') throw new Error('expected sinusoid positions');
    expect(spec.embeddings.position.scale).toBe(src.timingFactor);
    expect(Array.from(spec.embeddings.position.invTimescales)).toEqual(Array.from(src.invTimescales));
    expect(spec.embeddings.position.order).toBe(src.timingOrder[0] === 'Sin' ? 'sin-cos' : 'cos-sin');
    expect([spec.maxTokens, spec.maskBias]).toEqual([src.maxTokens, Math.fround(src.maskBias)]);
    expect(spec.layers.length).toBe(src.layers.length);
    spec.layers.forEach((L, i) => {
      const S = src.layers[i];
      const [nq, nk, nv] = S.split;
      eq(L.q.W, cols(S.qkv, 0, nq), `layer ${i} q`);
      eq(L.k.W, cols(S.qkv, nq, nk), `layer ${i} k`);
      eq(L.v.W, cols(S.qkv, nq + nk, nv), `layer ${i} v`);
      eq(L.q.b, S.qkv.bias.slice(0, nq), `layer ${i} q bias`);
      eq(L.v.b, S.qkv.bias.slice(nq + nk), `layer ${i} v bias`);
      eq(L.attnOut.W, S.attnOut.kernel, `layer ${i} attnOut`);
      eq(L.attnOut.b, S.attnOut.bias, `layer ${i} attnOut bias`);
      if (S.residual) eq(L.skip!.W, S.residual.kernel, `layer ${i} skip`);
      else expect(L.skip).toBeNull();
      eq(L.ln1.gamma, S.attnNorm.scale, `layer ${i} ln1`);
      eq(L.ln2.beta, S.ffnNorm.bias, `layer ${i} ln2`);
      expect([L.ln1.eps, L.ln2.eps]).toEqual([Math.fround(S.attnNorm.epsilon), Math.fround(S.ffnNorm.epsilon)]);
      eq(L.ffnIn.W, S.ffn1.kernel, `layer ${i} ffn1`);
      eq(L.ffnOut.W, S.ffn2.kernel, `layer ${i} ffn2`);
      expect([L.heads, L.headDim, L.scale]).toEqual([S.heads, S.headDim, Math.fround(S.qScale)]);
    });
    expect(spec.pooling!.minCount).toBe(Math.fround(src.poolMinCount));
    expect(spec.pooling!.l2!.eps).toBe(Math.fround(src.l2Epsilon));
    expect(spec.pooling!.dense.length).toBe(src.hidden.length);
    eq(spec.pooling!.dense[0].W, src.hidden[0].dense.kernel, 'pooling dense');
  }, 60_000);

  it('does not depend on names: USE-lite with every name changed reads to the same tensors', () => {
    const { bytes: renamed, map } = renameEverything(bytes, 3);
    const s = readEncoderSpec(renamed);
    expect(s.io.pooled).toBe(map.get('sentence_embedding'));
    expect(s.io.tokens).toBe(map.get('last_hidden_state'));
    const a = specTensors(spec);
    const b = specTensors(s);
    expect(b.map((t) => t.name)).toEqual(a.map((t) => t.name));
    a.forEach((t, i) => expect(firstMismatch(b[i].tensor.data, t.tensor.data), t.name).toBe(-1));
    expect({ ...s.pooling, dense: null }).toEqual({ ...spec.pooling, dense: null });
    expect(s.layers.map((l) => [l.norm, l.heads, l.scale, l.skip !== null])).toEqual(spec.layers.map((l) => [l.norm, l.heads, l.scale, l.skip !== null]));
  }, 60_000);
});

describe('readEncoderSpec: a pre-LN graph with a final LayerNorm', () => {
  it('is refused with the place named', () => {
    const bytes = loadUseLite();
    const m = onnx.ModelProto.decode(bytes);
    const g = m.graph!;
    // Insert LayerNormalization between layer_1.output and last_hidden_state (reusing layer 1's LN2 weights).
    const id = g.node!.find((n) => n.opType === 'Identity' && n.output![0] === 'last_hidden_state')!;
    const ln2 = g.node!.filter((n) => n.opType === 'LayerNormalization').pop()!;
    const ln = onnx.NodeProto.create({ opType: 'LayerNormalization', name: 'final_norm', input: [id.input![0], ln2.input![1], ln2.input![2]], output: ['final_normed'], attribute: ln2.attribute });
    id.input = ['final_normed'];
    g.node!.splice(g.node!.indexOf(id), 0, ln);
    expect(() => readEncoderSpec(onnx.ModelProto.encode(m).finish())).toThrow(/after layer 1: a final LayerNorm \(LayerNormalization node "final_norm"\) before the token output is not supported/);
  }, 60_000);
});

describe('checkSpecShapes (run by readEncoderSpec)', () => {
  const spec = readEncoderSpec(tb.model);
  it('names a tensor whose shape disagrees with the widths around it', () => {
    const L = spec.layers[1];
    const bad: EncoderSpec = { ...spec, layers: [spec.layers[0], { ...L, ffnOut: { ...L.ffnOut, in: 63, W: { ...L.ffnOut.W, shape: [63, 32] } } }] };
    expect(() => checkSpecShapes(bad)).toThrow(/shape check: layers\.1\.ffnOut maps 63 -> 32, expected 64 -> 32/);
    const bad2: EncoderSpec = { ...spec, layers: [{ ...spec.layers[0], outWidth: 16 }, spec.layers[1]] };
    expect(() => checkSpecShapes(bad2)).toThrow(/layers\.0\.attnOut maps 32 -> 32, expected 32 -> 16/);
    const bad3: EncoderSpec = { ...spec, embeddings: { ...spec.embeddings, word: { ...spec.embeddings.word, data: spec.embeddings.word.data.subarray(1) } } };
    expect(() => checkSpecShapes(bad3)).toThrow(/embeddings\.word \(embeddings\.word\) has shape \[224, 32\] and 7167 values/);
  });
  it('passes the fixtures', () => {
    expect(() => checkSpecShapes(spec)).not.toThrow();
  });
});
