// One row of the training benchmark (bench/train.bench.ts; the finetune row from bench/train-finetune.ts): the
// three sides' timings, peak memory and the losses of the two checked steps. Design decision: B and T are part
// of the row, because the finetune row runs a smaller batch than the head rows (the whole encoder trains).
import type { HeadKind } from '../src/heads/registry';
import type { TrainOptions } from '../src/train/trainer';
import type { Measured } from './timing';

export interface Losses {
  ours: number[];
  tfjs: number[];
  ref: number[];
}

export interface Row {
  head: HeadKind;
  /** Examples per step and padded tokens per example of this row. */
  B: number;
  T: number;
  objective: TrainOptions['objective'];
  params: number;
  n: number;
  ours: Measured;
  tfjs: Measured;
  ref: Measured;
  oursPeak: number;
  tfjsPeakGpu: number;
  tfjsPeakTensor: number;
  refRss: number;
  losses: Losses;
  lossOk: boolean;
}
