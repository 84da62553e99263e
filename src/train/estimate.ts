// How long a whole training run will take, from a measured step: what the CLI prints and the studio shows before a
// slow run (full fine-tuning, encoder-in-the-loop heads) starts. Design decision: measure, never guess — the
// trainer times a few real steps on a representative batch (the longest of a sample, so the estimate errs long),
// then the run restores its exact starting state; evaluation passes are costed at a third of a training step per
// example (a forward without backward or optimizer); the callers show it with the adapter that measured it.
import type { GpuEngine } from '../gpu/engine';
import { packBatch, exampleLength, type TrainExample } from './batches';
import type { Trainer } from './trainer';

export interface RunEstimate {
  /** Median measured seconds per training step. */
  stepSeconds: number;
  steps: number;
  /** Training plus one dev evaluation per epoch. */
  totalSeconds: number;
  /** Batch the step was measured on. */
  B: number;
  T: number;
}

/** Measure `trainer`'s step on a long batch of `train` and cost the run (epochs x steps + dev passes). */
export async function estimateRun(e: GpuEngine, trainer: Trainer, train: readonly TrainExample[], devSize: number, n = 2): Promise<RunEstimate> {
  const o = trainer.options;
  const B = Math.min(o.batchSize, train.length);
  // The B longest of (up to) the first 512 examples: padding makes a step's cost follow its longest row.
  const sample = train.slice(0, 512).map((x, i) => [exampleLength(x), i] as const).sort((a, b) => b[0] - a[0]).slice(0, B).map(([, i]) => i);
  const batch = packBatch(e, train, sample, o.tmax);
  let times: number[];
  try {
    times = await trainer.measureStep(batch, n);
  } finally {
    batch.release();
  }
  const stepSeconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const steps = Math.ceil(train.length / o.batchSize) * o.epochs;
  // A pair-scoring head (L-Tuning) runs 2 pairs per text in a training step but all L in evaluation.
  const pairFactor = trainer.head.scoresPairs ? trainer.head.labels / 2 : 1;
  const evalSeconds = (pairFactor * Math.ceil(devSize / Math.max(o.batchSize, 64)) * Math.max(o.batchSize, 64) * stepSeconds) / (3 * B);
  return { stepSeconds, steps, totalSeconds: steps * stepSeconds + o.epochs * evalSeconds, B, T: batch.T };
}

/** "12 min 30 s" / "45 s" / "2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 90) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
