// The metadata a trained head is exported with (HeadMeta, ./serialize.ts), built the same way by the studio's
// train workflow and the CLI's `train --out`. Design decision: `training.lr` is the learning rate the run used
// (the kind's default when none was given), never null, so a file says how it was trained whoever wrote it.
import type { HeadMeta, PairHandling } from './serialize';

/** How pairs reached the encoder: side by side when it has no pair input of its own, else its pair input. */
export function pairHandling(pairData: boolean, encoderHasPairInput: boolean): PairHandling {
  if (!pairData) return 'none';
  return encoderHasPairInput ? 'pair-input' : 'side-by-side';
}

export interface HeadMetaInput {
  labels: readonly string[];
  labelTexts: readonly string[];
  encoder: { name: string; hash: string; hasPairInput: boolean };
  /** Token rows per text the head was trained with. */
  tmax: number;
  /** The data has a second text column. */
  pairData: boolean;
  /** What was trained on and how. */
  training: {
    data: string;
    head: string;
    labelColumn?: string;
    epochs: number;
    batch: number;
    lr: number;
    seed: number;
    /** 1-based epoch of the kept checkpoint, null when none was evaluated. */
    bestEpoch: number | null;
    run?: string;
    stoppedBy?: string;
  };
  metrics: { accuracy: number; macroF1: number; loss: number } & Record<string, unknown>;
  /** Multi-label heads: thresholds tuned on dev. */
  task?: HeadMeta['task'];
  /** Temperature fitted on dev. */
  calibration?: HeadMeta['calibration'];
}

export function headMeta(x: HeadMetaInput): HeadMeta {
  const t = x.training;
  const training: Record<string, unknown> = { data: t.data, head: t.head, epochs: t.epochs, batch: t.batch, lr: t.lr, seed: t.seed, best_epoch: t.bestEpoch };
  if (t.labelColumn !== undefined) training.label_column = t.labelColumn;
  if (t.run !== undefined) training.run = t.run;
  if (t.stoppedBy !== undefined) training.stoppedBy = t.stoppedBy;
  return {
    labels: x.labels.slice(),
    labelTexts: x.labelTexts.slice(),
    encoder: { name: x.encoder.name, hash: x.encoder.hash },
    tokenizer: { tmax: x.tmax, pair: pairHandling(x.pairData, x.encoder.hasPairInput) },
    training,
    metrics: { ...x.metrics },
    ...(x.task ? { task: x.task } : {}),
    ...(x.calibration ? { calibration: x.calibration } : {}),
  };
}
