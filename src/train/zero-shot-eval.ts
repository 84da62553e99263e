// The zero-shot head's score on a dev set, before any training (the Train step's preview and a run's baseline).
// Design decision: a multi-label dev set is scored per label, not by its first label: sigmoid of each label's
// cosine, a threshold per label tuned on dev (best F1, the rule the trainer's multi-label dev evaluations use),
// micro/macro-F1 and subset accuracy over every label of a row.
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import { buildHead } from '../heads/registry';
import type { TrainExample } from './batches';
import { sigmoidAll, tunedMultiLabelMetrics } from './multi-label';
import { Trainer } from './trainer';

export interface ZeroShotScore {
  /** Single-label: accuracy; multi-label: subset accuracy (every label of a row right). */
  accuracy: number;
  macroF1: number;
  dev: number;
  /** A multi-label dev set: scored per label (sigmoid of each cosine, a threshold per label tuned on dev). */
  multiLabel?: { microF1: number; subsetAccuracy: number };
}

/** The zero-shot head's scale: its logits are ZERO_SHOT_SCALE * cosine (heads/kinds/zero-shot.ts). */
const ZERO_SHOT_SCALE = 20;

/**
 * Multi-label zero-shot scores from the head's logits (n, L): sigmoid(cosine) per label, thresholds tuned on these
 * rows. accuracy = subset accuracy (every label of the row right), as in the trained heads' multi-label metrics.
 */
export function zeroShotMultiLabel(logits: Float32Array, dev: readonly TrainExample[], L: number): ZeroShotScore {
  const m = tunedMultiLabelMetrics(sigmoidAll(logits, ZERO_SHOT_SCALE), dev.map((x) => x.labels ?? [x.label]), L);
  return { accuracy: m.accuracy, macroF1: m.macroF1, dev: dev.length, multiLabel: { microF1: m.multiLabel!.microF1, subsetAccuracy: m.multiLabel!.subsetAccuracy } };
}

/** Accuracy and macro-F1 on dev of the zero-shot head built from label features (multi-label: per label, above). */
export async function evaluateZeroShot(engine: GpuEngine, C: number, labelFeatures: EncodedExample[], dev: readonly TrainExample[]): Promise<ZeroShotScore> {
  const head = buildHead(engine, 'zeroshot', { C, labels: labelFeatures.length, pair: false, labelFeatures, seed: 0 });
  // The zero-shot head reads only pooled vectors: one token row per example keeps the upload small.
  const trainer = new Trainer(engine, head, { batchSize: 256, tmax: 1 });
  try {
    if (dev.some((x) => x.labels)) return zeroShotMultiLabel(await trainer.logitsOf(dev), dev, head.labels);
    const r = await trainer.evaluate(dev);
    return { accuracy: r.metrics.accuracy, macroF1: r.metrics.macroF1, dev: dev.length };
  } finally {
    trainer.dispose();
    head.dispose();
  }
}
