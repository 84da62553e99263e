// Running a trained (or imported) head over encoded examples for `eval` and `predict`: logits in input order,
// softmax probabilities and the mean cross-entropy, computed on the CPU from the read-back logits. Design
// decision: no Trainer (no optimizer state) — inference is packBatch + head.forward + one readback per batch,
// and the examples need no labels (predict's input may have none).
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { evalBatches, packBatch } from '../train/batches';

/** Logits (N, L) of the head on the features, in input order; batches of `batchSize` consecutive examples. */
export async function headLogits(e: GpuEngine, head: Head, features: readonly EncodedExample[], tmax: number, batchSize = 64): Promise<Float32Array> {
  const L = head.labels;
  const out = new Float32Array(features.length * L); // (N, L)
  const examples = features.map((f) => ({ features: f, label: 0 }));
  let offset = 0;
  for (const idx of evalBatches(examples.length, batchSize)) {
    const batch = packBatch(e, examples, idx, tmax);
    try {
      const logits = head.forward(e, batch, false); // (B, L)
      const z = await logits.read();
      out.set(z.subarray(0, batch.B * L), offset * L);
      offset += batch.B;
    } finally {
      batch.release();
    }
  }
  return out;
}

/** Row-wise softmax of logits (N, L), in float64 with the max subtracted. */
export function softmaxRows(logits: ArrayLike<number>, L: number): Float64Array {
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
