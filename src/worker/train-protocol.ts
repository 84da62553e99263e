// The messages between the page (train-client.ts) and the trainer Web Worker (train-worker.ts, train-host.ts).
// Design decisions: a run is one 'train' request whose id every later message names (control requests carry it
// as `target`); the job and its outcome are src/train/train-job.ts's plain data (cached features or token ids in,
// the kept head's parameters and dev logits out, transferred), so a token-id head kind needs no new message;
// errors cross as data (./protocol.ts errorToData). The worker owns its WebGPU device: the page never sees it,
// only the adapter it ran on.
import type { AdapterReport } from '../gpu/device';
import type { RunEstimate } from '../train/estimate';
import type { MeasureSpec, StepMeasure } from '../train/measure-job';
import type { Checkpoint, TrainJobOutcome, TrainJobSpec } from '../train/train-job';
import type { EvalRecord, StepRecord } from '../train/trainer';
import type { WorkerError } from './protocol';

export type TrainRequest =
  | { type: 'train'; id: number; job: TrainJobSpec }
  /** Time a step of a head kind on synthetic features of the run's shape (sizing a run before anything is encoded). */
  | { type: 'measure'; id: number; spec: MeasureSpec }
  /** Pause / resume / stop run `target` (a stopped run keeps its best checkpoint; a paused one can be stopped). */
  | { type: 'pause' | 'resume' | 'stop'; id: number; target: number }
  /** Stop any run, release the device. */
  | { type: 'dispose'; id: number };

export type TrainResponse =
  /** The run has a device and a head: the adapter it trains on. */
  | { type: 'started'; id: number; adapter: AdapterReport }
  | { type: 'estimate'; id: number; estimate: RunEstimate }
  | { type: 'step'; id: number; record: StepRecord }
  | { type: 'eval'; id: number; record: EvalRecord }
  /** A new best checkpoint's parameters (copied: the worker keeps its own for a device loss). */
  | { type: 'checkpoint'; id: number; best: Checkpoint }
  /** The run's ending (finished, device lost, failed); parameter and logit buffers are transferred. */
  | { type: 'outcome'; id: number; outcome: TrainJobOutcome }
  | { type: 'disposed'; id: number }
  /** The answer to 'measure'. */
  | { type: 'measured'; id: number; measure: StepMeasure }
  /** The request could not run at all (no WebGPU in the worker, a second run while one trains, a bad request). */
  | { type: 'error'; id: number; error: WorkerError };
