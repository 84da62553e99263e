// One training run as the studio keeps it: what was trained on what, its live series and final metrics. The train
// workflow builds it; the run history (IndexedDB) stores it and lists it after a reload. Design decision: plain,
// structured-cloneable data only (no GPU objects, no class instances), versioned, so old records stay readable.
import type { HeadKind } from '../heads/registry';
import type { Metrics } from '../train/metrics';
import type { EvalRecord, StepRecord, StopReason, TrainOptions } from '../train/trainer';

export const RUN_RECORD_VERSION = 1;

export interface RunRecord {
  version: typeof RUN_RECORD_VERSION;
  /** Unique id (e.g. `run-<time>-<random>`). */
  id: string;
  /** ISO-8601 start time. */
  createdAt: string;
  /** Dataset name (file name or "SpamAssassin demo"), and sizes. */
  dataset: { name: string; train: number; dev: number; pair: boolean };
  encoder: { name: string; hash: string };
  head: HeadKind;
  labels: string[];
  labelTexts: string[];
  options: TrainOptions;
  /** Training loss read back during training (decimate before charting). */
  steps: StepRecord[];
  /** Dev evaluations (loss + metrics). */
  evals: EvalRecord[];
  /** Metrics of the kept (best) checkpoint on dev, or null if the run never evaluated. */
  best: Metrics | null;
  stoppedBy: StopReason | 'device-lost' | 'running';
  message: string;
  /** Seconds spent encoding (0 when every text came from the cache) and training. */
  timings: { encode: number; train: number };
}
