// Number formatting shared by the train and results views (percentages, durations, rates), and head titles.
import { headEntry, isHeadKind } from '../../heads/registry';

export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const s = Math.round(seconds); // round first: 479.6 s is "8 min 0 s", not "7 min 60 s"
  return `${Math.floor(s / 60)} min ${s % 60} s`;
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
 * Seconds left in a live run at its recent speed: steps still to take x batch x the mean seconds per example of
 * the last (up to) 10 step records, NaN before the second record. Each record's examples/s covers the time since
 * the one before it, dev evaluations included; the first record is skipped (it carries the worker's start:
 * device, pipeline compiles, the measured steps), which made a whole-run average overestimate early ETAs.
 */
export function trainEtaSeconds(run: { steps: readonly { step: number; examplesPerSecond: number }[]; dataset: { train: number }; options: { batchSize: number; epochs: number } }): number {
  const last = run.steps.at(-1);
  const recent = run.steps.slice(1).slice(-10).filter((r) => r.examplesPerSecond > 0 && Number.isFinite(r.examplesPerSecond));
  if (!last || recent.length === 0) return Number.NaN;
  const secondsPerExample = recent.reduce((a, r) => a + 1 / r.examplesPerSecond, 0) / recent.length;
  const total = Math.ceil(run.dataset.train / run.options.batchSize) * run.options.epochs;
  return Math.max(0, total - last.step) * run.options.batchSize * secondsPerExample;
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
