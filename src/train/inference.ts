// Running a trained (or imported) head forward over encoded examples, for the studio (playground, batch
// prediction) and the CLI (eval, predict) alike: logits in input order, then on the CPU softmax probabilities,
// the argmax label and the mean cross-entropy. Design decision: no Trainer (no optimizer state) — inference is
// packBatch + head.forward + one readback per batch, recorded and read back in one stretch so it never
// interleaves with a training step another caller records on the same engine; the examples need no labels.
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { evalBatches, packBatch, type TrainExample } from './batches';
import { argmax } from './metrics';

export interface InferOptions {
  /** Token rows per example the head reads (the head's training Tmax). */
  tmax: number;
  /** When given, every example must match it: true = pairs encoded side by side (pooledB), false = single texts. */
  pair?: boolean;
  /** Examples per forward (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Check that encoded examples fit a head (width C when known, and pair form) before any GPU work. */
export function checkFeatures(examples: readonly EncodedExample[], C: number | null, pair: boolean): void {
  for (const [i, x] of examples.entries()) {
    if (C !== null && x.pooled.length !== C) {
      throw new Error(`example ${i + 1} has ${x.pooled.length}-d features but the head reads ${C}-d ones: it was trained on another encoder`);
    }
    if (pair && x.pooledB === undefined) throw new Error(`this head reads sentence pairs: example ${i + 1} has only one text (give a second text)`);
    if (!pair && x.pooledB !== undefined) throw new Error(`this head reads single texts: example ${i + 1} is a pair (leave the second text empty)`);
  }
}

/** Logits (N, L) of the head on the features, in input order; batches of `batchSize` consecutive examples. */
export async function headLogits(e: GpuEngine, head: Head, features: readonly EncodedExample[], o: InferOptions): Promise<Float32Array> {
  if (o.pair !== undefined) checkFeatures(features, null, o.pair);
  const L = head.labels;
  const out = new Float32Array(features.length * L); // (N, L)
  const items: TrainExample[] = features.map((f) => ({ features: f, label: 0 }));
  let done = 0;
  for (const idx of evalBatches(items.length, o.batchSize ?? 64)) {
    o.signal?.throwIfAborted();
    const batch = packBatch(e, items, idx, o.tmax);
    try {
      const z = await head.forward(e, batch, false).read(); // (B, L)
      out.set(z.subarray(0, batch.B * L), done * L);
    } finally {
      batch.release();
    }
    done += batch.B;
    o.onProgress?.(done, items.length);
  }
  return out;
}

/** Row-wise softmax of logits (N, L), in float64 with the max subtracted; a non-finite row gives NaN. */
export function softmaxRows(logits: ArrayLike<number>, L: number): Float64Array {
  if (!Number.isInteger(L) || L < 1 || logits.length % L !== 0) throw new Error(`softmaxRows: ${logits.length} logits do not make rows of L ${L}`);
  const N = logits.length / L;
  const p = new Float64Array(logits.length); // (N, L)
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[n * L + l]);
    let sum = 0;
    for (let l = 0; l < L; l++) sum += p[n * L + l] = Math.exp(logits[n * L + l] - max);
    for (let l = 0; l < L; l++) p[n * L + l] /= sum;
  }
  return p;
}

/** Index of the largest value of each row of (N, L) (the first on ties): metrics.ts's argmax over whole rows. */
export function argmaxRows(values: ArrayLike<number>, L: number): Uint32Array {
  return argmax(values, Math.floor(values.length / L), L);
}

/** Mean softmax cross-entropy of logits (N, L) against class ids (N). */
export function meanCrossEntropy(logits: ArrayLike<number>, targets: ArrayLike<number>, L: number): number {
  const N = targets.length;
  let total = 0;
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[n * L + l]);
    let sum = 0;
    for (let l = 0; l < L; l++) sum += Math.exp(logits[n * L + l] - max);
    total += Math.log(sum) + max - logits[n * L + targets[n]];
  }
  return total / Math.max(1, N);
}
