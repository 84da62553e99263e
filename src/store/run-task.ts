// The task side of a studio run (issue 13): single- or multi-label objective and class weights for the trainer's
// options, and, once the run has ended, the head file's task (per-label thresholds tuned on dev) and temperature
// fitted on dev. Design decision: the CLI's code does the work (train/class-weights.ts, train/head-outcome.ts);
// this module only maps the studio's dataset and Train form onto it, so a studio export carries exactly what
// `labeltune train --out` writes.
import { classWeightsFor, parseClassWeights } from '../train/class-weights';
import { devTargets, headOutcome, type HeadOutcome } from '../train/head-outcome';
import type { TrainExample } from '../train/batches';
import type { Metrics } from '../train/metrics';
import type { TrainOptions } from '../train/trainer';
import type { CurrentDataset } from './data-prep';
import type { TrainForm } from './train-slice';

/** The Train form's class-weights field in words of the errors (empty = none, "auto", or "name=w,..."). */
export function classWeightsError(spec: string | undefined, labels: readonly string[]): string | null {
  const s = (spec ?? '').trim();
  if (!s) return null;
  try {
    parseClassWeights(s, labels);
    return null;
  } catch (err) {
    return `Class weights: ${(err instanceof Error ? err.message : String(err)).replace(/--class-weights/g, 'the class-weights field')}`;
  }
}

/** The objective and class weights of a run on `ds` (a patch over trainOptions()). Throws on a bad weights field. */
export function taskOptions(ds: CurrentDataset, form: TrainForm): Pick<TrainOptions, 'classWeights'> & Partial<Pick<TrainOptions, 'objective'>> {
  const multi = !!ds.train.multiLabel;
  const s = (form.classWeights ?? '').trim();
  const spec = s ? parseClassWeights(s, ds.train.labels) : null;
  return {
    ...(multi ? { objective: 'multilabel' as const } : {}),
    classWeights: classWeightsFor(spec, ds.train.labels, ds.train.counts, ds.train.examples.length, multi),
  };
}

/** The kept head's task and calibration for its file (as the CLI's train --out). */
export function runOutcome(final: { loss: number; metrics: Metrics; logits: ArrayLike<number> }, dev: readonly TrainExample[], L: number, multi: boolean): HeadOutcome {
  return headOutcome(final, devTargets(dev, multi), L, multi, true);
}
