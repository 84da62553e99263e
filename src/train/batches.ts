// Batches of cached features for the heads: seeded shuffling, grouping by similar length (so padding stays
// small), and packing into padded GPU tensors. Design decision: the epoch order is a pure function of (seed,
// epoch) — shuffle, then sort within windows of 50 batches by length, then shuffle the batches — so a run is
// deterministic for a fixed seed and padding is low without sorting the whole set (which would bias batches).
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { mulberry32, seededShuffle } from '../util/random';
import type { HeadBatch } from '../heads/head';

export interface TrainExample {
  features: EncodedExample;
  label: number;
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
  release(): void;
}

/** Pad the examples at `indices` into (B, T, C) tokens, a (B, T) mask and (B, C) pooled vectors on the GPU. */
export function packBatch(e: GpuEngine, examples: readonly TrainExample[], indices: readonly number[], tmax: number): GpuBatch {
  const B = indices.length;
  if (B === 0) throw new Error('packBatch: empty batch');
  const first = examples[indices[0]].features;
  const C = first.pooled.length;
  const T = Math.max(1, Math.min(tmax, Math.max(...indices.map((i) => examples[i].features.length))));
  const tokens = new Float32Array(B * T * C);
  const mask = new Float32Array(B * T);
  const pooled = new Float32Array(B * C);
  const pair = first.pooledB !== undefined;
  const pooledB = pair ? new Float32Array(B * C) : null;
  const labels = new Uint32Array(B);
  indices.forEach((idx, b) => {
    const { features: f, label } = examples[idx];
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
    release() {
      for (const t of Object.values(tensors)) t?.release();
    },
  };
}
