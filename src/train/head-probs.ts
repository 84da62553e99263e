// From a head's logits to what it predicts, as its file describes it (src/heads/head-task.ts): calibrated
// probabilities (softmax, or sigmoid per label for multi-label heads, of logits / T) and, multi-label, the label
// set of each row (p_k >= threshold_k). Design decision: one function for the studio and the CLI, matching the
// ONNX export's outputs (src/export/head-outputs.ts), so every surface reports the same probabilities.
import type { HeadCalibration, HeadTask } from '../heads/head-task';
import { softmaxRows } from './inference';
import { sigmoidAll } from './multi-label';

export interface HeadOutputMeta {
  task?: HeadTask;
  calibration?: HeadCalibration;
}

/** (N, L) probabilities of logits under the head's task and temperature. */
export function headProbabilities(logits: ArrayLike<number>, L: number, meta: HeadOutputMeta): Float64Array {
  const T = meta.calibration?.temperature ?? 1;
  if (meta.task?.multiLabel) return Float64Array.from(sigmoidAll(logits, T));
  if (T === 1) return softmaxRows(logits, L);
  return softmaxRows(Float64Array.from(logits, (z) => z / T), L);
}

/** Multi-label: each row's predicted labels (indices, ascending) at the head's thresholds (0.5 when absent). */
export function predictedSets(probs: ArrayLike<number>, L: number, thresholds?: readonly number[]): number[][] {
  const N = Math.floor(probs.length / L);
  return Array.from({ length: N }, (_, n) => {
    const out: number[] = [];
    for (let k = 0; k < L; k++) if (probs[n * L + k] >= (thresholds?.[k] ?? 0.5)) out.push(k);
    return out;
  });
}
