// The float64 reference encoder over an EncoderSpec (src/model/spec.ts): the oracle for the WGSL encoder
// (src/model/encoder.ts) and for L-Tuning's gradients. forward(spec, input) -> token states (B, P+T, C), the
// model's pooled vector (B, C') or null (no pooling in the model: the app's masked mean applies), and a cache;
// backward(cache, dTokens, dPooled) -> the gradient of every specTensors() weight by name, of the prompt, of
// each layer's prefix keys/values, of the summed embeddings and of each layer's input.
// Design decision: the weights are a name -> Float64Array map (referenceParams(spec) copies them once), so a
// gradient check perturbs exactly the entry it probes; `delta` adds probe vectors to the summed embeddings and
// to each layer's input so intermediate activations are checked the same way. Prompt rows are part of the
// sequence (tokens has P+T rows per example; the text's rows are the last T).
import { specTensors, type EncoderSpec } from '../../src/model/spec';
import { embedBackward, embedForward, poolBackward, poolForward, type EmbedCache, type PoolCache } from './embed';
import { layerBackward, layerForward, type LayerCache, type Params, type PrefixKV } from './layer';

export type { Params, PrefixKV } from './layer';

export interface ReferenceInput {
  /** (B, T) token ids, row-major. */
  ids: ArrayLike<number>;
  /** (B, T) 1 real token, 0 padding. */
  mask: ArrayLike<number>;
  /** (B, T) token types (BERT pair input); absent: 0. */
  tokenTypeIds?: ArrayLike<number> | null;
  B: number;
  T: number;
  /** L-Tuning prefix: per layer P past keys and values (B, P, heads*headDim), always attended. */
  prefix?: { length: number; layers: PrefixKV[] } | null;
  /** L-Tuning prompt: (B, P, embedWidth) vectors in front of the text, before positions/types/norm. */
  prompt?: { length: number; data: Float64Array } | null;
  /** (B, P) 1 = that prompt row is attended (and takes a position), 0 = masked like padding; absent: all 1. */
  promptMask?: ArrayLike<number> | null;
  /** Pool over the text rows only (prompt rows left out of the pooling mean); default false: every kept row. */
  poolText?: boolean;
  /** Weights; default referenceParams(spec). */
  params?: Params;
  /** Probes for gradient checks: added to the summed embeddings (B, P+T, E) and to layer i's input. */
  delta?: { embeddings?: Float64Array | null; layers?: (Float64Array | null)[] } | null;
}

export interface ReferenceCache {
  spec: EncoderSpec;
  params: Params;
  ids: ArrayLike<number>;
  embed: EmbedCache;
  layers: LayerCache[];
  prefixLength: number;
  pool: PoolCache | null;
  /** (B, L) the rows the pooling averaged (keep, less the prompt rows with poolText). */
  poolKeep: Float64Array;
}

export interface ReferenceForward {
  /** (B, L, hiddenSize) with L = prompt length + T. */
  tokens: Float64Array;
  /** (B, pooled width) or null when the model has no pooling of its own. */
  pooled: Float64Array | null;
  /** Rows per example (prompt + text). */
  L: number;
  /** (B, L) the mask the model applies (prompt rows 1; USE-lite drops tokens past maxTokens). */
  keep: Float64Array;
  /** (B, L) the rows pooled: keep, with the prompt rows 0 when poolText. */
  poolKeep: Float64Array;
  cache: ReferenceCache;
}

export interface ReferenceGrads {
  /** Keyed by specTensors() names, each the shape of its tensor. */
  dWeights: Map<string, Float64Array>;
  dPrefix?: PrefixKV[];
  /** (B, P, E) */
  dPrompt?: Float64Array;
  /** (B, L, E) gradient of the summed embeddings (before the embedding norm). */
  dEmbeddings: Float64Array;
  /** Per layer (B, L, inWidth): gradient of the layer's input. */
  dLayerInputs: Float64Array[];
}

/** Float64 copies of every trainable tensor, keyed by specTensors() names. */
export function referenceParams(spec: EncoderSpec): Params {
  return new Map(specTensors(spec).map(({ name, tensor }) => [name, Float64Array.from(tensor.data)]));
}

