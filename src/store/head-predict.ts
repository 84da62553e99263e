// Forward-only inference of a head over encoded examples: logits (N, L) in input order, batch by batch, with
// the same packing the trainer evaluates with (train/batches.ts packBatch). Design decision: the GPU work of a
// batch is recorded and read back within one synchronous stretch (forward, then read), so it never interleaves
// with a training step another workflow records on the same engine.
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { evalBatches, packBatch, type TrainExample } from '../train/batches';

export interface PredictOptions {
  /** Token rows per example the head reads (the head's training Tmax). */
  tmax: number;
  /** Sentence pairs encoded side by side: every example must carry pooledB. */
  pair: boolean;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Check that encoded examples fit a head (width and pair form) before any GPU work. */
export function checkFeatures(examples: readonly EncodedExample[], C: number | null, pair: boolean): void {
  for (const [i, x] of examples.entries()) {
    if (C !== null && x.pooled.length !== C) {
      throw new Error(`example ${i + 1} has ${x.pooled.length}-d features but the head reads ${C}-d ones: it was trained on another encoder`);
    }
    if (pair && x.pooledB === undefined) throw new Error(`this head reads sentence pairs: example ${i + 1} has only one text (give a second text)`);
    if (!pair && x.pooledB !== undefined) throw new Error(`this head reads single texts: example ${i + 1} is a pair (leave the second text empty)`);
  }
}

/** Logits (N, L) of the head on `examples`, in input order. */
export async function predictLogits(e: GpuEngine, head: Head, examples: readonly EncodedExample[], o: PredictOptions): Promise<Float32Array> {
  checkFeatures(examples, null, o.pair);
  const L = head.labels;
  const out = new Float32Array(examples.length * L);
  const items: TrainExample[] = examples.map((features) => ({ features, label: 0 }));
  let done = 0;
  for (const idx of evalBatches(items.length, o.batchSize ?? 64)) {
    o.signal?.throwIfAborted();
    const batch = packBatch(e, items, idx, o.tmax);
    try {
      const z = await head.forward(e, batch, false).read();
      out.set(z.subarray(0, batch.B * L), done * L);
    } finally {
      batch.release();
    }
    done += batch.B;
    o.onProgress?.(done, items.length);
  }
  return out;
}
