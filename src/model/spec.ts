// The transformer encoder as plain data: architecture facts and every weight, read out of the same model.onnx
// the onnxruntime path runs (src/model/onnx-reader.ts). The float64 reference (reference/model/encoder.ts) and
// the WGSL encoder (src/model/encoder.ts) both consume exactly this. Design decision: one description covers
// both supported families — Hugging Face BERT (post-LN layers, learned positions, token types, GELU) and
// USE-lite (pre-LN layers, a sinusoidal timing signal, a width-changing first layer with a projected skip
// path, ReLU FFN, masked-mean + tanh + L2 pooling) — by naming each difference as a field, not a family flag
// the kernels branch on. Every trainable tensor remembers the ONNX initializer it came from (and the columns of
// it, for USE-lite's fused q|k|v), so a fine-tuned model can be written back into the original graph.

/** Where a parameter lives in model.onnx: an initializer, or a column slice of one (fused q|k|v). */
export interface InitializerRef {
  name: string;
  /** Shape of the whole initializer. */
  dims: number[];
  /** Column slice [colStart, colStart + cols) of a 2-D (in, out) initializer (or of a 1-D bias); absent = all. */
  colStart?: number;
  cols?: number;
  /** The initializer is stored (out, in) (a Gemm with transB = 1): the Tensor holds its transpose. */
  transposed?: boolean;
}

/** A float32 weight tensor with its shape and origin. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
  source: InitializerRef;
}

/** y = x W + b; W is (in, out) row-major, as ONNX MatMul's right operand. */
export interface LinearSpec {
  W: Tensor;
  b: Tensor | null;
  in: number;
  out: number;
}

export interface LayerNormSpec {
  gamma: Tensor;
  beta: Tensor;
  eps: number;
}

export type Activation = 'gelu' | 'relu';

export interface EncoderLayerSpec {
  /**
   * 'post' (BERT): x1 = LN1(x + Attn(x)); out = LN2(x1 + FFN(x1)).
   * 'pre' (USE-lite): y = Attn(LN1(x)) + skip(x); out = y + FFN(LN2(y)).
   */
  norm: 'pre' | 'post';
  /** Width of the residual stream entering and leaving the layer (differ only when `skip` is set). */
  inWidth: number;
  outWidth: number;
  heads: number;
  headDim: number;
  /** Attention scores are scale * q k^T (1/sqrt(headDim) in both families; read from the graph). */
  scale: number;
  q: LinearSpec; // inWidth -> heads*headDim
  k: LinearSpec;
  v: LinearSpec;
  attnOut: LinearSpec; // heads*headDim -> outWidth
  /** Pre-LN only: the skip path is this linear map of the un-normalised input (USE-lite layer 0), else identity. */
  skip: LinearSpec | null;
  ln1: LayerNormSpec;
  ffnIn: LinearSpec; // outWidth -> intermediate
  activation: Activation;
  ffnOut: LinearSpec; // intermediate -> outWidth
  ln2: LayerNormSpec;
}

/** Learned position rows (BERT) or a sinusoidal timing signal (USE-lite). */
export type PositionSpec =
  | { kind: 'learned'; table: Tensor /* (maxPositions, E) */ }
  | {
      kind: 'sinusoid';
      /** (E/2) frequencies; the signal is [sin(p f_i)] ++ [cos(p f_i)] (or cos first). */
      invTimescales: Float64Array;
      order: 'sin-cos' | 'cos-sin';
      /** The signal is multiplied by this before it is added. */
      scale: number;
    };

export interface EmbeddingSpec {
  /** (vocabSize, E) */
  word: Tensor;
  /** The word rows are multiplied by this (USE-lite adds them twice: 2). */
  wordScale: number;
  position: PositionSpec;
  /**
   * 'index': token t has position t (BERT); 'cumsum': position = cumsum(mask) - 1 (USE-lite: left padding
   * works, and tokens at position >= maxTokens are masked out).
   */
  positionFrom: 'index' | 'cumsum';
  /** (typeVocab, E) token-type rows, added (BERT); null when the model has no token_type_ids. */
  tokenType: Tensor | null;
  /** LayerNorm over the summed embeddings (BERT); null for none. */
  norm: LayerNormSpec | null;
}

/** The model's own sentence-vector output; null: the app's rule applies (masked mean of the token states). */
export interface PoolingSpec {
  /** sum(h * mask) / max(count, minCount). (Models that pool [CLS] are not supported yet: reader refuses them.) */
  kind: 'mean';
  minCount: number;
  /** Dense layers after pooling, each followed by tanh. */
  dense: LinearSpec[];
  /** x / sqrt(max(sum x^2, eps)); null for no normalisation. */
  l2: { eps: number } | null;
}

