// What a trained head's file says besides its weights, computed once from its dev logits: the multi-label task
// (per-label thresholds tuned on dev) and the temperature fitted on dev (calibration), plus the extra metrics
// the file records. The CLI's `train --out` and the studio's run use this one function, so a head exported from
// either carries the same thresholds and temperature.
// Design decision: thresholds are tuned on T = 1 probabilities during training; when a temperature is fitted they
// are moved to the calibrated scale (thresholdsAtTemperature), so every thresholded decision stays the same.
import type { HeadCalibration, HeadTask } from '../heads/head-task';
import { calibrate, type Calibration } from './calibration';
import { thresholdsAtTemperature } from './calibration';
import type { TrainExample } from './batches';
import type { Metrics } from './metrics';

export interface HeadOutcome {
  task?: HeadTask;
  calibration?: HeadCalibration;
  /** The full calibration fit (reliability bins, NLL), null when not calibrated. */
  fit: Calibration | null;
  /** Metrics for the file's `metrics` key beyond accuracy, macro-F1 and loss. */
  extraMetrics: Record<string, number>;
}

/**
 * `final`: the kept head on dev; `devTargets`: label ids (single-label) or label lists (multi-label).
 * `calibrated`: fit a temperature (skipped when the dev loss is not finite).
 */
export function headOutcome(final: { loss: number; metrics: Metrics; logits: ArrayLike<number> }, devTargets: readonly number[] | readonly (readonly number[])[], L: number, multi: boolean, calibrated: boolean): HeadOutcome {
  const fit = calibrated && Number.isFinite(final.loss) ? calibrate(final.logits, devTargets, L, multi ? 'sigmoid' : 'softmax') : null;
  const tuned = multi ? (final.metrics.multiLabel?.thresholds ?? new Array<number>(L).fill(0.5)) : undefined;
  const thresholds = tuned && fit ? thresholdsAtTemperature(tuned, fit.temperature) : tuned;
  const m = final.metrics;
  return {
    ...(thresholds ? { task: { multiLabel: true, thresholds: thresholds.map((t) => Math.min(0.999999, Math.max(1e-6, t))) } } : {}),
    ...(fit ? { calibration: { temperature: fit.temperature, eceBefore: fit.eceBefore, eceAfter: fit.eceAfter } } : {}),
    fit,
    extraMetrics: {
      ...(m.balancedAccuracy !== undefined ? { balancedAccuracy: m.balancedAccuracy } : {}),
      ...(m.multiLabel ? { microF1: m.multiLabel.microF1, hammingLoss: m.multiLabel.hammingLoss } : {}),
    },
  };
}

/** Dev targets as calibration and metrics take them: label ids, or label lists for multi-label. */
export function devTargets(examples: readonly Pick<TrainExample, 'label' | 'labels'>[], multi: boolean): number[] | number[][] {
  return multi ? examples.map((x) => [...(x.labels ?? [x.label])]) : examples.map((x) => x.label);
}
