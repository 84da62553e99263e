// Number formatting shared by the train and results views (percentages, durations, rates), and head titles.
import { headEntry, isHeadKind } from '../../heads/registry';

export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** A head kind's title and one-line description, from the registry (a name that is not a kind shows as is). */
export function headInfo(kind: string): { title: string; blurb: string } {
  return isHeadKind(kind) ? headEntry(kind) : { title: kind, blurb: '' };
}

/** The epoch a live run is in (1-based), from its last step: the tile and the status strip say the same. */
export function liveEpoch(run: { steps: readonly { step: number }[]; evals: readonly { epoch: number }[]; dataset: { train: number }; options: { batchSize: number; epochs: number } }): number {
  const last = run.steps.at(-1);
  const stepsPerEpoch = Math.max(1, Math.ceil(run.dataset.train / run.options.batchSize));
  if (last) return Math.min(run.options.epochs, Math.floor((last.step - 1) / stepsPerEpoch) + 1);
  const lastEval = run.evals.at(-1);
  return lastEval ? lastEval.epoch + 1 : 0;
}

/**
 * Seconds left in a live run at its recent speed (steps still to take x seconds per step so far), NaN before the
 * first steps. Evaluations are inside the measured time, so they are counted too.
 */
export function trainEtaSeconds(run: { steps: readonly { step: number }[]; dataset: { train: number }; options: { batchSize: number; epochs: number }; timings: { train: number } }): number {
  const last = run.steps.at(-1);
  if (!last || last.step < 2 || !(run.timings.train > 0)) return Number.NaN;
  const total = Math.ceil(run.dataset.train / run.options.batchSize) * run.options.epochs;
  return Math.max(0, total - last.step) * (run.timings.train / last.step);
}

/**
 * A train-sample size that trains in about `seconds` at `examplesPerSecond` for `epochs` epochs, rounded down to
 * a round number (at least `labels` x 10), or null when the whole set already fits.
 */
export function sampleForSeconds(examplesPerSecond: number, epochs: number, trainSize: number, labels: number, seconds = 60): number | null {
  if (!(examplesPerSecond > 0) || !(epochs > 0)) return null;
  const fits = Math.floor((examplesPerSecond * seconds) / epochs);
  if (fits >= trainSize) return null;
  const step = fits >= 1000 ? 500 : fits >= 200 ? 50 : 10;
  return Math.max(labels * 10, Math.floor(fits / step) * step);
}

/** How a label shows on the page: its text when the user gave one ("a positive review (1)"), else its name. */
export function labelDisplay(name: string, text: string | undefined): string {
  const t = text?.trim();
  return t && t !== name ? `${t} (${name})` : name;
}

/** Every label's display name (label texts over raw names). */
export function labelsShown(names: readonly string[], texts: readonly string[] | undefined): string[] {
  return names.map((n, i) => labelDisplay(n, texts?.[i]));
}
