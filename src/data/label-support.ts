// Too few examples of a label to learn it or to evaluate it: warnings for the CLI (stderr) and the studio's Data
// step. Design decision: fixed, documented floors — fewer than MIN_TRAIN training examples of a label is too few
// to learn (0: the head cannot predict it at all), fewer than MIN_DEV dev examples too few for its precision /
// recall / F1 (or a tuned threshold) to mean anything; warnings, never errors (the user may know better).
import { fmtCount, listNames } from './errors';
import type { Dataset } from './types';

export const MIN_TRAIN = 10;
export const MIN_DEV = 5;

export interface SupportWarning {
  kind: 'never-in-train' | 'few-train' | 'few-dev';
  labels: string[];
  message: string;
}

/** Warnings about labels with too few train (and, when given, dev) examples; [] when all is well. */
export function labelSupportWarnings(train: Dataset, dev?: Dataset): SupportWarning[] {
  const out: SupportWarning[] = [];
  // At most 10 labels named (a file with 900 labels must still give one readable line).
  const names = (ks: number[], counts: readonly number[]) =>
    ks.slice(0, 10).map((k) => `${listNames([train.labels[k]])} (${fmtCount(counts[k])})`).join(', ') + (ks.length > 10 ? ` and ${fmtCount(ks.length - 10)} more` : '');
  const never = train.labels.flatMap((_, k) => (train.counts[k] === 0 ? [k] : []));
  if (never.length) {
    out.push({
      kind: 'never-in-train',
      labels: never.map((k) => train.labels[k]),
      message: `${never.length === 1 ? 'label' : 'labels'} ${listNames(never.map((k) => train.labels[k]), 10)} never ${never.length === 1 ? 'occurs' : 'occur'} in the training set: the head cannot learn ${never.length === 1 ? 'it' : 'them'}. Add examples or remove ${never.length === 1 ? 'it' : 'them'} from the label list.`,
    });
  }
  const few = train.labels.flatMap((_, k) => (train.counts[k] > 0 && train.counts[k] < MIN_TRAIN ? [k] : []));
  if (few.length) {
    out.push({ kind: 'few-train', labels: few.map((k) => train.labels[k]), message: `few training examples (under ${MIN_TRAIN}) for ${names(few, train.counts)}: the head will hardly learn ${few.length === 1 ? 'this label' : 'these labels'}; add examples, or try --class-weights auto.` });
  }
  if (dev) {
    const fewDev = dev.labels.flatMap((_, k) => (train.counts[k] > 0 && dev.counts[k] < MIN_DEV ? [k] : []));
    if (fewDev.length) {
      out.push({ kind: 'few-dev', labels: fewDev.map((k) => dev.labels[k]), message: `few dev examples (under ${MIN_DEV}) for ${names(fewDev, dev.counts)}: their dev precision, recall and F1 say little; use a larger dev set.` });
    }
  }
  return out;
}
