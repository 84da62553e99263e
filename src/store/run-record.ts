// One training run as the studio keeps it: what was trained on what, its live series and final metrics. The train
// workflow builds it; the run history (IndexedDB) stores it and lists it after a reload. Design decision: plain,
// structured-cloneable data only (no GPU objects, no class instances), versioned, so old records stay readable.
// The head's weights are NOT in the record: they are a head file in the history's "heads" store (run-keep.ts),
// and `weights` says whether it is there (a record whose weights were evicted for the size budget stays).
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
  /**
   * Why it ended: the trainer's reasons, a lost GPU device, an error ('failed', the reason in `message`), or
   * 'interrupted' (the page was closed or reloaded mid-run: its last saved progress); 'running' while it trains.
   */
  stoppedBy: RunStop;
  message: string;
  /** Seconds spent encoding (0 when every text came from the cache) and training. */
  timings: { encode: number; train: number };
  /** The head file kept for this run (absent: none was saved, e.g. a run from before heads were kept). */
  weights?: RunWeights;
}

export type RunStop = StopReason | 'device-lost' | 'failed' | 'interrupted' | 'running';

/** The run's head file in the history (run-keep.ts). */
export interface RunWeights {
  /** 'kept': the head file is stored; 'evicted': dropped to stay within the size budget (or refused by the browser). */
  state: 'kept' | 'evicted';
  /** Size of the head file. */
  bytes: number;
  /** ISO time the head file was written. */
  savedAt: string;
  /** The run's final head, or its best checkpoint so far (a run still training, interrupted, or failed). */
  of: 'final' | 'checkpoint';
  /** Why the weights are not kept. */
  note?: string;
}
