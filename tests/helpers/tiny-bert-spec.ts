// An EncoderSpec built directly from the tiny BERT's generator weights (tools/tiny-bert), independent of the
// ONNX reader: lets the WGSL encoder be tested against onnxruntime on the very same weights, and the reader be
// checked against a spec nobody derived from the graph.
import type { EncoderSpec, LayerNormSpec, LinearSpec, Tensor } from '../../src/model/spec';
import type { TinyBert } from '../../tools/make-tiny-bert';

function tensor(data: Float32Array, shape: number[], name: string): Tensor {
  return { data, shape, source: { name, dims: shape } };
}

function linear(W: Float32Array, b: Float32Array, inp: number, out: number, name: string): LinearSpec {
  return { W: tensor(W, [inp, out], `${name}.weight`), b: tensor(b, [out], `${name}.bias`), in: inp, out };
}

function ln(g: Float32Array, b: Float32Array, eps: number, name: string): LayerNormSpec {
  return { gamma: tensor(g, [g.length], `${name}.weight`), beta: tensor(b, [b.length], `${name}.bias`), eps };
}

export function tinyBertSpec(tb: TinyBert): EncoderSpec {
  const { hidden: C, heads: H, intermediate: I, vocabSize: V, maxPositions: P, typeVocab, layerNormEps: eps } = tb.config;
  const w = tb.weights;
  const dh = C / H;
  return {
    family: 'bert',
    vocabSize: V,
    embedWidth: C,
    hiddenSize: C,
    maxTokens: P,
    maskBias: -1e9,
    embeddings: {
      word: tensor(w.word, [V, C], 'embeddings.word'),
      wordScale: 1,
      position: { kind: 'learned', table: tensor(w.position, [P, C], 'embeddings.position') },
      positionFrom: 'index',
      tokenType: tensor(w.tokenType, [typeVocab, C], 'embeddings.token_type'),
      norm: ln(w.embLnG, w.embLnB, eps, 'embeddings.norm'),
    },
    layers: w.layers.map((L, l) => ({
      norm: 'post' as const,
      inWidth: C,
      outWidth: C,
      heads: H,
      headDim: dh,
      scale: 1 / Math.sqrt(dh),
      q: linear(L.q, L.qb, C, C, `layer${l}.query`),
      k: linear(L.k, L.kb, C, C, `layer${l}.key`),
      v: linear(L.v, L.vb, C, C, `layer${l}.value`),
      attnOut: linear(L.o, L.ob, C, C, `layer${l}.attention_output`),
      skip: null,
      ln1: ln(L.ln1g, L.ln1b, eps, `layer${l}.attention_norm`),
      ffnIn: linear(L.up, L.upb, C, I, `layer${l}.intermediate`),
      activation: 'gelu' as const,
      ffnOut: linear(L.down, L.downb, I, C, `layer${l}.output`),
      ln2: ln(L.ln2g, L.ln2b, eps, `layer${l}.output_norm`),
    })),
    pooling: null,
    io: { inputIds: 'input_ids', attentionMask: 'attention_mask', tokenTypeIds: 'token_type_ids', tokens: 'last_hidden_state', pooled: null },
  };
}
