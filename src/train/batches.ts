// Batches of cached features for the heads: seeded shuffling, grouping by similar length (so padding stays
// small), and packing into padded GPU tensors. Design decision: the epoch order is a pure function of (seed,
// epoch) — shuffle, then sort within windows of 50 batches by length, then shuffle the batches — so a run is
// deterministic for a fixed seed and padding is low without sorting the whole set (which would bias batches).
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { mulberry32, seededShuffle } from '../util/random';
import type { HeadBatch } from '../heads/head';

/** A text (or pair) as token ids: what full fine-tuning caches instead of features. */
export interface TokenIds {
  /** The sequence (a single text, or a pair as one joint sequence through the model's pair input). */
  ids: Uint32Array;
  /** Segment ids of `ids` (joint pairs); null: all 0. */
  typeIds: Uint32Array | null;
  /** 1 for a real token, 0 for the one masked pad of an empty text (length of ids). */
  mask: Uint8Array;
  /** Side B of a pair encoded side by side (an encoder without a pair input), with its mask. */
  idsB?: Uint32Array;
  maskB?: Uint8Array;
}

/** One labelled example: cached encoder features (heads over features) or token ids (fine-tuning). */
export interface TrainExample {
  features?: EncodedExample;
  tokens?: TokenIds;
  label: number;
  /** Multi-label examples: every label id of the example (`label` is then its first). */
  labels?: readonly number[];
}

/** Length used to group examples into batches: token rows of the features, or the longer token sequence. */
export function exampleLength(x: TrainExample): number {
  if (x.features) return x.features.length;
  if (x.tokens) return Math.max(x.tokens.ids.length, x.tokens.idsB?.length ?? 0);
  throw new Error('training example has neither features nor token ids');
}