export function forward(spec: EncoderSpec, input: ReferenceInput): ReferenceForward {
  const params = input.params ?? referenceParams(spec);
  const { B } = input;
  const e = embedForward(spec, params, {
    ids: input.ids, mask: input.mask, tokenTypeIds: input.tokenTypeIds, B, T: input.T,
    prompt: input.prompt?.data ?? null, promptLength: input.prompt?.length, promptMask: input.promptMask ?? null, delta: input.delta?.embeddings ?? null,
  });
  const { L, keep } = e.cache;
  const P = input.prefix?.length ?? 0;
  if (input.prefix && input.prefix.layers.length !== spec.layers.length) throw new Error(`reference encoder: prefix has ${input.prefix.layers.length} layers, the model ${spec.layers.length}`);
  const keyMask = new Float64Array(B * (P + L));
  for (let b = 0; b < B; b++) {
    keyMask.fill(1, b * (P + L), b * (P + L) + P);
    keyMask.set(keep.subarray(b * L, (b + 1) * L), b * (P + L) + P);
  }
  let x = e.x;
  const layers: LayerCache[] = [];
  spec.layers.forEach((s, i) => {
    const d = input.delta?.layers?.[i];
    if (d) x = x.map((v, j) => v + d[j]);
    const pre = input.prefix?.layers[i] ?? null;
    if (pre && (pre.k.length !== B * P * s.heads * s.headDim || pre.v.length !== pre.k.length)) throw new Error(`reference encoder: layer ${i} prefix must hold B*P*heads*headDim = ${B * P * s.heads * s.headDim} keys and values`);
    const r = layerForward(params, s, i, x, keyMask, { B, L, P }, pre);
    layers.push(r.cache);
    x = r.out;
  });
  const Pp = e.cache.P;
  const poolKeep = Float64Array.from(keep);
  if (input.poolText) for (let b = 0; b < B; b++) poolKeep.fill(0, b * L, b * L + Pp);
  const pool = poolForward(spec, params, x, poolKeep, B, L);
  return {
    tokens: x,
    pooled: pool?.pooled ?? null,
    L,
    keep,
    poolKeep,
    cache: { spec, params, ids: input.ids, embed: e.cache, layers, prefixLength: P, pool: pool?.cache ?? null, poolKeep },
  };
}

/** Gradients from dTokens (B, L, C) and dPooled (B, C'); either may be null (no gradient from that output). */
export function backward(cache: ReferenceCache, dTokens: Float64Array | null, dPooled: Float64Array | null): ReferenceGrads {
  const { spec, params, embed } = cache;
  const { B, L } = embed;
  const P = cache.prefixLength;
  const grads: Params = new Map();
  let d: Float64Array = dTokens ? Float64Array.from(dTokens) : new Float64Array(B * L * spec.hiddenSize);
  if (d.length !== B * L * spec.hiddenSize) throw new Error(`reference encoder: dTokens must hold B*L*C = ${B * L * spec.hiddenSize} values`);
  if (dPooled) {
    if (!cache.pool) throw new Error('reference encoder: the model has no pooled output to take a gradient from');
    const dH = poolBackward(spec, params, cache.pool, cache.poolKeep, dPooled, B, L, grads);
    for (let i = 0; i < d.length; i++) d[i] += dH[i];
  }
  const dPrefix: PrefixKV[] = [];
  const dLayerInputs: Float64Array[] = [];
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const r = layerBackward(params, spec.layers[i], i, cache.layers[i], d, { B, L, P }, grads);
    if (r.dPrefix) dPrefix[i] = r.dPrefix;
    dLayerInputs[i] = r.dX;
    d = r.dX;
  }
  const dEmbeddings = embedBackward(spec, params, embed, cache.ids, d, grads);
  // Every weight gets an entry (zeros where nothing reached it), shaped like its tensor.
  for (const { name, tensor } of specTensors(spec)) if (!grads.has(name)) grads.set(name, new Float64Array(tensor.data.length));
  const out: ReferenceGrads = { dWeights: grads, dEmbeddings, dLayerInputs };
  if (P > 0) out.dPrefix = dPrefix;
  if (embed.P > 0) {
    const E = spec.embedWidth;
    const dPrompt = new Float64Array(B * embed.P * E);
    for (let b = 0; b < B; b++) dPrompt.set(dEmbeddings.subarray(b * L * E, (b * L + embed.P) * E), b * embed.P * E);
    out.dPrompt = dPrompt;
  }
  return out;
}