export interface EncoderSpec {
  /** Which family the graph was recognised as (for messages and the model card; the kernels never branch on it). */
  family: 'bert' | 'use-lite';
  vocabSize: number;
  /** Width of the embeddings (layer 0's input). */
  embedWidth: number;
  /** Width of the token states the model outputs (last layer's outWidth). */
  hiddenSize: number;
  /** Longest sequence the model accepts (learned positions; USE-lite's clip). */
  maxTokens: number;
  /** Added to the attention scores of padded keys (-1e9 in both fixtures; 0 keys get probability 0 either way). */
  maskBias: number;
  embeddings: EmbeddingSpec;
  layers: EncoderLayerSpec[];
  pooling: PoolingSpec | null;
  /** The graph's I/O names, kept as exported. */
  io: {
    inputIds: string;
    attentionMask: string;
    tokenTypeIds: string | null;
    tokens: string;
    pooled: string | null;
  };
}

/** Every trainable tensor of a spec, in a fixed order, with a stable dotted name ("layers.0.q.W"). */
export function specTensors(s: EncoderSpec): { name: string; tensor: Tensor }[] {
  const out: { name: string; tensor: Tensor }[] = [];
  const lin = (n: string, l: LinearSpec) => {
    out.push({ name: `${n}.W`, tensor: l.W });
    if (l.b) out.push({ name: `${n}.b`, tensor: l.b });
  };
  const ln = (n: string, l: LayerNormSpec) => {
    out.push({ name: `${n}.gamma`, tensor: l.gamma });
    out.push({ name: `${n}.beta`, tensor: l.beta });
  };
  out.push({ name: 'embeddings.word', tensor: s.embeddings.word });
  if (s.embeddings.position.kind === 'learned') out.push({ name: 'embeddings.position', tensor: s.embeddings.position.table });
  if (s.embeddings.tokenType) out.push({ name: 'embeddings.tokenType', tensor: s.embeddings.tokenType });
  if (s.embeddings.norm) ln('embeddings.norm', s.embeddings.norm);
  s.layers.forEach((L, i) => {
    const p = `layers.${i}`;
    lin(`${p}.q`, L.q);
    lin(`${p}.k`, L.k);
    lin(`${p}.v`, L.v);
    lin(`${p}.attnOut`, L.attnOut);
    if (L.skip) lin(`${p}.skip`, L.skip);
    ln(`${p}.ln1`, L.ln1);
    lin(`${p}.ffnIn`, L.ffnIn);
    lin(`${p}.ffnOut`, L.ffnOut);
    ln(`${p}.ln2`, L.ln2);
  });
  s.pooling?.dense.forEach((d, i) => lin(`pooling.dense.${i}`, d));
  return out;
}

/** Number of trainable scalars. */
export function specParameterCount(s: EncoderSpec): number {
  return specTensors(s).reduce((a, t) => a + t.tensor.data.length, 0);
}

/** A copy of the spec whose tensors' data come from `data(name, tensor)` (same shapes and sources). */
export function mapSpecTensors(s: EncoderSpec, data: (name: string, t: Tensor) => Float32Array): EncoderSpec {
  const byTensor = new Map<Tensor, Tensor>();
  for (const { name, tensor } of specTensors(s)) {
    const d = data(name, tensor);
    if (d.length !== tensor.data.length) throw new Error(`encoder tensor ${name}: got ${d.length} values, shape [${tensor.shape}] needs ${tensor.data.length}`);
    byTensor.set(tensor, { ...tensor, data: d });
  }
  const T = (t: Tensor) => byTensor.get(t)!;
  const lin = (l: LinearSpec): LinearSpec => ({ ...l, W: T(l.W), b: l.b ? T(l.b) : null });
  const ln = (l: LayerNormSpec): LayerNormSpec => ({ ...l, gamma: T(l.gamma), beta: T(l.beta) });
  const E = s.embeddings;
  return {
    ...s,
    embeddings: {
      ...E,
      word: T(E.word),
      position: E.position.kind === 'learned' ? { kind: 'learned', table: T(E.position.table) } : E.position,
      tokenType: E.tokenType ? T(E.tokenType) : null,
      norm: E.norm ? ln(E.norm) : null,
    },
    layers: s.layers.map((L) => ({
      ...L,
      q: lin(L.q),
      k: lin(L.k),
      v: lin(L.v),
      attnOut: lin(L.attnOut),
      skip: L.skip ? lin(L.skip) : null,
      ln1: ln(L.ln1),
      ffnIn: lin(L.ffnIn),
      ffnOut: lin(L.ffnOut),
      ln2: ln(L.ln2),
    })),
    pooling: s.pooling ? { ...s.pooling, dense: s.pooling.dense.map(lin) } : null,
  };
}
