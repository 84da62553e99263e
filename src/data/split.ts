// splitDataset(ds, {devFraction, seed}): a stratified, seeded train/dev split.
// Design decision: each class gives round-ish `devFraction` of its examples to dev, the per-class counts chosen
// by largest remainder so the dev size is exactly round(N * devFraction) and every class's share is as close
// to its share of the whole as integers allow; a class keeps at least one example in train. Which examples go
// is a seeded shuffle per class (mulberry32); both halves keep the file's order, so a split reads naturally
// and the trainer's own seeded shuffle decides the epoch order.

import { DataError, fmtCount } from './errors';
import { mulberry32, seededShuffle } from './random';
import { countLabels } from './dataset';
import type { Dataset, Example } from './types';

export interface SplitOptions {
  /** Share of examples for dev, in (0, 1). Default 0.1. */
  devFraction?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
}

function subset(ds: Dataset, examples: Example[], skipped: Dataset['skipped']): Dataset {
  const { examples: _all, counts: _counts, skipped: _skipped, ...rest } = ds;
  return { ...rest, examples, labels: ds.labels.slice(), counts: countLabels(examples, ds.labels.length), skipped };
}

/** How many of each class go to dev: sum = round(N * f) (less only when classes must keep one in train). */
export function devQuotas(counts: readonly number[], devFraction: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const want = Math.round(total * devFraction);
  const cap = counts.map((c) => Math.max(c - 1, 0));
  const quota = counts.map((c, k) => Math.min(Math.floor(c * devFraction), cap[k]));
  let left = want - quota.reduce((a, b) => a + b, 0);
  const order = counts
    .map((c, k) => ({ k, rem: c * devFraction - Math.floor(c * devFraction) }))
    .sort((a, b) => b.rem - a.rem || a.k - b.k);
  while (left > 0) {
    let gave = false;
    for (const { k } of order) {
      if (left === 0) break;
      if (quota[k] < cap[k]) {
        quota[k]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return quota;
}

/** Splits a dataset into train and dev, stratified by label and deterministic for a seed. */
export function splitDataset(ds: Dataset, opts: SplitOptions = {}): { train: Dataset; dev: Dataset } {
  const f = opts.devFraction ?? 0.1;
  if (!(f > 0 && f < 1)) throw new DataError('bad-option', `The dev fraction must be between 0 and 1 (exclusive), not ${f}. Use e.g. 0.1 for 10%.`);
  // Stratified by each example's (first) label: for multi-label data ds.counts counts every label of a row.
  const quotas = devQuotas(countLabels(ds.examples.map((e) => ({ ...e, labels: undefined })), ds.labels.length), f);
  const nDev = quotas.reduce((a, b) => a + b, 0);
  if (nDev === 0) {
    throw new DataError(
      'too-few-examples',
      `${fmtCount(ds.examples.length)} examples are too few to split off a ${Math.round(f * 100)}% dev set. Add examples, raise the dev fraction, or give a separate dev file.`,
    );
  }
  const byClass: number[][] = ds.labels.map(() => []);
  ds.examples.forEach((e, i) => byClass[e.label].push(i));
  const rand = mulberry32(opts.seed ?? 0);
  const toDev = new Uint8Array(ds.examples.length);
  byClass.forEach((indices, k) => {
    for (const i of seededShuffle(indices, rand).slice(0, quotas[k])) toDev[i] = 1;
  });
  const train: Example[] = [];
  const dev: Example[] = [];
  ds.examples.forEach((e, i) => (toDev[i] ? dev : train).push(e));
  return { train: subset(ds, train, ds.skipped), dev: subset(ds, dev, []) };
}