/** Index lists of one epoch's batches. */
export function epochBatches(lengths: readonly number[], batchSize: number, seed: number, epoch: number, window = 50): number[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const rand = mulberry32((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  const order = seededShuffle(
    lengths.map((_, i) => i),
    rand,
  );
  const batches: number[][] = [];
  const span = batchSize * window;
  for (let start = 0; start < order.length; start += span) {
    const chunk = order.slice(start, start + span).sort((a, b) => lengths[a] - lengths[b] || a - b);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return seededShuffle(batches, rand);
}

/** Evaluation batches: input order, grouped into consecutive runs (no shuffling). */
export function evalBatches(n: number, batchSize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) out.push(Array.from({ length: Math.min(batchSize, n - i) }, (_, j) => i + j));
  return out;
}

/** A batch on the GPU plus its targets; release() returns every buffer to the pool. */
export interface GpuBatch extends HeadBatch {
  targets: GpuTensor;
  /** The examples' class ids, on the CPU (for metrics). */
  labels: Uint32Array;
  /** Every label of each example (multi-label objective): `labels ?? [label]`, on the CPU. */
  labelSets: (readonly number[])[];
  release(): void;
}

/** Pad the examples at `indices` into (B, T, C) tokens, a (B, T) mask and (B, C) pooled vectors on the GPU. */
export function packBatch(e: GpuEngine, examples: readonly TrainExample[], indices: readonly number[], tmax: number): GpuBatch {
  const B = indices.length;
  if (B === 0) throw new Error('packBatch: empty batch');
  if (examples[indices[0]].tokens) return packTokenBatch(e, examples, indices, tmax);
  const featuresOf = (i: number): EncodedExample => {
    const f = examples[i].features;
    if (!f) throw new Error(`packBatch: example ${i} has token ids but no cached features (mixed batch)`);
    return f;
  };
  const first = featuresOf(indices[0]);
  const C = first.pooled.length;
  const T = Math.max(1, Math.min(tmax, Math.max(...indices.map((i) => featuresOf(i).length))));
  const tokens = new Float32Array(B * T * C);
  const mask = new Float32Array(B * T);
  const pooled = new Float32Array(B * C);
  const pair = first.pooledB !== undefined;
  const pooledB = pair ? new Float32Array(B * C) : null;
  const labels = new Uint32Array(B);
  indices.forEach((idx, b) => {
    const f = featuresOf(idx);
    const { label } = examples[idx];
    if (f.pooled.length !== C) throw new Error(`packBatch: example ${idx} has width ${f.pooled.length}, the batch has ${C}`);
    if ((f.pooledB !== undefined) !== pair) throw new Error(`packBatch: example ${idx} mixes single texts and pairs`);
    const t = Math.min(T, f.length);
    tokens.set(f.tokens.subarray(0, t * C), b * T * C);
    mask.fill(1, b * T, b * T + t);
    pooled.set(f.pooled, b * C);
    if (pooledB) pooledB.set(f.pooledB!, b * C);
    labels[b] = label;
  });
  const tensors = {
    tokens: e.tensor([B, T, C], 'batch.tokens', tokens),
    mask: e.tensor([B, T], 'batch.mask', mask),
    pooled: e.tensor([B, C], 'batch.pooled', pooled),
    pooledB: pooledB ? e.tensor([B, C], 'batch.pooledB', pooledB) : null,
    targets: e.tensor([B], 'batch.targets', labels),
  };
  return {
    B,
    T,
    ...tensors,
    labels,
    labelSets: indices.map((i) => examples[i].labels ?? [examples[i].label]),
    release() {
      for (const t of Object.values(tensors)) t?.release();
    },
  };
}

/**
 * Pad token-id examples into a TokenBatch (B rows, or 2B for side-by-side pairs: side A's rows, then side B's),
 * cut to tmax tokens; the feature tensors are empty (B, T, 0) / (B, 0) placeholders no such head reads.
 */
export function packTokenBatch(e: GpuEngine, examples: readonly TrainExample[], indices: readonly number[], tmax: number): GpuBatch {
  const B = indices.length;
  const tokensOf = (i: number): TokenIds => {
    const t = examples[i].tokens;
    if (!t) throw new Error(`packBatch: example ${i} has cached features but no token ids (mixed batch)`);
    return t;
  };
  const pair = tokensOf(indices[0]).idsB !== undefined;
  const rows = pair ? 2 * B : B;
  const T = Math.max(1, Math.min(tmax, Math.max(...indices.map((i) => exampleLength(examples[i])))));
  const ids = new Uint32Array(rows * T);
  const mask = new Float32Array(rows * T);
  const joint = indices.some((i) => tokensOf(i).typeIds !== null);
  const tokenTypes = joint ? new Uint32Array(rows * T) : null;
  const labels = new Uint32Array(B);
  const put = (r: number, seq: Uint32Array, m: Uint8Array, types: Uint32Array | null) => {
    const n = Math.min(T, seq.length);
    ids.set(seq.subarray(0, n), r * T);
    for (let t = 0; t < n; t++) mask[r * T + t] = m[t];
    if (tokenTypes && types) tokenTypes.set(types.subarray(0, n), r * T);
  };
  indices.forEach((idx, b) => {
    const x = tokensOf(idx);
    if ((x.idsB !== undefined) !== pair) throw new Error(`packBatch: example ${idx} mixes single texts and side-by-side pairs`);
    put(b, x.ids, x.mask, x.typeIds);
    if (pair) put(B + b, x.idsB!, x.maskB!, null);
    labels[b] = examples[idx].label;
  });
  const tensors = {
    tokens: e.tensor([B, T, 0], 'batch.tokens'),
    mask: e.tensor([B, T], 'batch.mask', mask.subarray(0, B * T)),
    pooled: e.tensor([B, 0], 'batch.pooled'),
    targets: e.tensor([B], 'batch.targets', labels),
  };
  return {
    B,
    T,
    ...tensors,
    pooledB: null,
    ids: { B: rows, T, ids, mask, tokenTypes },
    labels,
    labelSets: indices.map((i) => examples[i].labels ?? [examples[i].label]),
    release() {
      for (const t of Object.values(tensors)) t.release();
    },
  };
}
