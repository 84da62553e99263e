// Seeded, deterministic random weights of the tiny BERT (float32), with Hugging Face BertModel's layout.
// Design decision: not BERT's N(0, 0.02) init — dense weights ~ N(0, 1/fan_in), embeddings ~ N(0, 1) and
// layer-norm gains/biases perturbed away from 1/0 — so every parameter visibly moves the output and a wiring
// mistake in the ONNX graph cannot hide behind near-zero weights. Matrices are stored (in, out): y = x W + b.
import { mulberry32 } from '../../src/data/random';

export interface TinyBertConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocab: number;
  layerNormEps: number;
  seed: number;
}

export interface TinyBertLayer {
  q: Float32Array; qb: Float32Array; // (C, C), (C)
  k: Float32Array; kb: Float32Array;
  v: Float32Array; vb: Float32Array;
  o: Float32Array; ob: Float32Array; // attention output (C, C)
  ln1g: Float32Array; ln1b: Float32Array; // after attention + residual
  up: Float32Array; upb: Float32Array; // (C, I), (I)
  down: Float32Array; downb: Float32Array; // (I, C), (C)
  ln2g: Float32Array; ln2b: Float32Array; // after FFN + residual
}

export interface TinyBertWeights {
  word: Float32Array; // (V, C)
  position: Float32Array; // (P, C)
  tokenType: Float32Array; // (typeVocab, C)
  embLnG: Float32Array; embLnB: Float32Array; // (C)
  layers: TinyBertLayer[];
}

export const TINY_BERT_DEFAULTS: Omit<TinyBertConfig, 'vocabSize'> = {
  hidden: 32,
  layers: 2,
  heads: 2,
  intermediate: 64,
  maxPositions: 64,
  typeVocab: 2,
  layerNormEps: 1e-12,
  seed: 1234,
};

export function tinyBertWeights(cfg: TinyBertConfig): TinyBertWeights {
  const { vocabSize: V, hidden: C, intermediate: I, maxPositions: P, typeVocab: T } = cfg;
  if (C % cfg.heads !== 0) throw new Error(`tiny BERT: hidden ${C} is not divisible by heads ${cfg.heads}`);
  const u = mulberry32(cfg.seed);
  const normal = (n: number, std: number, mean = 0) =>
    Float32Array.from({ length: n }, () => mean + std * Math.sqrt(-2 * Math.log(Math.max(u(), 1e-12))) * Math.cos(2 * Math.PI * u()));
  const dense = (inp: number, out: number) => normal(inp * out, 1 / Math.sqrt(inp));
  const layers: TinyBertLayer[] = [];
  const word = normal(V * C, 1);
  const position = normal(P * C, 0.5);
  const tokenType = normal(T * C, 0.5);
  const embLnG = normal(C, 0.1, 1);
  const embLnB = normal(C, 0.1);
  for (let l = 0; l < cfg.layers; l++) {
    layers.push({
      q: dense(C, C), qb: normal(C, 0.1),
      k: dense(C, C), kb: normal(C, 0.1),
      v: dense(C, C), vb: normal(C, 0.1),
      o: dense(C, C), ob: normal(C, 0.1),
      ln1g: normal(C, 0.1, 1), ln1b: normal(C, 0.1),
      up: dense(C, I), upb: normal(I, 0.1),
      down: dense(I, C), downb: normal(C, 0.1),
      ln2g: normal(C, 0.1, 1), ln2b: normal(C, 0.1),
    });
  }
  return { word, position, tokenType, embLnG, embLnB, layers };
}

/** The model's config.json (Hugging Face BertConfig keys, which the encoder reads). */
export function tinyBertConfigJson(cfg: TinyBertConfig): Record<string, unknown> {
  return {
    _generated: 'by tools/make-tiny-bert.ts — do not edit; re-run the tool instead',
    model_type: 'bert',
    architectures: ['BertModel'],
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hidden,
    num_hidden_layers: cfg.layers,
    num_attention_heads: cfg.heads,
    intermediate_size: cfg.intermediate,
    hidden_act: 'gelu',
    max_position_embeddings: cfg.maxPositions,
    type_vocab_size: cfg.typeVocab,
    layer_norm_eps: cfg.layerNormEps,
    pad_token_id: 0,
    seed: cfg.seed,
  };
}
